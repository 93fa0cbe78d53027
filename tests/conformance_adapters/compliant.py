"""Products that make other legal choices than the reference adapter: each must pass the whole catalogue.

The suite is fair only if every behaviour the rules allow passes: a subscription cache of up to 7 days
(ABO-01), one letter per batch, the asynchronous client, and its own (slower) retry and polling timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import httpx

from mobb_sdk import (
    AsyncClient,
    Batch,
    Bericht,
    Client,
    ClientConfig,
    Oin,
    Outcome,
    OutcomeStatus,
    RetryPolicy,
    VerwerkingsCode,
)
from mobb_sdk.conformance import AdapterContext
from mobb_sdk.conformance.reference import ReferenceAdapter

#: ABO-01: how long a subscription check may be reused.
CHECK_VALID_FOR = timedelta(days=7)


class CachingProduct(ReferenceAdapter):
    """Remembers each subscription answer for 7 days, on the clock the request gives (``now``).

    It asks ValidateAbonnementen only for recipients it has no answer of at most 7 days for, reports the
    others for paper at once, and forgets a subscription Logius answers NietActiefOfGeabonneerd for.
    """

    def __init__(self) -> None:
        self.valid_for = CHECK_VALID_FOR
        #: (sender, bsn, BerichtType) -> (when asked, may receive)
        self.cache: dict[tuple[str, str, str], tuple[datetime, bool]] = {}
        #: How many letters went out on a remembered answer (the self-test checks the cache was used).
        self.reused = 0

    def deliver(self, client: Client, berichten: list[Bericht], request: Mapping[str, Any]) -> list[Outcome]:
        now = datetime.fromisoformat(request["now"])
        sender = request["sender_oin"]
        stale: dict[str, list[Bericht]] = {}
        for b in berichten:
            hit = self.cache.get((sender, b.bsn.value, b.bericht_type))
            if hit is None or now - hit[0] > self.valid_for:
                stale.setdefault(b.bericht_type, []).append(b)
            else:
                self.reused += 1
        for bericht_type, group in stale.items():
            answers = client.check_subscriptions(bericht_type, [b.bsn for b in group])
            for b in group:
                self.cache[(sender, b.bsn.value, bericht_type)] = (now, answers[b.bsn])
        allowed = [b for b in berichten if self.cache[(sender, b.bsn.value, b.bericht_type)][1]]
        poll = float(request.get("options", {}).get("poll_interval_seconds", 1.0))
        sent = client.deliver(
            allowed,
            deadline=timedelta(seconds=float(request["deadline_seconds"])),
            poll_interval=poll,
            check_subscriptions=False,
            max_resends=self.max_resends,
        )
        by_id = {o.bericht_id: o for o in sent}
        outcomes = []
        for b in berichten:
            outcome = by_id.get(b.bericht_id) or Outcome(b.bericht_id, b.bsn, OutcomeStatus.PAPER)
            if outcome.code is VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD:
                self.cache[(sender, b.bsn.value, b.bericht_type)] = (now, False)
            outcomes.append(outcome)
        return outcomes


class OneLetterPerBatch(ReferenceAdapter):
    """Every letter in a batch of its own, in document mode and in live mode."""

    def split(self, afzender: Oin, berichten: list[Bericht], aanmaak: Any) -> list[Batch]:
        if aanmaak is None:
            return [Batch(afzender, [b]) for b in berichten]
        return [Batch(afzender, [b], aanmaak_datum=aanmaak) for b in berichten]

    def deliver(self, client: Client, berichten: list[Bericht], request: Mapping[str, Any]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for b in berichten:
            outcomes.extend(super().deliver(client, [b], request))
        return outcomes


class AsyncProduct(ReferenceAdapter):
    """Delivers with :class:`mobb_sdk.AsyncClient` on its own event loop."""

    def run_case(self, request: dict[str, Any], context: AdapterContext) -> dict[str, Any]:
        self.context = context
        return super().run_case(request, context)

    def deliver(self, client: Client, berichten: list[Bericht], request: Mapping[str, Any]) -> list[Outcome]:
        transport = self.context.transport
        poll = float(request.get("options", {}).get("poll_interval_seconds", 1.0))

        async def run() -> list[Outcome]:
            async_transport = transport if isinstance(transport, httpx.AsyncBaseTransport) else None
            async with AsyncClient(self.config(request), transport=async_transport) as aclient:
                return await aclient.deliver(
                    berichten,
                    deadline=timedelta(seconds=float(request["deadline_seconds"])),
                    poll_interval=poll,
                    check_subscriptions=self.check_subscriptions,
                    max_resends=self.max_resends,
                )

        return asyncio.run(run())


class PatientProduct(ReferenceAdapter):
    """Its own timing within the rules: polls every 0.25 s and waits 0.2 s before retrying a failed call,
    ignoring the suite's suggested 0.02 s."""

    def config(self, request: Mapping[str, Any]) -> ClientConfig:
        config = super().config(request)
        return attrs.evolve(config, retry=RetryPolicy(max_attempts=4, base_delay=0.2, max_delay=0.4))

    def deliver(self, client: Client, berichten: list[Bericht], request: Mapping[str, Any]) -> list[Outcome]:
        slow = {**request, "options": {**request.get("options", {}), "poll_interval_seconds": 0.25}}
        return super().deliver(client, berichten, slow)


#: The compliant variants: each must pass every case it runs.
COMPLIANT: tuple[type[ReferenceAdapter], ...] = (
    CachingProduct,
    OneLetterPerBatch,
    AsyncProduct,
    PatientProduct,
)

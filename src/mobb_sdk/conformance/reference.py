"""The reference adapter: mobb-sdk itself as the product under test. It passes every case of the catalogue.

It is what a Python product's adapter looks like, and what the suite's self-test runs. Document mode
builds the models from the request (a value the models refuse is refused with its rule id), splits the
letters into batches of at most 1000 letters and 100,000,000 bytes, validates each batch (XSDs and
rules) and serialises it with :func:`mobb_sdk.to_xml`. Live mode hands the letters to
:meth:`mobb_sdk.Client.deliver`, which checks subscriptions, sends, retries transport failures with the
same ids and follows the results until the deadline.

Its policy beyond the SDK's defaults: a URL glued to text or punctuation (BER-07, a warning in the SDK)
is refused rather than rendered wrongly. Each step is a method, so a subclass can change one thing
(the self-test's deliberately broken adapters do exactly that).

Use it from the command line as ``mobb conformance run --adapter mobb_sdk.conformance.reference:ReferenceAdapter``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx

from mobb_sdk import (
    Batch,
    Bericht,
    Bijlage,
    Client,
    ClientConfig,
    EbmsConfig,
    InvalidValueError,
    Oin,
    Outcome,
    OutcomeStatus,
    RetryPolicy,
    SenderProfile,
    Severity,
    Timeouts,
    TlsConfig,
    Violation,
    WusConfig,
    __version__,
    check_batch,
    to_xml,
    validate,
)
from mobb_sdk.conformance._adapters import AdapterContext

__all__ = ["ReferenceAdapter"]

#: Rules whose warnings this product treats as errors: it does not send what Logius renders wrongly.
STRICT_RULES: Final = frozenset({"BER-07"})
#: Documents larger than this are handed back as a file path, not inline in the JSON answer.
INLINE_LIMIT: Final = 1_000_000
#: Where letters of a ``hold`` request wait for the next request (in the case's work directory).
HELD_FILE: Final = "held-letters.json"


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class Refused(Exception):
    """A letter or batch this product will not send; carries the rule and where."""

    def __init__(self, rule: str, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason
        self.field = field


class ReferenceAdapter:
    """The adapter protocol implemented on mobb-sdk. Subclass it and override one method to change one step."""

    product: Mapping[str, str] = {"name": "mobb-sdk reference adapter", "version": __version__}
    #: Ask ValidateAbonnementen before delivery (ABO-01).
    check_subscriptions: bool = True
    #: Resends (same ids, RES-04) after an ebMS FAILED or EXPIRED delivery event.
    max_resends: int = 3

    def run_case(self, request: dict[str, Any], context: AdapterContext) -> dict[str, Any]:
        if request["mode"] == "document":
            return self.document(request, context)
        return self.live(request, context)

    # --- building letters -------------------------------------------------------------------------------

    def attachment(self, item: Mapping[str, Any], position: int, context: AdapterContext) -> Bijlage:
        if "content_base64" in item:
            content = base64.b64decode(item["content_base64"])
        else:
            path = Path(item["path"])
            content = (path if path.is_absolute() else context.workdir / path).read_bytes()
        return Bijlage(inhoud=content, omschrijving=item["omschrijving"], volgorde=position)

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        """The model of one requested letter; raises InvalidValueError when a value breaks a rule."""
        return Bericht.create(
            bsn=letter["bsn"],
            bericht_type=letter["bericht_type"],
            onderwerp=letter["onderwerp"],
            bericht_tekst=letter.get("bericht_tekst"),
            referentie=letter.get("referentie"),
            publicatie_datum=_moment(letter.get("publicatie_datum")),
            eind_datum_handelings_termijn=_moment(letter.get("eind_datum_handelings_termijn")),
            bijlagen=[
                self.attachment(item, i, context)
                for i, item in enumerate(letter.get("attachments", ()), start=1)
            ],
        )

    def strict(self, violations: Sequence[Violation]) -> Violation | None:
        """The first error, or the first warning of a rule this product treats as an error."""
        for v in violations:
            if v.severity is Severity.ERROR or v.rule in STRICT_RULES:
                return v
        return None

    # --- document mode ---------------------------------------------------------------------------------

    def split(self, afzender: Oin, berichten: list[Bericht], aanmaak: datetime | None) -> list[Batch]:
        """Batches of at most 1000 letters (BATCH-01) and 100,000,000 bytes (BATCH-02, halving)."""
        sizing = SenderProfile(check_pdf=False)
        queue = Batch.split(afzender, berichten)
        done: list[Batch] = []
        while queue:
            batch = queue.pop(0)
            too_big = any(v.rule == "BATCH-02" for v in check_batch(batch, sizing).errors)
            if too_big and len(batch) > 1:
                half = len(batch) // 2
                queue[:0] = [Batch(afzender, batch.berichten[:half]), Batch(afzender, batch.berichten[half:])]
                continue
            done.append(batch)
        if aanmaak is not None:
            done = [Batch(b.afzender, b.berichten, aanmaak_datum=aanmaak) for b in done]
        return done

    def serialise(self, batch: Batch) -> bytes:
        return to_xml(batch)

    def document(self, request: Mapping[str, Any], context: AdapterContext) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "protocol": request["protocol"],
            "case_id": request["case_id"],
            "product": dict(self.product),
        }
        try:
            documents = self.produce(request, context)
        except Refused as exc:
            refusal = {"rule": exc.rule, "reason": exc.reason}
            if exc.field:
                refusal["field"] = exc.field
            return {**answer, "refusal": refusal}
        answer["documents"] = []
        for n, data in enumerate(documents, start=1):
            if len(data) > INLINE_LIMIT:
                path = context.workdir / f"{request['case_id']}.{n}.xml"
                path.write_bytes(data)
                answer["documents"].append({"path": str(path)})
            else:
                answer["documents"].append({"xml_base64": base64.b64encode(data).decode("ascii")})
        return answer

    def produce(self, request: Mapping[str, Any], context: AdapterContext) -> list[bytes]:
        berichten = []
        for i, letter in enumerate(request["letters"]):
            try:
                berichten.append(self.bericht(letter, context))
            except InvalidValueError as exc:
                raise Refused(exc.rule, exc.message, f"letters[{i}].{exc.field}") from None
        try:
            afzender = Oin(request["sender_oin"])
        except InvalidValueError as exc:
            raise Refused(exc.rule, exc.message, "sender_oin") from None
        moment = datetime.fromisoformat(request["delivery_moment"])
        profile = SenderProfile(
            sender_oin=afzender,
            active_bericht_types=request.get("active_bericht_types"),
            clock=lambda: moment,
        )
        documents = []
        for batch in self.split(afzender, berichten, _moment(request.get("aanmaak_datum"))):
            problem = self.strict(validate(batch, profile=profile).violations)
            if problem is not None:
                raise Refused(problem.rule, problem.message, problem.path or None)
            documents.append(self.serialise(batch))
        return documents

    # --- live mode -----------------------------------------------------------------------------------------

    def config(self, request: Mapping[str, Any]) -> ClientConfig:
        endpoints = request["endpoints"]
        delay = float(request.get("options", {}).get("retry_delay_seconds", 0.5))
        return ClientConfig(
            sender_oin=request["sender_oin"],
            ebms=EbmsConfig(
                url=endpoints["ebms_url"],
                cpa_id=endpoints["cpa_id"],
                party_oin=endpoints["party_id"].removeprefix("urn:osb:oin:"),
                logius_oin=endpoints["logius_party_id"].removeprefix("urn:osb:oin:"),
            ),
            wus=WusConfig(url=endpoints["wus_url"]),
            tls=TlsConfig(allow_insecure_http=True),
            timeouts=Timeouts(connect=5.0, read=30.0, write=30.0, pool=5.0),
            retry=RetryPolicy(max_attempts=5, base_delay=delay, max_delay=delay, max_retry_after=delay),
        )

    def deliver(self, client: Client, berichten: list[Bericht], request: Mapping[str, Any]) -> list[Outcome]:
        poll = float(request.get("options", {}).get("poll_interval_seconds", 1.0))
        return client.deliver(
            berichten,
            deadline=timedelta(seconds=float(request["deadline_seconds"])),
            poll_interval=poll,
            check_subscriptions=self.check_subscriptions,
            max_resends=self.max_resends,
        )

    def transport(self, context: AdapterContext) -> httpx.BaseTransport | None:
        """The httpx transport of the client: the in-process simulator, or ``None`` for the network."""
        return context.transport

    def outcome(self, ref: str, outcome: Outcome) -> dict[str, Any]:
        item: dict[str, Any] = {
            "ref": ref,
            "outcome": outcome.status.value,
            "bericht_id": str(outcome.bericht_id),
        }
        if outcome.code is not None:
            item["code"] = outcome.code.value
        if outcome.batch_id is not None:
            item["batch_id"] = str(outcome.batch_id)
        if outcome.status is OutcomeStatus.REFUSED:
            first = self.strict(outcome.violations) or (outcome.violations[0] if outcome.violations else None)
            item["rule"] = first.rule if first is not None else "XSD"
            item["reason"] = first.message if first is not None else "refused"
        elif outcome.detail:
            item["reason"] = outcome.detail
        return item

    def held_letters(self, request: Mapping[str, Any], context: AdapterContext) -> list[dict[str, Any]]:
        """The letters an earlier request of this case asked to hold (``hold``), when this one delivers them."""
        path = context.workdir / HELD_FILE
        if not request.get("held") or not path.exists():
            return []
        letters: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["letters"]
        path.unlink()
        return letters

    def hold(
        self, request: Mapping[str, Any], letters: list[Mapping[str, Any]], context: AdapterContext
    ) -> None:
        """Keep accepted letters until the next request: as an outbox does, in a file of the case's work dir."""
        held = {"accepted": request.get("now"), "letters": list(letters)}
        (context.workdir / HELD_FILE).write_text(json.dumps(held), encoding="utf-8")

    def live(self, request: Mapping[str, Any], context: AdapterContext) -> dict[str, Any]:
        items: dict[str, dict[str, Any]] = {}
        berichten: list[Bericht] = []
        order: list[str] = []
        sender = Oin(request["sender_oin"])
        profile = SenderProfile(sender_oin=sender)
        held = self.held_letters(request, context)
        accepted: list[Mapping[str, Any]] = []
        for letter in [*held, *request["letters"]]:
            ref = letter["ref"]
            try:
                bericht = self.bericht(letter, context)
            except InvalidValueError as exc:
                items[ref] = {"ref": ref, "outcome": "refused", "rule": exc.rule, "reason": exc.message}
                continue
            problem = self.strict(check_batch(Batch(sender, [bericht]), profile).violations)
            if problem is not None and problem.severity is Severity.WARNING:
                items[ref] = {
                    "ref": ref,
                    "outcome": "refused",
                    "rule": problem.rule,
                    "reason": problem.message,
                }
                continue
            berichten.append(bericht)
            order.append(ref)
            accepted.append(letter)
        if request.get("hold"):
            # Accepted and checked, not handed over yet: the next request of the case delivers them.
            self.hold(request, accepted, context)
            for ref in order:
                items[ref] = {"ref": ref, "outcome": "pending", "reason": "held until the next request"}
            berichten = []
        if berichten:
            with Client(self.config(request), transport=self.transport(context)) as client:
                # deliver() answers one outcome per letter, in the order given.
                for ref, outcome in zip(order, self.deliver(client, berichten, request), strict=True):
                    items[ref] = self.outcome(ref, outcome)
        refs = [letter["ref"] for letter in [*held, *request["letters"]]]
        letters = [items[ref] for ref in refs if ref in items]
        return {
            "protocol": request["protocol"],
            "case_id": request["case_id"],
            "product": dict(self.product),
            "letters": letters,
        }

"""Deliberately broken adapters: the reference adapter with one defect each.

:data:`AIMED` maps each to the exact set of cases that must fail for it (and only those): the self-test
proves every case can fail, and that it fails for the defect it is aimed at.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx

from mobb_sdk import Batch, Bericht, Client, InvalidValueError, Oin, Outcome, OutcomeStatus, VerwerkingsCode
from mobb_sdk.conformance import AdapterContext
from mobb_sdk.conformance.reference import ReferenceAdapter

_GUID = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class RewritingTransport(httpx.BaseTransport):
    """Wraps the real transport and changes what the product sends: the broken wire behaviour."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    @staticmethod
    def with_payload(request: httpx.Request, change: Callable[[bytes], bytes]) -> httpx.Request:
        body = json.loads(request.read())
        source = body["dataSources"][0]
        xml = change(base64.b64decode(source["content"]))
        source["content"] = base64.b64encode(xml).decode()
        batch = re.search(rb"<[^>]*BatchID>([^<]+)<", xml)
        if batch is not None:
            body["properties"]["conversationId"] = batch.group(1).decode()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        return httpx.Request(
            request.method, request.url, headers=headers, json=body, extensions=request.extensions
        )


def _transport(context: AdapterContext) -> httpx.BaseTransport:
    return context.transport if context.transport is not None else httpx.HTTPTransport()


def _is_send(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/ebms/messages")


class _NewIds(RewritingTransport):
    """After a failed send, or when asked to resend (PUT), it sends the batch again with new ids."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        super().__init__(inner)
        self.sent: dict[str, httpx.Request] = {}

    @staticmethod
    def fresh(xml: bytes) -> bytes:
        mapping: dict[bytes, bytes] = {}
        return _GUID.sub(lambda m: mapping.setdefault(m.group(), str(uuid.uuid4()).encode()), xml)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and "/ebms/messages/" in request.url.path:
            original = self.sent.get(request.url.path.rsplit("/", 1)[1])
            if original is not None:
                url = request.url.copy_with(path=request.url.path.rsplit("/", 1)[0])
                retry = httpx.Request("POST", url, headers=original.headers, content=original.content)
                return self.handle_request(self.with_payload(retry, self.fresh))
        if not _is_send(request):
            return self.inner.handle_request(request)
        request.read()
        try:
            response = self.inner.handle_request(request)
            response.read()
            failed = response.status_code >= 500
        except httpx.TransportError:
            failed = True
        if failed:
            request = self.with_payload(request, self.fresh)
            response = self.inner.handle_request(request)
            response.read()
        if response.status_code == 200:
            self.sent[response.text.strip()] = request
        return response


class NewIdsOnRetry(ReferenceAdapter):
    """Resends after a transport failure or a FAILED delivery event with a new BatchID and BerichtIDs."""

    def transport(self, context: AdapterContext) -> httpx.BaseTransport | None:
        return _NewIds(_transport(context))


class _CrLf(RewritingTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if _is_send(request):
            request = self.with_payload(request, lambda xml: xml.replace(b"\\r\\n", b"&#13;\n"))
        return self.inner.handle_request(request)


class RealCrLf(ReferenceAdapter):
    """Writes line breaks in BerichtTekst as real CR/LF characters instead of the literal \\r\\n."""

    def serialise(self, batch: Batch) -> bytes:
        return super().serialise(batch).replace(b"\\r\\n", b"&#13;\n")

    def transport(self, context: AdapterContext) -> httpx.BaseTransport | None:
        return _CrLf(_transport(context))


class NoSubscriptionCheck(ReferenceAdapter):
    """Sends every letter without asking ValidateAbonnementen first."""

    check_subscriptions = False


class ResendsBerichtBestaatAl(ReferenceAdapter):
    """Takes BerichtBestaatAl for a failure and sends the letter again (same id)."""

    def deliver(self, client: Client, berichten: list[Bericht], request: Mapping[str, Any]) -> list[Outcome]:
        outcomes = super().deliver(client, berichten, request)
        again = [
            b
            for b, o in zip(berichten, outcomes, strict=True)
            if o.code is VerwerkingsCode.BERICHT_BESTAAT_AL
        ]
        if again:
            super().deliver(client, again, request)
        return outcomes


class ResendsPending(ReferenceAdapter):
    """Sends letters without a result by the deadline again, blindly."""

    def deliver(self, client: Client, berichten: list[Bericht], request: Mapping[str, Any]) -> list[Outcome]:
        outcomes = super().deliver(client, berichten, request)
        again = [b for b, o in zip(berichten, outcomes, strict=True) if o.status is OutcomeStatus.PENDING]
        if again:
            client.deliver(again, deadline=0.0, check_subscriptions=False)
        return outcomes


class TruncatesOnderwerp(ReferenceAdapter):
    """Cuts an Onderwerp over 50 characters to 50 instead of refusing the letter."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        return super().bericht({**letter, "onderwerp": letter["onderwerp"][:50]}, context)


class CountsBytes(ReferenceAdapter):
    """Counts the Onderwerp's 50 in UTF-8 bytes, so accents and the euro sign push it over."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        if len(letter["onderwerp"].encode("utf-8")) > 50:
            raise InvalidValueError("BER-05", "onderwerp", "Onderwerp is over 50 bytes")
        return super().bericht(letter, context)


class MatchesOnlyByBerichtID(ReferenceAdapter):
    """Reads results by BerichtID only: a nil-GUID answer (RES-01) never reaches its letters."""

    def outcome(self, ref: str, outcome: Outcome) -> dict[str, Any]:
        nil_codes = (
            VerwerkingsCode.OIN_IN_CPA_KOMT_NIET_OVEREEN_MET_OIN_IN_BERICHT,
            VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT,
        )
        if outcome.code in nil_codes:
            outcome = attrs.evolve(outcome, status=OutcomeStatus.PENDING, code=None)
        return super().outcome(ref, outcome)


class NoSplit(ReferenceAdapter):
    """Puts every letter of a run in one batch, however many or large."""

    def split(self, afzender: Oin, berichten: list[Bericht], aanmaak: Any) -> list[Batch]:
        return [Batch(afzender, berichten)]


class IgnoresFailedEvent(ReferenceAdapter):
    """Never resends after an ebMS FAILED delivery event: the letter is reported failed."""

    max_resends = 0


#: Each broken adapter and the exact set of cases it must fail.
AIMED: dict[type[ReferenceAdapter], frozenset[str]] = {
    NoSubscriptionCheck: frozenset({"MOBB-LIVE-002", "MOBB-LIVE-003", "MOBB-LIVE-020", "MOBB-LIVE-021"}),
    NewIdsOnRetry: frozenset({"MOBB-LIVE-010", "MOBB-LIVE-011", "MOBB-LIVE-012"}),
    ResendsBerichtBestaatAl: frozenset({"MOBB-LIVE-009"}),
    RealCrLf: frozenset({"MOBB-DOC-018", "MOBB-DOC-019", "MOBB-DOC-020", "MOBB-LIVE-022"}),
    TruncatesOnderwerp: frozenset({"MOBB-DOC-015", "MOBB-LIVE-018"}),
    CountsBytes: frozenset({"MOBB-DOC-016"}),
    MatchesOnlyByBerichtID: frozenset({"MOBB-LIVE-017", "MOBB-LIVE-023"}),
    ResendsPending: frozenset({"MOBB-LIVE-013", "MOBB-LIVE-015"}),
    NoSplit: frozenset({"MOBB-DOC-046", "MOBB-DOC-047"}),
    IgnoresFailedEvent: frozenset({"MOBB-LIVE-012"}),
}

"""Deliberately broken adapters (mutants): the reference adapter with one realistic vendor bug each.

:data:`AIMED` maps each to the exact set of cases that must fail for it (and only those): the self-test
proves every case can fail, that it fails for the defect it is aimed at, and prints the suite's mutation
score (the share of these mutants the catalogue catches).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import httpx
from lxml import etree

from mobb_sdk import (
    Batch,
    Bericht,
    Client,
    ClientConfig,
    InvalidValueError,
    Oin,
    Outcome,
    OutcomeStatus,
    RetryPolicy,
    VerwerkingsCode,
    elfproef,
)
from mobb_sdk.conformance import AdapterContext
from mobb_sdk.conformance.reference import HELD_FILE, ReferenceAdapter
from tests.conformance_adapters.compliant import CachingProduct

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


# --- more realistic vendor bugs ---------------------------------------------------------------------

BER_NS = "http://schemas.rdw.nl/GEB/BerichtenProsessor/Bericht/Types/2009/01"


def _ber(name: str) -> str:
    return f"{{{BER_NS}}}{name}"


class _Rewriting(ReferenceAdapter):
    """A product whose XML is changed after the SDK made it: ``rewrite`` applies to documents and sends."""

    def rewrite(self, xml: bytes) -> bytes:
        raise NotImplementedError

    def serialise(self, batch: Batch) -> bytes:
        return self.rewrite(super().serialise(batch))

    def transport(self, context: AdapterContext) -> httpx.BaseTransport | None:
        outer = self

        class Rewrite(RewritingTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                if _is_send(request):
                    request = self.with_payload(request, outer.rewrite)
                return self.inner.handle_request(request)

        return Rewrite(_transport(context))


class BsnAsNumber(ReferenceAdapter):
    """Stores the BSN as an integer column: a leading zero is lost (010000008 becomes 10000008)."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        bsn = letter["bsn"]
        return super().bericht({**letter, "bsn": str(int(bsn)) if bsn.isdigit() else bsn}, context)


class AcksUnreadableResults(ReferenceAdapter):
    """Fetches incoming messages with ``process=true``: an unreadable result is gone before anyone saw it."""

    def transport(self, context: AdapterContext) -> httpx.BaseTransport | None:
        class Ack(RewritingTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                path = request.url.path
                if (
                    request.method == "GET"
                    and re.search(r"/ebms/messages/[^/]+$", path)
                    and "unprocessed" not in path
                ):
                    request = httpx.Request(
                        "GET",
                        request.url.copy_merge_params({"process": "true"}),
                        headers=request.headers,
                        extensions=request.extensions,
                    )
                return self.inner.handle_request(request)

        return Ack(_transport(context))


class ChecksOnlyWoz(ReferenceAdapter):
    """Asks ValidateAbonnementen for BerichtType WOZ whatever the letter's type (a hard-coded setting)."""

    def transport(self, context: AdapterContext) -> httpx.BaseTransport | None:
        class Woz(RewritingTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                body = request.read()
                if b"berichtTypeCode" in body:
                    changed = re.sub(rb"(<[\w:]*berichtTypeCode>)[^<]*(<)", rb"\1WOZ\2", body)
                    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
                    request = httpx.Request(
                        request.method,
                        request.url,
                        headers=headers,
                        content=changed,
                        extensions=request.extensions,
                    )
                return self.inner.handle_request(request)

        return Woz(_transport(context))


class BerichtBestaatAlIsFailure(ReferenceAdapter):
    """Reports every BerichtBestaatAl as failed, also after its own resend of a letter that is in the box."""

    def outcome(self, ref: str, outcome: Outcome) -> dict[str, Any]:
        if outcome.code is VerwerkingsCode.BERICHT_BESTAAT_AL:
            outcome = attrs.evolve(outcome, status=OutcomeStatus.FAILED)
        return super().outcome(ref, outcome)


class _CompletesAfterValidation(_Rewriting):
    """Validates a letter before a field is filled in, then adds the field to the XML unchecked."""

    def __init__(self) -> None:
        self.later: dict[str, Mapping[str, Any]] = {}
        self.context: AdapterContext | None = None

    def run_case(self, request: dict[str, Any], context: AdapterContext) -> dict[str, Any]:
        self.context = context
        self.later.clear()
        return super().run_case(request, context)

    def fill(self, info: etree._Element, bericht: etree._Element, letter: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def rewrite(self, xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        for bericht in root.iter(_ber("Bericht")):
            info = bericht.find(_ber("BerichtInformatie"))
            bsn = info.findtext(_ber("GebruikerID")) if info is not None else None
            if info is not None and bsn in self.later:
                self.fill(info, bericht, self.later[bsn])
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")


class DatesAfterValidation(_CompletesAfterValidation):
    """Fills in the PublicatieDatum after validating the letter: a date 14 days ahead goes out."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        if "publicatie_datum" in letter:
            self.later[letter["bsn"]] = letter
            letter = {k: v for k, v in letter.items() if k != "publicatie_datum"}
        return super().bericht(letter, context)

    def fill(self, info: etree._Element, bericht: etree._Element, letter: Mapping[str, Any]) -> None:
        element = etree.Element(_ber("PublicatieDatum"))
        element.text = letter["publicatie_datum"]
        info.find(_ber("BerichtType")).addnext(element)  # type: ignore[union-attr]


class AttachesAfterValidation(_CompletesAfterValidation):
    """Adds the attachments from the DMS after validating the letter: no size, count or PDF check."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        if letter.get("attachments"):
            self.later[letter["bsn"]] = letter
            letter = {k: v for k, v in letter.items() if k != "attachments"}
        return super().bericht(letter, context)

    def fill(self, info: etree._Element, bericht: etree._Element, letter: Mapping[str, Any]) -> None:
        assert self.context is not None
        bijlagen = etree.SubElement(bericht, _ber("Bijlagen"))
        for i, item in enumerate(letter["attachments"], start=1):
            bijlage = etree.SubElement(bijlagen, _ber("Bijlage"))
            path = Path(item["path"])
            content = (path if path.is_absolute() else self.context.workdir / path).read_bytes()
            for name, value in (
                ("Inhoud", base64.b64encode(content).decode()),
                ("BijlageType", "Pdf"),
                ("Omschrijving", item["omschrijving"]),
                ("Volgorde", str(i)),
            ):
                etree.SubElement(bijlage, _ber(name)).text = value


class _Limit(ReferenceAdapter):
    """Refuses a field over its own (wrong) limit before the SDK sees it."""

    field = ""
    limit = 0
    rule = ""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        values = (
            [a["omschrijving"] for a in letter.get("attachments", ())]
            if self.field == "omschrijving"
            else [letter.get(self.field) or ""]
        )
        if any(len(v) > self.limit for v in values):
            raise InvalidValueError(self.rule, self.field, f"{self.field} over {self.limit} characters")
        return super().bericht(letter, context)


class OldOmschrijvingLimit(_Limit):
    """Keeps handleiding 1.6.3's 40 characters for an attachment's Omschrijving (the schema allows 128)."""

    field, limit, rule = "omschrijving", 40, "BIJ-04"


class OnderwerpOffByOne(_Limit):
    """Allows 49 characters of Onderwerp (``<`` where ``<=`` was meant)."""

    field, limit, rule = "onderwerp", 49, "BER-05"


class ReferentieOffByOne(_Limit):
    """Allows 24 characters of Referentie."""

    field, limit, rule = "referentie", 24, "BER-08"


class UrlAtEndRefused(ReferenceAdapter):
    """Refuses a URL at the very end of the text, which BER-07 allows."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        if re.search(r"(https?://|www\.)\S+$", letter.get("bericht_tekst") or ""):
            raise InvalidValueError("BER-07", "bericht_tekst", "a URL must be followed by a space")
        return super().bericht(letter, context)


class ReversesAttachments(ReferenceAdapter):
    """Attaches the files in the reverse order (sorted newest first in its DMS)."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        return super().bericht(
            {**letter, "attachments": list(reversed(letter.get("attachments", ())))}, context
        )


class OnlyFirstAttachment(ReferenceAdapter):
    """Sends only the first attachment of a letter."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        return super().bericht({**letter, "attachments": list(letter.get("attachments", ()))[:1]}, context)


class VolgordeFromZero(_Rewriting):
    """Numbers attachments from 0."""

    def rewrite(self, xml: bytes) -> bytes:
        return re.sub(
            rb"(<[\w:]*Volgorde>)(\d+)(<)",
            lambda m: m.group(1) + str(int(m.group(2)) - 1).encode() + m.group(3),
            xml,
        )


class NoOinCheck(_Rewriting):
    """Puts the configured sender OIN in BerichtLeverancierID without checking its length or prefix."""

    def run_case(self, request: dict[str, Any], context: AdapterContext) -> dict[str, Any]:
        self.oin = request["sender_oin"]
        if request["mode"] == "document":
            request = {**request, "sender_oin": "00000099000000001000"}
        return super().run_case(request, context)

    def rewrite(self, xml: bytes) -> bytes:
        return re.sub(
            rb"(<[\w:]*BerichtLeverancierID>)[^<]*(<)",
            lambda m: m.group(1) + self.oin.encode() + m.group(2),
            xml,
        )


class OwnOinAsLeverancier(ReferenceAdapter):
    """An intermediary that puts its own OIN in BerichtLeverancierID instead of its client's."""

    def run_case(self, request: dict[str, Any], context: AdapterContext) -> dict[str, Any]:
        if request.get("party_oin"):
            request = {**request, "sender_oin": request["party_oin"]}
        return super().run_case(request, context)


#: An elfproef-valid stand-in for a BSN the product does not check.
_STAND_IN = "999999990"


class NoElfproef(_Rewriting):
    """Checks that a BSN has 9 digits, not the elfproef."""

    def run_case(self, request: dict[str, Any], context: AdapterContext) -> dict[str, Any]:
        self.original: str | None = None
        letters = []
        for letter in request["letters"]:
            bsn = letter["bsn"]
            if len(bsn) == 9 and bsn.isdigit() and not elfproef(bsn):
                self.original = bsn
                letter = {**letter, "bsn": _STAND_IN}
            letters.append(letter)
        return super().run_case({**request, "letters": letters}, context)

    def rewrite(self, xml: bytes) -> bytes:
        return xml if self.original is None else xml.replace(_STAND_IN.encode(), self.original.encode())

    def transport(self, context: AdapterContext) -> httpx.BaseTransport | None:
        outer = self

        class Back(RewritingTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                if _is_send(request):
                    request = self.with_payload(request, outer.rewrite)
                elif outer.original is not None and _STAND_IN.encode() in request.read():
                    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
                    request = httpx.Request(
                        request.method,
                        request.url,
                        headers=headers,
                        content=outer.rewrite(request.read()),
                        extensions=request.extensions,
                    )
                return self.inner.handle_request(request)

        return Back(_transport(context))


class ReportsPaperAsFailed(ReferenceAdapter):
    """Reports NietActiefOfGeabonneerd as a failure instead of sending the letter on paper."""

    def outcome(self, ref: str, outcome: Outcome) -> dict[str, Any]:
        if outcome.code is VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD:
            outcome = attrs.evolve(outcome, status=OutcomeStatus.FAILED)
        return super().outcome(ref, outcome)


class ResendsTechnischProbleem(ReferenceAdapter):
    """Sends a letter again (same id) when Logius answered TechnischProbleem, without asking Logius."""

    def deliver(self, client: Client, berichten: list[Bericht], request: Mapping[str, Any]) -> list[Outcome]:
        outcomes = super().deliver(client, berichten, request)
        again = [
            b
            for b, o in zip(berichten, outcomes, strict=True)
            if o.code is VerwerkingsCode.TECHNISCH_PROBLEEM
        ]
        if again:
            super().deliver(client, again, request)
        return outcomes


class PendingAsFailed(ReferenceAdapter):
    """Reports a letter without a result by the deadline as failed (the operator sends it on paper)."""

    def outcome(self, ref: str, outcome: Outcome) -> dict[str, Any]:
        if outcome.status is OutcomeStatus.PENDING:
            outcome = attrs.evolve(outcome, status=OutcomeStatus.FAILED, detail="no result")
        return super().outcome(ref, outcome)


class GivesUpOnTransportError(ReferenceAdapter):
    """Tries every call once: a lost connection or a 503 fails the letter."""

    def config(self, request: Mapping[str, Any]) -> ClientConfig:
        return attrs.evolve(super().config(request), retry=RetryPolicy(max_attempts=1))


class NeverMarksResultsProcessed(ReferenceAdapter):
    """Reads results and events but never marks anything processed: ebms-core offers them again for ever."""

    def transport(self, context: AdapterContext) -> httpx.BaseTransport | None:
        class Forget(RewritingTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                if request.method == "PATCH" and "/ebms/" in request.url.path:
                    return httpx.Response(204, request=request)
                return self.inner.handle_request(request)

        return Forget(_transport(context))


class EscapesTwice(_Rewriting):
    """Escapes text that the XML writer escapes again: ``&`` arrives as ``&amp;``."""

    def rewrite(self, xml: bytes) -> bytes:
        return xml.replace(b"&amp;", b"&amp;amp;").replace(b"&lt;", b"&amp;lt;")


class WindowsEncoding(_Rewriting):
    """Writes the XML in Windows-1252 while it declares UTF-8."""

    def rewrite(self, xml: bytes) -> bytes:
        return xml.decode("utf-8").encode("cp1252", errors="replace")


class LocalTimeAsUtc(ReferenceAdapter):
    """Writes the Amsterdam wall-clock time of a date with a UTC offset: every date moves one hour."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        changed = dict(letter)
        for field in ("publicatie_datum", "eind_datum_handelings_termijn"):
            if field in changed:
                changed[field] = (datetime.fromisoformat(changed[field]) + timedelta(hours=1)).isoformat()
        return super().bericht(changed, context)


class CollapsesBlankLines(ReferenceAdapter):
    """Normalises the text: an empty line between paragraphs disappears."""

    def bericht(self, letter: Mapping[str, Any], context: AdapterContext) -> Bericht:
        tekst = letter.get("bericht_tekst")
        if tekst:
            letter = {**letter, "bericht_tekst": re.sub(r"\n\s*\n", "\n", tekst)}
        return super().bericht(letter, context)


class CachesForever(CachingProduct):
    """Caches subscription answers without an end: a check weeks old is still trusted."""

    def __init__(self) -> None:
        super().__init__()
        self.valid_for = timedelta(days=3650)


class StampsAcceptanceTime(_Rewriting):
    """Writes the moment the letters were accepted as AanmaakDatum, also when it sends them days later."""

    def run_case(self, request: dict[str, Any], context: AdapterContext) -> dict[str, Any]:
        self.accepted: str | None = request.get("now")
        path = context.workdir / HELD_FILE
        if request.get("held") and path.exists():
            self.accepted = json.loads(path.read_text(encoding="utf-8"))["accepted"]
        return super().run_case(request, context)

    def rewrite(self, xml: bytes) -> bytes:
        if not self.accepted:
            return xml
        stamp = self.accepted.encode()
        return re.sub(rb"(<[\w:]*AanmaakDatum>)[^<]*(<)", lambda m: m.group(1) + stamp + m.group(2), xml)


class ChecksAtAcceptance(ReferenceAdapter):
    """Checks subscriptions when it accepts letters and trusts those answers when it sends them days later."""

    def hold(
        self, request: Mapping[str, Any], letters: list[Mapping[str, Any]], context: AdapterContext
    ) -> None:
        with Client(self.config(request), transport=self.transport(context)) as client:
            for bericht_type in {letter["bericht_type"] for letter in letters}:
                client.check_subscriptions(
                    bericht_type, [x["bsn"] for x in letters if x["bericht_type"] == bericht_type]
                )
        super().hold(request, letters, context)

    def deliver(self, client: Client, berichten: list[Bericht], request: Mapping[str, Any]) -> list[Outcome]:
        if not request.get("held"):
            return super().deliver(client, berichten, request)
        poll = float(request.get("options", {}).get("poll_interval_seconds", 1.0))
        return client.deliver(
            berichten,
            deadline=timedelta(seconds=float(request["deadline_seconds"])),
            poll_interval=poll,
            check_subscriptions=False,
        )


def _ids(*numbers: str) -> frozenset[str]:
    return frozenset(f"MOBB-{n}" for n in numbers)


#: Each broken adapter and the exact set of cases it must fail.
AIMED: dict[type[ReferenceAdapter], frozenset[str]] = {
    NoSubscriptionCheck: _ids(
        "LIVE-002",
        "LIVE-003",
        "LIVE-020",
        "LIVE-021",
        "LIVE-024",
        "LIVE-025",
        "LIVE-030",
        "LIVE-031",
        "LIVE-032",
    ),
    NewIdsOnRetry: _ids("LIVE-010", "LIVE-011", "LIVE-012", "LIVE-026"),
    ResendsBerichtBestaatAl: _ids("LIVE-009", "LIVE-026"),
    RealCrLf: _ids("DOC-018", "DOC-019", "DOC-020", "LIVE-022"),
    TruncatesOnderwerp: _ids("DOC-015", "LIVE-018"),
    CountsBytes: _ids("DOC-016"),
    MatchesOnlyByBerichtID: _ids("LIVE-017", "LIVE-023"),
    ResendsPending: _ids("LIVE-013", "LIVE-029"),
    NoSplit: _ids("DOC-046", "DOC-047"),
    IgnoresFailedEvent: _ids("LIVE-012"),
    BsnAsNumber: _ids("DOC-049", "LIVE-024"),
    AcksUnreadableResults: _ids("LIVE-029"),
    ChecksOnlyWoz: _ids("LIVE-025"),
    BerichtBestaatAlIsFailure: _ids("LIVE-026"),
    DatesAfterValidation: _ids("DOC-011", "LIVE-027"),
    AttachesAfterValidation: _ids(
        "DOC-034", "DOC-035", "DOC-036", "DOC-039", "DOC-041", "DOC-043", "DOC-044", "LIVE-028"
    ),
    OldOmschrijvingLimit: _ids("DOC-042"),
    OnderwerpOffByOne: _ids("DOC-014", "DOC-016"),
    ReferentieOffByOne: _ids("DOC-026"),
    UrlAtEndRefused: _ids("DOC-023"),
    ReversesAttachments: _ids("DOC-033", "DOC-040", "LIVE-022"),
    OnlyFirstAttachment: _ids("DOC-033", "DOC-034", "DOC-040", "DOC-041", "LIVE-022"),
    VolgordeFromZero: _ids("DOC-032", "DOC-033", "DOC-037", "DOC-038", "DOC-040", "DOC-042", "LIVE-022"),
    NoOinCheck: _ids("DOC-006", "DOC-007"),
    OwnOinAsLeverancier: _ids("DOC-005", "LIVE-016", "LIVE-017"),
    NoElfproef: _ids("DOC-029", "LIVE-019"),
    ReportsPaperAsFailed: _ids("LIVE-003"),
    ResendsTechnischProbleem: _ids("LIVE-008"),
    PendingAsFailed: _ids("LIVE-013", "LIVE-029"),
    GivesUpOnTransportError: _ids("LIVE-010", "LIVE-011", "LIVE-020", "LIVE-026"),
    NeverMarksResultsProcessed: _ids("LIVE-001", "LIVE-014"),
    EscapesTwice: _ids("DOC-048"),
    WindowsEncoding: _ids("DOC-016"),
    LocalTimeAsUtc: _ids("DOC-010", "DOC-012", "DOC-013"),
    CollapsesBlankLines: _ids("DOC-018"),
    CachesForever: _ids("LIVE-031"),
    StampsAcceptanceTime: _ids("LIVE-032"),
    ChecksAtAcceptance: _ids("LIVE-032"),
}

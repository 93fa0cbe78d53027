"""ebms-core REST API v19, sans I/O: build each call as an ``httpx.Request``, read each ``httpx.Response``.

Nothing here opens a connection or sleeps; :mod:`mobb_sdk._client` sends the requests (sync or async,
with retries). The contract is spec section 1: a batch goes out as one ebMS message (service
``urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0``, action ``GLOBE-R-BV-Request``, payload the batch XML as
``text/xml``, conversationId the BatchID); delivery events and incoming ``GLOBE-R-BV-Result`` messages
are polled and marked processed only once the caller has handled them.
"""

from __future__ import annotations

import base64
import binascii
import enum
import io
import json
import math
import os
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

import attrs
import httpx

from mobb_sdk._codec import BatchXml, batch_tree, from_xml, skeleton_violations
from mobb_sdk._config import EbmsConfig, Timeouts
from mobb_sdk._errors import (
    EbmsConfigurationError,
    HttpStatusError,
    MobbError,
    ProtocolError,
    ValidationError,
    scrub,
)
from mobb_sdk._ids import NIL_GUID
from mobb_sdk._lifecycle import Event
from mobb_sdk._models import Batch, BerichtResultaat, VerwerkingsResultaat
from mobb_sdk._retry import parse_retry_after
from mobb_sdk._rules import SenderProfile, check_batch
from mobb_sdk._violations import Severity, Violation

__all__ = [
    "MAX_LISTED",
    "CollectedResults",
    "DataSource",
    "DeliveryEvent",
    "EbmsProtocol",
    "EventType",
    "FilePayload",
    "MessageStatus",
    "Receipt",
    "ReceiptStatus",
    "ReceivedMessage",
    "ResultMessage",
    "SendBody",
    "match_results",
    "prepare_batch",
]

_USER_AGENT: Final = "mobb-sdk"
#: The most ids or events read from one list answer; the rest wait for the next call (issue 12: a
#: hostile or huge list must not drive unbounded work).
MAX_LISTED: Final = 10_000
#: The texts of ebms-core's MessagePropertiesValidator: a 500 with one of them is a configuration error.
_VALIDATION_TEXTS: Final = (
    "No CPA found for",
    "No CanSend action found for",
    "No CanReceive action found for",
    "No fromParty found for",
    "No toParty found for",
    "Action for to party does not match",
)
#: ebms-core message ids are short tokens (a UUID with a host part); anything longer is not one.
_MAX_ID_LENGTH: Final = 512


class EventType(enum.Enum):
    """What ebms-core reports about a message (``/ebms/events/unprocessed``)."""

    RECEIVED = "RECEIVED"
    DELIVERED = "DELIVERED"  #: Logius' MSH acknowledged the message: received, not yet processed
    FAILED = "FAILED"  #: Logius' MSH refused it or delivery failed for good
    EXPIRED = "EXPIRED"  #: the CPA's retries ran out before an acknowledgement came

    @property
    def lifecycle_event(self) -> Event | None:
        """The letter lifecycle's event for this ebMS event (``None``: RECEIVED, nothing for a letter)."""
        return _LIFECYCLE_EVENTS.get(self)


_LIFECYCLE_EVENTS: Final = {
    EventType.DELIVERED: Event.DELIVERED,
    EventType.FAILED: Event.FAILED,
    EventType.EXPIRED: Event.EXPIRED,
}


class MessageStatus(enum.Enum):
    """ebms-core's message status values: ``messageStatus`` of ``GET /ebms/messages/{id}`` (the local
    status: CREATED, DELIVERED, DELIVERY_FAILED, EXPIRED for a sent message; RECEIVED, PROCESSED, ... for a
    received one), and the answer of ``/ebms/messages/{id}/status``, where the other MSH says RECEIVED,
    PROCESSED, FORWARDED, NOT_RECOGNIZED or UNAUTHORIZED."""

    UNAUTHORIZED = "UNAUTHORIZED"
    NOT_RECOGNIZED = "NOT_RECOGNIZED"
    RECEIVED = "RECEIVED"
    PROCESSED = "PROCESSED"
    FORWARDED = "FORWARDED"
    FAILED = "FAILED"
    CREATED = "CREATED"
    DELIVERY_FAILED = "DELIVERY_FAILED"
    DELIVERED = "DELIVERED"
    EXPIRED = "EXPIRED"


class ReceiptStatus(enum.Enum):
    """Where a sent batch stands on the transport level (its letters' fate comes with the result)."""

    SENT = "sent"  #: ebms-core accepted it and will deliver it
    DELIVERED = "delivered"  #: Logius' MSH acknowledged it
    FAILED = "failed"  #: ebMS delivery failed; resend with the same ids (RES-04)
    EXPIRED = "expired"  #: ebMS delivery expired; resend with the same ids (RES-04)


_EVENT_TO_STATUS: Final = {
    EventType.DELIVERED: ReceiptStatus.DELIVERED,
    EventType.FAILED: ReceiptStatus.FAILED,
    EventType.EXPIRED: ReceiptStatus.EXPIRED,
}


@attrs.frozen
class Receipt:
    """Proof that ebms-core took a batch: its ebMS message id, the BatchID and BerichtIDs, the time.

    ``attempts`` counts how often the batch was handed over (retried POSTs and resends included): a
    ``BerichtBestaatAl`` for a batch handed over more than once means "already there" (RES-04).
    ``previous_message_ids`` are the ebMS ids of earlier hand-overs of the same batch.
    """

    message_id: str
    batch_id: uuid.UUID
    bericht_ids: tuple[uuid.UUID, ...] = attrs.field(repr=lambda ids: f"<{len(ids)} BerichtIDs>")
    sent_at: datetime
    status: ReceiptStatus = ReceiptStatus.SENT
    attempts: int = 1
    previous_message_ids: tuple[str, ...] = ()

    @property
    def message_ids(self) -> tuple[str, ...]:
        """Every ebMS id this batch went out under, the current one last."""
        return (*self.previous_message_ids, self.message_id)

    def updated(self, event: DeliveryEvent) -> Receipt:
        """This receipt after a delivery event for its message (other events leave it as it is)."""
        status = _EVENT_TO_STATUS.get(event.type)
        if event.message_id != self.message_id or status is None:
            return self
        return attrs.evolve(self, status=status)

    def resent(self, new_message_id: str, at: datetime) -> Receipt:
        """The receipt of the same batch handed over again under ``new_message_id``."""
        return attrs.evolve(
            self,
            message_id=new_message_id,
            sent_at=at,
            status=ReceiptStatus.SENT,
            attempts=self.attempts + 1,
            previous_message_ids=self.message_ids,
        )


@attrs.frozen
class DeliveryEvent:
    """One unprocessed event of ebms-core: ``type`` happened to message ``message_id``."""

    message_id: str
    type: EventType


@attrs.frozen
class DataSource:
    """A payload of an ebMS message (its content decoded from base64)."""

    content_type: str
    content: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    name: str | None = None
    content_id: str | None = None


@attrs.frozen
class ReceivedMessage:
    """An ebMS message received by ebms-core (``GET /ebms/messages/{id}``)."""

    message_id: str
    cpa_id: str
    from_party_id: str
    from_role: str | None
    to_party_id: str
    to_role: str | None
    service: str
    action: str
    conversation_id: str
    ref_to_message_id: str | None
    timestamp: datetime | None
    status: str | None
    data_sources: tuple[DataSource, ...] = ()


@attrs.frozen
class ResultMessage:
    """A processing result (``GLOBE-R-BV-Result``) with the ebMS message it came in.

    ``batch_id`` is the BatchID in the result itself (the conversationId's when Logius answered the nil
    GUID because it could not read the batch); ``ref_to_message_id`` the ebMS id of the batch
    it answers (when Logius set it). Acknowledge it with ``ack_result(message_id)`` once handled.
    """

    message_id: str
    batch_id: uuid.UUID
    conversation_id: str
    ref_to_message_id: str | None
    received_at: datetime | None
    resultaat: VerwerkingsResultaat

    def per_bericht(self, bericht_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, BerichtResultaat | None]:
        """Each letter's result, the nil-GUID answer standing for unnamed letters (RES-01)."""
        return self.resultaat.per_bericht(bericht_ids)


@attrs.frozen
class CollectedResults:
    """Processing results matched to sent batches (see ``collect_results``).

    ``per_bericht`` holds every letter of the receipts that has an answer (RES-01: a nil-GUID answer
    stands for the letters it does not name); ``pending`` the letters still without one. ``results``
    are the result messages of these batches, ``unknown`` those of batches not among the receipts: they
    are reported, not acknowledged, so the process that sent them can still collect them.
    """

    per_bericht: Mapping[uuid.UUID, BerichtResultaat]
    pending: tuple[uuid.UUID, ...]
    results: tuple[ResultMessage, ...]
    unknown: tuple[ResultMessage, ...]

    @property
    def complete(self) -> bool:
        """True when every letter of the receipts has an answer."""
        return not self.pending


def match_results(receipts: Iterable[Receipt], results: Iterable[ResultMessage]) -> CollectedResults:
    """Match results to the batches of ``receipts`` by BatchID (letters by BerichtID, RES-01)."""
    by_batch = {r.batch_id: r for r in receipts}
    answers: dict[uuid.UUID, BerichtResultaat] = {}
    ours: list[ResultMessage] = []
    unknown: list[ResultMessage] = []
    for result in results:
        receipt = by_batch.get(result.batch_id)
        if receipt is None:
            unknown.append(result)
            continue
        ours.append(result)
        for bericht_id, answer in result.per_bericht(receipt.bericht_ids).items():
            # A later answer replaces an earlier one, except that a delivery stays a delivery.
            if answer is not None and not (
                bericht_id in answers and answers[bericht_id].verwerkings_code.is_success
            ):
                answers[bericht_id] = answer
    pending = tuple(i for r in by_batch.values() for i in r.bericht_ids if i not in answers)
    return CollectedResults(answers, pending, tuple(ours), tuple(unknown))


# --- local validation before sending --------------------------------------------------------------------


def prepare_batch(batch: Batch, profile: SenderProfile | None) -> tuple[BatchXml, tuple[Violation, ...]]:
    """The batch's XML, ready to stream, and its error violations (XSD and rules); send it only when
    there are none.

    The guarantee of :func:`~mobb_sdk.write_batch`: the skeleton (the batch without its attachments'
    content, which is base64 we encode from non-empty bytes, valid by construction) is checked against
    the XSD, every rule against the batch (BATCH-02 on the exact size). One tree serves the XSD check
    and the serialisation. Warnings (e.g. an attachment that is not PDF/A) do not stop a send and are
    not returned.
    """
    skeleton = batch_tree(batch, with_content=False)
    xsd = skeleton_violations(batch, skeleton)
    xml = BatchXml(batch, skeleton)
    rules = check_batch(batch, profile, serialized_size=xml.size)
    errors = tuple(v for v in (*xsd, *rules.violations) if v.severity is Severity.ERROR)
    return xml, errors


# --- reading answers ------------------------------------------------------------------------------------


@attrs.frozen
class Context:
    """What an error concerns: the batch and its letters, when the call concerns one."""

    what: str
    batch_id: uuid.UUID | None = None
    bericht_ids: tuple[uuid.UUID, ...] = ()

    def protocol_error(self, message: str, status: int | None = None) -> ProtocolError:
        return ProtocolError(
            f"{self.what}: {message}", batch_id=self.batch_id, bericht_ids=self.bericht_ids, status=status
        )


def expect_status(response: httpx.Response, ok: Sequence[int], ctx: Context) -> None:
    """Raise :class:`HttpStatusError` unless the status is one of ``ok``."""
    if response.status_code in ok:
        return
    try:
        body = response.content.decode("utf-8", "replace")
    except httpx.ResponseNotRead:
        body = ""
    if response.status_code == 500 and body.lstrip().startswith(_VALIDATION_TEXTS):
        # ebms-core validated the call against its CPA and refused it: no retry can change that.
        raise EbmsConfigurationError(f"{ctx.what} refused by ebms-core", body=body.strip())
    raise HttpStatusError(
        f"{ctx.what} failed",
        status=response.status_code,
        body=body,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        batch_id=ctx.batch_id,
        bericht_ids=ctx.bericht_ids,
    )


def _json(response: httpx.Response, ctx: Context) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        raise ctx.protocol_error(
            f"the answer is not JSON: {scrub(response.text, 80)!r}", response.status_code
        ) from None


def _message_id(response: httpx.Response, ctx: Context) -> str:
    text = response.content.decode("utf-8", "replace").strip()
    if not text or len(text) > _MAX_ID_LENGTH or any(c.isspace() or not c.isprintable() for c in text):
        raise ctx.protocol_error(
            f"expected an ebMS message id as text, got {scrub(text, 80)!r}", response.status_code
        )
    return text


def _str(value: object, field: str, ctx: Context, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or (not value and not optional):
        raise ctx.protocol_error(f"{field} is missing or not a string")
    return value


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def _party(value: object, field: str, ctx: Context) -> tuple[str, str | None]:
    if not isinstance(value, Mapping):
        raise ctx.protocol_error(f"{field} is missing or not an object")
    return _str(value.get("partyId"), f"{field}.partyId", ctx), _str(
        value.get("role"), f"{field}.role", ctx, optional=True
    )


#: Bytes read from a payload file per step: a multiple of 3, so each step's base64 needs no padding.
_READ_CHUNK: Final = 3 * 64 * 1024


def base64_stream(pieces: Iterable[bytes], step: int = _READ_CHUNK) -> Iterator[bytes]:
    """The base64 of the concatenated ``pieces``, in chunks, without joining them: small pieces are
    gathered up to ``step`` bytes, a large one is encoded where it lies (its first bytes complete the
    gathered ones to a multiple of 3, the last at most two wait for the next piece)."""
    encode = base64.b64encode
    gathered = bytearray()
    for piece in pieces:
        if len(gathered) + len(piece) < step:
            gathered += piece
            continue
        view = memoryview(piece)
        lead = -len(gathered) % 3
        gathered += view[:lead]
        if len(gathered) % 3:  # the piece was too short to complete them: go on gathering
            continue
        if gathered:
            yield encode(gathered)
        rest = view[lead:]
        cut = len(rest) - len(rest) % 3
        if cut:
            yield encode(rest[:cut])
        gathered = bytearray(rest[cut:])
    if gathered:
        yield encode(gathered)


def gathered(pieces: Iterable[bytes], step: int = _READ_CHUNK) -> Iterator[bytes]:
    """The ``pieces`` joined into chunks of about ``step`` bytes: the many small pieces of a written
    batch go to the socket in few writes; a piece of ``step`` or more passes as it is, not copied."""
    buffer = bytearray()
    for piece in pieces:
        if len(piece) >= step:
            if buffer:
                yield bytes(buffer)
                buffer.clear()
            yield piece
            continue
        buffer += piece
        if len(buffer) >= step:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


class FilePayload:
    """Batch XML read from a path or a seekable binary file in chunks, again on every iteration, so a
    100 MB batch never sits in memory and a retry sends the very same bytes (RES-04)."""

    def __init__(self, source: str | os.PathLike[str] | IO[bytes]) -> None:
        self._path: Path | None = None
        self._file: IO[bytes] | None = None
        if isinstance(source, str | os.PathLike):
            self._path = Path(source)
            self.size = self._path.stat().st_size
        else:
            self._file = source
            self.size = source.seek(0, io.SEEK_END)

    def chunks(self) -> Iterator[bytes]:
        if self._path is not None:
            with self._path.open("rb") as f:
                while chunk := f.read(_READ_CHUNK):
                    yield chunk
        else:
            assert self._file is not None  # noqa: S101
            self._file.seek(0)
            while chunk := self._file.read(_READ_CHUNK):
                yield chunk


class SendBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The body of a send, ``head + payload + tail``, produced as it is sent and again for every
    iteration (a retry sends the very same bytes, RES-04). The payload is base64-encoded for the JSON
    call and goes raw into the MTOM call's binary part. ``payload`` is a :class:`FilePayload` or a
    :class:`~mobb_sdk._codec.BatchXml` (written as it is sent: memory holds the letters' skeleton).
    The async iteration runs the same steps: local work (encoding, disk reads), not network waits."""

    def __init__(self, head: bytes, payload: FilePayload | BatchXml, tail: bytes, *, encode: bool) -> None:
        self._head = head
        self._payload = payload
        self._tail = tail
        self._encode = encode

    @property
    def payload_size(self) -> int:
        return self._payload.size

    @property
    def length(self) -> int:
        """The body's size in bytes (its Content-Length)."""
        size = self._payload.size
        return len(self._head) + (4 * math.ceil(size / 3) if self._encode else size) + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        chunks = self._payload.chunks()
        yield from base64_stream(chunks) if self._encode else gathered(chunks)
        yield self._tail

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


class EbmsProtocol:
    """Every ebms-core call of the client: a request builder and an answer reader per call."""

    def __init__(self, config: EbmsConfig, timeouts: Timeouts) -> None:
        self.config = config
        self._timeout = timeouts.as_extension()

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | list[str]] | None = None,
        accept: str = "application/json",
    ) -> httpx.Request:
        """A request without a body (the send builds its own, streamed: :meth:`send_batch_request`)."""
        return httpx.Request(
            method,
            url,
            params=params,
            headers={"Accept": accept, "User-Agent": _USER_AGENT},
            extensions={"timeout": self._timeout},
        )

    # -- sending ---------------------------------------------------------------------------------------

    def _send_properties(self, batch_id: uuid.UUID) -> bytes:
        c = self.config
        properties = {
            "cpaId": c.cpa_id,
            "fromPartyId": c.from_party_id,
            "fromRole": c.from_role,
            "toPartyId": c.to_party_id,
            "toRole": c.to_role,
            "service": c.service,
            "action": c.request_action,
            "conversationId": str(batch_id),
        }
        return json.dumps(properties, separators=(",", ":")).encode("utf-8")

    def send_batch_request(self, xml: BatchXml | FilePayload, batch_id: uuid.UUID) -> httpx.Request:
        """The send of a batch XML, written (``BatchXml``) or read (``FilePayload``) as it is sent:
        ``POST /ebms/messages`` with the XML as the base64 of one ``text/xml`` data source, or with
        ``mtom`` ``POST /ebms/messages/mtom`` with the XML as a binary ``attachment`` part. The
        conversationId is the BatchID."""
        properties = self._send_properties(batch_id)
        if self.config.mtom:
            # A fresh random boundary cannot occur in the payload; the Content-ID names the part in
            # the ebMS manifest (ebms-core makes one up for a JSON data source: a UUID as well).
            boundary = f"mobb-{uuid.uuid4().hex}"
            head = (
                (
                    f"--{boundary}\r\n"
                    'Content-Disposition: form-data; name="requestProperties"\r\n'
                    "Content-Type: application/json\r\n\r\n"
                ).encode("ascii")
                + properties
                + (
                    f"\r\n--{boundary}\r\n"
                    'Content-Disposition: form-data; name="attachment"; filename="batch.xml"\r\n'
                    "Content-Type: text/xml\r\n"
                    f"Content-ID: <{uuid.uuid4()}>\r\n\r\n"
                ).encode("ascii")
            )
            body = SendBody(head, xml, f"\r\n--{boundary}--\r\n".encode("ascii"), encode=False)
            url = self.config.endpoint("ebms", "messages", "mtom")
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            # base64 needs no JSON escaping: splice the bytes in rather than encode a 100 MB string again.
            head = (
                b'{"properties":'
                + properties
                + b',"dataSources":[{"name":"batch.xml","contentType":"text/xml","content":"'
            )
            body = SendBody(head, xml, b'"}]}', encode=True)
            url = self.config.endpoint("ebms", "messages")
            content_type = "application/json"
        target = httpx.URL(url)
        # httpx fills in Host and Content-Length only for bodies it encodes itself.
        headers = {
            "Host": target.netloc.decode("ascii"),
            "Accept": "text/plain",
            "User-Agent": _USER_AGENT,
            "Content-Type": content_type,
            "Content-Length": str(body.length),
        }
        return httpx.Request(
            "POST", target, headers=headers, stream=body, extensions={"timeout": self._timeout}
        )

    def read_sent_id(self, response: httpx.Response, ctx: Context) -> str:
        """The ebMS message id in the answer to :meth:`send_batch_request`."""
        if self.config.mtom and response.status_code in (404, 405, 415):
            # Nothing was stored: the MSH has no MTOM endpoint at this address (an MSH with only the
            # JSON call, or a wrong URL); retrying cannot help.
            raise EbmsConfigurationError(
                f"{ctx.what}: {self.config.endpoint('ebms', 'messages', 'mtom')} does not take an MTOM send "
                f"(HTTP {response.status_code}); check MOBB_EBMS_URL, or send as JSON (mtom=False, "
                "MOBB_EBMS_MTOM=0)",
                body=response.content.decode("utf-8", "replace").strip(),
                status=response.status_code,
            )
        return self.read_message_id(response, ctx)

    def read_message_id(self, response: httpx.Response, ctx: Context) -> str:
        """The new ebMS message id in the text answer to a send or a resend."""
        expect_status(response, (200, 201), ctx)
        return _message_id(response, ctx)

    def resend_request(self, message_id: str) -> httpx.Request:
        """``PUT /ebms/messages/{id}``: ebms-core sends the same message again under a new id."""
        return self._request("PUT", self.config.endpoint("ebms", "messages", message_id), accept="text/plain")

    # -- events ----------------------------------------------------------------------------------------

    def events_request(self, types: Iterable[EventType], max_nr: int | None = None) -> httpx.Request:
        c = self.config
        params: dict[str, str | list[str]] = {
            "cpaId": c.cpa_id,
            "fromPartyId": c.from_party_id,
            "service": c.service,
            "action": c.request_action,
            "eventTypes": [t.value for t in types],
        }
        if max_nr is not None and max_nr > 0:
            params["maxNr"] = str(min(max_nr, MAX_LISTED))
        return self._request("GET", c.endpoint("ebms", "events", "unprocessed"), params=params)

    def read_events(
        self, response: httpx.Response, ctx: Context, limit: int = MAX_LISTED
    ) -> list[DeliveryEvent]:
        """The distinct events of the answer, at most ``limit`` of them."""
        expect_status(response, (200,), ctx)
        data = _json(response, ctx)
        if not isinstance(data, list):
            raise ctx.protocol_error("expected a JSON list of events")
        events: list[DeliveryEvent] = []
        seen: set[tuple[str, EventType]] = set()
        for item in data[:MAX_LISTED]:
            if not isinstance(item, Mapping):
                raise ctx.protocol_error("an event is not a JSON object")
            message_id = _str(item.get("messageId"), "messageId", ctx)
            try:
                kind = EventType(item.get("type"))
            except ValueError:
                raise ctx.protocol_error(f"unknown event type {scrub(str(item.get('type')), 40)!r}") from None
            # ebms-core may list one event twice; the caller sees it once (it acks per message anyway).
            if (message_id, kind) not in seen:
                seen.add((message_id, kind))
                events.append(DeliveryEvent(message_id, kind))
                if len(events) >= limit:
                    break
        return events

    def ack_event_request(self, message_id: str) -> httpx.Request:
        """``PATCH /ebms/events/{id}``: ebms-core marks every event of the message processed (and the
        message itself, when it was RECEIVED)."""
        return self._request("PATCH", self.config.endpoint("ebms", "events", message_id))

    def received_event_request(self, message_id: str) -> httpx.Request:
        """The unprocessed RECEIVED event of one incoming message (none when ebms-core stores no events)."""
        c = self.config
        params: dict[str, str | list[str]] = {
            "cpaId": c.cpa_id,
            "messageId": message_id,
            "eventTypes": [EventType.RECEIVED.value],
        }
        return self._request("GET", c.endpoint("ebms", "events", "unprocessed"), params=params)

    # -- incoming messages -----------------------------------------------------------------------------

    def results_request(self, max_nr: int | None = None) -> httpx.Request:
        """Unprocessed ``GLOBE-R-BV-Result`` messages from Logius to us under our CPA."""
        c = self.config
        params: dict[str, str | list[str]] = {
            "cpaId": c.cpa_id,
            "fromPartyId": c.to_party_id,
            "toPartyId": c.from_party_id,
            "service": c.service,
            "action": c.result_action,
        }
        if max_nr is not None and max_nr > 0:
            params["maxNr"] = str(min(max_nr, MAX_LISTED))
        return self._request("GET", c.endpoint("ebms", "messages", "unprocessed"), params=params)

    def read_id_list(self, response: httpx.Response, ctx: Context, limit: int = MAX_LISTED) -> list[str]:
        """The distinct ids of a list answer, at most ``limit`` of them (the first ones, in order)."""
        expect_status(response, (200,), ctx)
        data = _json(response, ctx)
        if not isinstance(data, list):
            raise ctx.protocol_error("expected a JSON list of message ids")
        ids: dict[str, None] = {}
        for item in data:
            if not isinstance(item, str) or not item or len(item) > _MAX_ID_LENGTH:
                raise ctx.protocol_error("expected a JSON list of message ids")
            ids[item] = None
            if len(ids) >= limit:
                break
        return list(ids)

    def message_request(self, message_id: str, *, process: bool = False) -> httpx.Request:
        return self._request(
            "GET",
            self.config.endpoint("ebms", "messages", message_id),
            params={"process": "true" if process else "false"},
        )

    def read_message(self, response: httpx.Response, ctx: Context) -> ReceivedMessage:
        expect_status(response, (200,), ctx)
        data = _json(response, ctx)
        props = data.get("properties") if isinstance(data, Mapping) else None
        if not isinstance(props, Mapping):
            raise ctx.protocol_error("the message has no properties object")
        from_party, from_role = _party(props.get("fromParty"), "fromParty", ctx)
        to_party, to_role = _party(props.get("toParty"), "toParty", ctx)
        sources = data.get("dataSources", [])
        if not isinstance(sources, list):
            raise ctx.protocol_error("dataSources is not a list")
        return ReceivedMessage(
            message_id=_str(props.get("messageId"), "messageId", ctx),
            cpa_id=_str(props.get("cpaId"), "cpaId", ctx),
            from_party_id=from_party,
            from_role=from_role,
            to_party_id=to_party,
            to_role=to_role,
            service=_str(props.get("service"), "service", ctx),
            action=_str(props.get("action"), "action", ctx),
            conversation_id=_str(props.get("conversationId"), "conversationId", ctx, optional=True) or "",
            ref_to_message_id=_str(props.get("refToMessageId"), "refToMessageId", ctx, optional=True),
            timestamp=_timestamp(props.get("timestamp")),
            status=_str(props.get("messageStatus"), "messageStatus", ctx, optional=True),
            data_sources=tuple(_data_source(s, ctx) for s in sources),
        )

    def is_result(self, message: ReceivedMessage) -> bool:
        """True for a processing result from Logius under our CPA; anything else is left alone."""
        c = self.config
        return (
            message.action == c.result_action
            and message.service == c.service
            and message.cpa_id == c.cpa_id
            and message.from_party_id == c.to_party_id
        )

    def read_result(self, message: ReceivedMessage) -> ResultMessage:
        """The ``BerichtVerwerkResponse`` in a result message; :class:`ProtocolError` when unreadable."""
        batch_id = _guid_or_none(message.conversation_id)
        ctx = Context(f"result message {message.message_id}", batch_id=batch_id)
        xml = [s for s in message.data_sources if s.content_type.split(";")[0].strip().lower() in _XML_TYPES]
        if len(xml) != 1:
            raise ctx.protocol_error(f"expected one XML payload, found {len(xml)}")
        try:
            resultaat = from_xml(xml[0].content, VerwerkingsResultaat)
        except ValidationError as exc:
            raise ctx.protocol_error(
                f"the BerichtVerwerkResponse is not valid: {scrub(str(exc), 300)}"
            ) from None
        except MobbError as exc:
            raise ctx.protocol_error(
                f"the payload is not a BerichtVerwerkResponse: {scrub(str(exc), 200)}"
            ) from None
        answered = resultaat.batch_id
        if answered == NIL_GUID and batch_id is not None:
            # RES-01: Logius could not even read the BatchID (the payload was not XML); the result's
            # conversationId still names the batch it answers, so it is matched rather than lost.
            answered = batch_id
        return ResultMessage(
            message_id=message.message_id,
            batch_id=answered,
            conversation_id=message.conversation_id,
            ref_to_message_id=message.ref_to_message_id,
            received_at=message.timestamp,
            resultaat=resultaat,
        )

    def ack_message_request(self, message_id: str) -> httpx.Request:
        """``PATCH /ebms/messages/{id}``: mark a received message processed."""
        return self._request("PATCH", self.config.endpoint("ebms", "messages", message_id))

    def read_ack(self, response: httpx.Response, ctx: Context) -> bool:
        """True when marked now, False when ebms-core no longer knows it (already processed: 404)."""
        if response.status_code == 404:
            return False
        expect_status(response, (200, 204), ctx)
        return True

    # -- status and ping --------------------------------------------------------------------------------

    def status_request(self, message_id: str) -> httpx.Request:
        """``GET /ebms/messages/{id}/status``: ebms-core asks the other MSH (an ebMS StatusRequest)."""
        return self._request("GET", self.config.endpoint("ebms", "messages", message_id, "status"))

    def read_status(self, response: httpx.Response, ctx: Context) -> tuple[MessageStatus, datetime | None]:
        expect_status(response, (200,), ctx)
        data = _json(response, ctx)
        if not isinstance(data, Mapping):
            raise ctx.protocol_error("expected a JSON object with a status")
        try:
            status = MessageStatus(data.get("status"))
        except ValueError:
            raise ctx.protocol_error(
                f"unknown message status {scrub(str(data.get('status')), 40)!r}"
            ) from None
        return status, _timestamp(data.get("timestamp"))

    def ping_request(self) -> httpx.Request:
        c = self.config
        return self._request(
            "POST",
            c.endpoint("ebms", "ping", c.cpa_id, "from", c.from_party_id, "to", c.to_party_id),
            accept="*/*",
        )

    def read_ping(self, response: httpx.Response, ctx: Context) -> None:
        expect_status(response, (200, 204), ctx)


_XML_TYPES: Final = frozenset({"text/xml", "application/xml"})


def _guid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _data_source(value: object, ctx: Context) -> DataSource:
    if not isinstance(value, Mapping):
        raise ctx.protocol_error("a data source is not a JSON object")
    encoded = _str(value.get("content"), "dataSources.content", ctx, optional=True) or ""
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ctx.protocol_error("a data source's content is not base64") from None
    return DataSource(
        content_type=_str(value.get("contentType"), "dataSources.contentType", ctx),
        content=content,
        name=_str(value.get("name"), "dataSources.name", ctx, optional=True),
        content_id=_str(value.get("contentId"), "dataSources.contentId", ctx, optional=True),
    )

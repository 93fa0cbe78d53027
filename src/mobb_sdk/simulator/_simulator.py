"""The simulator: ebms-core's REST API v19, Logius' GLOBE behind it, and the WUS ValidateAbonnementen service.

:meth:`Simulator.handle` is the whole simulator as one thread-safe function from an
:class:`httpx.Request` to an :class:`httpx.Response`; the in-process transport and the loopback server
both call it (through :meth:`Simulator._plan` and :meth:`Simulator._answer`, so the server can act out
socket-level faults itself).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import email.policy
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from typing import Any, Final

import attrs
import httpx

from mobb_sdk._codec import from_soap, to_soap, to_xml
from mobb_sdk._ebms import EventType, MessageStatus
from mobb_sdk._errors import ConfigurationError, CpaError, MobbError, ValidationError, XmlError
from mobb_sdk._ids import LOGIUS_OIN, Bsn, Oin, guid_from_int
from mobb_sdk._models import (
    Abonnement,
    FaultKind,
    SoapFault,
    ValidateAbonnementenAanvraag,
    ValidateAbonnementenAntwoord,
    VerwerkingsResultaat,
)
from mobb_sdk._namespaces import (
    EBMS_SERVICE,
    LOGIUS_ROLE,
    REQUEST_ACTION,
    RESULT_ACTION,
    SENDER_ROLE,
    VALIDATE_ABONNEMENTEN_ACTION,
)
from mobb_sdk.cpa import CpaInfo, read_cpa
from mobb_sdk.simulator._clock import Clock
from mobb_sdk.simulator._faults import (
    BatchFault,
    FaultRecord,
    Faults,
    Operation,
    TransportFault,
    TransportKind,
)
from mobb_sdk.simulator._globe import Examined, StoredLetter, decide, examine, malformed
from mobb_sdk.simulator._records import (
    BatchRecord,
    EventRecord,
    IncomingMessage,
    RequestRecord,
    SentMessage,
    WusCall,
)
from mobb_sdk.simulator._store import LetterStore
from mobb_sdk.simulator._world import Cpa, Person, Sender, World

__all__ = [
    "BB_SERVICE",
    "EBMS_PREFIX",
    "LOGIUS_PARTY_ID",
    "MESSAGE_STATUSES",
    "REQUEST_ACTION",
    "RESULT_ACTION",
    "WUS_PATH",
    "Inspection",
    "Simulator",
]

EBMS_PREFIX: Final = "/service/rest/v19"
WUS_PATH: Final = "/wus/BerichtenboxValidatieService"
BB_SERVICE: Final = EBMS_SERVICE
LOGIUS_PARTY_ID: Final = LOGIUS_OIN.party_id

#: ebms-core's message status values, the client's MessageStatus (all can be read back; see docs for which
#: the simulator produces).
MESSAGE_STATUSES: Final = frozenset(s.value for s in MessageStatus)
#: ebms-core's event types (the client's :class:`~mobb_sdk._ebms.EventType`: one vocabulary for both).
EVENT_TYPES: Final = tuple(t.value for t in EventType)
#: The ebMS service of the MSHs' own messages (Ping, StatusRequest, Acknowledgment, ...).
MSH_SERVICE: Final = "urn:oasis:names:tc:ebxml-msg:service"
#: ebms-core's ``eventListener.type`` values the simulator plays: events stored, or only logged.
EVENT_LISTENERS: Final = ("DAO", "DEFAULT")
#: The properties of ebms-core's MessageRequestProperties, in its order.
_REQUEST_PROPERTIES: Final = (
    "cpaId",
    "fromPartyId",
    "fromRole",
    "toPartyId",
    "toRole",
    "service",
    "action",
    "conversationId",
    "messageId",
    "refToMessageId",
)
_DELIVERY_EVENT: Final = {
    MessageStatus.DELIVERED.value: EventType.DELIVERED.value,
    MessageStatus.DELIVERY_FAILED.value: EventType.FAILED.value,
    MessageStatus.EXPIRED.value: EventType.EXPIRED.value,
}
_FILTERS: Final = (
    "cpaId",
    "fromPartyId",
    "fromRole",
    "toPartyId",
    "toRole",
    "service",
    "action",
    "conversationId",
    "messageId",
    "refToMessageId",
)
# A moment that never comes: results held back until process() (result_delay=None).
_NEVER: Final = datetime.max.replace(tzinfo=UTC)
#: The request extension the loopback server sets to the OIN in the TLS client certificate.
CLIENT_OIN_EXTENSION: Final = "mobb.client_oin"


@attrs.define
class _DataSource:
    name: str | None
    content_id: str | None
    content_type: str
    content: bytes

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "contentType": self.content_type,
            "content": base64.b64encode(self.content).decode(),
        }
        if self.name is not None:
            out["name"] = self.name
        if self.content_id is not None:
            out["contentId"] = self.content_id
        return out


@attrs.define
class _Message:
    message_id: str
    cpa_id: str
    from_party: tuple[str, str]
    to_party: tuple[str, str]
    service: str
    action: str
    conversation_id: str
    ref_to_message_id: str | None
    timestamp: datetime
    data_sources: list[_DataSource]
    incoming: bool
    status: str  # the status from visible_at on (before: CREATED for a sent message, absent for incoming)
    visible_at: datetime
    resend_of: str | None = None
    batch_id: uuid.UUID | None = None
    bericht_ids: tuple[int, ...] = ()  # as ints: a million UUID objects would slow the GC (see _store)
    client_oin: str | None = None
    fetched: int = 0
    processed_at: datetime | None = None
    malformed: bool = False

    def status_at(self, now: datetime) -> str | None:
        if now >= self.visible_at:
            return self.status
        return None if self.incoming else MessageStatus.CREATED.value

    def properties(self, now: datetime) -> dict[str, Any]:
        props: dict[str, Any] = {
            "cpaId": self.cpa_id,
            "fromParty": {"partyId": self.from_party[0], "role": self.from_party[1]},
            "toParty": {"partyId": self.to_party[0], "role": self.to_party[1]},
            "service": self.service,
            "action": self.action,
            "timestamp": _iso(self.timestamp),
            "conversationId": self.conversation_id,
            "messageId": self.message_id,
            "messageStatus": self.status_at(now),
        }
        if self.ref_to_message_id is not None:
            props["refToMessageId"] = self.ref_to_message_id
        return props

    def matches(self, params: httpx.QueryParams) -> bool:
        values = {
            "cpaId": self.cpa_id,
            "fromPartyId": self.from_party[0],
            "fromRole": self.from_party[1],
            "toPartyId": self.to_party[0],
            "toRole": self.to_party[1],
            "service": self.service,
            "action": self.action,
            "conversationId": self.conversation_id,
            "messageId": self.message_id,
            "refToMessageId": self.ref_to_message_id,
        }
        # ebms-core filters on a role only together with its party (Party(partyId, role)).
        if not params.get("fromPartyId"):
            values["fromRole"] = params.get("fromRole")
        if not params.get("toPartyId"):
            values["toRole"] = params.get("toRole")
        return all(not params.get(key) or params.get(key) == values[key] for key in _FILTERS)


@attrs.define
class _Event:
    message_id: str
    type: str
    visible_at: datetime
    processed_at: datetime | None = None


Handler = Callable[[httpx.Request], httpx.Response]
_JSON_TYPE: Final = "application/json"
_TEXT_TYPE: Final = "text/plain"
_MULTIPART_TYPE: Final = "multipart/form-data"


@attrs.frozen
class _Endpoint:
    """A route's operation, handler and the media type ebms-core gives its error answers."""

    operation: Operation
    handler: Handler
    error_type: str = _JSON_TYPE


@attrs.frozen
class _Plan:
    """A request routed, with the transport fault (if any) it is to suffer."""

    request: httpx.Request
    operation: Operation
    handler: Handler
    fault: TransportFault | None
    error_type: str = _JSON_TYPE


class _BadRequest(Exception):
    """Answered as 400 with the message as text (a BadRequestException, or a body the JSON layer refuses)."""


class _NotFound(Exception):
    """Answered as 404 with an empty body (ebms-core's not-found kinds, and unconvertible parameters)."""


class _Unsupported(Exception):
    """Answered as 415: the body's media type is not the one the endpoint consumes."""


class _ServerError(Exception):
    """Answered as 500 with the message as the body: what ebms-core does with every other exception,
    its validation of the message properties against the CPA included."""


def _iso(value: datetime) -> str:
    """An instant as Java's ``Instant.toString()`` writes it (and ebms-core's JSON): UTC, ``Z``, no
    fraction when it is zero, else 3 or 6 digits."""
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    if "." in text:
        head, fraction = text.split(".")
        text = head + "." + (fraction[:3] if fraction.endswith("000") else fraction)
    return text + "Z"


def _flag(value: str | None) -> bool:
    """A JAX-RS ``Boolean`` parameter: ``true`` in any case is true, anything else (or nothing) false."""
    return value is not None and value.strip().lower() == "true"


def _max_nr(params: httpx.QueryParams) -> int | None:
    """``maxNr`` as ebms-core reads it: absent or 0 is no limit; not an integer is a 404 (JAX-RS)."""
    raw = params.get("maxNr")
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise _NotFound from None
    if value < 0:
        raise _ServerError(f"maxNr {value} is not a row limit")
    return value or None


def _text(status: int, text: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, text=text, headers={"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
    )


def _json(value: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=value)


def _error(status: int, message: str, media_type: str) -> httpx.Response:
    """An error as ebms-core's ``WithService`` builds it: the status, the endpoint's media type, and
    the exception message as the (plain) body, empty for a not-found."""
    return httpx.Response(status, content=message.encode("utf-8"), headers={"Content-Type": media_type})


def _no_content() -> httpx.Response:
    return httpx.Response(204)


def _new_message_id() -> str:
    # ebms-core's messageIds are a UUID and the host name.
    return f"{uuid.uuid4()}@mobb-simulator"


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout")
    if isinstance(timeout, Mapping):
        value = timeout.get("read")
        return float(value) if isinstance(value, int | float) else None
    return None


@attrs.frozen
class _Part:
    """One part of a multipart/form-data body (MTOM requests and answers)."""

    name: str
    filename: str | None
    content_id: str | None
    content_type: str
    content: bytes


def _multipart(request: httpx.Request) -> list[_Part]:
    """The parts of a multipart/form-data request (415 for another media type, 400 when unreadable)."""
    media = request.headers.get("Content-Type", "")
    if not media.lower().startswith("multipart/"):
        raise _Unsupported
    head = f"Content-Type: {media}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    if not message.is_multipart():
        raise _BadRequest("the multipart body cannot be read")
    parts: list[_Part] = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        cid = part.get("Content-ID")
        parts.append(
            _Part(
                name=part.get_param("name", header="content-disposition") or "",  # type: ignore[arg-type]
                filename=part.get_filename(),
                content_id=str(cid).strip().strip("<>") if cid else None,
                content_type=part.get_content_type(),
                content=content,
            )
        )
    return parts


def _multipart_body(parts: Iterable[_Part], boundary: str) -> bytes:
    out = bytearray()
    for part in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{part.name}"'
        if part.filename:
            disposition += f'; filename="{part.filename}"'
        out += f"Content-Disposition: {disposition}\r\n".encode()
        out += f"Content-Type: {part.content_type}\r\n".encode()
        if part.content_id:
            out += f"Content-ID: <{part.content_id}>\r\n".encode()
        out += b"Content-Transfer-Encoding: binary\r\n\r\n" + part.content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def _certificate(text: str) -> bytes:
    """A base64 DER X.509 certificate, parsed as ebms-core does (a failure is a 500)."""
    from cryptography import x509

    try:
        der = base64.b64decode(text, validate=True)
        x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise _ServerError(f"not a base64 DER X.509 certificate: {exc}") from None
    return der


class Simulator:
    """A local Logius: ebms-core's REST API v19, GLOBE's processing and the WUS ValidateAbonnementen service.

    - ``world``: senders, CPAs and test persons (default :meth:`World.default`).
    - ``clock``: a :class:`Clock`, or any function returning an aware ``datetime`` (default: UTC now).
      The 13-day windows and every timestamp use it; :meth:`advance` moves it.
    - ``delivery_delay``: seconds a sent message stays ``CREATED`` before it is ``DELIVERED`` (default 0).
    - ``result_delay``: seconds after delivery until the result is visible (default 0: at once);
      ``None`` holds every result back until :meth:`process`.
    - ``max_batch_bytes``: payloads larger than this are refused by Logius' MSH (BATCH-02): the delivery
      fails with a FAILED event.
    - ``faults``: a :class:`Faults` (default: none); reach it later as ``simulator.faults``.
    - ``event_listener``: ``"DAO"`` (default) stores delivery and RECEIVED events as ebms-core does with
      ``eventListener.type=DAO``; ``"DEFAULT"`` is ebms-core's shipped default, which stores none.
      ``peer_available = False`` makes Logius' MSH silent for pings and StatusRequests (500).

    Use it in-process with ``httpx.Client(transport=simulator.transport(), base_url=...)`` or on a
    loopback port with ``with simulator.serve() as server: ...``.
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        clock: Clock | Callable[[], datetime] | None = None,
        delivery_delay: float = 0.0,
        result_delay: float | None = 0.0,
        max_batch_bytes: int = 100_000_000,
        faults: Faults | None = None,
        keep_payloads: bool = True,
        event_listener: str = "DAO",
    ) -> None:
        self._world = world if world is not None else World.default()
        self.clock = clock if isinstance(clock, Clock) else Clock(source=clock)
        self.delivery_delay = float(delivery_delay)
        self.result_delay = result_delay
        self.max_batch_bytes = max_batch_bytes
        # Off for bulk runs: a sent batch's payload is dropped once GLOBE has processed it (a resend of
        # it then answers 404, and GET shows it without content), so memory does not grow with the run.
        self.keep_payloads = keep_payloads
        self.faults = faults if faults is not None else Faults()
        if event_listener not in EVENT_LISTENERS:
            raise ConfigurationError(
                f"event_listener is one of {', '.join(EVENT_LISTENERS)} (ebms-core's eventListener.type), "
                f"got {event_listener!r}"
            )
        # "DAO": events are stored and listed, as with eventListener.type=DAO; "DEFAULT": ebms-core's
        # shipped default, which only logs them, so /ebms/events/unprocessed stays empty.
        self.event_listener = event_listener
        # False: Logius' MSH does not answer (a ping or a StatusRequest gets no answer: 500).
        self.peer_available = True
        self._lock = threading.RLock()
        self._started = self.clock.now().replace(microsecond=0)
        self._posted_cpas: dict[str, tuple[Cpa, bytes]] = {}
        self._deleted_cpas: set[str] = set()
        self._url_map: dict[str, str] = {}
        self._certificate_map: dict[tuple[bytes, str | None], bytes] = {}
        self._messages: dict[str, _Message] = {}
        self._events: list[_Event] = []
        # Per letter and per batch, in a form the cyclic GC leaves alone (see _store).
        self._store = LetterStore()
        self._send_hooks: list[Callable[[httpx.Request], httpx.Request]] = []
        self._wus_calls: list[WusCall] = []
        self._requests: list[RequestRecord] = []
        self.inspect = Inspection(self)

    # --- the world ------------------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        return self._world

    @world.setter
    def world(self, world: World) -> None:
        with self._lock:
            self._world = world

    def add_person(self, person: Person) -> None:
        """Add a test person (or replace the one with the same BSN)."""
        with self._lock:
            self._world = self._world.with_person(person)

    def add_sender(self, sender: Sender) -> None:
        """Add a sender (or replace the one with the same OIN); with a ``cpa_id`` it brings a CPA."""
        with self._lock:
            self._world = self._world.with_sender(sender)

    def subscribe(
        self, bsn: Bsn | str, sender: Oin | str, *bericht_types: str, active_box: bool | None = None
    ) -> None:
        """Subscribe a person (added when unknown) to ``bericht_types`` (``"*"``: all) of ``sender``."""
        with self._lock:
            person = self._world.person(bsn) or Person(bsn)
            oin = sender.value if isinstance(sender, Oin) else Oin(sender).value
            subs = person.subscriptions | {(oin, t) for t in bericht_types}
            box = person.active_box if active_box is None else active_box
            self._world = self._world.with_person(attrs.evolve(person, subscriptions=subs, active_box=box))

    def unsubscribe(self, bsn: Bsn | str, sender: Oin | str, *bericht_types: str) -> None:
        """Remove subscriptions (all of ``sender``'s when no type is given)."""
        with self._lock:
            person = self._world.person(bsn)
            if person is None:
                return
            oin = sender.value if isinstance(sender, Oin) else Oin(sender).value
            subs = {
                (o, t)
                for o, t in person.subscriptions
                if o != oin or (bericht_types and t not in bericht_types)
            }
            self._world = self._world.with_person(attrs.evolve(person, subscriptions=subs))

    # --- time ------------------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        """Move the simulator's clock forward; deliveries and results due by then become visible."""
        self.clock.advance(seconds)

    def process(self) -> int:
        """Make every pending delivery and held-back result visible now; return how many messages changed."""
        now = self.now()
        changed = 0
        with self._lock:
            for message in self._messages.values():
                if message.visible_at > now:
                    message.visible_at = now
                    changed += 1
            for event in self._events:
                event.visible_at = min(event.visible_at, now)
        return changed

    # --- transports ------------------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering from this simulator in-process, for ``httpx.Client`` and ``AsyncClient``."""
        from mobb_sdk.simulator._server import SimulatorTransport

        return SimulatorTransport(self)

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, tls: Any = None) -> Any:
        """Serve on a loopback port in a background thread: ``with simulator.serve() as server:``.

        ``tls`` is a :class:`TlsFiles` (see :func:`generate_tls`): HTTPS with client certificates required.
        The context manager yields a :class:`RunningServer` (``base_url``, ``ebms_url``, ``wus_url``).
        """
        from mobb_sdk.simulator._server import RunningServer

        return RunningServer(self, host, port, tls)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request in-process; injected transport faults raise what httpx would raise."""
        plan = self._plan(request)
        fault = plan.fault
        if fault is not None and fault.kind is TransportKind.DELAY:
            timeout = _read_timeout(request)
            if timeout is not None and fault.seconds >= timeout:
                return self._time_out(plan)
            time.sleep(fault.seconds)
        return self._finish(plan)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        """:meth:`handle` for ``httpx.AsyncClient``: a delay sleeps without blocking the event loop."""
        plan = self._plan(request)
        fault = plan.fault
        if fault is not None and fault.kind is TransportKind.DELAY:
            timeout = _read_timeout(request)
            if timeout is not None and fault.seconds >= timeout:
                return self._time_out(plan)
            await asyncio.sleep(fault.seconds)
        return self._finish(plan)

    def _time_out(self, plan: _Plan) -> httpx.Response:
        assert plan.fault is not None  # noqa: S101
        if plan.fault.applied:
            self._answer(plan, log=False)
        self._log(plan, None, "delay")
        raise httpx.ReadTimeout("timed out (injected delay beyond the read timeout)", request=plan.request)

    def _finish(self, plan: _Plan) -> httpx.Response:
        fault = plan.fault
        if fault is None or fault.kind is TransportKind.DELAY:
            return self._answer(plan)
        if fault.applied:
            self._answer(plan, log=False)
        if fault.kind is TransportKind.FAIL:
            return self._fault_response(plan)
        self._log(plan, None, "drop")
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=plan.request
        )

    def _fault_response(self, plan: _Plan) -> httpx.Response:
        fault = plan.fault
        assert fault is not None  # noqa: S101
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        self._log(plan, fault.status, "fail")
        return _text(fault.status, f"injected failure (HTTP {fault.status})", headers)

    def _plan(self, request: httpx.Request) -> _Plan:
        endpoint = self._route(request)
        fault = None
        if endpoint.operation is not Operation.OTHER:
            fault = self.faults.take_transport(endpoint.operation, self.now())
        return _Plan(request, endpoint.operation, endpoint.handler, fault, endpoint.error_type)

    def _answer(self, plan: _Plan, *, log: bool = True) -> httpx.Response:
        try:
            response = plan.handler(plan.request)
        except _BadRequest as exc:
            response = _error(400, str(exc), plan.error_type)
        except _NotFound:
            response = _error(404, "", plan.error_type)
        except _ServerError as exc:
            response = _error(500, str(exc), plan.error_type)
        except _Unsupported:
            response = httpx.Response(415)
        if log:
            self._log(plan, response.status_code, None)
        return response

    def _log(self, plan: _Plan, status: int | None, fault: str | None) -> None:
        record = RequestRecord(
            self.now(), plan.operation, plan.request.method, plan.request.url.path, status, fault
        )
        with self._lock:
            self._requests.append(record)

    # --- routing ---------------------------------------------------------------------------------------------

    def _route(self, request: httpx.Request) -> _Endpoint:
        path = request.url.path
        method = request.method
        if path.rstrip("/") == WUS_PATH:
            return _Endpoint(Operation.WUS, self._wus if method == "POST" else self._not_allowed("POST"))
        if not path.startswith(EBMS_PREFIX + "/"):
            return _Endpoint(Operation.OTHER, self._unknown)
        rest = path[len(EBMS_PREFIX) + 1 :]
        parts = [p for p in rest.split("/") if p]
        table = self._table(parts, rest)
        if table is None:
            return _Endpoint(Operation.OTHER, self._unknown)
        if method in table:
            return table[method]
        first = next(iter(table.values()))
        return _Endpoint(first.operation, self._not_allowed(*table), first.error_type)

    def _table(self, parts: list[str], rest: str) -> Mapping[str, _Endpoint] | None:
        """The endpoints of ebms-core's REST API v19 at ``parts``, by method (None: no such resource)."""
        E, T, M = _Endpoint, _TEXT_TYPE, _MULTIPART_TYPE
        n = len(parts)
        head = parts[0] if parts else ""
        if head == "ebms" and n >= 2 and parts[1] == "messages":
            if n == 2:
                return {"POST": E(Operation.SEND, self._send, T)}
            if parts[2:] == ["unprocessed"]:
                return {"GET": E(Operation.UNPROCESSED, self._unprocessed, T)}
            if parts[2:] == ["mtom"]:
                return {"POST": E(Operation.SEND, self._send_mtom, T)}
            if n == 4 and parts[2] == "mtom":
                mid = parts[3]
                return {"GET": E(Operation.GET, lambda r: self._get_mtom(r, mid), M)}
            if n == 3:
                mid = parts[2]
                return {
                    "GET": E(Operation.GET, lambda r: self._get(r, mid)),
                    "PUT": E(Operation.RESEND, lambda r: self._resend(r, mid), T),
                    "PATCH": E(Operation.PROCESS, lambda r: self._mark_processed(mid)),
                }
            if n == 4 and parts[3] == "status":
                mid = parts[2]
                return {"GET": E(Operation.STATUS, lambda r: self._status(mid))}
            return None
        if head == "ebms" and n >= 2 and parts[1] == "events":
            if parts[2:] == ["unprocessed"]:
                return {"GET": E(Operation.EVENTS, self._unprocessed_events)}
            if n == 3:
                mid = parts[2]
                return {"PATCH": E(Operation.ACK_EVENT, lambda r: self._ack_event(mid))}
            return None
        if head == "ebms" and n == 7 and parts[1] == "ping" and parts[3] == "from" and parts[5] == "to":
            cpa_id, from_party, to_party = parts[2], parts[4], parts[6]
            return {"POST": E(Operation.PING, lambda r: self._ping(cpa_id, from_party, to_party))}
        if head == "cpas":
            if n == 1:
                return {
                    "GET": E(Operation.CPAS, self._cpa_ids),
                    "POST": E(Operation.CPAS, self._insert_cpa, T),
                }
            if parts[1:] == ["validate"]:
                return {"POST": E(Operation.CPAS, self._validate_cpa)}
            if parts[1:] == ["cache"]:
                return {
                    "DELETE": E(Operation.CPAS, lambda r: _no_content(), T),
                    "GET": E(Operation.CPAS, lambda r: self._cpa("cache"), T),
                }
            if n == 2:
                cpa_id = parts[1]
                return {
                    "GET": E(Operation.CPAS, lambda r: self._cpa(cpa_id), T),
                    "DELETE": E(Operation.CPAS, lambda r: self._delete_cpa(cpa_id)),
                }
            return None
        if head == "urlMappings":
            if n == 1:
                return {
                    "GET": E(Operation.MAPPINGS, self._url_mappings),
                    "POST": E(Operation.MAPPINGS, self._set_url_mapping),
                }
            if parts[1:] == ["cache"]:
                return {"DELETE": E(Operation.MAPPINGS, lambda r: _no_content())}
            # The source is itself a URL, taken verbatim from the rest of the path (as ebms-core does).
            source = rest[len("urlMappings/") :]
            return {"DELETE": E(Operation.MAPPINGS, lambda r: self._delete_url_mapping(source))}
        if head == "certificateMappings":
            if n == 1:
                return {
                    "GET": E(Operation.MAPPINGS, self._certificate_mappings),
                    "POST": E(Operation.MAPPINGS, self._set_certificate_mapping),
                    "DELETE": E(Operation.MAPPINGS, self._delete_certificate_mapping, T),
                }
            if parts[1:] == ["cache"]:
                return {"DELETE": E(Operation.MAPPINGS, lambda r: _no_content())}
            return None
        return None

    @staticmethod
    def _not_allowed(*allowed: str) -> Handler:
        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(405, headers={"Allow": ", ".join(allowed)})

        return answer

    @staticmethod
    def _unknown(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    # --- ebms-core: sending ---------------------------------------------------------------------------------

    def store(self, *bericht_ids: uuid.UUID) -> None:
        """Put letters in Logius' store as if an earlier delivery had placed them: a letter that comes
        with one of these BerichtIDs is answered ``BerichtBestaatAl`` (a lost record, RES-04)."""
        with self._lock:
            for bericht_id in bericht_ids:
                self._store.stored.add(bericht_id)

    def on_send(self, hook: Callable[[httpx.Request], httpx.Request]) -> None:
        """Run ``hook`` on every ``POST /ebms/messages`` before it is handled, in-process and served alike.

        The hook returns the request to handle (the same one, or a changed one): a test or the
        conformance suite scripts what happens around a delivery with it.
        """
        with self._lock:
            self._send_hooks.append(hook)

    def _send(self, request: httpx.Request) -> httpx.Response:
        for hook in tuple(self._send_hooks):
            request = hook(request)
        try:
            body = json.loads(request.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise _BadRequest("the body is not a JSON MessageRequest") from None
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            raise _BadRequest("a MessageRequest needs its properties")
        sources = body.get("dataSources")
        if sources is None:
            sources = []
        if not isinstance(sources, list):
            raise _BadRequest("dataSources is not a list")
        return self._accept(request, body["properties"], [self._data_source(s) for s in sources])

    def _send_mtom(self, request: httpx.Request) -> httpx.Response:
        for hook in tuple(self._send_hooks):
            request = hook(request)
        parts = _multipart(request)
        props = [p for p in parts if p.name == "requestProperties"]
        if len(props) != 1:
            raise _BadRequest("an MTOM request needs one requestProperties part")
        try:
            properties = json.loads(props[0].content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise _BadRequest("requestProperties is not JSON") from None
        if not isinstance(properties, dict):
            raise _BadRequest("requestProperties is not a JSON object")
        sources = [
            _DataSource(p.filename, p.content_id, p.content_type, p.content)
            for p in parts
            if p.name == "attachment"
        ]
        return self._accept(request, properties, sources)

    def _accept(
        self, request: httpx.Request, props: dict[str, Any], sources: list[_DataSource]
    ) -> httpx.Response:
        """Validate the properties against the CPA, store the message and deliver it (JSON and MTOM)."""
        world = self._world
        cpa = self._check_properties(props)
        message_id = props.get("messageId") or _new_message_id()
        conversation_id = props.get("conversationId") or str(uuid.uuid4())
        message = _Message(
            message_id=message_id,
            cpa_id=cpa.cpa_id,
            from_party=(cpa.party_id, SENDER_ROLE),
            to_party=(LOGIUS_PARTY_ID, LOGIUS_ROLE),
            service=BB_SERVICE,
            action=REQUEST_ACTION,
            conversation_id=str(conversation_id),
            ref_to_message_id=props.get("refToMessageId"),
            timestamp=self.now(),
            data_sources=sources,
            incoming=False,
            status=MessageStatus.CREATED.value,
            visible_at=self.now(),
            client_oin=request.extensions.get(CLIENT_OIN_EXTENSION),
        )
        self._deliver(message, cpa, world)
        if not self.keep_payloads:
            for source in message.data_sources:
                source.content = b""
        return _text(200, message_id)

    def _check_properties(self, props: Mapping[str, Any]) -> Cpa:
        """ebms-core's MessagePropertiesValidator: the CPA, then a CanSend of the from party for the
        service and action, then a CanReceive of the to party. A failure is a 500 with its text."""
        for key in _REQUEST_PROPERTIES:
            value = props.get(key)
            if value is not None and not isinstance(value, str):
                raise _BadRequest(f"properties.{key} is not a string")
        cpa_id = props.get("cpaId")
        if not cpa_id:
            raise _BadRequest("properties.cpaId is marked non-null but is null")
        cpa = self._cpa_lookup(cpa_id)
        if cpa is None:
            raise _ServerError(f"No CPA found for message.cpaId={cpa_id}")
        shown = (
            "MessageRequestProperties(" + ", ".join(f"{k}={props.get(k)}" for k in _REQUEST_PROPERTIES) + ")"
        )
        role = props.get("fromRole")
        if (
            props.get("fromPartyId") != cpa.party_id
            or role not in (None, SENDER_ROLE)
            or props.get("service") != BB_SERVICE
            or props.get("action") != REQUEST_ACTION
        ):
            raise _ServerError(f"No CanSend action found for {shown}")
        to_party, to_role = props.get("toPartyId"), props.get("toRole")
        if to_party is not None and (to_party != LOGIUS_PARTY_ID or to_role not in (None, LOGIUS_ROLE)):
            raise _ServerError(f"No CanReceive action found for {shown}")
        message_id = props.get("messageId")
        if message_id is not None:
            with self._lock:
                if message_id in self._messages:
                    raise _ServerError(
                        f"message {message_id} already exists (a duplicate key in ebms_message)"
                    )
        return cpa

    @staticmethod
    def _data_source(item: object) -> _DataSource:
        if not isinstance(item, dict):
            raise _BadRequest("a data source is not a JSON object")
        content = item.get("content")
        if content is None:
            content = ""
        if not isinstance(content, str):
            raise _BadRequest("dataSources.content is not base64 text")
        try:
            raw = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise _BadRequest("dataSources.content is not base64") from None
        content_type = item.get("contentType")
        if not isinstance(content_type, str) or not content_type:
            raise _BadRequest("dataSources.contentType is marked non-null but is null")
        name, content_id = item.get("name"), item.get("contentId")
        if not isinstance(name, str | None) or not isinstance(content_id, str | None):
            raise _BadRequest("dataSources.name and contentId are strings")
        return _DataSource(name, content_id, content_type, raw)

    def _resend(self, request: httpx.Request, message_id: str) -> httpx.Response:
        with self._lock:
            original = self._messages.get(message_id)
        if original is None or original.incoming:
            raise _NotFound
        if not self.keep_payloads:
            raise _NotFound  # its payload was not kept (keep_payloads=False)
        world = self._world
        cpa = self._cpa_lookup(original.cpa_id)
        if cpa is None:
            raise _ServerError(f"No CPA found for cpaId={original.cpa_id}")
        now = self.now()
        message = attrs.evolve(
            original,
            message_id=_new_message_id(),
            timestamp=now,
            status=MessageStatus.CREATED.value,
            visible_at=now,
            resend_of=message_id,
            client_oin=request.extensions.get(CLIENT_OIN_EXTENSION),
        )
        self._deliver(message, cpa, world)
        return _text(200, message.message_id)

    def _deliver(self, message: _Message, cpa: Cpa, world: World) -> None:
        """Store the sent message, deliver it to GLOBE and queue its event and result."""
        started = time.perf_counter()
        received = self.now()
        delivered_at = received + timedelta(seconds=self.delivery_delay)
        payload = _batch_payload(message.data_sources)
        reason = None
        examined: Examined | None = None
        if len(payload) > self.max_batch_bytes:
            reason = f"BATCH-02: the payload is {len(payload):,} bytes; Logius' MSH refuses over {self.max_batch_bytes:,}"
        elif message.client_oin is not None and message.client_oin != cpa.party.value:
            reason = (
                f"the TLS client certificate is for OIN {message.client_oin}, not the CPA party {cpa.party}"
            )
        else:
            examined = examine(payload, world, cpa, received)
            message.batch_id = examined.batch_id
            message.bericht_ids = tuple(guid.int for guid in examined.bericht_ids)
        with self._lock:
            if message.message_id in self._messages:
                raise _ServerError(
                    f"message {message.message_id} already exists (a duplicate key in ebms_message)"
                )
            delivery_fault, result_fault, how = (None, None, "truncated")
            if examined is not None:
                delivery_fault, result_fault, how = self.faults.take_batch(examined.batch_id, received)
            status = MessageStatus.DELIVERED.value
            if reason is not None or delivery_fault is BatchFault.DELIVERY_FAILED:
                status = MessageStatus.DELIVERY_FAILED.value
            elif delivery_fault is BatchFault.DELIVERY_EXPIRED:
                status = MessageStatus.EXPIRED.value
            message.status = status
            message.visible_at = delivered_at
            self._messages[message.message_id] = message
            self._add_event(message.message_id, _DELIVERY_EVENT[status], delivered_at)
            if status != MessageStatus.DELIVERED.value or examined is None:
                seconds = time.perf_counter() - started
                self._store.record(
                    BatchRecord(
                        message.message_id, message.batch_id, status, None, (), None, (), seconds, reason
                    )
                )
                return
            self._store.receive(examined.bericht_ids)
            visible = (
                _NEVER if self.result_delay is None else delivered_at + timedelta(seconds=self.result_delay)
            )
            processed = delivered_at if visible is _NEVER else visible
            result, stored = decide(
                examined,
                world,
                self._store.stored,
                lambda bericht_id: self.faults.take_technisch(bericht_id, received),
                received,
                processed,
            )
            self._store.place(stored)
            result_ids: list[str] = []
            result_xml = to_xml(result)
            if result_fault is not BatchFault.WITHHOLD_RESULT:
                document = result_xml
                if result_fault is BatchFault.MALFORMED_RESULT:
                    document = malformed(document, how)
                copies = 2 if result_fault is BatchFault.DUPLICATE_RESULT else 1
                for _ in range(copies):
                    result_ids.append(
                        self._add_result(message, result.batch_id, document, visible, result_fault)
                    )
            self._store.record(
                BatchRecord(
                    message.message_id,
                    examined.batch_id,
                    status,
                    result,
                    tuple(result_ids),
                    result_fault.value if result_fault is not None else None,
                    examined.violations,
                    time.perf_counter() - started,
                ),
                result_xml,
            )

    def _add_result(
        self,
        sent: _Message,
        batch_id: uuid.UUID,
        document: bytes,
        visible: datetime,
        fault: BatchFault | None,
    ) -> str:
        message = _Message(
            message_id=_new_message_id(),
            cpa_id=sent.cpa_id,
            from_party=(LOGIUS_PARTY_ID, LOGIUS_ROLE),
            to_party=sent.from_party,
            service=BB_SERVICE,
            action=RESULT_ACTION,
            # The contract: conversationId is the BatchID (or, for an unreadable batch, the request's).
            conversation_id=str(batch_id) if batch_id.int else sent.conversation_id,
            ref_to_message_id=sent.message_id,
            timestamp=visible if visible is not _NEVER else sent.timestamp,
            data_sources=[_DataSource("result.xml", None, "text/xml", document)],
            incoming=True,
            status=MessageStatus.RECEIVED.value,
            visible_at=visible,
            malformed=fault is BatchFault.MALFORMED_RESULT,
        )
        self._messages[message.message_id] = message
        self._add_event(message.message_id, EventType.RECEIVED.value, visible)
        return message.message_id

    def inject_message(
        self,
        action: str,
        payload: bytes,
        *,
        cpa_id: str | None = None,
        service: str = BB_SERVICE,
        conversation_id: str | None = None,
        ref_to_message_id: str | None = None,
        content_type: str = "text/xml",
        status: str = MessageStatus.RECEIVED.value,
        from_party_id: str = LOGIUS_PARTY_ID,
    ) -> str:
        """Put an incoming message of any action in the application's inbox (e.g. one it must leave alone).

        ``status`` may be any ebms-core status (``RECEIVED`` is listed as unprocessed; others such as
        ``UNAUTHORIZED``, ``NOT_RECOGNIZED``, ``FAILED`` or ``FORWARDED`` are only readable by id).
        Returns the new messageId.
        """
        if status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        world = self._world
        cpa = self._cpa_lookup(cpa_id) if cpa_id is not None else next(iter(world.cpas.values()), None)
        if cpa is None:
            raise ValueError(f"no CPA {cpa_id!r} in the world")
        now = self.now()
        message = _Message(
            message_id=_new_message_id(),
            cpa_id=cpa.cpa_id,
            from_party=(from_party_id, LOGIUS_ROLE),
            to_party=(cpa.party_id, SENDER_ROLE),
            service=service,
            action=action,
            conversation_id=conversation_id or str(uuid.uuid4()),
            ref_to_message_id=ref_to_message_id,
            timestamp=now,
            data_sources=[_DataSource(None, None, content_type, payload)],
            incoming=True,
            status=status,
            visible_at=now,
        )
        with self._lock:
            self._messages[message.message_id] = message
            if status == MessageStatus.RECEIVED.value:
                self._add_event(message.message_id, EventType.RECEIVED.value, now)
        return message.message_id

    # --- ebms-core: reading ---------------------------------------------------------------------------------

    def _add_event(self, message_id: str, kind: str, visible_at: datetime) -> None:
        """Store an event, as ebms-core's DAO event listener does; the DEFAULT listener only logs it."""
        if self.event_listener == "DAO":
            self._events.append(_Event(message_id, kind, visible_at))

    def _unprocessed(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit = _max_nr(params)
        now = self.now()
        with self._lock:
            ids = [
                m.message_id
                for m in self._messages.values()
                if m.incoming and m.status_at(now) == MessageStatus.RECEIVED.value and m.matches(params)
            ]
        return _json(ids[:limit] if limit is not None else ids)

    def _visible(self, message_id: str, now: datetime) -> _Message:
        message = self._messages.get(message_id)
        if message is None or (message.incoming and message.status_at(now) is None):
            raise _NotFound
        return message

    def _get(self, request: httpx.Request, message_id: str) -> httpx.Response:
        message, now = self._fetch(request, message_id)
        return _json(
            {
                "properties": message.properties(now),
                "dataSources": [s.to_json() for s in message.data_sources],
            }
        )

    def _fetch(self, request: httpx.Request, message_id: str) -> tuple[_Message, datetime]:
        now = self.now()
        with self._lock:
            if _flag(request.url.params.get("process")):
                self._process(message_id, now)
            message = self._visible(message_id, now)
            message.fetched += 1
        return message, now

    def _get_mtom(self, request: httpx.Request, message_id: str) -> httpx.Response:
        message, now = self._fetch(request, message_id)
        parts = [
            _Part("properties", None, None, _JSON_TYPE, json.dumps(message.properties(now)).encode()),
            *(
                _Part(s.content_id or s.name or f"part{i}", s.name, s.content_id, s.content_type, s.content)
                for i, s in enumerate(message.data_sources)
            ),
        ]
        boundary = f"uuid:{uuid.uuid4()}"
        return httpx.Response(
            200,
            content=_multipart_body(parts, boundary),
            headers={"Content-Type": f'{_MULTIPART_TYPE}; boundary="{boundary}"'},
        )

    def _process(self, message_id: str, now: datetime) -> None:
        """RECEIVED becomes PROCESSED; anything else (unknown, sent, already processed) is left alone."""
        message = self._messages.get(message_id)
        if (
            message is not None
            and message.incoming
            and message.status_at(now) == MessageStatus.RECEIVED.value
        ):
            message.status = MessageStatus.PROCESSED.value
            message.processed_at = now

    def _mark_processed(self, message_id: str) -> httpx.Response:
        with self._lock:
            self._process(message_id, self.now())
        return _no_content()

    def _status(self, message_id: str) -> httpx.Response:
        """The answer to an ebMS StatusRequest sent to Logius' MSH about ``message_id``.

        Logius' MSH knows a message it received: RECEIVED, or PROCESSED once GLOBE took it (its result
        exists), with the message's timestamp. Anything else it does not know as received
        (a message still CREATED here, one whose delivery failed or expired, a message Logius sent):
        NOT_RECOGNIZED without timestamp. No answer at all (``peer_available`` False), or a message of the
        MSH service itself, is a 500.
        """
        now = self.now()
        with self._lock:
            message = self._visible(message_id, now)
            if message.service == MSH_SERVICE:
                raise _ServerError(f"Found MSH message {message_id}")
            if not self.peer_available:
                raise _ServerError("No response received!")
            status = MessageStatus.NOT_RECOGNIZED.value
            if not message.incoming and message.status_at(now) == MessageStatus.DELIVERED.value:
                answered = any(
                    m.incoming and m.ref_to_message_id == message_id and m.visible_at <= now
                    for m in self._messages.values()
                )
                status = MessageStatus.PROCESSED.value if answered else MessageStatus.RECEIVED.value
        if status == MessageStatus.NOT_RECOGNIZED.value:
            return _json({"status": status})
        return _json({"timestamp": _iso(message.timestamp), "status": status})

    def _unprocessed_events(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit = _max_nr(params)
        wanted = set(params.get_list("eventTypes"))
        if wanted - set(EVENT_TYPES):
            raise _NotFound  # an unknown enum value fails the parameter conversion: 404
        now = self.now()
        with self._lock:
            found = [
                {"messageId": e.message_id, "type": e.type}
                for e in self._events
                if e.processed_at is None
                and e.visible_at <= now
                and (not wanted or e.type in wanted)
                and self._messages[e.message_id].matches(params)
            ]
        return _json(found[:limit] if limit is not None else found)

    def _ack_event(self, message_id: str) -> httpx.Response:
        """Every event of the message processed, and the message itself (RECEIVED to PROCESSED)."""
        now = self.now()
        with self._lock:
            for event in self._events:
                if event.message_id == message_id and event.processed_at is None and event.visible_at <= now:
                    event.processed_at = now
            self._process(message_id, now)
        return _no_content()

    def _ping(self, cpa_id: str, from_party: str, to_party: str) -> httpx.Response:
        cpa = self._cpa_lookup(cpa_id)
        if cpa is None:
            raise _ServerError(f"No CPA found for cpaId={cpa_id}")
        parties = (cpa.party_id, LOGIUS_PARTY_ID)
        if from_party not in parties:
            raise _ServerError(f"No fromParty found for cpaId={cpa_id}, fromPartyId={from_party}")
        if to_party not in parties:
            raise _ServerError(f"No toParty found for cpaId={cpa_id}, toPartyId={to_party}")
        if not self.peer_available:
            raise _ServerError("No response received!")
        return _no_content()

    # --- ebms-core: CPA management ----------------------------------------------------------------------------

    def _cpa_lookup(self, cpa_id: str) -> Cpa | None:
        """The CPA ebms-core holds under ``cpa_id``: one posted through ``POST /cpas``, else the world's."""
        with self._lock:
            if cpa_id in self._deleted_cpas:
                return None
            posted = self._posted_cpas.get(cpa_id)
        if posted is not None:
            return posted[0]
        return self._world.cpa(cpa_id)

    def cpa_document(self, cpa_id: str) -> bytes | None:
        """The CPA document ``GET /cpas/{cpa_id}`` answers: the posted one, or the world CPA's generated
        one (:func:`mobb_sdk.cpa.generate_cpa`; endpoints on loopback), None when there is none."""
        with self._lock:
            if cpa_id in self._deleted_cpas:
                return None
            posted = self._posted_cpas.get(cpa_id)
        if posted is not None:
            return posted[1]
        cpa = self._world.cpa(cpa_id)
        if cpa is None:
            return None
        sender = self._world.sender(cpa.party)
        return cpa.to_xml(name=sender.name if sender is not None else "", start=self._started).encode("utf-8")

    def _cpa_ids(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            ids = (set(self._world.cpas) | set(self._posted_cpas)) - self._deleted_cpas
        return _json(sorted(ids))

    def _cpa(self, cpa_id: str) -> httpx.Response:
        document = self.cpa_document(cpa_id)
        if document is None:
            raise _NotFound
        return httpx.Response(200, content=document, headers={"Content-Type": _TEXT_TYPE})

    def _read_cpa(self, request: httpx.Request) -> CpaInfo:
        try:
            return read_cpa(request.content, now=self.now())
        except CpaError as exc:
            if exc.structural:
                raise _BadRequest(str(exc)) from None
            raise _ServerError(str(exc)) from None

    def _validate_cpa(self, request: httpx.Request) -> httpx.Response:
        self._read_cpa(request)
        return _no_content()

    def _insert_cpa(self, request: httpx.Request) -> httpx.Response:
        info = self._read_cpa(request)
        overwrite = _flag(request.url.params.get("overwrite"))
        with self._lock:
            exists = info.cpa_id not in self._deleted_cpas and (
                info.cpa_id in self._posted_cpas or info.cpa_id in self._world.cpas
            )
            if exists and not overwrite:
                raise _BadRequest(f"Did not insert CPA {info.cpa_id}! CPA already exists.")
            sender = self._world.sender(info.sender.oin)
            afzenders = frozenset(
                (info.sender.oin.value, *(c.value for c in sender.clients))
                if sender is not None
                else (info.sender.oin.value,)
            )
            self._posted_cpas[info.cpa_id] = (Cpa(info.cpa_id, info.sender.oin, afzenders), info.document)
            self._deleted_cpas.discard(info.cpa_id)
        return _text(200, info.cpa_id)

    def _delete_cpa(self, cpa_id: str) -> httpx.Response:
        with self._lock:
            if self._cpa_lookup(cpa_id) is None:
                raise _NotFound
            self._posted_cpas.pop(cpa_id, None)
            self._deleted_cpas.add(cpa_id)
        return _no_content()

    # --- ebms-core: URL and certificate mappings -------------------------------------------------------------

    @staticmethod
    def _json_body(request: httpx.Request) -> dict[str, Any]:
        try:
            body = json.loads(request.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise _BadRequest("the body is not JSON") from None
        if not isinstance(body, dict):
            raise _BadRequest("the body is not a JSON object")
        return body

    def _url_mappings(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            return _json([{"source": k, "destination": v} for k, v in self._url_map.items()])

    def _set_url_mapping(self, request: httpx.Request) -> httpx.Response:
        body = self._json_body(request)
        source, destination = body.get("source"), body.get("destination")
        if not isinstance(source, str) or not isinstance(destination, str) or not source or not destination:
            raise _BadRequest("a URLMapping needs a source and a destination")
        with self._lock:
            self._url_map[source] = destination
        return _no_content()

    def _delete_url_mapping(self, source: str) -> httpx.Response:
        with self._lock:
            if self._url_map.pop(source, None) is None:
                raise _NotFound
        return _no_content()

    def _certificate_mappings(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            items = list(self._certificate_map.items())
        out = []
        for (source, cpa_id), destination in items:
            entry = {
                "source": base64.b64encode(source).decode(),
                "destination": base64.b64encode(destination).decode(),
            }
            if cpa_id is not None:
                entry["cpaId"] = cpa_id
            out.append(entry)
        return _json(out)

    def _set_certificate_mapping(self, request: httpx.Request) -> httpx.Response:
        body = self._json_body(request)
        source, destination, cpa_id = body.get("source"), body.get("destination"), body.get("cpaId")
        if not isinstance(source, str) or not isinstance(destination, str):
            raise _BadRequest("a CertificateMapping needs a source and a destination")
        if cpa_id is not None and not isinstance(cpa_id, str):
            raise _BadRequest("cpaId is a string")
        key = (_certificate(source), cpa_id)
        target = _certificate(destination)
        with self._lock:
            self._certificate_map[key] = target
        return _no_content()

    def _delete_certificate_mapping(self, request: httpx.Request) -> httpx.Response:
        source = _certificate(request.content.decode("ascii", "replace").strip())
        key = (source, request.url.params.get("cpaId"))
        with self._lock:
            if self._certificate_map.pop(key, None) is None:
                raise _NotFound
        return _no_content()

    # --- WUS ValidateAbonnementen ----------------------------------------------------------------------------

    def _wus(self, request: httpx.Request) -> httpx.Response:
        now = self.now()
        client_oin = request.extensions.get(CLIENT_OIN_EXTENSION)
        action = request.headers.get("SOAPAction", "").strip().strip('"')
        if action != VALIDATE_ABONNEMENTEN_ACTION:
            fault = SoapFault("s:Client", f"The SOAP action {action!r} is not supported by this service.")
            return self._wus_answer(now, None, fault, client_oin)
        content_type = request.headers.get("Content-Type", "")
        if not content_type.lower().startswith("text/xml"):
            return _text(415, f"SOAP 1.1 needs Content-Type text/xml, got {content_type!r}")
        if self.faults.take_wus_outage(now):
            fault = SoapFault(
                "s:Server",
                "The subscription register is not available.",
                FaultKind.DEPENDENT_SERVICE,
                "Backend unavailable; try again later.",
            )
            return self._wus_answer(now, None, fault, client_oin)
        try:
            body = from_soap(request.content)
        except ValidationError as exc:
            # Nil or empty fields, 0 or more than 250 BSNs (ABO-02), a Key that is no BSN.
            rules = ", ".join(sorted(exc.rules))
            message = f"Invalid request ({rules}): " + "; ".join(v.message for v in exc.violations[:3])
            return self._wus_answer(
                now,
                None,
                SoapFault("s:Client", "Invalid request", FaultKind.APPLICATION, message),
                client_oin,
            )
        except (XmlError, MobbError) as exc:
            fault = SoapFault(
                "s:Client", "The request could not be read", FaultKind.APPLICATION, str(exc)[:200]
            )
            return self._wus_answer(now, None, fault, client_oin)
        if not isinstance(body, ValidateAbonnementenAanvraag):
            fault = SoapFault(
                "s:Client",
                "Expected ValidateAbonnementen",
                FaultKind.APPLICATION,
                "The body does not hold a ValidateAbonnementen request.",
            )
            return self._wus_answer(now, None, fault, client_oin)
        world = self._world
        sender = world.sender(body.berichtleverancier)
        if sender is None:
            fault = SoapFault(
                "s:Client",
                "Unknown berichtleverancier",
                FaultKind.APPLICATION,
                f"Berichtleverancier {body.berichtleverancier} is not known.",
            )
            return self._wus_answer(now, body, fault, client_oin)
        if client_oin is not None and not _may_ask_for(world, client_oin, sender):
            fault = SoapFault(
                "s:Client",
                "Not authorised",
                FaultKind.APPLICATION,
                f"The certificate of OIN {client_oin} may not ask for {sender.oin}.",
            )
            return self._wus_answer(now, body, fault, client_oin)
        answer = ValidateAbonnementenAntwoord(
            tuple(Abonnement(bsn, world.subscribed(bsn, sender.oin, body.bericht_type)) for bsn in body.bsns)
        )
        return self._wus_answer(now, body, answer, client_oin)

    def _wus_answer(
        self,
        now: datetime,
        request: ValidateAbonnementenAanvraag | None,
        answer: ValidateAbonnementenAntwoord | SoapFault,
        client_oin: str | None,
    ) -> httpx.Response:
        fault = answer if isinstance(answer, SoapFault) else None
        call = WusCall(
            now,
            request.berichtleverancier.value if request is not None else None,
            request.bericht_type if request is not None else None,
            request.bsns if request is not None else (),
            answer.abonnementen if isinstance(answer, ValidateAbonnementenAntwoord) else (),
            fault,
            client_oin,
        )
        with self._lock:
            self._wus_calls.append(call)
        return httpx.Response(
            500 if fault is not None else 200,
            content=to_soap(answer),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )


def _may_ask_for(world: World, client_oin: str, sender: Sender) -> bool:
    """The certificate's organisation is the sender itself or an intermediary linked to it."""
    if client_oin == sender.oin.value:
        return True
    intermediary = world.sender(client_oin)
    return intermediary is not None and sender.oin in intermediary.clients


def _batch_payload(sources: Iterable[_DataSource]) -> bytes:
    """The batch document: the first XML data source (ebms-core sends the payload as text/xml); a
    message without payload reaches GLOBE as an empty document."""
    listed = list(sources)
    for source in listed:
        if "xml" in source.content_type.lower():
            return source.content
    return listed[0].content if listed else b""


class Inspection:
    """What arrived, what was answered, what was fetched: reach it as ``simulator.inspect``.

    Every method returns immutable records (a snapshot); BSNs appear only as :class:`~mobb_sdk.Bsn`.
    """

    def __init__(self, simulator: Simulator) -> None:
        self._sim = simulator

    def sent_messages(self) -> tuple[SentMessage, ...]:
        """Every message the application sent (POST and resends), in order, with its current status."""
        sim = self._sim
        now = sim.now()
        with sim._lock:
            return tuple(
                SentMessage(
                    m.message_id,
                    m.cpa_id,
                    m.from_party[0],
                    m.action,
                    m.conversation_id,
                    m.batch_id,
                    tuple(map(guid_from_int, m.bericht_ids)),
                    sum(len(s.content) for s in m.data_sources),
                    m.timestamp,
                    m.status_at(now) or MessageStatus.CREATED.value,
                    m.resend_of,
                    m.client_oin,
                )
                for m in sim._messages.values()
                if not m.incoming
            )

    def batches(self) -> tuple[BatchRecord, ...]:
        """What GLOBE made of every delivered message (results included, whether or not sent)."""
        with self._sim._lock:
            return self._sim._store.batches()

    def results(self) -> tuple[VerwerkingsResultaat, ...]:
        """The processing results produced, in order (withheld ones too; see :meth:`batches`)."""
        return tuple(b.result for b in self.batches() if b.result is not None)

    def incoming_messages(self, *, include_pending: bool = False) -> tuple[IncomingMessage, ...]:
        """Messages for the application (results and injected ones); pending ones only on request."""
        sim = self._sim
        now = sim.now()
        with sim._lock:
            return tuple(
                IncomingMessage(
                    m.message_id,
                    m.action,
                    m.conversation_id,
                    m.ref_to_message_id,
                    m.visible_at,
                    m.status_at(now) or "PENDING",
                    m.fetched,
                    m.processed_at,
                    m.malformed,
                )
                for m in sim._messages.values()
                if m.incoming and (include_pending or m.visible_at <= now)
            )

    def events(self) -> tuple[EventRecord, ...]:
        """Every event issued so far (visible ones), with when it was acknowledged."""
        sim = self._sim
        now = sim.now()
        with sim._lock:
            return tuple(
                EventRecord(e.message_id, e.type, e.visible_at, e.processed_at)
                for e in sim._events
                if e.visible_at <= now
            )

    def wus_calls(self) -> tuple[WusCall, ...]:
        """Every ValidateAbonnementen call (rationing: ``len(...)``), answered or faulted."""
        with self._sim._lock:
            return tuple(self._sim._wus_calls)

    def requests(self) -> tuple[RequestRecord, ...]:
        """Every HTTP request with its operation, answer status and injected fault."""
        with self._sim._lock:
            return tuple(self._sim._requests)

    def bericht_ids_received(self) -> Counter[uuid.UUID]:
        """How many times each BerichtID reached GLOBE (resends count; failed deliveries do not)."""
        with self._sim._lock:
            return self._sim._store.received()

    def bericht_ids_stored(self) -> frozenset[uuid.UUID]:
        """The BerichtIDs Logius has stored (what ``BerichtBestaatAl`` is answered for)."""
        with self._sim._lock:
            return self._sim._store.stored_ids()

    def letters(self, bsn: Bsn | str | None = None) -> tuple[StoredLetter, ...]:
        """Letters placed in a box (``Verwerkt``), optionally for one person."""
        value = bsn.value if isinstance(bsn, Bsn) else bsn
        with self._sim._lock:
            return self._sim._store.letters(value)

    def faults(self) -> tuple[FaultRecord, ...]:
        """Every fault injected so far (:class:`FaultRecord`)."""
        return self._sim.faults.injected

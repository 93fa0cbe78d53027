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
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs
import httpx

from mobb_sdk._codec import from_soap, to_soap, to_xml
from mobb_sdk._errors import MobbError, ValidationError, XmlError
from mobb_sdk._ids import LOGIUS_OIN, Bsn, Oin
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

#: ebms-core's message status values (all can be read back; see docs for which the simulator produces).
MESSAGE_STATUSES: Final = frozenset(
    {
        "UNAUTHORIZED",
        "NOT_RECOGNIZED",
        "RECEIVED",
        "PROCESSED",
        "FORWARDED",
        "FAILED",
        "CREATED",
        "DELIVERY_FAILED",
        "DELIVERED",
        "EXPIRED",
    }
)
EVENT_TYPES: Final = ("RECEIVED", "DELIVERED", "FAILED", "EXPIRED")
_DELIVERY_EVENT: Final = {"DELIVERED": "DELIVERED", "DELIVERY_FAILED": "FAILED", "EXPIRED": "EXPIRED"}
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
    bericht_ids: tuple[uuid.UUID, ...] = ()
    client_oin: str | None = None
    fetched: int = 0
    processed_at: datetime | None = None
    malformed: bool = False

    def status_at(self, now: datetime) -> str | None:
        if now >= self.visible_at:
            return self.status
        return None if self.incoming else "CREATED"

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
        return all(not params.get(key) or params.get(key) == values[key] for key in _FILTERS)


@attrs.define
class _Event:
    message_id: str
    type: str
    visible_at: datetime
    processed_at: datetime | None = None


@attrs.frozen
class _Plan:
    """A request routed, with the transport fault (if any) it is to suffer."""

    request: httpx.Request
    operation: Operation
    handler: Callable[[httpx.Request], httpx.Response]
    fault: TransportFault | None


class _BadRequest(Exception):
    """Answered as 400 with the message as text (ebms-core's way)."""


class _NotFound(Exception):
    """Answered as 404."""


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _text(status: int, text: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, text=text, headers={"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
    )


def _json(value: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=value)


def _new_message_id() -> str:
    # ebms-core's messageIds are a UUID and the host name.
    return f"{uuid.uuid4()}@mobb-simulator"


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout")
    if isinstance(timeout, Mapping):
        value = timeout.get("read")
        return float(value) if isinstance(value, int | float) else None
    return None


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
        self._lock = threading.RLock()
        self._messages: dict[str, _Message] = {}
        self._events: list[_Event] = []
        self._batches: list[BatchRecord] = []
        self._stored_ids: set[uuid.UUID] = set()
        self._send_hooks: list[Callable[[httpx.Request], httpx.Request]] = []
        self._letters: list[StoredLetter] = []
        self._received_ids: Counter[uuid.UUID] = Counter()
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
        operation, handler = self._route(request)
        fault = None
        if operation is not Operation.OTHER:
            fault = self.faults.take_transport(operation, self.now())
        return _Plan(request, operation, handler, fault)

    def _answer(self, plan: _Plan, *, log: bool = True) -> httpx.Response:
        try:
            response = plan.handler(plan.request)
        except _BadRequest as exc:
            response = _text(400, str(exc))
        except _NotFound as exc:
            response = _text(404, str(exc) or "not found")
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

    def _route(self, request: httpx.Request) -> tuple[Operation, Callable[[httpx.Request], httpx.Response]]:
        path = request.url.path
        method = request.method
        if path.rstrip("/") == WUS_PATH:
            return Operation.WUS, self._wus if method == "POST" else self._not_allowed("POST")
        if not path.startswith(EBMS_PREFIX + "/"):
            return Operation.OTHER, self._unknown
        parts = [p for p in path[len(EBMS_PREFIX) :].split("/") if p]
        if parts == ["ebms", "messages"]:
            return self._method(method, {"POST": (Operation.SEND, self._send)})
        if parts == ["ebms", "messages", "unprocessed"]:
            return self._method(method, {"GET": (Operation.UNPROCESSED, self._unprocessed)})
        if len(parts) == 3 and parts[:2] == ["ebms", "messages"]:
            mid = parts[2]
            return self._method(
                method,
                {
                    "GET": (Operation.GET, lambda r: self._get(r, mid)),
                    "PUT": (Operation.RESEND, lambda r: self._resend(r, mid)),
                    "PATCH": (Operation.PROCESS, lambda r: self._mark_processed(mid)),
                },
            )
        if len(parts) == 4 and parts[:2] == ["ebms", "messages"] and parts[3] == "status":
            mid = parts[2]
            return self._method(method, {"GET": (Operation.STATUS, lambda r: self._status(mid))})
        if parts == ["ebms", "events", "unprocessed"]:
            return self._method(method, {"GET": (Operation.EVENTS, self._unprocessed_events)})
        if len(parts) == 3 and parts[:2] == ["ebms", "events"]:
            mid = parts[2]
            return self._method(method, {"PATCH": (Operation.ACK_EVENT, lambda r: self._ack_event(mid))})
        if len(parts) == 7 and parts[:2] == ["ebms", "ping"] and parts[3] == "from" and parts[5] == "to":
            cpa_id, from_party, to_party = parts[2], parts[4], parts[6]
            return self._method(
                method, {"POST": (Operation.PING, lambda r: self._ping(cpa_id, from_party, to_party))}
            )
        if parts == ["cpas"]:
            return self._method(method, {"GET": (Operation.CPAS, lambda r: _json(sorted(self._world.cpas)))})
        if len(parts) == 2 and parts[0] == "cpas":
            cpa_id = parts[1]
            return self._method(method, {"GET": (Operation.CPAS, lambda r: self._cpa(cpa_id))})
        return Operation.OTHER, self._unknown

    def _method(
        self, method: str, table: Mapping[str, tuple[Operation, Callable[[httpx.Request], httpx.Response]]]
    ) -> tuple[Operation, Callable[[httpx.Request], httpx.Response]]:
        if method in table:
            return table[method]
        operation = next(iter(table.values()))[0]
        return operation, self._not_allowed(*table)

    @staticmethod
    def _not_allowed(*allowed: str) -> Callable[[httpx.Request], httpx.Response]:
        def answer(request: httpx.Request) -> httpx.Response:
            return _text(405, f"{request.method} not allowed here", {"Allow": ", ".join(allowed)})

        return answer

    @staticmethod
    def _unknown(request: httpx.Request) -> httpx.Response:
        return _text(404, f"no such resource: {request.url.path}")

    # --- ebms-core: sending ---------------------------------------------------------------------------------

    def store(self, *bericht_ids: uuid.UUID) -> None:
        """Put letters in Logius' store as if an earlier delivery had placed them: a letter that comes
        with one of these BerichtIDs is answered ``BerichtBestaatAl`` (a lost record, RES-04)."""
        with self._lock:
            self._stored_ids.update(bericht_ids)

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
        except (ValueError, UnicodeDecodeError):
            raise _BadRequest("the body is not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            raise _BadRequest("expected a JSON object with 'properties' and 'dataSources'")
        props: dict[str, Any] = body["properties"]
        world = self._world
        cpa = self._check_properties(props, world)
        sources = self._data_sources(body.get("dataSources"))
        message_id = props.get("messageId") or _new_message_id()
        if not isinstance(message_id, str):
            raise _BadRequest("messageId must be a string")
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
            status="CREATED",
            visible_at=self.now(),
            client_oin=request.extensions.get(CLIENT_OIN_EXTENSION),
        )
        self._deliver(message, cpa, world)
        if not self.keep_payloads:
            for source in message.data_sources:
                source.content = b""
        return _text(200, message_id)

    def _check_properties(self, props: Mapping[str, Any], world: World) -> Cpa:
        cpa_id = props.get("cpaId")
        if not isinstance(cpa_id, str) or not cpa_id:
            raise _BadRequest("properties.cpaId is required")
        cpa = world.cpa(cpa_id)
        if cpa is None:
            raise _BadRequest(f"CPA {cpa_id} not found")
        expected = {
            "fromPartyId": cpa.party_id,
            "fromRole": SENDER_ROLE,
            "toPartyId": LOGIUS_PARTY_ID,
            "toRole": LOGIUS_ROLE,
            "service": BB_SERVICE,
            "action": REQUEST_ACTION,
        }
        for key in ("fromPartyId", "service", "action"):
            if props.get(key) in (None, ""):
                raise _BadRequest(f"properties.{key} is required")
        for key, want in expected.items():
            got = props.get(key)
            if got not in (None, "") and got != want:
                raise _BadRequest(f"properties.{key} {got!r} does not match CPA {cpa_id} (expected {want!r})")
        return cpa

    @staticmethod
    def _data_sources(value: object) -> list[_DataSource]:
        if not isinstance(value, list) or not value:
            raise _BadRequest("dataSources must be a non-empty list")
        sources = []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or not isinstance(item.get("content"), str):
                raise _BadRequest(f"dataSources[{i}] needs a base64 'content'")
            try:
                content = base64.b64decode(item["content"], validate=True)
            except (binascii.Error, ValueError):
                raise _BadRequest(f"dataSources[{i}].content is not base64") from None
            content_type = item.get("contentType")
            if not isinstance(content_type, str) or not content_type:
                raise _BadRequest(f"dataSources[{i}].contentType is required")
            sources.append(_DataSource(item.get("name"), item.get("contentId"), content_type, content))
        return sources

    def _resend(self, request: httpx.Request, message_id: str) -> httpx.Response:
        with self._lock:
            original = self._messages.get(message_id)
        if original is None or original.incoming:
            raise _NotFound(f"no sent message {message_id}")
        if not self.keep_payloads:
            raise _NotFound(f"message {message_id}: its payload was not kept (keep_payloads=False)")
        world = self._world
        cpa = world.cpa(original.cpa_id)
        if cpa is None:
            raise _BadRequest(f"CPA {original.cpa_id} no longer exists")
        now = self.now()
        message = attrs.evolve(
            original,
            message_id=_new_message_id(),
            timestamp=now,
            status="CREATED",
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
            message.bericht_ids = examined.bericht_ids
        with self._lock:
            if message.message_id in self._messages:
                raise _BadRequest(f"message {message.message_id} already exists")
            delivery_fault, result_fault, how = (None, None, "truncated")
            if examined is not None:
                delivery_fault, result_fault, how = self.faults.take_batch(examined.batch_id, received)
            status = "DELIVERED"
            if reason is not None or delivery_fault is BatchFault.DELIVERY_FAILED:
                status = "DELIVERY_FAILED"
            elif delivery_fault is BatchFault.DELIVERY_EXPIRED:
                status = "EXPIRED"
            message.status = status
            message.visible_at = delivered_at
            self._messages[message.message_id] = message
            self._events.append(_Event(message.message_id, _DELIVERY_EVENT[status], delivered_at))
            if status != "DELIVERED" or examined is None:
                seconds = time.perf_counter() - started
                self._batches.append(
                    BatchRecord(
                        message.message_id, message.batch_id, status, None, (), None, (), seconds, reason
                    )
                )
                return
            self._received_ids.update(examined.bericht_ids)
            visible = (
                _NEVER if self.result_delay is None else delivered_at + timedelta(seconds=self.result_delay)
            )
            processed = delivered_at if visible is _NEVER else visible
            result, stored = decide(
                examined,
                world,
                self._stored_ids,
                lambda bericht_id: self.faults.take_technisch(bericht_id, received),
                received,
                processed,
            )
            self._letters.extend(stored)
            result_ids: list[str] = []
            if result_fault is not BatchFault.WITHHOLD_RESULT:
                document = to_xml(result)
                if result_fault is BatchFault.MALFORMED_RESULT:
                    document = malformed(document, how)
                copies = 2 if result_fault is BatchFault.DUPLICATE_RESULT else 1
                for _ in range(copies):
                    result_ids.append(
                        self._add_result(message, result.batch_id, document, visible, result_fault)
                    )
            self._batches.append(
                BatchRecord(
                    message.message_id,
                    examined.batch_id,
                    status,
                    result,
                    tuple(result_ids),
                    result_fault.value if result_fault is not None else None,
                    examined.violations,
                    time.perf_counter() - started,
                )
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
            status="RECEIVED",
            visible_at=visible,
            malformed=fault is BatchFault.MALFORMED_RESULT,
        )
        self._messages[message.message_id] = message
        self._events.append(_Event(message.message_id, "RECEIVED", visible))
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
        status: str = "RECEIVED",
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
        cpa = world.cpa(cpa_id) if cpa_id is not None else next(iter(world.cpas.values()), None)
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
            if status == "RECEIVED":
                self._events.append(_Event(message.message_id, "RECEIVED", now))
        return message.message_id

    # --- ebms-core: reading ---------------------------------------------------------------------------------

    def _max_nr(self, params: httpx.QueryParams) -> int | None:
        raw = params.get("maxNr")
        if raw in (None, ""):
            return None
        try:
            value = int(raw)
        except ValueError:
            raise _BadRequest(f"maxNr {raw!r} is not a number") from None
        if value < 0:
            raise _BadRequest("maxNr must not be negative")
        return value

    def _unprocessed(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit = self._max_nr(params)
        now = self.now()
        with self._lock:
            ids = [
                m.message_id
                for m in self._messages.values()
                if m.incoming and m.status_at(now) == "RECEIVED" and m.matches(params)
            ]
        return _json(ids[:limit] if limit is not None else ids)

    def _visible(self, message_id: str, now: datetime) -> _Message:
        message = self._messages.get(message_id)
        if message is None or (message.incoming and message.status_at(now) is None):
            raise _NotFound(f"no message {message_id}")
        return message

    def _get(self, request: httpx.Request, message_id: str) -> httpx.Response:
        process = request.url.params.get("process", "false").lower()
        if process not in ("true", "false"):
            raise _BadRequest("process is true or false")
        now = self.now()
        with self._lock:
            message = self._visible(message_id, now)
            message.fetched += 1
            if process == "true":
                self._processed(message, now)
            body = {
                "properties": message.properties(now),
                "dataSources": [s.to_json() for s in message.data_sources],
            }
        return _json(body)

    def _processed(self, message: _Message, now: datetime) -> None:
        if message.incoming and message.status == "RECEIVED":
            message.status = "PROCESSED"
            message.processed_at = now

    def _mark_processed(self, message_id: str) -> httpx.Response:
        now = self.now()
        with self._lock:
            self._processed(self._visible(message_id, now), now)
        return httpx.Response(204)

    def _status(self, message_id: str) -> httpx.Response:
        now = self.now()
        with self._lock:
            message = self._visible(message_id, now)
            status = message.status_at(now)
            moment = message.visible_at if now >= message.visible_at else message.timestamp
        return _json({"status": status, "timestamp": _iso(moment)})

    def _unprocessed_events(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit = self._max_nr(params)
        wanted: set[str] = set()
        for value in params.get_list("eventTypes"):
            wanted.update(t.strip().upper() for t in value.split(",") if t.strip())
        unknown = wanted - set(EVENT_TYPES)
        if unknown:
            raise _BadRequest(f"unknown eventTypes {sorted(unknown)}; known: {', '.join(EVENT_TYPES)}")
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
        now = self.now()
        with self._lock:
            if message_id not in self._messages:
                raise _NotFound(f"no message {message_id}")
            for event in self._events:
                if event.message_id == message_id and event.processed_at is None and event.visible_at <= now:
                    event.processed_at = now
        return httpx.Response(204)

    def _ping(self, cpa_id: str, from_party: str, to_party: str) -> httpx.Response:
        cpa = self._world.cpa(cpa_id)
        if cpa is None:
            raise _NotFound(f"CPA {cpa_id} not found")
        if from_party != cpa.party_id or to_party != LOGIUS_PARTY_ID:
            raise _BadRequest(f"parties {from_party} -> {to_party} do not match CPA {cpa_id}")
        return httpx.Response(200)

    def _cpa(self, cpa_id: str) -> httpx.Response:
        cpa = self._world.cpa(cpa_id)
        if cpa is None:
            raise _NotFound(f"CPA {cpa_id} not found")
        return httpx.Response(200, text=cpa.to_xml(), headers={"Content-Type": "text/plain; charset=utf-8"})

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
    """The batch document: the first XML data source (ebms-core sends the payload as text/xml)."""
    listed = list(sources)
    for source in listed:
        if "xml" in source.content_type.lower():
            return source.content
    return listed[0].content


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
                    m.bericht_ids,
                    sum(len(s.content) for s in m.data_sources),
                    m.timestamp,
                    m.status_at(now) or "CREATED",
                    m.resend_of,
                    m.client_oin,
                )
                for m in sim._messages.values()
                if not m.incoming
            )

    def batches(self) -> tuple[BatchRecord, ...]:
        """What GLOBE made of every delivered message (results included, whether or not sent)."""
        with self._sim._lock:
            return tuple(self._sim._batches)

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
            return Counter(self._sim._received_ids)

    def bericht_ids_stored(self) -> frozenset[uuid.UUID]:
        """The BerichtIDs Logius has stored (what ``BerichtBestaatAl`` is answered for)."""
        with self._sim._lock:
            return frozenset(self._sim._stored_ids)

    def letters(self, bsn: Bsn | str | None = None) -> tuple[StoredLetter, ...]:
        """Letters placed in a box (``Verwerkt``), optionally for one person."""
        with self._sim._lock:
            letters = tuple(self._sim._letters)
        if bsn is None:
            return letters
        value = bsn.value if isinstance(bsn, Bsn) else bsn
        return tuple(letter for letter in letters if letter.bsn.value == value)

    def faults(self) -> tuple[FaultRecord, ...]:
        """Every fault injected so far (:class:`FaultRecord`)."""
        return self._sim.faults.injected

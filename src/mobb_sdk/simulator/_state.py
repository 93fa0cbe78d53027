"""What the simulator holds: its messages and events, and the state every part of it shares."""

from __future__ import annotations

import base64
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Final

import attrs
import httpx

from mobb_sdk._ebms import EventType, MessageStatus
from mobb_sdk._errors import ConfigurationError
from mobb_sdk._ids import Bsn, Oin
from mobb_sdk.simulator._clock import Clock
from mobb_sdk.simulator._faults import Faults
from mobb_sdk.simulator._records import (
    RequestRecord,
    WusCall,
)
from mobb_sdk.simulator._store import LetterStore
from mobb_sdk.simulator._wire import iso
from mobb_sdk.simulator._world import Cpa, Person, Sender, World

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
REQUEST_PROPERTIES: Final = (
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
DELIVERY_EVENT: Final = {
    MessageStatus.DELIVERED.value: EventType.DELIVERED.value,
    MessageStatus.DELIVERY_FAILED.value: EventType.FAILED.value,
    MessageStatus.EXPIRED.value: EventType.EXPIRED.value,
}
#: The query parameters that filter the unprocessed lists: ebms-core names them as the properties.
FILTERS: Final = REQUEST_PROPERTIES
# A moment that never comes: results held back until process() (result_delay=None).
NEVER: Final = datetime.max.replace(tzinfo=UTC)


@attrs.define
class DataSource:
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
class Message:
    message_id: str
    cpa_id: str
    from_party: tuple[str, str]
    to_party: tuple[str, str]
    service: str
    action: str
    conversation_id: str
    ref_to_message_id: str | None
    timestamp: datetime
    data_sources: list[DataSource]
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
            "timestamp": iso(self.timestamp),
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
        return all(not params.get(key) or params.get(key) == values[key] for key in FILTERS)


@attrs.define
class Event:
    message_id: str
    type: str
    visible_at: datetime
    processed_at: datetime | None = None


def batch_payload(sources: Iterable[DataSource]) -> bytes:
    """The batch document: the first XML data source (ebms-core sends the payload as text/xml); a
    message without payload reaches GLOBE as an empty document."""
    listed = list(sources)
    for source in listed:
        if "xml" in source.content_type.lower():
            return source.content
    return listed[0].content if listed else b""


class SimulatorState:
    """The simulator's state, its world and its clock; the parts (GLOBE, WUS, ebms-core, dispatch) build on it."""

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
        self._messages: dict[str, Message] = {}
        self._events: list[Event] = []
        # Per letter and per batch, in a form the cyclic GC leaves alone (see _store).
        self._store = LetterStore()
        self._send_hooks: list[Callable[[httpx.Request], httpx.Request]] = []
        self._wus_calls: list[WusCall] = []
        self._requests: list[RequestRecord] = []
        from mobb_sdk.simulator._inspection import Inspection  # it reads this state: imported here

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

    def _cpa_lookup(self, cpa_id: str) -> Cpa | None:
        """The CPA ebms-core holds under ``cpa_id``: one posted through ``POST /cpas``, else the world's."""
        with self._lock:
            if cpa_id in self._deleted_cpas:
                return None
            posted = self._posted_cpas.get(cpa_id)
        if posted is not None:
            return posted[0]
        return self._world.cpa(cpa_id)

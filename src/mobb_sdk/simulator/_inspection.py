"""What the simulator saw and answered, as immutable records: ``simulator.inspect``."""

from __future__ import annotations

import uuid
from collections import Counter

from mobb_sdk._ebms import MessageStatus
from mobb_sdk._ids import Bsn, guid_from_int
from mobb_sdk._models import VerwerkingsResultaat
from mobb_sdk.simulator._faults import FaultRecord
from mobb_sdk.simulator._globe import StoredLetter
from mobb_sdk.simulator._records import (
    BatchRecord,
    EventRecord,
    IncomingMessage,
    RequestRecord,
    SentMessage,
    WusCall,
)
from mobb_sdk.simulator._state import SimulatorState


class Inspection:
    """What arrived, what was answered, what was fetched: reach it as ``simulator.inspect``.

    Every method returns immutable records (a snapshot); BSNs appear only as :class:`~mobb_sdk.Bsn`.
    """

    def __init__(self, simulator: SimulatorState) -> None:
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

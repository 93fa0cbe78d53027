"""Fault injection: what a test switches on, per call or at random with a seed.

Every fault is explicit and counted: ``fail_next(..., times=2)`` hits the next two matching calls and is
then spent. Transport faults (``fail_next``, ``delay_next``, ``drop_next``) say with ``applied`` whether
the simulator carried the request out first (stored the message, marked it processed) and then failed
the answer, or failed it before touching anything. That difference is what a "nothing sent twice" test
needs: after ``applied=True`` a resend must answer ``BerichtBestaatAl``; after ``applied=False`` it must
be delivered normally.
"""

from __future__ import annotations

import enum
import random
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final, Literal

import attrs

from mobb_sdk._errors import ConfigurationError

__all__ = [
    "CHAOS_KINDS",
    "DEFAULT_CHAOS_KINDS",
    "BatchFault",
    "FaultRecord",
    "Faults",
    "Operation",
    "TransportFault",
]


class Operation(enum.Enum):
    """The calls a transport fault can target (``"send"``, ``"wus"``, ... or ``"*"`` for any)."""

    SEND = "send"  #: POST /ebms/messages
    RESEND = "resend"  #: PUT /ebms/messages/{id}
    UNPROCESSED = "unprocessed"  #: GET /ebms/messages/unprocessed
    GET = "get"  #: GET /ebms/messages/{id}
    STATUS = "status"  #: GET /ebms/messages/{id}/status
    PROCESS = "process"  #: PATCH /ebms/messages/{id}
    EVENTS = "events"  #: GET /ebms/events/unprocessed
    ACK_EVENT = "ack_event"  #: PATCH /ebms/events/{id}
    PING = "ping"  #: POST /ebms/ping/...
    CPAS = "cpas"  #: /cpas, /cpas/{id}, /cpas/validate, /cpas/cache
    MAPPINGS = "mappings"  #: /urlMappings, /certificateMappings
    WUS = "wus"  #: POST /wus/BerichtenboxValidatieService
    OTHER = "other"  #: any path the simulator does not serve


OperationLike = Operation | str
ANY: Final = "*"


def _operation(value: OperationLike) -> Operation | None:
    if value == ANY:
        return None
    try:
        return value if isinstance(value, Operation) else Operation(value)
    except ValueError:
        names = ", ".join(o.value for o in Operation)
        raise ConfigurationError(f"unknown operation {value!r}; use one of {names} or '*'") from None


class TransportKind(enum.Enum):
    FAIL = "fail"  # an HTTP error status (500, 503, ...) with Retry-After
    DELAY = "delay"  # answer late (beyond the client's timeout: a timeout)
    DROP = "drop"  # close the connection without an answer


@attrs.frozen
class TransportFault:
    """One transport fault taken for a request (what the transports act on)."""

    kind: TransportKind
    applied: bool
    status: int = 503
    retry_after: int | None = None
    seconds: float = 0.0
    random: bool = False


class BatchFault(enum.Enum):
    """What can happen to a delivered batch and its result."""

    DELIVERY_FAILED = "FAILED"  #: the MSH gives up: FAILED event, status DELIVERY_FAILED, nothing processed
    DELIVERY_EXPIRED = "EXPIRED"  #: time to live passed: EXPIRED event, status EXPIRED, nothing processed
    WITHHOLD_RESULT = "withhold_result"  #: processed (letters stored), but the result never comes
    DUPLICATE_RESULT = "duplicate_result"  #: the result arrives twice (two ebMS messages, same payload)
    MALFORMED_RESULT = "malformed_result"  #: the result payload is not a valid BerichtVerwerkResponse


_DELIVERY: Final = frozenset({BatchFault.DELIVERY_FAILED, BatchFault.DELIVERY_EXPIRED})

#: Kinds :meth:`Faults.random` knows: transport faults per request, batch faults per batch,
#: ``technisch_probleem`` per letter.
CHAOS_KINDS: Final = frozenset(
    {
        "fail",  # 503 + Retry-After before the request is applied
        "fail_after",  # 500 after the request was applied
        "drop",  # connection dropped before the request is applied
        "drop_after",  # connection dropped after the request was applied
        "technisch_probleem",
        "duplicate_result",
        "withhold_result",
        "malformed_result",
        "delivery_failed",
        "delivery_expired",
    }
)
#: What a correct client recovers from without losing or doubling a letter.
DEFAULT_CHAOS_KINDS: Final = frozenset({"fail", "drop_after", "duplicate_result", "technisch_probleem"})

_TRANSPORT_CHAOS: Final = {
    "fail": TransportFault(TransportKind.FAIL, applied=False, status=503, random=True),
    "fail_after": TransportFault(TransportKind.FAIL, applied=True, status=500, random=True),
    "drop": TransportFault(TransportKind.DROP, applied=False, random=True),
    "drop_after": TransportFault(TransportKind.DROP, applied=True, random=True),
}
_BATCH_CHAOS: Final = {
    "duplicate_result": BatchFault.DUPLICATE_RESULT,
    "withhold_result": BatchFault.WITHHOLD_RESULT,
    "malformed_result": BatchFault.MALFORMED_RESULT,
    "delivery_failed": BatchFault.DELIVERY_FAILED,
    "delivery_expired": BatchFault.DELIVERY_EXPIRED,
}


@attrs.frozen
class FaultRecord:
    """A fault that was injected: what, where (operation, BatchID or BerichtID), when, and if at random."""

    kind: str
    target: str
    at: datetime
    random: bool = False
    applied: bool | None = None


@attrs.define
class _Rule:
    remaining: int
    op: Operation | None = None
    batch_id: uuid.UUID | None = None
    transport: TransportFault | None = None
    batch: BatchFault | None = None
    malformed: str = "truncated"


@attrs.frozen
class _Chaos:
    rng: random.Random
    rate: float
    transport: tuple[str, ...]
    batch: tuple[str, ...]
    technisch: bool
    retry_after: int


def _times(times: int) -> int:
    if not isinstance(times, int) or times < 1:
        raise ConfigurationError(f"times must be a positive integer, got {times!r}")
    return times


def _batch_id(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    except ValueError:
        raise ConfigurationError(f"{value!r} is not a BatchID (GUID)") from None


class Faults:
    """The faults a :class:`~mobb_sdk.simulator.Simulator` injects; reach it as ``simulator.faults``.

    All methods are thread-safe and return ``self``, so calls chain. See ``docs/simulator.md`` for which
    fault happens before and which after the simulator stored the message.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transport: list[_Rule] = []
        self._batch: list[_Rule] = []
        self._technisch: dict[uuid.UUID, list[tuple[str, bool, int]]] = {}
        self._wus_outages = 0
        self._chaos: _Chaos | None = None
        self._injected: list[FaultRecord] = []

    # --- per call ---------------------------------------------------------------------------------------

    def fail_next(
        self,
        operation: OperationLike = Operation.SEND,
        *,
        status: int = 503,
        retry_after: int | None = 1,
        times: int = 1,
        applied: bool = False,
    ) -> Faults:
        """Answer the next ``times`` matching calls with HTTP ``status`` (and ``Retry-After`` seconds).

        ``applied=False`` (default): the request is refused before anything happens (nothing stored).
        ``applied=True``: the simulator carries it out (stores the message, marks it processed) and then
        answers the error anyway, as a server that failed after committing does.
        """
        if not 400 <= status <= 599:
            raise ConfigurationError(f"status must be an HTTP error status (4xx/5xx), got {status}")
        fault = TransportFault(TransportKind.FAIL, applied, status=status, retry_after=retry_after)
        return self._add_transport(operation, fault, times)

    def delay_next(
        self,
        operation: OperationLike = Operation.SEND,
        *,
        seconds: float,
        times: int = 1,
        applied: bool = True,
    ) -> Faults:
        """Answer the next ``times`` matching calls ``seconds`` late.

        In-process, a delay at or beyond the request's read timeout raises :class:`httpx.ReadTimeout`
        at once instead of sleeping; a shorter one sleeps. Served, the server really sleeps.
        ``applied=True`` (default): the request is carried out first, only the answer is late (the
        client times out on a stored message). ``applied=False``: the delay comes first and the request
        is carried out only if the client still waits when it ends (in-process: only if it did not time
        out).
        """
        if seconds < 0:
            raise ConfigurationError(f"seconds must not be negative, got {seconds}")
        fault = TransportFault(TransportKind.DELAY, applied, seconds=float(seconds))
        return self._add_transport(operation, fault, times)

    def drop_next(
        self, operation: OperationLike = Operation.SEND, *, times: int = 1, applied: bool = True
    ) -> Faults:
        """Close the connection without an answer on the next ``times`` matching calls.

        In-process this raises :class:`httpx.RemoteProtocolError`; served, the socket is closed after the
        request was read. ``applied=True`` (default): the request was carried out before the drop (the
        message is stored). ``applied=False``: dropped before anything happened.
        """
        return self._add_transport(operation, TransportFault(TransportKind.DROP, applied), times)

    def wus_outage(self, times: int = 1) -> Faults:
        """The next ``times`` ValidateAbonnementen calls answer a ``DependentServiceFault`` (HTTP 500)."""
        with self._lock:
            self._wus_outages += _times(times)
        return self

    # --- per batch ----------------------------------------------------------------------------------------

    def delivery_event(
        self, event: Literal["FAILED", "EXPIRED"], batch_id: uuid.UUID | str | None = None, *, times: int = 1
    ) -> Faults:
        """The delivery of the next batch(es) (or of ``batch_id``) fails: a FAILED or EXPIRED event.

        The send itself succeeds (ebms-core accepted the message); the message then never reaches GLOBE:
        status ``DELIVERY_FAILED``/``EXPIRED``, no letter stored, no result.
        """
        if event not in ("FAILED", "EXPIRED"):
            raise ConfigurationError(f"a delivery event is 'FAILED' or 'EXPIRED', got {event!r}")
        return self._add_batch(BatchFault(event), batch_id, times)

    def withhold_result(self, batch_id: uuid.UUID | str | None = None, *, times: int = 1) -> Faults:
        """GLOBE processes the batch (letters are stored) but the result never comes (RES-03)."""
        return self._add_batch(BatchFault.WITHHOLD_RESULT, batch_id, times)

    def duplicate_result(self, batch_id: uuid.UUID | str | None = None, *, times: int = 1) -> Faults:
        """The result arrives twice: two incoming ebMS messages with the same payload and refToMessageId."""
        return self._add_batch(BatchFault.DUPLICATE_RESULT, batch_id, times)

    def malformed_result(
        self,
        batch_id: uuid.UUID | str | None = None,
        *,
        times: int = 1,
        how: Literal["truncated", "invalid"] = "truncated",
    ) -> Faults:
        """The result payload is broken: ``truncated`` (not well-formed XML) or ``invalid`` (fails the XSD).

        The letters are processed and stored as usual; only the document describing them is unreadable.
        """
        if how not in ("truncated", "invalid"):
            raise ConfigurationError(f"how is 'truncated' or 'invalid', got {how!r}")
        return self._add_batch(BatchFault.MALFORMED_RESULT, batch_id, times, malformed=how)

    def technisch_probleem(
        self,
        *bericht_ids: uuid.UUID | str,
        stadium: str = "StoreMessage",
        stored: bool = False,
        times: int = 1,
    ) -> Faults:
        """Answer ``TechnischProbleem`` (with ``stadium``) for these BerichtIDs, the next ``times`` they arrive.

        ``stored=False`` (default): the letter was not stored, so a resend with the same id is processed
        normally. ``stored=True``: it was stored despite the answer, so a resend gets ``BerichtBestaatAl``.
        """
        if not bericht_ids:
            raise ConfigurationError("name at least one BerichtID")
        ids = [_batch_id(b) for b in bericht_ids]
        with self._lock:
            for i in ids:
                assert i is not None  # noqa: S101  (_batch_id of a non-None value)
                self._technisch.setdefault(i, []).append((stadium, stored, _times(times)))
        return self

    # --- at random ----------------------------------------------------------------------------------------

    @classmethod
    def random(
        cls,
        seed: int,
        rate: float,
        kinds: Iterable[str] = DEFAULT_CHAOS_KINDS,
        *,
        retry_after: int = 0,
    ) -> Faults:
        """A :class:`Faults` that also injects faults at random (see :meth:`set_random`)."""
        return cls().set_random(seed, rate, kinds, retry_after=retry_after)

    def set_random(
        self, seed: int, rate: float, kinds: Iterable[str] = DEFAULT_CHAOS_KINDS, *, retry_after: int = 0
    ) -> Faults:
        """Inject faults at random, reproducibly from ``seed``: each request, batch and letter gets one
        with probability ``rate``, drawn from ``kinds`` (:data:`CHAOS_KINDS`; default
        :data:`DEFAULT_CHAOS_KINDS`, the faults a correct client survives without loss or doubles).
        Explicit faults take precedence. ``rate=0`` switches chaos off."""
        chosen = frozenset(kinds)
        unknown = chosen - CHAOS_KINDS
        if unknown:
            raise ConfigurationError(f"unknown chaos kind(s) {sorted(unknown)}; known: {sorted(CHAOS_KINDS)}")
        if not 0.0 <= rate <= 1.0:
            raise ConfigurationError(f"rate is a probability (0..1), got {rate}")
        with self._lock:
            self._chaos = (
                None
                if rate == 0
                else _Chaos(
                    random.Random(seed),  # noqa: S311  (test chaos, not cryptography)
                    rate,
                    tuple(sorted(k for k in chosen if k in _TRANSPORT_CHAOS)),
                    tuple(sorted(k for k in chosen if k in _BATCH_CHAOS)),
                    "technisch_probleem" in chosen,
                    retry_after,
                )
            )
        return self

    def clear(self) -> Faults:
        """Switch every pending fault and chaos off (the record of injected faults stays)."""
        with self._lock:
            self._transport.clear()
            self._batch.clear()
            self._technisch.clear()
            self._wus_outages = 0
            self._chaos = None
        return self

    @property
    def pending(self) -> int:
        """How many explicit fault activations are still waiting to happen."""
        with self._lock:
            return (
                sum(r.remaining for r in self._transport)
                + sum(r.remaining for r in self._batch)
                + sum(t for entries in self._technisch.values() for _, _, t in entries)
                + self._wus_outages
            )

    @property
    def injected(self) -> tuple[FaultRecord, ...]:
        """Every fault injected so far, in order."""
        with self._lock:
            return tuple(self._injected)

    # --- used by the simulator ------------------------------------------------------------------------------

    def _add_transport(self, operation: OperationLike, fault: TransportFault, times: int) -> Faults:
        rule = _Rule(_times(times), op=_operation(operation), transport=fault)
        with self._lock:
            self._transport.append(rule)
        return self

    def _add_batch(
        self, fault: BatchFault, batch_id: uuid.UUID | str | None, times: int, malformed: str = "truncated"
    ) -> Faults:
        rule = _Rule(_times(times), batch_id=_batch_id(batch_id), batch=fault, malformed=malformed)
        with self._lock:
            self._batch.append(rule)
        return self

    def _record(
        self, kind: str, target: str, now: datetime, *, random: bool, applied: bool | None = None
    ) -> None:
        self._injected.append(FaultRecord(kind, target, now, random, applied))

    def take_transport(self, op: Operation, now: datetime | None = None) -> TransportFault | None:
        """The transport fault for this request, if any (explicit rules first, then chaos)."""
        now = now or datetime.now(UTC)
        with self._lock:
            for rule in self._transport:
                if rule.remaining and (rule.op is None or rule.op is op):
                    rule.remaining -= 1
                    fault = rule.transport
                    assert fault is not None  # noqa: S101
                    self._transport = [r for r in self._transport if r.remaining]
                    self._record(fault.kind.value, op.value, now, random=False, applied=fault.applied)
                    return fault
            chaos = self._chaos
            if chaos is not None and chaos.transport and chaos.rng.random() < chaos.rate:
                name = chaos.rng.choice(chaos.transport)
                fault = attrs.evolve(_TRANSPORT_CHAOS[name], retry_after=chaos.retry_after)
                self._record(name, op.value, now, random=True, applied=fault.applied)
                return fault
        return None

    def take_batch(
        self, batch_id: uuid.UUID | None, now: datetime
    ) -> tuple[BatchFault | None, BatchFault | None, str]:
        """(delivery fault, result fault, malformed style) for a delivered batch."""
        delivery: BatchFault | None = None
        result: BatchFault | None = None
        how = "truncated"
        target = str(batch_id) if batch_id is not None else "unreadable batch"
        with self._lock:
            for rule in self._batch:
                if not rule.remaining or (rule.batch_id is not None and rule.batch_id != batch_id):
                    continue
                fault = rule.batch
                assert fault is not None  # noqa: S101
                if fault in _DELIVERY and delivery is None and result is None:
                    delivery = fault
                elif fault not in _DELIVERY and result is None and delivery is None:
                    result, how = fault, rule.malformed
                else:
                    continue
                rule.remaining -= 1
                self._record(fault.value, target, now, random=False)
            self._batch = [r for r in self._batch if r.remaining]
            chaos = self._chaos
            untouched = delivery is None and result is None
            if untouched and chaos is not None and chaos.batch and chaos.rng.random() < chaos.rate:
                name = chaos.rng.choice(chaos.batch)
                fault = _BATCH_CHAOS[name]
                if fault in _DELIVERY:
                    delivery = fault
                else:
                    result = fault
                self._record(fault.value, target, now, random=True)
        return delivery, result, how

    def take_technisch(self, bericht_id: uuid.UUID, now: datetime) -> tuple[str, bool] | None:
        """(stadium, stored) when this letter is to get TechnischProbleem."""
        with self._lock:
            entries = self._technisch.get(bericht_id)
            if entries:
                stadium, stored, times = entries[0]
                if times > 1:
                    entries[0] = (stadium, stored, times - 1)
                else:
                    entries.pop(0)
                    if not entries:
                        del self._technisch[bericht_id]
                self._record("technisch_probleem", str(bericht_id), now, random=False, applied=stored)
                return stadium, stored
            chaos = self._chaos
            if chaos is not None and chaos.technisch and chaos.rng.random() < chaos.rate:
                self._record("technisch_probleem", str(bericht_id), now, random=True, applied=False)
                return "StoreMessage", False
        return None

    def take_wus_outage(self, now: datetime) -> bool:
        with self._lock:
            if self._wus_outages:
                self._wus_outages -= 1
                self._record("wus_outage", Operation.WUS.value, now, random=False)
                return True
        return False

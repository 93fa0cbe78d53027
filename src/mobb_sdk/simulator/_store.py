"""What the simulated Logius keeps of every letter and batch, in a form the cyclic GC does not walk.

A long run leaves a record per letter: its BerichtID (for ``BerichtBestaatAl``), how often it arrived,
the letter placed in a box, and per batch GLOBE's result. Held as objects (UUIDs, :class:`Bsn`, attrs
records, results of a thousand :class:`BerichtResultaat`), every full collection of Python's cyclic
garbage collector walks all of them, so the simulator's cost per letter grows with the letters it holds
(+21% by 70,000). Here they are ints, str and bytes in plain dicts and tuples, which the collector
untracks (CPython leaves a dict or tuple of such atoms out of every collection), and the
:class:`~mobb_sdk.simulator.Inspection` records are built from them when asked for.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, MutableSet

from mobb_sdk._codec import from_xml
from mobb_sdk._ids import Bsn, guid_from_int
from mobb_sdk._models import VerwerkingsResultaat
from mobb_sdk._violations import Violation
from mobb_sdk.simulator._globe import StoredLetter
from mobb_sdk.simulator._records import BatchRecord

__all__ = ["GuidSet", "LetterStore"]


class GuidSet(MutableSet[uuid.UUID]):
    """A set of GUIDs kept as their 128-bit ints in a plain dict (untracked by the GC)."""

    __slots__ = ("_ints",)

    def __init__(self, guids: Iterable[uuid.UUID] = ()) -> None:
        self._ints: dict[int, None] = dict.fromkeys(g.int for g in guids)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, uuid.UUID) and value.int in self._ints

    def __iter__(self) -> Iterator[uuid.UUID]:
        return (guid_from_int(i) for i in tuple(self._ints))

    def __len__(self) -> int:
        return len(self._ints)

    def add(self, value: uuid.UUID) -> None:
        self._ints[value.int] = None

    def discard(self, value: uuid.UUID) -> None:
        self._ints.pop(value.int, None)


# Plain tuples (a NamedTuple is a subclass, and the GC untracks exact tuples only):
# a batch: message_id, batch_id (int | None), delivery, the result's XML (bytes | None, read back on
# inspection), result_message_ids, result_fault, violations (only refused batches have any: a few
# objects per such batch), processing_seconds, reason.
_Batch = tuple[
    str, int | None, str, bytes | None, tuple[str, ...], str | None, tuple[Violation, ...], float, str | None
]
# a letter in a box: bericht_id (int), batch_id (int), afzender, bsn, bericht_type, onderwerp.
_Letter = tuple[int, int, str, str, str, str]


class LetterStore:
    """Logius' store: BerichtIDs stored and received, letters placed in boxes, GLOBE's batch records.

    Not thread safe: the simulator calls it under its lock.
    """

    def __init__(self) -> None:
        self.stored = GuidSet()  # BER-01: what BerichtBestaatAl is answered for
        self._received: dict[int, int] = {}
        # One tuple of letters per batch: the list the collector walks grows by one entry per batch, and
        # each batch's tuple (of untracked tuples) is untracked itself.
        self._letters: list[tuple[_Letter, ...]] = []
        self._batches: list[_Batch] = []

    # -- writing -----------------------------------------------------------------------------------------

    def receive(self, bericht_ids: Iterable[uuid.UUID]) -> None:
        """Count one arrival at GLOBE of each letter."""
        received = self._received
        for guid in bericht_ids:
            key = guid.int
            received[key] = received.get(key, 0) + 1

    def place(self, letters: Iterable[StoredLetter]) -> None:
        """Letters GLOBE placed in a box."""
        placed = tuple(
            (x.bericht_id.int, x.batch_id.int, x.afzender, x.bsn.value, x.bericht_type, x.onderwerp)
            for x in letters
        )
        if placed:
            self._letters.append(placed)

    def record(self, record: BatchRecord, result_xml: bytes | None = None) -> None:
        """GLOBE's record of a batch; ``result_xml`` is ``to_xml(record.result)`` when there is a result."""
        if (record.result is None) != (result_xml is None):
            raise ValueError("a batch record with a result needs the result's XML, and only then")
        self._batches.append(
            (
                record.message_id,
                None if record.batch_id is None else record.batch_id.int,
                record.delivery,
                result_xml,
                record.result_message_ids,
                record.result_fault,
                record.violations,
                record.processing_seconds,
                record.reason,
            )
        )

    # -- reading (Inspection) ---------------------------------------------------------------------------

    def received(self) -> Counter[uuid.UUID]:
        return Counter({guid_from_int(k): n for k, n in self._received.items()})

    def stored_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(self.stored)

    def letters(self, bsn: str | None = None) -> tuple[StoredLetter, ...]:
        return tuple(
            StoredLetter(
                guid_from_int(bericht_id), guid_from_int(batch_id), afzender, Bsn(value), kind, onderwerp
            )
            for placed in self._letters
            for bericht_id, batch_id, afzender, value, kind, onderwerp in placed
            if bsn is None or value == bsn
        )

    def batches(self) -> tuple[BatchRecord, ...]:
        return tuple(
            BatchRecord(
                message_id,
                None if batch_id is None else guid_from_int(batch_id),
                delivery,
                None if result is None else from_xml(result, VerwerkingsResultaat),
                result_ids,
                fault,
                violations,
                seconds,
                reason,
            )
            for message_id, batch_id, delivery, result, result_ids, fault, violations, seconds, reason in (
                self._batches
            )
        )

    def processing_seconds(self) -> float:
        """GLOBE's own time for every batch together (no result is read back)."""
        return sum(b[7] for b in self._batches)

"""What the outbox keeps, and the storage interface a store implements (:class:`OutboxStore`).

Every method is one transaction: a state is on disk before the step it announces is taken. The runner
holds all the logic; a store only records and finds. :class:`~mobb_sdk.outbox.SqliteStore` is the
embedded default; a PostgreSQL store implements the same protocol (``SELECT ... FOR UPDATE`` where
SQLite uses ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from mobb_sdk._delivery import OutcomeStatus
from mobb_sdk._ids import Bsn
from mobb_sdk._models import VerwerkingsCode
from mobb_sdk.outbox._states import BatchState, LetterState

__all__ = ["Answer", "BatchRow", "BijlageRef", "LetterRow", "NewLetter", "OutboxStore"]


@attrs.frozen
class BijlageRef:
    """An attachment of a stored letter: its content is kept once, under its SHA-256."""

    sha256: str
    omschrijving: str
    volgorde: int
    size: int


@attrs.frozen
class NewLetter:
    """A validated letter about to be stored (``size``: its bytes in a batch, for BATCH-02 packing)."""

    key: str
    bericht_id: uuid.UUID
    bsn: str = attrs.field(repr=False)
    bericht_type: str
    onderwerp: str
    bericht_tekst: str | None
    referentie: str | None
    publicatie_datum: datetime | None
    eind_datum_handelings_termijn: datetime | None
    bijlagen: tuple[BijlageRef, ...]
    size: int


@attrs.frozen
class LetterRow:
    """A letter as the outbox holds it. ``bsn`` shows only its last four digits in ``repr``."""

    seq: int
    key: str
    bericht_id: uuid.UUID
    bsn: Bsn
    bericht_type: str
    onderwerp: str
    bericht_tekst: str | None
    referentie: str | None
    publicatie_datum: datetime | None
    eind_datum_handelings_termijn: datetime | None
    bijlagen: tuple[BijlageRef, ...]
    size: int
    state: LetterState
    checked_at: datetime | None
    batch_id: uuid.UUID | None
    code: VerwerkingsCode | None
    stadium: str | None
    outcome: OutcomeStatus
    detail: str | None
    updated_at: datetime


@attrs.frozen
class BatchRow:
    """A batch as the outbox holds it: enough to write its XML again byte for byte (RES-04).

    ``attempts`` counts hand-overs started (recorded before each POST); ``resends`` those caused by an
    ebMS FAILED/EXPIRED event. ``message_id`` is the ebMS id of the last hand-over ebms-core confirmed.
    """

    batch_id: uuid.UUID
    afzender: str
    aanmaak_datum: datetime
    state: BatchState
    letters: int
    size: int
    attempts: int = 0
    resends: int = 0
    message_id: str | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    detail: str | None = None


@attrs.frozen
class Answer:
    """Logius' answer for one letter, with the outcome the runner drew from it."""

    bericht_id: uuid.UUID
    code: VerwerkingsCode
    stadium: str | None
    outcome: OutcomeStatus


class OutboxStore(Protocol):
    """The storage of an outbox. Each method commits on its own, or changes nothing when it raises."""

    def close(self) -> None: ...

    # -- identity and letters in ---------------------------------------------------------------------
    def meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def add_letters(self, letters: Sequence[NewLetter], attachments: Mapping[str, bytes]) -> int:
        """Store letters whose key is new (others are skipped) and attachments not yet kept; the count
        stored."""
        ...

    def letter(self, key: str) -> LetterRow | None:
        """The letter stored under ``key`` (in whatever state), or None."""
        ...

    def has_attachment(self, sha256: str) -> bool: ...
    def attachment(self, sha256: str) -> bytes: ...

    # -- the lease -------------------------------------------------------------------------------------
    def acquire_lease(self, owner: str, ttl: float, now: float, stale: Callable[[str], bool]) -> str | None:
        """Take the lease when it is free, expired, ours, or its holder is ``stale`` (a process known to
        be gone); None when taken, else the holder."""
        ...

    def renew_lease(self, owner: str, ttl: float, now: float) -> bool: ...
    def lease_holder(self) -> str | None: ...
    def release_lease(self, owner: str) -> None: ...

    # -- subscription checks ----------------------------------------------------------------------------
    def expire_checks(self, checked_before: datetime, at: datetime) -> int: ...
    def letters_in_state(self, state: LetterState, limit: int, after_seq: int = 0) -> list[LetterRow]: ...
    def record_checks(
        self, decisions: Sequence[tuple[int, bool]], at: datetime, paper_detail: str
    ) -> None: ...

    # -- batches ---------------------------------------------------------------------------------------
    def create_batch(self, batch: BatchRow, seqs: Sequence[int], at: datetime) -> None: ...
    def batch(self, batch_id: uuid.UUID) -> BatchRow | None: ...
    def batches(self, states: Collection[BatchState]) -> list[BatchRow]: ...
    def batch_letters(self, batch_id: uuid.UUID) -> list[LetterRow]: ...
    def batch_bericht_ids(self, batch_id: uuid.UUID) -> list[uuid.UUID]: ...
    def set_aanmaak_datum(self, batch_id: uuid.UUID, aanmaak_datum: datetime) -> None: ...
    def start_handover(self, batch_id: uuid.UUID) -> int:
        """Count a hand-over as started (before the POST); the attempt number."""
        ...

    def record_offered(self, batch_id: uuid.UUID, message_id: str, attempt: int, at: datetime) -> None: ...
    def handover(self, message_id: str) -> tuple[uuid.UUID, int] | None:
        """The batch and attempt of an ebMS message this outbox sent."""
        ...

    def record_delivered(self, batch_id: uuid.UUID, at: datetime) -> None: ...
    def record_resend(self, batch_id: uuid.UUID, detail: str, at: datetime) -> None: ...
    def record_batch_failed(
        self, batch_id: uuid.UUID, state: LetterState, detail: str, at: datetime
    ) -> None: ...
    def record_answers(self, batch_id: uuid.UUID, answers: Sequence[Answer], at: datetime) -> int:
        """Apply per-letter answers, as the letter lifecycle decided them (it never undoes a delivery);
        the count changed (the same answer twice changes nothing)."""
        ...

    def close_batch_if_decided(self, batch_id: uuid.UUID) -> bool: ...
    def mark_overdue(self, sent_before: datetime, at: datetime) -> int: ...

    # -- reading ---------------------------------------------------------------------------------------
    def counts(self) -> dict[LetterState, int]: ...
    def outcome_counts(self) -> dict[OutcomeStatus, int]: ...
    def letters(
        self,
        states: Collection[LetterState] | None = None,
        outcomes: Collection[OutcomeStatus] | None = None,
        page: int = 1000,
    ) -> Iterator[LetterRow]: ...
    def record_run(self, owner: str, started: datetime, finished: datetime, summary: str) -> None: ...

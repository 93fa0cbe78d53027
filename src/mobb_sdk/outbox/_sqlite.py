"""The embedded outbox store: one SQLite file in WAL mode, no server.

Each method is one transaction. Writes open with ``BEGIN IMMEDIATE`` (the write lock is taken up
front, so two processes never interleave a read-then-write), and ``synchronous=FULL`` makes a commit
survive a power cut, not only a killed process: a letter's state must be on disk before the step it
announces. Attachments are kept once per SHA-256; letters refer to them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from mobb_sdk._delivery import OutcomeStatus
from mobb_sdk._errors import ConfigurationError, StorageError
from mobb_sdk._files import create_private_file
from mobb_sdk._ids import Bsn
from mobb_sdk._models import VerwerkingsCode
from mobb_sdk.outbox._states import BatchState, LetterState
from mobb_sdk.outbox._store import Answer, BatchRow, BijlageRef, LetterRow, NewLetter

__all__ = ["SCHEMA_VERSION", "SqliteStore", "storage_error"]

SCHEMA_VERSION: Final = "1"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attachments (
    sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS letters (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    bericht_id TEXT NOT NULL UNIQUE,
    bsn TEXT NOT NULL,
    bericht_type TEXT NOT NULL,
    onderwerp TEXT NOT NULL,
    bericht_tekst TEXT,
    referentie TEXT,
    publicatie_datum TEXT,
    eind_datum TEXT,
    bijlagen TEXT NOT NULL,
    size INTEGER NOT NULL,
    state TEXT NOT NULL,
    checked_at TEXT,
    batch_id TEXT,
    code TEXT,
    stadium TEXT,
    outcome TEXT NOT NULL,
    detail TEXT,
    enqueued_at TEXT NOT NULL,
    updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS letters_state ON letters (state, seq);
CREATE INDEX IF NOT EXISTS letters_batch ON letters (batch_id, seq);
CREATE INDEX IF NOT EXISTS letters_outcome ON letters (outcome, seq);
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    afzender TEXT NOT NULL,
    aanmaak_datum TEXT NOT NULL,
    state TEXT NOT NULL,
    letters INTEGER NOT NULL,
    size INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    resends INTEGER NOT NULL DEFAULT 0,
    message_id TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    delivered_at TEXT,
    detail TEXT);
CREATE INDEX IF NOT EXISTS batches_state ON batches (state);
CREATE TABLE IF NOT EXISTS handovers (
    message_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, attempt INTEGER NOT NULL, sent_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lease (
    id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL, expires_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, owner TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    summary TEXT NOT NULL);
"""

_LETTER_COLUMNS: Final = (
    "seq, key, bericht_id, bsn, bericht_type, onderwerp, bericht_tekst, referentie, publicatie_datum, "
    "eind_datum, bijlagen, size, state, checked_at, batch_id, code, stadium, outcome, detail, updated_at"
)
_OPEN: Final = tuple(s.value for s in (LetterState.BATCHED, LetterState.OFFERED, LetterState.DELIVERED))
_UNDECIDED: Final = (*_OPEN, LetterState.RESULT_OVERDUE.value)


@contextlib.contextmanager
def transaction(db: sqlite3.Connection, lock: threading.RLock, path: Path) -> Iterator[sqlite3.Connection]:
    """One transaction on a store of ours in SQLite: all of it is stored, or (a full disk, a broken
    file) none of it and a :class:`StorageError`."""
    with lock:
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                raise  # our own mistake, not the storage's
            raise storage_error(path, exc) from exc


def query(
    db: sqlite3.Connection, lock: threading.RLock, path: Path, sql: str, params: Sequence[Any] = ()
) -> list[Any]:
    """Every row of one read on a store of ours; a storage fault is a :class:`StorageError`."""
    with lock:
        try:
            return db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError):
                raise
            raise storage_error(path, exc) from exc


def storage_error(path: Path, exc: sqlite3.Error) -> StorageError:
    """The typed error of an SQLite failure of the file at ``path`` (the outbox, or another store of
    ours in SQLite); what was committed before is intact (WAL, FULL sync)."""
    reason = str(exc)
    if "full" in reason:
        advice = "the disk is full: free space and run again; every step stored so far is kept"
    elif isinstance(exc, sqlite3.DatabaseError) and (
        "malformed" in reason or "not a database" in reason or "encrypted" in reason
    ):
        advice = "not a mobb-sdk database (outbox or ZGW journal), or a damaged one: restore it from a backup"
    elif "locked" in reason or "busy" in reason:
        advice = "another process holds the outbox too long: try again"
    elif "readonly" in reason or "unable to open" in reason or "disk I/O" in reason:
        advice = "the file or its folder cannot be written: check permissions and the disk"
    else:
        advice = "the outbox file cannot be read or written"
    return StorageError(f"{path}: {advice} (SQLite: {reason})", path=path)


def _ts(value: datetime) -> str:
    # One fixed form in UTC, so text comparison in SQL is time comparison.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SqliteStore:
    """An :class:`~mobb_sdk.outbox.OutboxStore` in one SQLite file (created when missing).

    Safe to share between threads (the runner's lease heartbeat uses it too) and between processes
    (SQLite's file locks; writers wait up to ``timeout`` seconds for each other).
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            # The file holds full BSNs: owner-only before SQLite writes its first page; SQLite gives
            # the -wal and -shm files the mode of the database file. Older ones are narrowed too.
            create_private_file(self.path)
            for suffix in ("-wal", "-shm"):
                companion = self.path.with_name(self.path.name + suffix)
                if companion.exists():
                    create_private_file(companion)
        except OSError as exc:
            raise StorageError(
                f"{self.path}: cannot create or open the outbox: {exc.strerror or exc}", path=self.path
            ) from None
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._tx():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                if row is None:
                    self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                elif row[0] != SCHEMA_VERSION:
                    raise ConfigurationError(
                        f"{self.path}: outbox schema {row[0]}, this mobb-sdk reads schema {SCHEMA_VERSION}"
                    )
        except sqlite3.Error as exc:
            raise storage_error(self.path, exc) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _tx(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return transaction(self._db, self._lock, self.path)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return query(self._db, self._lock, self.path, sql, params)

    # -- identity and letters in -------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def add_letters(self, letters: Sequence[NewLetter], attachments: Mapping[str, bytes]) -> int:
        now = _ts(datetime.now(UTC))
        with self._tx() as db:
            db.executemany(
                "INSERT OR IGNORE INTO attachments VALUES (?, ?, ?)",
                ((sha, len(content), content) for sha, content in attachments.items()),
            )
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO letters (key, bericht_id, bsn, bericht_type, onderwerp, bericht_tekst,"
                " referentie, publicatie_datum, eind_datum, bijlagen, size, state, outcome, enqueued_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        x.key,
                        str(x.bericht_id),
                        x.bsn,
                        x.bericht_type,
                        x.onderwerp,
                        x.bericht_tekst,
                        x.referentie,
                        None if x.publicatie_datum is None else x.publicatie_datum.isoformat(),
                        None
                        if x.eind_datum_handelings_termijn is None
                        else x.eind_datum_handelings_termijn.isoformat(),
                        json.dumps([[b.sha256, b.omschrijving, b.volgorde, b.size] for b in x.bijlagen]),
                        x.size,
                        LetterState.ACCEPTED.value,
                        OutcomeStatus.PENDING.value,
                        now,
                        now,
                    )
                    for x in letters
                ),
            )
            return db.total_changes - before

    def has_attachment(self, sha256: str) -> bool:
        return bool(self._query("SELECT 1 FROM attachments WHERE sha256 = ?", (sha256,)))

    def letter(self, key: str) -> LetterRow | None:
        rows = self._query(f"SELECT {_LETTER_COLUMNS} FROM letters WHERE key = ?", (key,))  # noqa: S608  (placeholders and fixed column names only)
        return _letter(rows[0]) if rows else None

    def attachment(self, sha256: str) -> bytes:
        rows = self._query("SELECT content FROM attachments WHERE sha256 = ?", (sha256,))
        if not rows:
            raise KeyError(f"attachment {sha256} is not in the outbox")
        return bytes(rows[0][0])

    # -- the lease ---------------------------------------------------------------------------------------

    def acquire_lease(self, owner: str, ttl: float, now: float, stale: Callable[[str], bool]) -> str | None:
        with self._tx() as db:
            row = db.execute("SELECT owner, expires_at FROM lease WHERE id = 1").fetchone()
            if row is not None and row[0] != owner and row[1] > now and not stale(row[0]):
                return str(row[0])
            db.execute("INSERT OR REPLACE INTO lease VALUES (1, ?, ?, ?)", (owner, now + ttl, now))
            return None

    def renew_lease(self, owner: str, ttl: float, now: float) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE lease SET expires_at = ?, heartbeat_at = ? WHERE id = 1 AND owner = ?",
                (now + ttl, now, owner),
            )
            return cur.rowcount == 1

    def lease_holder(self) -> str | None:
        rows = self._query("SELECT owner FROM lease WHERE id = 1")
        return str(rows[0][0]) if rows else None

    def release_lease(self, owner: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM lease WHERE id = 1 AND owner = ?", (owner,))

    # -- subscription checks -----------------------------------------------------------------------------

    def expire_checks(self, checked_before: datetime, at: datetime) -> int:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE letters SET state = ?, updated_at = ? WHERE state = ? AND checked_at < ?",
                (LetterState.ACCEPTED.value, _ts(at), LetterState.CHECKED.value, _ts(checked_before)),
            )
            return cur.rowcount

    def letters_in_state(self, state: LetterState, limit: int, after_seq: int = 0) -> list[LetterRow]:
        rows = self._query(
            f"SELECT {_LETTER_COLUMNS} FROM letters WHERE state = ? AND seq > ? ORDER BY seq LIMIT ?",  # noqa: S608  (placeholders and fixed column names only)
            (state.value, after_seq, limit),
        )
        return [_letter(r) for r in rows]

    def record_checks(self, decisions: Sequence[tuple[int, bool]], at: datetime, paper_detail: str) -> None:
        stamp = _ts(at)
        with self._tx() as db:
            db.executemany(
                "UPDATE letters SET state = ?, checked_at = ?, outcome = ?, detail = ?, updated_at = ?"
                " WHERE seq = ? AND state = ?",
                (
                    (
                        LetterState.CHECKED.value if may else LetterState.PAPER.value,
                        stamp,
                        OutcomeStatus.PENDING.value if may else OutcomeStatus.PAPER.value,
                        None if may else paper_detail,
                        stamp,
                        seq,
                        LetterState.ACCEPTED.value,
                    )
                    for seq, may in decisions
                ),
            )

    # -- batches -----------------------------------------------------------------------------------------

    def create_batch(self, batch: BatchRow, seqs: Sequence[int], at: datetime) -> None:
        stamp = _ts(at)
        with self._tx() as db:
            db.execute(
                "INSERT INTO batches (batch_id, afzender, aanmaak_datum, state, letters, size, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    str(batch.batch_id),
                    batch.afzender,
                    batch.aanmaak_datum.isoformat(),
                    batch.state.value,
                    batch.letters,
                    batch.size,
                    stamp,
                ),
            )
            changed = 0
            for start in range(0, len(seqs), 500):
                part = seqs[start : start + 500]
                changed += db.execute(
                    f"UPDATE letters SET state = ?, batch_id = ?, updated_at = ?"  # noqa: S608  (placeholders and fixed column names only)
                    f" WHERE state = ? AND seq IN ({_marks(len(part))})",
                    (LetterState.BATCHED.value, str(batch.batch_id), stamp, LetterState.CHECKED.value, *part),
                ).rowcount
            if changed != len(seqs):
                # Another process moved a letter meanwhile: make nothing of this batch.
                raise RuntimeError(f"batch {batch.batch_id}: {len(seqs) - changed} letter(s) changed state")

    def batch(self, batch_id: uuid.UUID) -> BatchRow | None:
        rows = self._query(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE batch_id = ?", (str(batch_id),))  # noqa: S608  (placeholders and fixed column names only)
        return _batch(rows[0]) if rows else None

    def batches(self, states: Collection[BatchState]) -> list[BatchRow]:
        values = [s.value for s in states]
        rows = self._query(
            f"SELECT {_BATCH_COLUMNS} FROM batches WHERE state IN ({_marks(len(values))})"  # noqa: S608  (placeholders and fixed column names only)
            " ORDER BY created_at, batch_id",
            values,
        )
        return [_batch(r) for r in rows]

    def batch_letters(self, batch_id: uuid.UUID) -> list[LetterRow]:
        rows = self._query(
            f"SELECT {_LETTER_COLUMNS} FROM letters WHERE batch_id = ? ORDER BY seq",  # noqa: S608
            (str(batch_id),),
        )
        return [_letter(r) for r in rows]

    def batch_bericht_ids(self, batch_id: uuid.UUID) -> list[uuid.UUID]:
        rows = self._query("SELECT bericht_id FROM letters WHERE batch_id = ? ORDER BY seq", (str(batch_id),))
        return [uuid.UUID(r[0]) for r in rows]

    def set_aanmaak_datum(self, batch_id: uuid.UUID, aanmaak_datum: datetime) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET aanmaak_datum = ? WHERE batch_id = ? AND state = ?",
                (aanmaak_datum.isoformat(), str(batch_id), BatchState.SENDING.value),
            )

    def start_handover(self, batch_id: uuid.UUID) -> int:
        with self._tx() as db:
            db.execute("UPDATE batches SET attempts = attempts + 1 WHERE batch_id = ?", (str(batch_id),))
            row = db.execute("SELECT attempts FROM batches WHERE batch_id = ?", (str(batch_id),)).fetchone()
            return int(row[0])

    def record_offered(self, batch_id: uuid.UUID, message_id: str, attempt: int, at: datetime) -> None:
        stamp = _ts(at)
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO handovers VALUES (?, ?, ?, ?)",
                (message_id, str(batch_id), attempt, stamp),
            )
            # The client may have retried the POST (attempt grows with it): count those hand-overs too.
            db.execute(
                "UPDATE batches SET attempts = MAX(attempts, ?) WHERE batch_id = ?", (attempt, str(batch_id))
            )
            db.execute(
                "UPDATE batches SET state = ?, message_id = ?, sent_at = ? WHERE batch_id = ? AND state = ?",
                (BatchState.OFFERED.value, message_id, stamp, str(batch_id), BatchState.SENDING.value),
            )
            db.execute(
                "UPDATE letters SET state = ?, updated_at = ? WHERE batch_id = ? AND state = ?",
                (LetterState.OFFERED.value, stamp, str(batch_id), LetterState.BATCHED.value),
            )

    def handover(self, message_id: str) -> tuple[uuid.UUID, int] | None:
        rows = self._query("SELECT batch_id, attempt FROM handovers WHERE message_id = ?", (message_id,))
        return (uuid.UUID(rows[0][0]), int(rows[0][1])) if rows else None

    def record_delivered(self, batch_id: uuid.UUID, at: datetime) -> None:
        stamp = _ts(at)
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET state = ?, delivered_at = ? WHERE batch_id = ? AND state = ?",
                (BatchState.DELIVERED.value, stamp, str(batch_id), BatchState.OFFERED.value),
            )
            db.execute(
                "UPDATE letters SET state = ?, updated_at = ? WHERE batch_id = ? AND state = ?",
                (LetterState.DELIVERED.value, stamp, str(batch_id), LetterState.OFFERED.value),
            )

    def record_resend(self, batch_id: uuid.UUID, detail: str, at: datetime) -> None:
        stamp = _ts(at)
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET state = ?, resends = resends + 1, detail = ? WHERE batch_id = ?",
                (BatchState.SENDING.value, detail, str(batch_id)),
            )
            db.execute(
                f"UPDATE letters SET state = ?, updated_at = ? WHERE batch_id = ? AND state IN ({_marks(3)})",  # noqa: S608  (placeholders and fixed column names only)
                (
                    LetterState.BATCHED.value,
                    stamp,
                    str(batch_id),
                    LetterState.OFFERED.value,
                    LetterState.DELIVERED.value,
                    LetterState.RESULT_OVERDUE.value,
                ),
            )

    def record_batch_failed(self, batch_id: uuid.UUID, state: LetterState, detail: str, at: datetime) -> None:
        stamp = _ts(at)
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET state = ?, detail = ? WHERE batch_id = ?",
                (BatchState.FAILED.value, detail, str(batch_id)),
            )
            db.execute(
                "UPDATE letters SET state = ?, outcome = ?, detail = ?, updated_at = ?"  # noqa: S608  (placeholders and fixed column names only)
                f" WHERE batch_id = ? AND state IN ({_marks(len(_UNDECIDED))})",
                (state.value, OutcomeStatus.FAILED.value, detail, stamp, str(batch_id), *_UNDECIDED),
            )

    def record_answers(self, batch_id: uuid.UUID, answers: Sequence[Answer], at: datetime) -> int:
        stamp = _ts(at)
        result = LetterState.RESULT.value
        with self._tx() as db:
            changed = 0
            for a in answers:
                changed += db.execute(
                    "UPDATE letters SET state = ?, code = ?, stadium = ?, outcome = ?, detail = NULL,"
                    " updated_at = ? WHERE bericht_id = ? AND batch_id = ?"
                    # The same answer twice (a duplicated result) changes nothing. (That a delivery is
                    # never undone, the caller has asked the letter lifecycle, mobb_sdk._lifecycle.)
                    " AND NOT (state = ? AND code IS ? AND outcome = ?)",
                    (
                        result,
                        a.code.value,
                        a.stadium,
                        a.outcome.value,
                        stamp,
                        str(a.bericht_id),
                        str(batch_id),
                        result,
                        a.code.value,
                        a.outcome.value,
                    ),
                ).rowcount
            return changed

    def close_batch_if_decided(self, batch_id: uuid.UUID) -> bool:
        with self._tx() as db:
            open_letters = db.execute(
                f"SELECT COUNT(*) FROM letters WHERE batch_id = ? AND state IN ({_marks(len(_UNDECIDED))})",  # noqa: S608  (placeholders and fixed column names only)
                (str(batch_id), *_UNDECIDED),
            ).fetchone()[0]
            if open_letters:
                return False
            db.execute(
                "UPDATE batches SET state = ? WHERE batch_id = ? AND state <> ?",
                (BatchState.DONE.value, str(batch_id), BatchState.FAILED.value),
            )
            return True

    def mark_overdue(self, sent_before: datetime, at: datetime) -> int:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE letters SET state = ?, updated_at = ? WHERE state IN (?, ?) AND batch_id IN"
                " (SELECT batch_id FROM batches WHERE state IN (?, ?) AND sent_at < ?)",
                (
                    LetterState.RESULT_OVERDUE.value,
                    _ts(at),
                    LetterState.OFFERED.value,
                    LetterState.DELIVERED.value,
                    BatchState.OFFERED.value,
                    BatchState.DELIVERED.value,
                    _ts(sent_before),
                ),
            )
            return cur.rowcount

    # -- reading -----------------------------------------------------------------------------------------

    def counts(self) -> dict[LetterState, int]:
        rows = self._query("SELECT state, COUNT(*) FROM letters GROUP BY state")
        return {LetterState(state): int(n) for state, n in rows}

    def outcome_counts(self) -> dict[OutcomeStatus, int]:
        rows = self._query("SELECT outcome, COUNT(*) FROM letters GROUP BY outcome")
        return {OutcomeStatus(outcome): int(n) for outcome, n in rows}

    def letters(
        self,
        states: Collection[LetterState] | None = None,
        outcomes: Collection[OutcomeStatus] | None = None,
        page: int = 1000,
    ) -> Iterator[LetterRow]:
        where = ["seq > ?"]
        params: list[Any] = []
        if states is not None:
            where.append(f"state IN ({_marks(len(states))})")
            params.extend(s.value for s in states)
        if outcomes is not None:
            where.append(f"outcome IN ({_marks(len(outcomes))})")
            params.extend(o.value for o in outcomes)
        sql = f"SELECT {_LETTER_COLUMNS} FROM letters WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?"  # noqa: S608  (placeholders and fixed column names only)
        last = 0
        while True:
            rows = self._query(sql, (last, *params, page))
            for row in rows:
                yield _letter(row)
            if len(rows) < page:
                return
            last = int(rows[-1][0])

    def record_run(self, owner: str, started: datetime, finished: datetime, summary: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO runs (owner, started_at, finished_at, summary) VALUES (?, ?, ?, ?)",
                (owner, _ts(started), _ts(finished), summary),
            )


_BATCH_COLUMNS: Final = (
    "batch_id, afzender, aanmaak_datum, state, letters, size, attempts, resends, message_id, sent_at,"
    " delivered_at, detail"
)


def _batch(row: Sequence[Any]) -> BatchRow:
    aanmaak = _dt(row[2])
    assert aanmaak is not None  # noqa: S101  (NOT NULL)
    return BatchRow(
        batch_id=uuid.UUID(row[0]),
        afzender=row[1],
        aanmaak_datum=aanmaak,
        state=BatchState(row[3]),
        letters=row[4],
        size=row[5],
        attempts=row[6],
        resends=row[7],
        message_id=row[8],
        sent_at=_dt(row[9]),
        delivered_at=_dt(row[10]),
        detail=row[11],
    )


def _letter(row: Sequence[Any]) -> LetterRow:
    updated = _dt(row[19])
    assert updated is not None  # noqa: S101  (NOT NULL)
    return LetterRow(
        seq=row[0],
        key=row[1],
        bericht_id=uuid.UUID(row[2]),
        bsn=Bsn(row[3]),
        bericht_type=row[4],
        onderwerp=row[5],
        bericht_tekst=row[6],
        referentie=row[7],
        publicatie_datum=_dt(row[8]),
        eind_datum_handelings_termijn=_dt(row[9]),
        bijlagen=tuple(
            BijlageRef(sha, omschrijving, volgorde, size)
            for sha, omschrijving, volgorde, size in json.loads(row[10])
        ),
        size=row[11],
        state=LetterState(row[12]),
        checked_at=_dt(row[13]),
        batch_id=uuid.UUID(row[14]) if row[14] else None,
        code=VerwerkingsCode(row[15]) if row[15] else None,
        stadium=row[16],
        outcome=OutcomeStatus(row[17]),
        detail=row[18],
        updated_at=updated,
    )

"""The adapter's journal: what it did with each Verzending, in one SQLite file beside the outbox.

A Verzending is in the journal once the adapter decided about it: ``enqueued`` (its letter is in the
outbox, keyed by the Verzending's URL), ``refused`` (bad input: the rule and the reason are kept),
``writing`` (the write-back is planned and recorded, then sent) and ``written``. Notifications wait
in the ``inbox`` until the worker took them up. Every change is one transaction, made before the step it
announces, so a killed adapter resumes: a planned write-back is checked against the Verzending before it
is sent again. No BSN is kept here; the file is created owner-only all the same (0600). A storage
fault (a full disk, a corrupt file) is a :class:`~mobb_sdk.StorageError`, the step rolled back.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import attrs

from mobb_sdk._errors import StorageError
from mobb_sdk._files import create_private_file
from mobb_sdk.outbox._sqlite import query, storage_error, transaction

__all__ = ["Journal", "JournalRow", "Notice"]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS verzendingen (
    url TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    bericht_id TEXT NOT NULL,
    informatieobject TEXT,
    stream TEXT,
    adres TEXT,
    rule TEXT,
    reason TEXT,
    outcome TEXT,
    code TEXT,
    toelichting TEXT,
    verzenddatum TEXT,
    paper_verzending INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS verzendingen_state ON verzendingen (state);
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY,
    resource TEXT NOT NULL,
    resource_url TEXT NOT NULL,
    hoofd_object TEXT NOT NULL,
    received_at TEXT NOT NULL);
"""

ENQUEUED: Final = "enqueued"
REFUSED: Final = "refused"
WRITING: Final = "writing"
WRITTEN: Final = "written"
STATES: Final = (ENQUEUED, REFUSED, WRITING, WRITTEN)


@attrs.frozen
class JournalRow:
    """One Verzending as the journal holds it."""

    url: str
    state: str
    bericht_id: str
    informatieobject: str | None
    stream: str | None
    adres: str | None = attrs.field(repr=False)
    rule: str | None
    reason: str | None
    outcome: str | None
    code: str | None
    toelichting: str | None
    verzenddatum: str | None
    paper_verzending: bool


@attrs.frozen
class Notice:
    """A notification waiting for the worker."""

    id: int
    resource: str
    resource_url: str
    hoofd_object: str


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Journal:
    """The journal file (created owner-only when missing). Safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            create_private_file(self.path)  # owner-only from the first byte, like the outbox
        except OSError as exc:
            raise StorageError(
                f"{self.path}: cannot create or open the ZGW journal: {exc.strerror or exc}", path=self.path
            ) from None
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            with self._tx() as db:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
        except sqlite3.Error as exc:
            raise storage_error(self.path, exc) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _tx(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return transaction(self._db, self._lock, self.path)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return query(self._db, self._lock, self.path, sql, params)

    # -- Verzendingen ----------------------------------------------------------------------------------

    def known(self, urls: Iterable[str]) -> set[str]:
        """Which of ``urls`` the journal holds (in any state)."""
        with self._lock:
            return {u for u in dict.fromkeys(urls) if self._db.execute(_KNOWN, (u,)).fetchone()}

    def row(self, url: str) -> JournalRow | None:
        rows = self._query(_ROW, (url,))
        return _row(rows[0]) if rows else None

    def rows(self, state: str | None = None) -> list[JournalRow]:
        if state is None:
            return [_row(r) for r in self._query(_ALL)]
        return [_row(r) for r in self._query(_IN_STATE, (state,))]

    def add_enqueued(self, entries: Sequence[tuple[str, str, str | None, str | None, str | None]]) -> None:
        """Record Verzendingen whose letters are in the outbox: (url, bericht_id, informatieobject,
        stream, adres as JSON; the last three None when unknown). One already in the journal is left as
        it is."""
        now = _now()
        with self._tx() as db:
            db.executemany(
                "INSERT OR IGNORE INTO verzendingen (url, state, bericht_id, informatieobject, stream, adres,"
                " created_at, updated_at) VALUES (?, 'enqueued', ?, ?, ?, ?, ?, ?)",
                [(u, b, i, s, a, now, now) for u, b, i, s, a in entries],
            )

    def add_refused(
        self, url: str, bericht_id: str, informatieobject: str | None, rule: str, reason: str
    ) -> None:
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO verzendingen (url, state, bericht_id, informatieobject, rule, reason,"
                " outcome, created_at, updated_at) VALUES (?, 'refused', ?, ?, ?, ?, 'refused', ?, ?)",
                (url, bericht_id, informatieobject, rule, reason, now, now),
            )

    def plan_writes(self, plans: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        """Record write-backs about to be sent (``writing``), in one transaction: (url, {outcome, code,
        toelichting, verzenddatum, paper_verzending}). A resumed adapter checks these first. A
        Verzending written back as not delivered takes one more: its delivery (never undone)."""
        now = _now()
        with self._tx() as db:
            db.executemany(
                "UPDATE verzendingen SET state = 'writing', outcome = ?, code = ?, toelichting = ?,"
                " verzenddatum = ?, paper_verzending = ?, updated_at = ?"
                " WHERE url = ? AND (state IN ('enqueued', 'refused')"
                " OR (state = 'written' AND outcome IN ('paper', 'failed', 'refused') AND ? = 'delivered'))",
                [
                    (
                        p["outcome"],
                        p["code"],
                        p["toelichting"],
                        p["verzenddatum"],
                        int(bool(p["paper_verzending"])),
                        now,
                        url,
                        p["outcome"],
                    )
                    for url, p in plans
                ],
            )

    def written_undelivered(self) -> list[JournalRow]:
        """The Verzendingen written back as not delivered (paper, failed, refused): a later result can
        still deliver the letter of one (an acknowledgement lost, a result late)."""
        return [_row(r) for r in self._query(_WRITTEN_UNDELIVERED)]

    def mark_written(self, urls: Sequence[str]) -> None:
        if not urls:
            return
        now = _now()
        with self._tx() as db:
            db.executemany(
                "UPDATE verzendingen SET state = 'written', paper_verzending = 0, updated_at = ? WHERE url = ?",
                [(now, u) for u in urls],
            )

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATES, 0)
        found.update(
            {
                state: int(n)
                for state, n in self._query("SELECT state, COUNT(*) FROM verzendingen GROUP BY state")
            }
        )
        return found

    # -- the inbox -------------------------------------------------------------------------------------

    def add_notice(self, resource: str, resource_url: str, hoofd_object: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO inbox (resource, resource_url, hoofd_object, received_at) VALUES (?, ?, ?, ?)",
                (resource, resource_url, hoofd_object, _now()),
            )

    def notices(self, limit: int = 1000) -> list[Notice]:
        rows = self._query(
            "SELECT id, resource, resource_url, hoofd_object FROM inbox ORDER BY id LIMIT ?", (limit,)
        )
        return [Notice(*r) for r in rows]

    def drop_notices(self, ids: Sequence[int]) -> None:
        with self._tx() as db:
            db.executemany("DELETE FROM inbox WHERE id = ?", [(i,) for i in ids])


_SELECT: Final = (
    "SELECT url, state, bericht_id, informatieobject, stream, adres, rule, reason, outcome, code,"
    " toelichting, verzenddatum, paper_verzending FROM verzendingen"
)
_KNOWN: Final = "SELECT 1 FROM verzendingen WHERE url = ?"
_WRITTEN_UNDELIVERED: Final = (
    _SELECT + " WHERE state = 'written' AND outcome IN ('paper', 'failed', 'refused') ORDER BY created_at"
)
_ROW: Final = _SELECT + " WHERE url = ?"
_ALL: Final = _SELECT + " ORDER BY created_at"
_IN_STATE: Final = _SELECT + " WHERE state = ? ORDER BY created_at"


def _row(r: Sequence[Any]) -> JournalRow:
    return JournalRow(
        url=r[0],
        state=r[1],
        bericht_id=r[2],
        informatieobject=r[3],
        stream=r[4],
        adres=r[5],
        rule=r[6],
        reason=r[7],
        outcome=r[8],
        code=r[9],
        toelichting=r[10],
        verzenddatum=r[11],
        paper_verzending=bool(r[12]),
    )

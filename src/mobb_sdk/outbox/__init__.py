"""Bulk delivery with a durable outbox: ``from mobb_sdk.outbox import Outbox``.

An :class:`Outbox` is a journal of letters for one sender and the state each is in, in an SQLite
file by default (WAL mode, no server) behind a small storage interface (:class:`OutboxStore`). A
:class:`Runner` takes the letters through subscription checks, batches and hand-over to ebms-core,
and matches events and results to them. Every step is recorded before it is taken, so a run killed
at any point (``kill -9``) resumes without losing a letter or offering one twice under new ids::

    from mobb_sdk import Client
    from mobb_sdk.outbox import Outbox

    with Outbox("woz-2027.outbox", afzender="00000099000000001000") as outbox:
        outbox.enqueue_file("woz-2027.csv")
        summary = outbox.run(Client(), wait=3600)
        export_csv(outbox, "paper.csv", outcomes=[OutcomeStatus.PAPER], with_bsn=True)

See ``docs/how-to/bulk-outbox.md`` for the yearly run, the state diagram and what to do per outcome.
"""

from __future__ import annotations

from mobb_sdk._delivery import OutcomeStatus
from mobb_sdk.outbox._crash import CRASH_ENV, CRASH_POINTS, crash_point
from mobb_sdk.outbox._export import EXPORT_FIELDS, export_csv, export_json, letter_record, paper_letters
from mobb_sdk.outbox._outbox import EnqueueResult, Outbox
from mobb_sdk.outbox._runner import (
    CHECK_MAX_AGE,
    RESULT_DEADLINE,
    LeaseLost,
    OutboxBusy,
    Runner,
    RunSummary,
    run,
)
from mobb_sdk.outbox._sqlite import SqliteStore
from mobb_sdk.outbox._states import BatchState, LetterState
from mobb_sdk.outbox._store import Answer, BatchRow, BijlageRef, LetterRow, NewLetter, OutboxStore

__all__ = [
    "CHECK_MAX_AGE",
    "CRASH_ENV",
    "CRASH_POINTS",
    "EXPORT_FIELDS",
    "RESULT_DEADLINE",
    "Answer",
    "BatchRow",
    "BatchState",
    "BijlageRef",
    "EnqueueResult",
    "LeaseLost",
    "LetterRow",
    "LetterState",
    "NewLetter",
    "Outbox",
    "OutboxBusy",
    "OutboxStore",
    "OutcomeStatus",
    "RunSummary",
    "Runner",
    "SqliteStore",
    "crash_point",
    "export_csv",
    "export_json",
    "letter_record",
    "paper_letters",
    "run",
]

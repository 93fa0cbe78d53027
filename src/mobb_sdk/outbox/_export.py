"""Exports of an outbox's letters by outcome, as CSV or JSON, streamed a page at a time.

The paper list (:func:`paper_letters`) is what a municipality prints and posts: letters whose
recipient may not receive them digitally (the subscription check said no, or Logius answered
``NietActiefOfGeabonneerd``). BSNs are masked (``*****1234``) unless ``with_bsn`` is set: an export
with full BSNs is special personal data, for the print run only.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, Any, Final, Protocol

from mobb_sdk._delivery import OutcomeStatus
from mobb_sdk._errors import StorageError
from mobb_sdk._files import open_private
from mobb_sdk.outbox._states import LetterState
from mobb_sdk.outbox._store import LetterRow

__all__ = ["EXPORT_FIELDS", "LetterSource", "export_csv", "export_json", "letter_record", "paper_letters"]

#: The columns of an export, in order.
EXPORT_FIELDS: Final = (
    "key",
    "bericht_id",
    "bsn",
    "bericht_type",
    "onderwerp",
    "referentie",
    "state",
    "outcome",
    "code",
    "stadium",
    "detail",
    "action",
    "batch_id",
    "updated_at",
)

_ACTIONS: Final = {
    OutcomeStatus.DELIVERED: "none: the letter is in the box",
    OutcomeStatus.PAPER: "print and post the letter",
    OutcomeStatus.FAILED: "investigate: see code and detail; resend only as a new letter once fixed",
    OutcomeStatus.PENDING: "wait; the next run collects the result",
}
_OVERDUE: Final = "no result after the deadline (RES-03): ask Logius; do not resend blindly"


class LetterSource(Protocol):
    """What an export reads from: an :class:`~mobb_sdk.outbox.Outbox` (or anything with ``letters``)."""

    def letters(
        self, states: Collection[LetterState] | None = None, outcomes: Collection[OutcomeStatus] | None = None
    ) -> Iterator[LetterRow]: ...


def letter_record(row: LetterRow, *, with_bsn: bool = False) -> dict[str, Any]:
    """One letter as a flat record (the export's columns)."""
    if row.state is LetterState.RESULT_OVERDUE:
        action = _OVERDUE
    elif row.outcome is OutcomeStatus.FAILED and row.code is not None:
        action = row.code.action
    else:
        action = _ACTIONS[row.outcome]
    return {
        "key": row.key,
        "bericht_id": str(row.bericht_id),
        "bsn": row.bsn.value if with_bsn else row.bsn.masked,
        "bericht_type": row.bericht_type,
        "onderwerp": row.onderwerp,
        "referentie": row.referentie or "",
        "state": row.state.value,
        "outcome": row.outcome.value,
        "code": row.code.value if row.code is not None else "",
        "stadium": row.stadium or "",
        "detail": row.detail or "",
        "action": action,
        "batch_id": str(row.batch_id) if row.batch_id is not None else "",
        "updated_at": row.updated_at.isoformat(),
    }


def paper_letters(outbox: LetterSource) -> Iterator[LetterRow]:
    """The letters to print and post (outcome ``paper``), in enqueue order."""
    return outbox.letters(outcomes=[OutcomeStatus.PAPER])


@contextlib.contextmanager
def _text_target(target: str | os.PathLike[str] | IO[str] | None, private: bool) -> Iterator[IO[str]]:
    if target is None or target == "-":
        yield sys.stdout
    elif isinstance(target, str | os.PathLike):
        try:
            # With full BSNs the file is owner-only (0600) from its first byte.
            f = open_private(target) if private else Path(target).open("w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            raise StorageError(f"cannot write {target}: {exc.strerror or exc}", path=target) from None
        with f:
            try:
                yield f
            except OSError as exc:  # a full disk while writing
                raise StorageError(f"cannot write {target}: {exc.strerror or exc}", path=target) from None
    else:
        yield target


def export_csv(
    outbox: LetterSource,
    target: str | os.PathLike[str] | IO[str] | None,
    *,
    outcomes: Collection[OutcomeStatus] | None = None,
    states: Collection[LetterState] | None = None,
    with_bsn: bool = False,
) -> int:
    """Write the letters (optionally of some outcomes or states) as CSV; the number written."""
    n = 0
    with _text_target(target, with_bsn) as f:
        writer = csv.DictWriter(f, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for row in outbox.letters(states, outcomes):
            writer.writerow(letter_record(row, with_bsn=with_bsn))
            n += 1
    return n


def export_json(
    outbox: LetterSource,
    target: str | os.PathLike[str] | IO[str] | None,
    *,
    outcomes: Collection[OutcomeStatus] | None = None,
    states: Collection[LetterState] | None = None,
    with_bsn: bool = False,
) -> int:
    """Write the letters as a JSON list of records (streamed: any number); the number written."""
    n = 0
    with _text_target(target, with_bsn) as f:
        f.write("[")
        for row in outbox.letters(states, outcomes):
            f.write(",\n " if n else "\n ")
            f.write(json.dumps(letter_record(row, with_bsn=with_bsn), ensure_ascii=False))
            n += 1
        f.write("\n]\n" if n else "]\n")
    return n

"""Letter files on the command line: the whole-file check of ``mobb validate`` and ``mobb send``, and how
each letter's outcome is shown (one row per letter, its violations under it, the same fields in ``--json``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from mobb_sdk._delivery import Outcome, OutcomeStatus
from mobb_sdk._letters_io import COLUMNS, LetterFileCheck, LetterFileError, LetterRecord, check_letter_file
from mobb_sdk._rules import SenderProfile
from mobb_sdk.cli._output import Exit, table

__all__ = [
    "LETTER_SUFFIXES",
    "check_dict",
    "check_exit",
    "check_file",
    "counts_line",
    "echo_problems",
    "is_letter_file",
    "outcome_dict",
    "outcome_rows",
    "problem_lines",
]

#: What ``mobb validate`` reads as a letter file rather than as an XML document.
LETTER_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson")


def is_letter_file(path: Path) -> bool:
    return path.suffix.lower() in LETTER_SUFFIXES


def check_file(path: Path, profile: SenderProfile) -> tuple[LetterFileCheck | None, LetterFileError | None]:
    """The whole-file check, or the error when the file cannot be read at all (exit 3)."""
    try:
        return check_letter_file(path, profile=profile), None
    except LetterFileError as exc:
        return None, exc


def check_dict(path: Path, check: LetterFileCheck | None, error: LetterFileError | None) -> dict[str, Any]:
    if check is None:
        return {"file": str(path), "readable": False, "error": str(error)}
    return {
        "file": str(path),
        "readable": True,
        "ok": check.ok,
        "letters": check.count,
        "problems": [p.to_dict() for p in check.problems],
    }


def check_exit(check: LetterFileCheck | None) -> Exit:
    if check is None:
        return Exit.UNREADABLE
    return Exit.OK if check.ok else Exit.VIOLATIONS


def problem_lines(check: LetterFileCheck) -> list[str]:
    """Every problem of the file as a table: line or record, column, rule, message."""
    if not check.problems:
        return []
    rows = [
        [p.record, p.column or "-", p.rule, p.message + ("" if p.severity.value == "error" else " (warning)")]
        for p in check.problems
    ]
    return table(rows, ["where", "column", "rule", "problem"]).splitlines()


def outcome_dict(record: LetterRecord, outcome: Outcome) -> dict[str, Any]:
    """One letter's outcome for ``--json``: where it came from, what it is, what became of it."""
    return {
        "record": record.where,
        "line": record.line,
        "bericht_id": str(outcome.bericht_id),
        "bsn": outcome.bsn.masked,
        "bericht_type": record.bericht.bericht_type,
        "referentie": outcome.referentie,
        "status": outcome.status.value,
        "already_delivered": outcome.already_delivered,
        "code": outcome.code.value if outcome.code else None,
        "batch_id": str(outcome.batch_id) if outcome.batch_id else None,
        "detail": outcome.detail,
        "violations": [
            {"rule": v.rule, "field": _field(v.path), "path": v.path, "message": v.message}
            for v in outcome.violations
        ],
        "action": outcome.action,
    }


def _field(path: str) -> str:
    for part in path.replace("/", ".").split("."):
        name = part.split("[")[0]
        if name in COLUMNS or name == "bijlagen":
            return "bijlage" if name == "bijlagen" else name
    return path


def outcome_rows(records: Sequence[LetterRecord], outcomes: Sequence[Outcome]) -> str:
    """The table of ``mobb send``: one row per letter; a refused letter's violations on rows below it."""
    rows: list[list[str]] = []
    for record, o in zip(records, outcomes, strict=True):
        status = "delivered (already)" if o.already_delivered else o.status.value
        rows.append(
            [
                record.where,
                o.bsn.masked,
                o.referentie or "",
                str(o.bericht_id),
                status,
                o.code.value if o.code else "",
                o.action,
            ]
        )
        for v in o.violations:
            rows.append(["", "", "", "", "", v.rule, f"{_field(v.path)}: {v.message}"])
    return table(rows, ["where", "BSN", "referentie", "BerichtID", "outcome", "code", "what to do"])


def counts_line(outcomes: Sequence[Outcome]) -> str:
    parts = []
    for s in OutcomeStatus:
        n = sum(o.status is s for o in outcomes)
        if not n:
            continue
        if s is OutcomeStatus.DELIVERED:
            again = sum(o.already_delivered for o in outcomes)
            parts.append(
                f"{n} delivered" + (f" ({again} already delivered by an earlier run)" if again else "")
            )
        else:
            parts.append(f"{n} {s.value}")
    return ", ".join(parts) or "no letters"


def echo_problems(path: Path, check: LetterFileCheck, *, tail: str = "") -> None:
    """The verdict on a letter file and its problem table, once."""
    errors, warnings = len(check.errors), len(check.warnings)
    if errors:
        click.echo(f"{path}: INVALID: {errors} problem(s) in {check.count} letter(s){tail}")
    else:
        extra = f" ({warnings} warning(s))" if warnings else ""
        click.echo(f"{path}: ok, {check.count} letter(s){extra}")
    for line in problem_lines(check):
        click.echo(f"  {line}")

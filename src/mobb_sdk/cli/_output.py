"""How the ``mobb`` command speaks: plain tables for people, ``--json`` for scripts, fixed exit codes."""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from mobb_sdk._errors import InvalidValueError, MobbError, TransportError


class Exit(enum.IntEnum):
    """Exit codes scripts can rely on (documented in the CLI reference)."""

    OK = 0  #: everything as asked (letters to paper are an outcome, not a failure)
    VIOLATIONS = 1  #: a document or letter breaks the XSD or the rules; or a letter failed
    USAGE = 2  #: wrong arguments (click's own code)
    UNREADABLE = 3  #: a file is missing, not XML, hostile, or not a document of the interface
    TRANSPORT = 4  #: ebms-core or the WUS service could not be reached, or answered wrongly; bad settings
    PENDING = 5  #: results still missing when the deadline passed
    STORAGE = 6  #: the outbox database or a file cannot be read or written (disk full, corrupt); data kept


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """A plain left-aligned text table (no dependency, copy-paste friendly)."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out.extend(line.format(*row) for row in rows)
    return "\n".join(s.rstrip() for s in out)


def error_fields(error: BaseException) -> dict[str, Any]:
    """What ``--json`` adds to an error: the rule and where (a letter file's record and column), or the
    exchange that failed (method, URL without credentials, attempts, seconds, HTTP status)."""
    if isinstance(error, TransportError):
        fields: dict[str, Any] = {
            "method": error.method,
            "url": error.url,
            "attempts": error.attempts,
            "elapsed": None if error.elapsed is None else round(error.elapsed, 3),
            "status": error.status,
            "code": error.code,
        }
        if error.first is not None:
            fields["first_error"] = str(error.first)
        return fields
    if isinstance(error, InvalidValueError):
        found = {"rule": error.rule, "field": error.field}
        record = getattr(error, "record", None)
        if isinstance(record, str) and record:
            found["record"] = record
        return found
    return {}


def fail(error: MobbError | OSError, code: Exit, *, as_json: bool) -> NoReturn:
    """Report an error (never with a full BSN: library errors are masked already) and exit."""
    if as_json:
        emit_json({"error": type(error).__name__, "message": str(error), **error_fields(error)})
    else:
        click.echo(f"error: {error}", err=True)
    sys.exit(int(code))

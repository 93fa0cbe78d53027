"""``mobb send``: deliver the letters of a CSV or JSON file through ebms-core and report each outcome."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from mobb_sdk._client import Client
from mobb_sdk._delivery import OutcomeStatus
from mobb_sdk._errors import ConfigurationError, TransportError
from mobb_sdk._letters_io import LetterFileError, read_letters
from mobb_sdk._models import Bericht
from mobb_sdk.cli._outbox import send_with_outbox
from mobb_sdk.cli._output import Exit, emit_json, fail, table
from mobb_sdk.cli._settings import client_config, connection_options


@click.command("send")
@click.argument("letters_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--deadline",
    type=float,
    default=300.0,
    show_default=True,
    help="Seconds to wait for Logius' processing results before reporting letters as pending.",
)
@click.option("--poll-interval", type=float, default=5.0, show_default=True, help="Seconds between polls.")
@click.option("--no-check", is_flag=True, help="Skip the subscription check (ABO-01 makes it your duty).")
@click.option(
    "--outbox",
    "outbox_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Deliver through a durable, resumable outbox (a SQLite file): for bulk runs; see `mobb outbox`.",
)
@connection_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def send_command(
    letters_file: Path,
    deadline: float,
    poll_interval: float,
    no_check: bool,
    outbox_path: Path | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Deliver the letters in LETTERS_FILE (CSV, JSON or JSON Lines) and print what became of each.

    Columns: bsn, bericht_type, onderwerp (required), bericht_tekst, referentie, publicatie_datum,
    eind_datum_handelings_termijn, bijlage (PDF paths, ';'-separated, relative to the file), bericht_id.
    Subscriptions are checked first (letters that may not be received go to paper), invalid letters are
    refused locally, the rest sent in batches of at most 1000. Exit 0 when every letter was delivered or
    goes to paper, 1 when any was refused or failed, 3 for an unreadable file, 4 for a transport or
    configuration error, 5 when results were still pending at the deadline.
    """
    if outbox_path is not None:
        send_with_outbox(
            outbox_path,
            [letters_file],
            options,
            wait=deadline,
            poll_interval=poll_interval,
            check_subscriptions=not no_check,
            as_json=as_json,
        )
    try:
        letters = _read(letters_file, show_progress=not as_json)
    except LetterFileError as exc:
        fail(exc, Exit.UNREADABLE, as_json=as_json)
    if not as_json:
        click.echo(f"Delivering {len(letters)} letter(s); waiting up to {deadline:g} s for the results...")
    try:
        with Client(client_config(options)) as client:
            outcomes = client.deliver(
                letters, deadline=deadline, poll_interval=poll_interval, check_subscriptions=not no_check
            )
    except (TransportError, ConfigurationError) as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    counts = {s: sum(o.status is s for o in outcomes) for s in OutcomeStatus}
    if as_json:
        emit_json(
            {
                "letters": [
                    {
                        "bericht_id": str(o.bericht_id),
                        "bsn": o.bsn.masked,
                        "status": o.status.value,
                        "code": o.code.value if o.code else None,
                        "batch_id": str(o.batch_id) if o.batch_id else None,
                        "violations": [
                            {"rule": v.rule, "path": v.path, "message": v.message} for v in o.violations
                        ],
                        "action": o.action,
                    }
                    for o in outcomes
                ],
                "counts": {s.value: n for s, n in counts.items()},
            }
        )
    else:
        rows = [
            [b.bsn.masked, b.referentie or "", o.status.value, o.code.value if o.code else "", o.action]
            for b, o in zip(letters, outcomes, strict=True)
        ]
        click.echo(table(rows, ["BSN", "referentie", "outcome", "code", "what to do"]))
        click.echo(", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "no letters")
    if counts[OutcomeStatus.REFUSED] or counts[OutcomeStatus.FAILED]:
        raise SystemExit(int(Exit.VIOLATIONS))
    if counts[OutcomeStatus.PENDING]:
        raise SystemExit(int(Exit.PENDING))
    raise SystemExit(int(Exit.OK))


def _read(path: Path, *, show_progress: bool) -> list[Bericht]:
    # The bar goes to stderr, and not at all under --json, so stdout stays parseable.
    letters = read_letters(path)
    if not show_progress:
        return list(letters)
    with click.progressbar(letters, label="Reading and checking letters", file=sys.stderr) as bar:
        return list(bar)

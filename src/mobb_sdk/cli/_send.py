"""``mobb send``: deliver the letters of a CSV or JSON file through ebms-core and report each outcome."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from mobb_sdk._client import Client
from mobb_sdk._config import ClientConfig
from mobb_sdk._delivery import Outcome, OutcomeStatus
from mobb_sdk._errors import ConfigurationError, TransportError
from mobb_sdk._letters_io import LetterFileCheck, LetterFileError, LetterRecord, check_letter_file
from mobb_sdk.cli._letters import (
    check_dict,
    counts_line,
    echo_problems,
    outcome_dict,
    outcome_rows,
)
from mobb_sdk.cli._outbox import send_with_outbox
from mobb_sdk.cli._output import Exit, emit_json, fail, table
from mobb_sdk.cli._settings import client_config, connection_options
from mobb_sdk.streams import Berichtstroom, load_streams


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
    "--dry-run",
    is_flag=True,
    help="Check the file and the subscriptions, deliver nothing: which letters would go digital or on paper.",
)
@click.option(
    "--outbox",
    "outbox_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Deliver through a durable, resumable outbox (a SQLite file): for bulk runs; see `mobb outbox`.",
)
@click.option(
    "--stream",
    "stream_name",
    help="Build each letter from this berichtstroom: the file's columns (besides bsn, bijlage) are its variables.",
)
@click.option(
    "--streams",
    "streams_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="MOBB_STREAMS",
    help="The berichtstromen file (TOML) [env: MOBB_STREAMS; default: the shipped examples].",
)
@connection_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def send_command(
    letters_file: Path,
    deadline: float,
    poll_interval: float,
    no_check: bool,
    dry_run: bool,
    outbox_path: Path | None,
    stream_name: str | None,
    streams_file: Path | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Deliver the letters in LETTERS_FILE (CSV, JSON or JSON Lines) and print what became of each.

    Columns: bsn, bericht_type, onderwerp (required), bericht_tekst, referentie, publicatie_datum,
    eind_datum_handelings_termijn, bijlage (PDF paths, ';'-separated, relative to the file), bericht_id.
    The whole file is checked first: any letter that breaks a rule is listed (line, column, rule) and
    nothing is sent. Subscriptions are checked (letters that may not be received go to paper), the rest
    sent in batches of at most 1000.

    Each letter without a bericht_id gets one derived from the sender and its content, so running the
    same file again delivers nothing twice: Logius answers BerichtBestaatAl and the letter is reported
    as already delivered.

    Exit 0 when every letter was delivered or goes to paper, 1 when a letter breaks a rule, was refused
    or failed at Logius, 3 for an unreadable file, 4 for a transport or configuration error (also when
    letters could not be handed over), 5 when results were still pending at the deadline.
    """
    try:
        config = client_config(options)
    except ConfigurationError as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    stream = None
    if stream_name is not None:
        try:
            stream = load_streams(streams_file)[stream_name]
        except ConfigurationError as exc:
            fail(exc, Exit.TRANSPORT, as_json=as_json)
    if outbox_path is not None and not dry_run:
        send_with_outbox(
            outbox_path,
            [letters_file],
            options,
            wait=deadline,
            poll_interval=poll_interval,
            check_subscriptions=not no_check,
            as_json=as_json,
            stream=stream,
        )
    check = _checked(letters_file, config, as_json=as_json, stream=stream)
    records = check.records
    if dry_run:
        _dry_run(config, records, check_subscriptions=not no_check, as_json=as_json)
    if not as_json:
        click.echo(f"Delivering {len(records)} letter(s); waiting up to {deadline:g} s for the results...")
    try:
        with Client(config) as client:
            outcomes = client.deliver(
                [r.bericht for r in records],
                deadline=deadline,
                poll_interval=poll_interval,
                check_subscriptions=not no_check,
                stable_ids=True,
            )
    except (TransportError, ConfigurationError) as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    _report(records, outcomes, as_json=as_json)


def _checked(
    path: Path, config: ClientConfig, *, as_json: bool, stream: Berichtstroom | None = None
) -> LetterFileCheck:
    """The whole file checked; exits 3 when it cannot be read, 1 (listing every problem) when a letter
    breaks a rule."""
    try:
        check = check_letter_file(path, profile=config.profile(), stream=stream)
    except LetterFileError as exc:
        fail(exc, Exit.UNREADABLE, as_json=as_json)
    if not check.ok:
        if as_json:
            emit_json({**check_dict(path, check, None), "sent": False})
        else:
            echo_problems(path, check, tail="; nothing sent")
        raise SystemExit(int(Exit.VIOLATIONS))
    if check.warnings and not as_json:
        echo_problems(path, check)
    return check


def _dry_run(
    config: ClientConfig, records: Sequence[LetterRecord], *, check_subscriptions: bool, as_json: bool
) -> NoReturn:
    may: dict[int, bool] = {}
    if check_subscriptions:
        by_type: dict[str, list[int]] = {}
        for i, r in enumerate(records):
            by_type.setdefault(r.bericht.bericht_type, []).append(i)
        try:
            with Client(config) as client:
                for bericht_type, indexes in by_type.items():
                    answers = client.check_subscriptions(
                        bericht_type, [records[i].bericht.bsn for i in indexes]
                    )
                    may.update({i: answers.get(records[i].bericht.bsn, False) for i in indexes})
        except (TransportError, ConfigurationError) as exc:
            fail(exc, Exit.TRANSPORT, as_json=as_json)
    verdicts = [
        ("digital" if may.get(i, True) else "paper") if check_subscriptions else "valid"
        for i in range(len(records))
    ]
    if as_json:
        emit_json(
            {
                "dry_run": True,
                "letters": [
                    {
                        "record": r.where,
                        "line": r.line,
                        "bericht_id": str(r.bericht.bericht_id),
                        "bsn": r.bericht.bsn.masked,
                        "bericht_type": r.bericht.bericht_type,
                        "referentie": r.bericht.referentie,
                        "would_go": v,
                    }
                    for r, v in zip(records, verdicts, strict=True)
                ],
                "counts": {v: verdicts.count(v) for v in sorted(set(verdicts))},
            }
        )
    else:
        rows = [
            [r.where, r.bericht.bsn.masked, r.bericht.referentie or "", str(r.bericht.bericht_id), v]
            for r, v in zip(records, verdicts, strict=True)
        ]
        click.echo(table(rows, ["where", "BSN", "referentie", "BerichtID", "would go"]))
        summary = ", ".join(f"{verdicts.count(v)} {v}" for v in sorted(set(verdicts))) or "no letters"
        click.echo(f"dry run, nothing delivered: {summary}")
    raise SystemExit(int(Exit.OK))


def send_exit(outcomes: Sequence[Outcome]) -> Exit:
    """The exit code of a delivery: 4 when a letter could not be handed over (no VerwerkingsCode: the
    transport failed), 1 when one was refused locally or failed at Logius, 5 when results are missing."""
    if any(o.status is OutcomeStatus.FAILED and o.code is None for o in outcomes):
        return Exit.TRANSPORT
    if any(o.status in (OutcomeStatus.REFUSED, OutcomeStatus.FAILED) for o in outcomes):
        return Exit.VIOLATIONS
    if any(o.status is OutcomeStatus.PENDING for o in outcomes):
        return Exit.PENDING
    return Exit.OK


def _report(records: Sequence[LetterRecord], outcomes: Sequence[Outcome], *, as_json: bool) -> NoReturn:
    if as_json:
        emit_json(
            {
                "letters": [outcome_dict(r, o) for r, o in zip(records, outcomes, strict=True)],
                "counts": {s.value: sum(o.status is s for o in outcomes) for s in OutcomeStatus},
                "already_delivered": sum(o.already_delivered for o in outcomes),
            }
        )
    else:
        click.echo(outcome_rows(records, outcomes))
        click.echo(counts_line(outcomes))
    raise SystemExit(int(send_exit(outcomes)))

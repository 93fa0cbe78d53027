"""``mobb check`` and ``mobb results``: the subscription check and result collection, against a configured
ebms-core and WUS (the served simulator, or Logius through your own ebms-core)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from mobb_sdk._client import Client
from mobb_sdk._errors import ConfigurationError, InvalidValueError, TransportError
from mobb_sdk._ids import Bsn, Oin
from mobb_sdk._letters_io import LetterFileError, letter_file_rows, read_letter_records
from mobb_sdk.cli._output import Exit, emit_json, fail, table
from mobb_sdk.cli._settings import client_config, connection_options
from mobb_sdk.outbox import Outbox


@click.command("check")
@click.argument("bsns", nargs=-1)
@click.option("--type", "bericht_type", required=True, help="The BerichtType to check subscriptions for.")
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of BSNs, one per line (or a letter file: its bsn column).",
)
@connection_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check_command(
    bsns: tuple[str, ...], bericht_type: str, from_file: Path | None, as_json: bool, **options: Any
) -> None:
    """May these citizens receive BERICHT_TYPE letters from the sender? (ValidateAbonnementen, ABO-01).

    BSNs come as arguments or from a file (--from); they are asked 250 per call (ABO-02) and shown
    masked. A BSN that is not one (BER-09) is reported with its argument or line, and the others are
    still checked. Exit 0 when every BSN was answered, 1 when some were not BSNs, 2 when none were
    given, 4 when the service could not be reached or refused (ApplicationFault, DependentServiceFault).
    """
    given = [(f"argument {i}", b) for i, b in enumerate(bsns, start=1)]
    try:
        if from_file is not None:
            given.extend(_bsns_from(from_file))
    except LetterFileError as exc:
        fail(exc, Exit.UNREADABLE, as_json=as_json)
    if not given:
        raise click.UsageError("give BSNs as arguments or with --from FILE")
    parsed: list[Bsn] = []
    bad: list[tuple[str, str]] = []
    for where, text in given:
        try:
            parsed.append(Bsn(text.strip()))
        except InvalidValueError as exc:
            bad.append((where, f"{exc.rule} {exc.message}"))
    answers: dict[Bsn, bool] = {}
    try:
        if parsed:
            with Client(client_config(options)) as client:
                answers = client.check_subscriptions(bericht_type, parsed)
    except (TransportError, ConfigurationError) as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    rows = [(b.masked, "yes" if answers.get(b) else "no") for b in parsed]
    if as_json:
        emit_json(
            {
                "bericht_type": bericht_type,
                "answers": [{"bsn": m, "may_receive": a == "yes"} for m, a in rows],
                "invalid": [{"where": w, "problem": p} for w, p in bad],
            }
        )
    else:
        if rows:
            click.echo(table(rows, ["BSN", f"may receive {bericht_type}"]))
        for where, problem in bad:
            click.echo(f"{where}: not checked: {problem}", err=True)
    raise SystemExit(int(Exit.VIOLATIONS if bad else Exit.OK))


def _bsns_from(path: Path) -> list[tuple[str, str]]:
    """(where, BSN text) of a plain list (one per line; blank lines and # comments skipped), of the
    bsn column of a CSV file, or of the letters of a JSON (Lines) letter file."""
    try:
        if path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
            return [
                (f"{path.name} {where}", str(row.get("bsn", "")) if isinstance(row, Mapping) else "")
                for where, row in letter_file_rows(path)
            ]
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LetterFileError(path, "", "INPUT", "", f"cannot read the file: {exc}") from None
    lines = text.splitlines()
    if path.suffix.lower() == ".csv" and lines and "bsn" in lines[0].lower():
        delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        return [(f"{path.name} line {reader.line_num}", row.get("bsn") or "") for row in reader]
    return [
        (f"{path.name} line {n}", line.strip())
        for n, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


@click.command("results")
@connection_options
@click.option("--no-ack", is_flag=True, help="Leave the results unprocessed in ebms-core (look only).")
@click.option(
    "--letters",
    "letter_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The letter file(s) sent with `mobb send`: show each letter's referentie and masked BSN.",
)
@click.option(
    "--outbox",
    "outbox_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The outbox the letters were sent from: show each letter's referentie and masked BSN.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def results_command(
    no_ack: bool,
    letter_files: tuple[Path, ...],
    outbox_path: Path | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Collect the processing results (GLOBE-R-BV-Result) waiting in ebms-core and show them per letter.

    Each result is marked processed after it is shown, unless --no-ack. Unrelated incoming messages are
    left alone. With --letters or --outbox each letter shows its referentie and masked BSN. Exit 0 when
    all letters shown are Verwerkt, 1 when any carries another code.
    """
    try:
        config = client_config(options)
        known = _known_letters(letter_files, config.sender_oin)
        with Client(config) as client:
            messages = client.results()
            if not no_ack:
                for message in messages:
                    client.ack_result(message)
        if outbox_path is not None:
            known.update(_outbox_letters(outbox_path, [m.batch_id for m in messages]))
    except LetterFileError as exc:
        fail(exc, Exit.UNREADABLE, as_json=as_json)
    except (TransportError, ConfigurationError) as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    none = ("", "")
    rows = [
        [
            str(m.batch_id),
            str(b.bericht_id),
            known.get(b.bericht_id, none)[0],
            known.get(b.bericht_id, none)[1],
            b.verwerkings_code.value,
            b.stadium or "",
        ]
        for m in messages
        for b in m.resultaat.berichten
    ]
    all_ok = all(m.resultaat.volledig_verwerkt for m in messages)
    if as_json:
        emit_json(
            {
                "results": [
                    {
                        "message_id": m.message_id,
                        "batch_id": str(m.batch_id),
                        "totaal": m.resultaat.totaal_aantal_ontvangen,
                        "verwerkt": m.resultaat.aantal_succesvol_verwerkt,
                        "berichten": [
                            {
                                "bericht_id": str(b.bericht_id),
                                "bsn": known[b.bericht_id][0] if b.bericht_id in known else None,
                                "referentie": known[b.bericht_id][1] or None
                                if b.bericht_id in known
                                else None,
                                "code": b.verwerkings_code.value,
                                "stadium": b.stadium,
                            }
                            for b in m.resultaat.berichten
                        ],
                    }
                    for m in messages
                ],
                "acknowledged": not no_ack,
            }
        )
    elif messages:
        click.echo(table(rows, ["BatchID", "BerichtID", "BSN", "referentie", "VerwerkingsCode", "Stadium"]))
        click.echo(f"\n{len(messages)} result(s){'' if no_ack else ', marked processed'}.")
    else:
        click.echo("No results waiting.")
    raise SystemExit(int(Exit.OK if all_ok else Exit.VIOLATIONS))


def _known_letters(files: Sequence[Path], sender: Oin) -> dict[uuid.UUID, tuple[str, str]]:
    """BerichtID -> (masked BSN, referentie) of the letters in these files, with the ids `mobb send`
    gave them (derived from the sender and the content)."""
    known: dict[uuid.UUID, tuple[str, str]] = {}
    for path in files:
        for record in read_letter_records(path, afzender=sender):
            known[record.bericht.bericht_id] = (record.bericht.bsn.masked, record.bericht.referentie or "")
    return known


def _outbox_letters(path: Path, batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    known: dict[uuid.UUID, tuple[str, str]] = {}
    with Outbox(path) as outbox:
        for batch_id in set(batch_ids):
            for row in outbox.store.batch_letters(batch_id):
                known[row.bericht_id] = (row.bsn.masked, row.referentie or "")
    return known

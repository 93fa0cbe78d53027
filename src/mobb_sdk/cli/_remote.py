"""``mobb check`` and ``mobb results``: the subscription check and result collection, against a configured
ebms-core and WUS (the served simulator, or Logius through your own ebms-core)."""

from __future__ import annotations

from typing import Any

import click

from mobb_sdk._client import Client
from mobb_sdk._errors import ConfigurationError, InvalidValueError, TransportError
from mobb_sdk._ids import Bsn
from mobb_sdk.cli._output import Exit, emit_json, fail, table
from mobb_sdk.cli._settings import client_config, connection_options


@click.command("check")
@click.argument("bsns", nargs=-1, required=True)
@click.option("--type", "bericht_type", required=True, help="The BerichtType to check subscriptions for.")
@connection_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check_command(bsns: tuple[str, ...], bericht_type: str, as_json: bool, **options: Any) -> None:
    """May these citizens receive BERICHT_TYPE letters from the sender? (ValidateAbonnementen, ABO-01).

    BSNs are asked 250 per call (ABO-02) and shown masked. Exit 0 when every BSN was answered, 4 when
    the service could not be reached or refused (ApplicationFault, DependentServiceFault).
    """
    try:
        parsed = [Bsn(b) for b in bsns]
        config = client_config(options)
        with Client(config) as client:
            answers = client.check_subscriptions(bericht_type, parsed)
    except InvalidValueError as exc:
        fail(exc, Exit.USAGE, as_json=as_json)
    except (TransportError, ConfigurationError) as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    rows = [(b.masked, "yes" if answers.get(b) else "no") for b in parsed]
    if as_json:
        emit_json(
            {
                "bericht_type": bericht_type,
                "answers": [{"bsn": m, "may_receive": a == "yes"} for m, a in rows],
            }
        )
    else:
        click.echo(table(rows, ["BSN", f"may receive {bericht_type}"]))


@click.command("results")
@connection_options
@click.option("--no-ack", is_flag=True, help="Leave the results unprocessed in ebms-core (look only).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def results_command(no_ack: bool, as_json: bool, **options: Any) -> None:
    """Collect the processing results (GLOBE-R-BV-Result) waiting in ebms-core and show them per letter.

    Each result is marked processed after it is shown, unless --no-ack. Unrelated incoming messages are
    left alone. Exit 0 when all letters shown are Verwerkt, 1 when any carries another code.
    """
    try:
        with Client(client_config(options)) as client:
            messages = client.results()
            if not no_ack:
                for message in messages:
                    client.ack_result(message)
    except (TransportError, ConfigurationError) as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    rows = [
        [str(m.batch_id), str(b.bericht_id), b.verwerkings_code.value, b.stadium or ""]
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
        click.echo(table(rows, ["BatchID", "BerichtID", "VerwerkingsCode", "Stadium"]))
        click.echo(f"\n{len(messages)} result(s){'' if no_ack else ', marked processed'}.")
    else:
        click.echo("No results waiting.")
    raise SystemExit(int(Exit.OK if all_ok else Exit.VIOLATIONS))

"""``mobb cpa generate`` and ``mobb cpa check``: a test CPA for your own ebms-core, and a look at one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from mobb_sdk._errors import MobbError
from mobb_sdk._ids import LOGIUS_OIN
from mobb_sdk.cli._output import Exit, emit_json, fail
from mobb_sdk.cpa import CpaParty, ReliableMessaging, generate_cpa, read_cpa


@click.group("cpa")
def cpa_group() -> None:
    """CPAs (ebXML CPP/CPA 2.0) for the Berichtenbox connection between your MSH and Logius'."""


def _certificate(path: Path | None) -> bytes | None:
    return path.read_bytes() if path is not None else None


@cpa_group.command("generate")
@click.option("--cpa-id", required=True, help="The CPA id (cpaid), e.g. cpa-gemeente-test.")
@click.option("--sender-oin", required=True, help="Your OIN: PartyId urn:osb:oin:<OIN>, role SR.")
@click.option("--sender-name", default="sender", show_default=True, help="Your organisation's name.")
@click.option(
    "--sender-endpoint",
    default="http://127.0.0.1:8888/ebms",
    show_default=True,
    help="The URL your ebms-core receives ebMS messages on (results and acknowledgements).",
)
@click.option(
    "--sender-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your TLS certificate (PEM or DER); needed for an https endpoint.",
)
@click.option("--logius-oin", default=LOGIUS_OIN.value, show_default=True, help="The other party's OIN (SP).")
@click.option(
    "--logius-endpoint",
    default="http://127.0.0.1:8889/ebms",
    show_default=True,
    help="The URL the other MSH (Logius, or a stand-in) receives ebMS messages on.",
)
@click.option(
    "--logius-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The other MSH's TLS certificate (PEM or DER); needed for an https endpoint.",
)
@click.option("--retries", type=click.IntRange(0, 100), default=8, show_default=True)
@click.option(
    "--retry-interval",
    type=click.IntRange(1),
    default=180,
    show_default=True,
    help="Seconds between retries.",
)
@click.option(
    "--persist-duration",
    type=click.IntRange(1),
    default=86_400,
    show_default=True,
    help="Seconds a receiver keeps message ids for duplicate elimination.",
)
@click.option("--sync-acks", is_flag=True, help="Acknowledgements in the HTTP answer (mshSignalsOnly).")
@click.option("--days", type=click.IntRange(1), default=365, show_default=True, help="Validity from now.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the CPA here (default: standard output).",
)
def generate_command(
    cpa_id: str,
    sender_oin: str,
    sender_name: str,
    sender_endpoint: str,
    sender_cert: Path | None,
    logius_oin: str,
    logius_endpoint: str,
    logius_cert: Path | None,
    retries: int,
    retry_interval: int,
    persist_duration: int,
    sync_acks: bool,
    days: int,
    output: Path | None,
) -> None:
    """Write a CPA for service urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0 (GLOBE-R-BV-Request SR to SP,
    GLOBE-R-BV-Result SP to SR) with the Digikoppeling osb-rm characteristics.

    For tests: load it into your ebms-core with POST /cpas (see "Run ebms-core for mobb-sdk"). The CPA for
    preproductie and productie comes from Logius. Exit 2 for settings that do not make a CPA.
    """
    try:
        start = datetime.now(UTC).replace(microsecond=0)
        document = generate_cpa(
            cpa_id,
            CpaParty(sender_oin, sender_name, sender_endpoint, _certificate(sender_cert)),
            CpaParty(logius_oin, "Logius", logius_endpoint, _certificate(logius_cert)),
            start=start,
            end=start + timedelta(days=days),
            reliable=ReliableMessaging(
                retries=retries,
                retry_interval=timedelta(seconds=retry_interval),
                persist_duration=timedelta(seconds=persist_duration),
                sync_acks=sync_acks,
            ),
        )
    except MobbError as exc:
        fail(exc, Exit.USAGE, as_json=False)
    if output is None:
        click.echo(document.decode("utf-8"), nl=False)
        return
    output.write_bytes(document)
    click.echo(f"CPA {cpa_id} written to {output}", err=True)


@cpa_group.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check_command(file: Path, as_json: bool) -> None:
    """Read a CPA and check it for the Berichtenbox connection (our structural checks, not the OASIS XSD).

    Exit 0 when usable, 1 when it is not a usable agreement for this connection (every problem listed).
    """
    try:
        info = read_cpa(file.read_bytes())
    except MobbError as exc:
        fail(exc, Exit.VIOLATIONS, as_json=as_json)
    parties: list[dict[str, Any]] = [
        {
            "role": p.role,
            "partyId": p.party_id,
            "name": p.name,
            "sends": list(p.sends),
            "receives": list(p.receives),
            "endpoint": p.endpoint,
            "ackRequested": p.ack_requested,
            "duplicateElimination": p.duplicate_elimination,
            "syncReplyMode": p.sync_reply_mode,
            "retries": p.retries,
            "retryInterval": p.retry_interval.total_seconds() if p.retry_interval else None,
            "certificates": p.certificates,
        }
        for p in info.parties
    ]
    if as_json:
        emit_json({"cpaId": info.cpa_id, "start": info.start, "end": info.end, "parties": parties})
        return
    click.echo(f"CPA {info.cpa_id} ({info.status}), valid {info.start:%Y-%m-%d} to {info.end:%Y-%m-%d}")
    for p in parties:
        click.echo(
            f"  {p['role']} {p['partyId']} ({p['name']}): sends {', '.join(p['sends'])}; "
            f"endpoint {p['endpoint']}; retries {p['retries']}, acks {p['syncReplyMode']}"
        )

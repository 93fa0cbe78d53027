"""The ``mobb`` command group and its commands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import attrs
import click

from mobb_sdk import __version__
from mobb_sdk._errors import MobbError, XmlError
from mobb_sdk._rules import SenderProfile
from mobb_sdk._validation import validate
from mobb_sdk._xsd_validation import Backend
from mobb_sdk.cli._letters import check_dict, check_exit, check_file, echo_problems, is_letter_file
from mobb_sdk.cli._output import Exit, emit_json, fail


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mobb")
def main() -> None:
    """mobb: deliver letters to the MijnOverheid Berichtenbox, or rehearse it on a local simulator.

    Exit codes: 0 ok, 1 violations or failed letters, 2 usage, 3 unreadable input, 4 transport or
    configuration error, 5 results still pending at the deadline, 6 storage fault (disk full,
    corrupt outbox; nothing lost).
    """


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--backend",
    type=click.Choice([b.value for b in Backend]),
    default=Backend.LXML.value,
    show_default=True,
    help="XSD engine: lxml (fast) or xmlschema (second opinion).",
)
@click.option("--sender-oin", help="The OIN in your CPA: checks BerichtLeverancierID (BATCH-05).")
@click.option("--active-types", help="Comma-separated active BerichtTypes (BER-02).")
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]),
    help="Delivery moment for the 13-day windows (default: now).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def validate_command(
    files: tuple[Path, ...],
    backend: str,
    sender_oin: str | None,
    active_types: str | None,
    now: datetime | None,
    as_json: bool,
) -> None:
    """Check batch, result, WUS, SOAP fault and AbonnementAanvraag documents against the XSDs and rules,
    and letter files (.csv, .json, .jsonl: the input of `mobb send`) letter by letter.

    Prints every violation with its rule id, path and message (for a letter file: line, column, rule,
    message). Exit 1 when any file has an error (warnings alone exit 0), 3 when a file cannot be read.
    """
    try:
        profile = SenderProfile(
            sender_oin=sender_oin,
            active_bericht_types=active_types.split(",") if active_types else None,
        )
        if now is not None:
            moment = now if now.tzinfo else now.astimezone()
            profile = attrs.evolve(profile, clock=lambda: moment)
    except MobbError as exc:
        fail(exc, Exit.USAGE, as_json=as_json)
    results = []
    worst = Exit.OK
    for path in files:
        if is_letter_file(path):
            check, error = check_file(path, profile)
            results.append(check_dict(path, check, error))
            worst = max(worst, check_exit(check))
            if as_json:
                continue
            if check is None:
                click.echo(f"{path}: cannot read: {error}")
            else:
                echo_problems(path, check)
            continue
        try:
            report = validate(path, profile=profile, backend=Backend(backend))
        except (XmlError, OSError) as exc:
            results.append({"file": str(path), "readable": False, "error": str(exc)})
            worst = max(worst, Exit.UNREADABLE)
            if not as_json:
                click.echo(f"{path}: cannot read: {exc}")
            continue
        if not report.ok:
            worst = max(worst, Exit.VIOLATIONS)
        results.append(
            {
                "file": str(path),
                "readable": True,
                "ok": report.ok,
                "violations": [
                    {"rule": v.rule, "path": v.path, "message": v.message, "severity": v.severity.value}
                    for v in report.violations
                ],
            }
        )
        if not as_json:
            verdict = "ok" if report.ok else "INVALID"
            extra = f" ({len(report.warnings)} warning(s))" if report.warnings else ""
            click.echo(f"{path}: {verdict}{extra}")
            for v in report.violations:
                click.echo(f"  {v.severity.value:<7} {v.rule:<9} {v.path}: {v.message}")
    if as_json:
        emit_json({"files": results, "ok": worst == Exit.OK})
    raise SystemExit(int(worst))


def _register() -> None:
    # Imported here so `mobb validate` stays quick and the modules can import this one's helpers.
    from mobb_sdk.cli._conformance import conformance_group
    from mobb_sdk.cli._cpa import cpa_group
    from mobb_sdk.cli._demo import demo_command
    from mobb_sdk.cli._outbox import outbox_group
    from mobb_sdk.cli._remote import check_command, results_command
    from mobb_sdk.cli._schemas import schemas_group
    from mobb_sdk.cli._send import send_command
    from mobb_sdk.cli._serve import simulator_group
    from mobb_sdk.cli._zgw import zgw_group

    for command in (
        demo_command,
        send_command,
        check_command,
        results_command,
        simulator_group,
        conformance_group,
        outbox_group,
        cpa_group,
        schemas_group,
        zgw_group,
    ):
        main.add_command(command)


_register()

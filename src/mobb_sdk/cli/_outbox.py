"""``mobb outbox ...``: bulk delivery through a durable outbox (``mobb_sdk.outbox``).

``mobb outbox send OUTBOX LETTERS...`` enqueues CSV/JSON files (all or none per file) and runs;
``run`` resumes or continues; ``status`` counts letters per state and outcome; ``export`` writes the
letters of some outcomes as CSV or JSON (the paper list: ``--outcome paper --with-bsn``); ``report``
says what the letters cost (Logius units and the tariff, against paper; ``mobb_sdk.tariff``).
``mobb send --outbox FILE`` is :func:`send_with_outbox`.

Exit codes (``Exit``): 0 every letter has its final state and none failed; 1 a letter failed or a
letter file breaks a rule (nothing of that file enqueued); 3 a letter file cannot be read; 4 ebms-core
or WUS could not be reached or refused, or another runner holds the outbox; 5 results still missing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from mobb_sdk._client import Client
from mobb_sdk._delivery import OutcomeStatus
from mobb_sdk._errors import ConfigurationError, MobbError, StorageError, TransportError, ValidationError
from mobb_sdk._files import is_terminal
from mobb_sdk._letters_io import LetterFileError
from mobb_sdk.cli._output import Exit, emit_json, fail, table
from mobb_sdk.cli._settings import client_config, connection_options
from mobb_sdk.outbox import (
    LetterState,
    Outbox,
    OutboxBusy,
    RunSummary,
    export_csv,
    export_json,
)
from mobb_sdk.tariff import FREE_UNITS_PER_YEAR, TARIFF_2022, Cost, Tariff, run_cost

if TYPE_CHECKING:
    from mobb_sdk.streams import Berichtstroom

__all__ = ["outbox_group", "send_with_outbox"]

_STATE_ORDER = tuple(LetterState)


def _progress_line(counts: Mapping[LetterState, int]) -> str:
    parts = [f"{s.value} {counts[s]:,}" for s in _STATE_ORDER if counts.get(s)]
    return f"{sum(counts.values()):,} letters: " + " | ".join(parts)


class _Progress:
    """One status line on stderr, rewritten in place on a terminal (counts per state)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._width = 0

    def __call__(self, counts: Mapping[LetterState, int]) -> None:
        if not self.enabled:
            return
        line = _progress_line(counts)
        click.echo("\r" + line.ljust(self._width), nl=False, err=True)
        self._width = len(line)

    def done(self) -> None:
        if self.enabled and self._width:
            click.echo(err=True)


def _run_options(function: Any) -> Any:
    options = [
        click.option(
            "--wait",
            type=float,
            default=0.0,
            show_default=True,
            help="Seconds to keep collecting results after sending.",
        ),
        click.option(
            "--poll-interval",
            type=float,
            default=5.0,
            show_default=True,
            help="Seconds between polls for events and results.",
        ),
        click.option(
            "--result-deadline",
            type=float,
            default=24.0,
            show_default=True,
            help="Hours after hand-over before a missing result is reported (RES-03).",
        ),
        click.option(
            "--max-letters",
            type=click.IntRange(1, 1000),
            default=1000,
            show_default=True,
            help="Letters per batch (BATCH-01).",
        ),
        click.option(
            "--max-mb",
            type=click.FloatRange(0.001, 100.0),
            default=100.0,
            show_default=True,
            help="Batch size limit in MB of 1,000,000 bytes (BATCH-02).",
        ),
        click.option(
            "--no-subscription-check",
            is_flag=True,
            help="Do not ask ValidateAbonnementen (only when subscriptions are known otherwise).",
        ),
        click.option(
            "--lease-wait",
            type=float,
            default=0.0,
            show_default=True,
            help="Seconds to wait while another runner holds the outbox.",
        ),
        click.option("--progress/--no-progress", default=True, help="A status line on a terminal."),
        click.option("--json", "as_json", is_flag=True, help="Machine-readable summary."),
    ]
    for option in reversed(options):
        function = option(function)
    return connection_options(function)


def _run(outbox: Outbox, connection: Mapping[str, Any], settings: Mapping[str, Any]) -> RunSummary:
    progress = _Progress(bool(settings.get("progress", True)) and not settings.get("as_json"))
    try:
        with Client(client_config(dict(connection))) as client:
            return outbox.run(
                client,
                wait=float(settings.get("wait", 0.0)),
                poll_interval=float(settings.get("poll_interval", 5.0)),
                result_deadline=timedelta(hours=float(settings.get("result_deadline", 24.0))),
                max_letters=int(settings.get("max_letters", 1000)),
                max_bytes=int(float(settings.get("max_mb", 100.0)) * 1_000_000),
                check_subscriptions=not settings.get("no_subscription_check", False),
                wait_for_lease=float(settings.get("lease_wait", 0.0)),
                progress=progress,
            )
    finally:
        progress.done()


def _report(summary: RunSummary, as_json: bool) -> NoReturn:
    if as_json:
        emit_json({**summary.to_dict(), "cost": summary.cost().to_dict()})
    else:
        rows = [[s.value, f"{summary.states[s]:,}"] for s in _STATE_ORDER if summary.states.get(s)]
        click.echo(table(rows, ["state", "letters"]))
        outcomes = ", ".join(f"{o.value} {n:,}" for o, n in summary.outcomes.items() if n)
        click.echo(f"\noutcomes: {outcomes or 'none'}")
        click.echo(
            f"this run: {summary.checked:,} checked ({summary.to_paper:,} to paper), "
            f"{summary.batches_sent:,} batch(es) with {summary.letters_sent:,} letters handed over "
            f"({summary.handovers_repeated:,} again), {summary.answers:,} answers, "
            f"{summary.overdue:,} overdue, in {summary.seconds:.1f} s"
        )
        click.echo("\n" + _cost_text(summary.cost()))
        for error in summary.errors:
            click.echo(f"error: {error}", err=True)
    raise SystemExit(int(_exit_code(summary)))


def _eur(amount: Decimal) -> str:
    return f"EUR {amount:,.2f}"


def _cost_text(cost: Cost) -> str:
    """The cost section of a run summary (default tariff; `mobb outbox report` sets prices)."""
    t = cost.tariff
    text = (
        f"cost: {cost.digital:,} letter(s) delivered digitally = {cost.digital:,} Logius unit(s); "
        f"{cost.billable_units:,} beyond the {t.free_units:,} free a year (none used before) "
        f"at {_eur(t.per_unit)}: {_eur(cost.digital_cost)}; {cost.paper:,} on paper"
    )
    return text + " (prices and earlier use: mobb outbox report)"


def _cost_rows(cost: Cost, counts: Mapping[OutcomeStatus, int]) -> list[list[str]]:
    t = cost.tariff
    rows = [
        ["letters delivered digitally", f"{cost.digital:,}"],
        ["letters on paper", f"{cost.paper:,}"],
    ]
    rows.extend(
        [f"letters {o.value}", f"{counts.get(o, 0):,}"]
        for o in (OutcomeStatus.FAILED, OutcomeStatus.PENDING)
        if counts.get(o, 0)
    )
    rows += [
        ["Logius units used", f"{cost.digital:,}"],
        ["units used before this year", f"{cost.units_used_before:,}"],
        [f"free units (of {t.free_units:,} a year)", f"{cost.free_units:,}"],
        [f"billable units x {_eur(t.per_unit)}", f"{cost.billable_units:,}"],
        ["cost Berichtenbox", _eur(cost.digital_cost)],
    ]
    if t.paper_per_letter is None or cost.paper_cost is None:
        rows.append(["cost paper", "no paper price given (--paper-cost)"])
    else:
        rows.append([f"cost paper ({cost.paper:,} x {_eur(t.paper_per_letter)})", _eur(cost.paper_cost)])
    if cost.total is not None:
        rows.append(["total", _eur(cost.total)])
    if cost.all_paper_cost is not None and cost.saving is not None:
        rows.append(["all on paper would cost", _eur(cost.all_paper_cost)])
        rows.append(["saving", _eur(cost.saving)])
    return rows


def _exit_code(summary: RunSummary) -> Exit:
    if summary.errors:
        return Exit.TRANSPORT
    if summary.outcomes.get(OutcomeStatus.FAILED):
        return Exit.VIOLATIONS
    if not summary.complete:
        return Exit.PENDING
    return Exit.OK


def send_with_outbox(
    outbox_path: Path,
    letter_files: Sequence[Path],
    connection: Mapping[str, Any],
    *,
    wait: float = 0.0,
    poll_interval: float = 5.0,
    check_subscriptions: bool = True,
    as_json: bool = False,
    stream: Berichtstroom | None = None,
    **settings: Any,
) -> NoReturn:
    """Enqueue ``letter_files`` into the outbox at ``outbox_path``, run it, report, and exit with the
    run's code. ``connection`` holds the connection options (``connection_options``); ``settings`` any
    other run option of ``mobb outbox run`` by its parameter name (``max_letters``, ``lease_wait``...).

    This is ``mobb send --outbox FILE``. Enqueueing a file again adds nothing twice, so the same
    command line resumes a run that was killed.
    """
    settings = {
        **settings,
        "wait": wait,
        "poll_interval": poll_interval,
        "no_subscription_check": not check_subscriptions,
        "as_json": as_json,
    }
    try:
        sender = connection.get("sender_oin") or client_config(dict(connection)).sender_oin.value
        with Outbox(outbox_path, afzender=sender) as outbox:
            for path in letter_files:
                result = outbox.enqueue_file(path, stream=stream)
                if not as_json:
                    click.echo(
                        f"{path}: {result.added:,} letter(s) enqueued, {result.skipped:,} already there",
                        err=True,
                    )
            summary = _run(outbox, connection, settings)
    except StorageError as exc:
        fail(exc, Exit.STORAGE, as_json=as_json)
    except LetterFileError as exc:
        fail(exc, Exit.UNREADABLE, as_json=as_json)
    except ValidationError as exc:
        _problems(exc, as_json=as_json)
    except OSError as exc:
        fail(exc, Exit.UNREADABLE, as_json=as_json)
    except (TransportError, ConfigurationError, OutboxBusy) as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    _report(summary, as_json)


def _problems(exc: ValidationError, *, as_json: bool) -> NoReturn:
    """A letter file that breaks rules: its problem list, once (the message's own copy is not repeated)."""
    summary = str(exc).splitlines()[0]
    if as_json:
        emit_json(
            {
                "error": type(exc).__name__,
                "message": summary,
                "violations": [
                    {"rule": v.rule, "path": v.path, "message": v.message, "severity": v.severity.value}
                    for v in exc.violations
                ],
            }
        )
    else:
        click.echo(f"error: {summary}", err=True)
        rows = [[v.path, v.rule, v.message] for v in exc.violations]
        for line in table(rows, ["where", "rule", "problem"]).splitlines():
            click.echo(f"  {line}", err=True)
    raise SystemExit(int(Exit.VIOLATIONS))


_RUN_SETTINGS = (
    "wait",
    "poll_interval",
    "result_deadline",
    "max_letters",
    "max_mb",
    "no_subscription_check",
    "lease_wait",
    "progress",
    "as_json",
)


def _split(opts: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The command's options as (connection options, run settings)."""
    settings = {k: v for k, v in opts.items() if k in _RUN_SETTINGS}
    return {k: v for k, v in opts.items() if k not in _RUN_SETTINGS}, settings


@click.group("outbox")
def outbox_group() -> None:
    """Bulk delivery through a durable outbox (an SQLite file): enqueue, run, resume, report."""


@outbox_group.command("send")
@click.argument("outbox", type=click.Path(dir_okay=False, path_type=Path))
@click.argument(
    "letters", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@_run_options
def send_command(outbox: Path, letters: tuple[Path, ...], **opts: Any) -> None:
    """Enqueue LETTERS (CSV/JSON files) into OUTBOX and run it. Run the same command again after a
    crash: nothing is enqueued or offered twice."""
    connection, settings = _split(opts)
    send_with_outbox(
        outbox,
        letters,
        connection,
        **{**settings, "check_subscriptions": not settings.pop("no_subscription_check")},
    )


@outbox_group.command("run")
@click.argument("outbox", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_run_options
def run_command(outbox: Path, **opts: Any) -> None:
    """Run OUTBOX: resume what was interrupted, check, send, and collect results."""
    as_json = bool(opts["as_json"])
    connection, settings = _split(opts)
    try:
        with Outbox(outbox) as box:
            summary = _run(box, connection, settings)
    except StorageError as exc:
        fail(exc, Exit.STORAGE, as_json=as_json)
    except (TransportError, ConfigurationError, OutboxBusy) as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    _report(summary, as_json)


@outbox_group.command("status")
@click.argument("outbox", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_command(outbox: Path, as_json: bool) -> None:
    """Letters of OUTBOX per state and per outcome (no network)."""
    try:
        with Outbox(outbox) as box:
            states, outcomes = box.counts(), box.outcome_counts()
            holder = box.store.lease_holder()
    except StorageError as exc:
        fail(exc, Exit.STORAGE, as_json=as_json)
    except MobbError as exc:
        fail(exc, Exit.UNREADABLE, as_json=as_json)
    if as_json:
        emit_json(
            {
                "states": {s.value: n for s, n in states.items()},
                "outcomes": {o.value: n for o, n in outcomes.items()},
                "runner": holder.replace("|", ":") if holder else None,
            }
        )
        return
    click.echo(
        table([[s.value, f"{states[s]:,}"] for s in _STATE_ORDER if states.get(s)], ["state", "letters"])
    )
    click.echo("\n" + table([[o.value, f"{n:,}"] for o, n in outcomes.items()], ["outcome", "letters"]))
    if holder:
        click.echo(f"\nrunning: {holder.replace('|', ':')}")


@outbox_group.command("export")
@click.argument("outbox", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    type=click.Choice([o.value for o in OutcomeStatus]),
    help="Only letters with this outcome (repeatable). paper: the list to print and post.",
)
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([s.value for s in LetterState]),
    help="Only letters in this state (repeatable), e.g. result_overdue.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option("--with-bsn", is_flag=True, help="Full BSNs (for the print run only); masked otherwise.")
def export_command(
    outbox: Path,
    outcomes: tuple[str, ...],
    states: tuple[str, ...],
    fmt: str,
    output: Path | None,
    with_bsn: bool,
) -> None:
    """Export the letters of OUTBOX by outcome or state, as CSV or JSON."""
    if with_bsn and (output is None or str(output) == "-" or is_terminal(output)):
        raise click.UsageError("--with-bsn writes full BSNs: give a file with --output, not the terminal")
    export = export_csv if fmt == "csv" else export_json
    try:
        # With full BSNs the library creates the file owner-only (0600) from its first byte.
        with Outbox(outbox) as box:
            n = export(
                box,
                output,
                outcomes=[OutcomeStatus(o) for o in outcomes] or None,
                states=[LetterState(s) for s in states] or None,
                with_bsn=with_bsn,
            )
        if output is None:
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped reading (`... | head`): not an error. Python would complain again while
        # flushing at exit, so standard output goes to the null device first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(int(Exit.OK)) from None
    except StorageError as exc:
        fail(exc, Exit.STORAGE, as_json=False)
    if output is not None:
        click.echo(f"{n:,} letter(s) written to {output}", err=True)


@outbox_group.command("report")
@click.argument("outbox", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--tariff",
    "per_unit",
    type=click.FloatRange(min=0),
    default=float(TARIFF_2022),
    show_default=True,
    help="EUR per Berichtenbox delivery (the 2022 advance tariff, excl. VAT).",
)
@click.option(
    "--free-units",
    type=click.IntRange(min=0),
    default=FREE_UNITS_PER_YEAR,
    show_default=True,
    help="Units a year Logius does not charge for.",
)
@click.option(
    "--units-used",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Units of this year used before these letters (other runs, logins).",
)
@click.option(
    "--paper-cost",
    type=click.FloatRange(min=0),
    default=None,
    help="EUR per letter on paper (printing and postage): adds the paper cost and the saving.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def report_command(
    outbox: Path,
    per_unit: float,
    free_units: int,
    units_used: int,
    paper_cost: float | None,
    as_json: bool,
) -> None:
    """What the letters of OUTBOX cost: delivered digitally (Logius units at the tariff, after the free
    units of the year) and on paper, and what all of them on paper would have cost (no network)."""
    try:
        tariff = Tariff(
            per_unit=Decimal(str(per_unit)),
            free_units=free_units,
            paper_per_letter=None if paper_cost is None else Decimal(str(paper_cost)),
        )
        with Outbox(outbox) as box:
            counts = box.outcome_counts()
    except ConfigurationError as exc:
        fail(exc, Exit.USAGE, as_json=as_json)
    except StorageError as exc:
        fail(exc, Exit.STORAGE, as_json=as_json)
    except MobbError as exc:
        fail(exc, Exit.UNREADABLE, as_json=as_json)
    cost = run_cost(
        digital=counts.get(OutcomeStatus.DELIVERED, 0),
        paper=counts.get(OutcomeStatus.PAPER, 0),
        tariff=tariff,
        units_used_before=units_used,
    )
    if as_json:
        emit_json({"outcomes": {o.value: n for o, n in counts.items()}, "cost": cost.to_dict()})
        return
    click.echo(table(_cost_rows(cost, counts), ["", "value"]))

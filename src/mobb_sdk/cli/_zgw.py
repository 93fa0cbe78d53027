"""``mobb zgw``: deliver the Verzendingen of a ZGW Documenten API (run, serve, subscribe, status)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mobb_sdk._client import Client
from mobb_sdk._errors import ConfigurationError, MobbError, StorageError, TransportError
from mobb_sdk.cli._output import Exit, emit_json, fail, table
from mobb_sdk.cli._settings import client_config, connection_options
from mobb_sdk.outbox import Outbox

if TYPE_CHECKING:
    from mobb_sdk.zgw import ZgwAdapter, ZgwConfig

__all__ = ["zgw_group"]


def _config_option(function: Any) -> Any:
    return click.option(
        "--config",
        "config_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        envvar="MOBB_ZGW_CONFIG",
        help="TOML file with a [zgw] table [env: MOBB_ZGW_CONFIG]; MOBB_ZGW_* variables override it.",
    )(function)


def _load(config_file: Path | None, as_json: bool) -> ZgwConfig:
    try:
        from mobb_sdk.zgw import ZgwConfig
    except ImportError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(int(Exit.TRANSPORT)) from None
    try:
        return ZgwConfig.load(config_file)
    except ConfigurationError as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)


@contextmanager
def _adapter(config: ZgwConfig, options: dict[str, Any], run_options: dict[str, Any]) -> Iterator[ZgwAdapter]:
    from mobb_sdk.zgw import ZgwAdapter

    client_settings = client_config(options)
    with (
        Outbox(config.outbox, afzender=client_settings.sender_oin) as outbox,
        Client(client_settings) as client,
    ):
        adapter = ZgwAdapter(config, outbox, client, run_options=run_options)
        try:
            yield adapter
        finally:
            adapter.close()


def _run_settings(poll_interval: float, no_check: bool) -> dict[str, Any]:
    return {"poll_interval": poll_interval, "check_subscriptions": not no_check}


_OUTBOX_POLL = click.option(
    "--poll-interval",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds between the outbox's polls of ebms-core.",
)
_NO_CHECK = click.option(
    "--no-check", is_flag=True, help="Skip the subscription check (ABO-01 makes it your duty)."
)


@click.group("zgw")
def zgw_group() -> None:
    """Deliver Verzendingen (mijnOverheid: true) of a ZGW Documenten API and write the outcome back.

    Settings: a [zgw] table in --config, or MOBB_ZGW_* variables (see docs/how-to/zgw.md); the
    connection to Logius as for `mobb send`. Exit codes: 0 done, 4 a ZGW API, ebms-core or WUS
    unreachable or bad settings, 5 outcomes still to come.
    """


@zgw_group.command("run")
@_config_option
@click.option(
    "--loop", is_flag=True, help="Keep cycling every poll_interval seconds (until Ctrl-C or SIGTERM)."
)
@click.option("--max-cycles", type=click.IntRange(1), help="With --loop: stop after this many cycles.")
@click.option(
    "--wait", type=float, help="Seconds each cycle waits for Logius' results [default: result_wait]."
)
@_OUTBOX_POLL
@_NO_CHECK
@connection_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def run_command(
    config_file: Path | None,
    loop: bool,
    max_cycles: int | None,
    wait: float | None,
    poll_interval: float,
    no_check: bool,
    as_json: bool,
    **options: Any,
) -> None:
    """One cycle: take up notifications, poll the Documenten API, deliver through the outbox, write back."""
    config = _load(config_file, as_json)
    try:
        with _adapter(config, options, _run_settings(poll_interval, no_check)) as adapter:
            if loop:
                stop = _stop_on_signals()
                cycles = adapter.serve(stop, max_cycles=max_cycles)
                summary = {"cycles": cycles, "journal": adapter.journal.counts()}
                errors: tuple[str, ...] = ()
            else:
                result = adapter.cycle(wait=wait)
                summary = result.to_dict()
                errors = result.poll.errors + (result.run.errors if result.run is not None else ())
            counts = adapter.journal.counts()
    except StorageError as exc:
        fail(exc, Exit.STORAGE, as_json=as_json)
    except (TransportError, ConfigurationError) as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    if as_json:
        emit_json(summary)
    else:
        click.echo(", ".join(f"{n:,} {state}" for state, n in counts.items()) or "no Verzendingen")
        for error in errors:
            click.echo(f"error: {error}", err=True)
    if errors:
        raise SystemExit(int(Exit.TRANSPORT))
    raise SystemExit(int(Exit.PENDING if counts.get("enqueued") or counts.get("writing") else Exit.OK))


@zgw_group.command("serve")
@_config_option
@click.option(
    "--max-seconds", type=float, help="Stop after this many seconds (default: until Ctrl-C or SIGTERM)."
)
@_OUTBOX_POLL
@_NO_CHECK
@connection_options
def serve_command(
    config_file: Path | None, max_seconds: float | None, poll_interval: float, no_check: bool, **options: Any
) -> None:
    """Listen for notifications (POST, Authorization checked) and work: a full poll every poll_interval."""
    from mobb_sdk.zgw import CallbackServer

    config = _load(config_file, False)
    try:
        with _adapter(config, options, _run_settings(poll_interval, no_check)) as adapter:
            stop = _stop_on_signals()
            if max_seconds is not None:
                timer = threading.Timer(max_seconds, stop.set)
                timer.daemon = True
                timer.start()
            with CallbackServer(adapter) as server:
                click.echo(f"listening on {server.url}", err=True)
                adapter.serve(stop)
    except StorageError as exc:
        fail(exc, Exit.STORAGE, as_json=False)
    except (TransportError, ConfigurationError) as exc:
        fail(exc, Exit.TRANSPORT, as_json=False)
    raise SystemExit(int(Exit.OK))


@zgw_group.command("subscribe")
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def subscribe_command(config_file: Path | None, as_json: bool) -> None:
    """Register the abonnement at the Notificaties API (kanaal documenten, the callback and its auth)."""
    from mobb_sdk.zgw import ZgwApi, subscribe

    config = _load(config_file, as_json)
    try:
        with ZgwApi(config) as api:
            abonnement = subscribe(api)
    except MobbError as exc:
        fail(exc, Exit.TRANSPORT, as_json=as_json)
    abonnement.pop("auth", None)  # a secret: never printed
    if as_json:
        emit_json(abonnement)
    else:
        click.echo(f"abonnement {abonnement.get('url', '')} for {config.callback_url}")


@zgw_group.command("status")
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_command(config_file: Path | None, as_json: bool) -> None:
    """The journal: Verzendingen per state, and each one refused with its rule and reason."""
    from mobb_sdk.zgw import Journal

    config = _load(config_file, as_json)
    if not config.journal.exists():
        fail(
            ConfigurationError(f"{config.journal}: no journal yet; run `mobb zgw run` first"),
            Exit.UNREADABLE,
            as_json=as_json,
        )
    try:
        journal = Journal(config.journal)
        try:
            counts = journal.counts()
            refused = [r for r in journal.rows() if r.outcome == "refused"]
        finally:
            journal.close()
    except StorageError as exc:
        fail(exc, Exit.STORAGE, as_json=as_json)
    if as_json:
        emit_json(
            {
                "counts": counts,
                "refused": [
                    {"verzending": r.url, "rule": r.rule, "reason": r.reason, "state": r.state}
                    for r in refused
                ],
            }
        )
        return
    click.echo(", ".join(f"{n:,} {state}" for state, n in counts.items()))
    if refused:
        click.echo(
            table([[r.url, r.rule or "", r.reason or ""] for r in refused], ["Verzending", "rule", "reason"])
        )


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    return stop

"""``mobb simulator serve``: the Logius simulator on a local port, for products in any language."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from mobb_sdk._errors import ConfigurationError
from mobb_sdk.cli._output import Exit, fail
from mobb_sdk.simulator import RunningServer, Simulator, TlsFiles, World, generate_tls, serve_forever


@click.group("simulator")
def simulator_group() -> None:
    """The local Logius simulator (ebms-core REST v19, GLOBE processing, WUS)."""


@simulator_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (keep it on loopback).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--world",
    "world_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A world file (TOML or JSON): senders, CPAs, BerichtTypes, persons, subscriptions.",
)
@click.option(
    "--tls",
    "tls_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Serve HTTPS with client certificates required; certificates are generated into this "
    "directory (a CA, the server's, and one client certificate per sender OIN) unless present.",
)
@click.option(
    "--result-delay",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds between delivery and the processing result.",
)
@click.option(
    "--event-listener",
    type=click.Choice(["DAO", "DEFAULT"]),
    default="DAO",
    show_default=True,
    help="ebms-core's eventListener.type to play: DAO stores events; DEFAULT (ebms-core's shipped "
    "default) stores none, so /ebms/events/unprocessed stays empty.",
)
@click.option(
    "--log-requests",
    is_flag=True,
    help="Print each request as it is answered: method, path, status, sizes and a body excerpt (BSNs masked).",
)
def serve_command(
    host: str,
    port: int,
    world_file: Path | None,
    tls_dir: Path | None,
    result_delay: float,
    event_listener: str,
    log_requests: bool,
) -> None:
    """Serve the simulator until Ctrl-C. Prints the ebms-core and WUS URLs, and the senders with their
    CPAs and BerichtTypes, to configure your product with (as MOBB_* variables too)."""
    try:
        world = World.load(world_file) if world_file else World.default()
        tls: TlsFiles | None = None
        if tls_dir is not None:
            oins = [str(s.oin) for s in world.senders]
            try:
                tls = TlsFiles.load(tls_dir)
            except ConfigurationError:
                tls = generate_tls(tls_dir, oins)
    except ConfigurationError as exc:
        fail(exc, Exit.TRANSPORT, as_json=False)
    simulator = Simulator(world, result_delay=result_delay, event_listener=event_listener)

    if log_requests:
        # The server logs each request it answers on this logger (see docs/logging.md).
        request_log = logging.getLogger("mobb_sdk.simulator.requests")
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)

    def ready(server: RunningServer) -> None:
        for line in banner(world, server, tls_dir if tls is not None else None):
            click.echo(line)

    serve_forever(simulator, host=host, port=port, tls=tls, ready=ready)


def banner(world: World, server: RunningServer, tls_dir: Path | None) -> list[str]:
    """What ``serve`` prints: the URLs, each sender as the world defines it, and the settings to use."""
    lines = [
        f"Logius simulator serving on {server.base_url}",
        f"  ebms-core REST v19: {server.ebms_url}",
        f"  WUS:                {server.wus_url}",
    ]
    names = {str(s.oin): s.name or "unnamed" for s in world.senders}
    through = {str(c): str(s.oin) for s in world.senders for c in s.clients}
    for sender in world.senders:
        oin = str(sender.oin)
        parts = []
        if sender.cpa_id:
            parts.append(f"CPA {sender.cpa_id}")
        elif oin in through:
            parts.append(f"no CPA of its own: delivered by {through[oin]} ({names.get(through[oin])})")
        else:
            parts.append("no CPA: cannot deliver")
        if sender.bericht_types:
            parts.append(f"BerichtTypes {', '.join(sorted(sender.bericht_types))}")
        else:
            parts.append("no BerichtTypes of its own")
        if sender.clients:
            parts.append(
                "delivers for " + ", ".join(f"{c} ({names.get(str(c), 'unknown')})" for c in sender.clients)
            )
        lines.append(f"  sender {oin} ({names[oin]}): " + "; ".join(parts))
    active = sum(p.active_box for p in world.persons)
    lines.append(f"  persons: {len(world.persons)} ({active} with an active Berichtenbox)")
    if tls_dir is not None:
        lines.append(f"  TLS: CA and client certificates in {tls_dir}")
    first = next((s for s in world.senders if s.cpa_id), None)
    if first is not None:
        lines.append(
            f"Settings: MOBB_EBMS_URL={server.ebms_url} MOBB_WUS_URL={server.wus_url} "
            f"MOBB_SENDER_OIN={first.oin} MOBB_CPA_ID={first.cpa_id}"
        )
    lines.append("Ctrl-C stops it.")
    return lines

"""``mobb simulator serve``: the Logius simulator on a local port, for products in any language."""

from __future__ import annotations

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
def serve_command(
    host: str, port: int, world_file: Path | None, tls_dir: Path | None, result_delay: float
) -> None:
    """Serve the simulator until Ctrl-C. Prints the ebms-core and WUS URLs to configure your product with."""
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
    simulator = Simulator(world, result_delay=result_delay)

    def ready(server: RunningServer) -> None:
        click.echo(f"Logius simulator serving on {server.base_url}")
        click.echo(f"  ebms-core REST v19: {server.ebms_url}")
        click.echo(f"  WUS:                {server.wus_url}")
        for sender in world.senders:
            click.echo(
                f"  sender {sender.oin} ({sender.name or 'unnamed'}): CPA {sender.cpa_id}, "
                f"types {', '.join(sorted(sender.bericht_types))}"
            )
        if tls is not None:
            click.echo(f"  TLS: CA and client certificates in {tls_dir}")
        click.echo("Ctrl-C stops it.")

    serve_forever(simulator, host=host, port=port, tls=tls, ready=ready)

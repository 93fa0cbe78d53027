"""``mobb demo``: the whole flow against the embedded simulator, on a laptop, with no certificates."""

from __future__ import annotations

import time

import click

from mobb_sdk._client import Client
from mobb_sdk._config import ClientConfig, EbmsConfig, WusConfig
from mobb_sdk._delivery import Outcome, OutcomeStatus
from mobb_sdk._models import Bericht, Bijlage
from mobb_sdk._pdf import make_pdf
from mobb_sdk.cli._output import Exit, emit_json, table
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, WUS_PATH, Simulator

# In-process, the host is never contacted: the simulator's transport answers. Loopback keeps the
# client's "no plain http elsewhere" rule satisfied without switching it off.
_BASE = "http://127.0.0.1:8080"

#: A type the demo sender does not have active: shows a failure with Logius' code, on purpose.
_INACTIVE_TYPE = "HONDBEL"


def demo_letters(simulator: Simulator, count: int) -> list[Bericht]:
    """One WOZ letter (with a generated PDF) per person of the world, and one of an inactive type."""
    persons = simulator.world.persons
    letters = []
    for i in range(count):
        person = persons[i % len(persons)]
        naam = person.name or f"inwoner {i + 1}"
        pdf = make_pdf(f"WOZ-beschikking 2027 voor {naam}", title="WOZ-beschikking 2027")
        letters.append(
            Bericht.create(
                bsn=person.bsn,
                bericht_type="WOZ",
                onderwerp="Uw WOZ-beschikking 2027",
                bericht_tekst=f"Beste {naam},\nUw WOZ-beschikking 2027 staat voor u klaar.\nGemeente Demo",
                referentie=f"WOZ-2027-{i + 1:05d}",
                bijlagen=[Bijlage.from_bytes(pdf, "WOZ-beschikking 2027")],
            )
        )
    letters.append(
        Bericht.create(
            bsn=persons[0].bsn,
            bericht_type=_INACTIVE_TYPE,
            onderwerp="Aanslag hondenbelasting",
            bericht_tekst="Dit type staat niet aan bij Logius: de simulator weigert het.",
        )
    )
    return letters


def _row(bericht: Bericht, outcome: Outcome) -> list[str]:
    return [
        bericht.bsn.masked,
        bericht.bericht_type,
        bericht.referentie or "",
        outcome.status.value,
        outcome.code.value if outcome.code else "",
        outcome.action,
    ]


@click.command("demo")
@click.option(
    "--letters",
    "count",
    type=click.IntRange(1, 5000),
    default=10,
    show_default=True,
    help="How many WOZ letters to send (one extra letter shows a refusal).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def demo_command(count: int, as_json: bool) -> None:
    """Deliver letters to the embedded Logius simulator and show what became of each.

    Starts the simulator in-process (its default world: Gemeente Demo and ten test persons),
    checks subscriptions over WUS (ABO-01), sends a batch with a generated PDF per letter through
    ebms-core's API, waits for GLOBE's processing result and prints one line per letter.
    """
    simulator = Simulator()
    config = ClientConfig(
        sender_oin=DEFAULT_SENDER_OIN,
        ebms=EbmsConfig(url=f"{_BASE}/service/rest/v19", cpa_id=DEFAULT_CPA_ID, party_oin=DEFAULT_SENDER_OIN),
        wus=WusConfig(url=f"{_BASE}{WUS_PATH}"),
    )
    letters = demo_letters(simulator, count)
    started = time.perf_counter()
    with Client(config, transport=simulator.transport()) as client:
        outcomes = client.deliver(letters, deadline=30.0, poll_interval=0.05)
    elapsed = time.perf_counter() - started
    seen = simulator.inspect
    counts = {s.value: sum(o.status is s for o in outcomes) for s in OutcomeStatus}
    if as_json:
        emit_json(
            {
                "letters": [
                    {
                        "bericht_id": str(o.bericht_id),
                        "bsn": o.bsn.masked,
                        "bericht_type": b.bericht_type,
                        "referentie": o.referentie,
                        "status": o.status.value,
                        "code": o.code.value if o.code else None,
                        "action": o.action,
                    }
                    for b, o in zip(letters, outcomes, strict=True)
                ],
                "counts": counts,
                "seconds": round(elapsed, 3),
            }
        )
    else:
        click.echo(
            f"Simulator: {len(seen.wus_calls())} subscription check(s), "
            f"{len(seen.sent_messages())} ebMS message(s) received."
        )
        click.echo(
            table(
                [_row(b, o) for b, o in zip(letters, outcomes, strict=True)],
                ["BSN", "type", "referentie", "outcome", "code", "what to do"],
            )
        )
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        click.echo(f"\n{len(letters)} letters in {elapsed:.2f} s: {summary}.")
        click.echo(
            f"The {_INACTIVE_TYPE} letter fails on purpose: that type is not active for Gemeente Demo."
        )
    raise SystemExit(int(Exit.OK))

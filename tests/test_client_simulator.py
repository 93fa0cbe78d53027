"""End to end: Client and AsyncClient against the in-process simulator (its default world)."""

from __future__ import annotations

import asyncio

import pytest

from mobb_sdk import (
    AsyncClient,
    Bericht,
    Client,
    ClientConfig,
    EbmsConfig,
    OutcomeStatus,
    VerwerkingsCode,
    WusConfig,
)

simulator = pytest.importorskip("mobb_sdk.simulator")

ROOT = "http://127.0.0.1:8080"
BSNS = ["999900006", "999900018", "999900043", "999900055", "999900079", "999900080", "999900109"]
# The default world: Anna, Bram and Dewi take WOZ letters from the demo municipality; Eva not for WOZ,
# Gerrit has no subscription, Hanna and Joost no active box.
EXPECTED = [OutcomeStatus.DELIVERED] * 3 + [OutcomeStatus.PAPER] * 4


def config() -> ClientConfig:
    oin = simulator.DEFAULT_SENDER_OIN
    return ClientConfig(
        sender_oin=oin,
        ebms=EbmsConfig(url=ROOT + simulator.EBMS_PREFIX, cpa_id=simulator.DEFAULT_CPA_ID, party_oin=oin),
        wus=WusConfig(url=ROOT + simulator.WUS_PATH),
        active_bericht_types={"WOZ"},
    )


def letters() -> list[Bericht]:
    return [Bericht.create(b, "WOZ", "Aanslag", "Uw aanslag staat klaar.") for b in BSNS]


def test_deliver_sync() -> None:
    sim = simulator.Simulator()
    with Client(config(), transport=sim.transport(), sleep=lambda s: None) as client:
        client.ping()
        outcomes = client.deliver(letters(), deadline=5, poll_interval=1)
    assert [o.status for o in outcomes] == EXPECTED
    assert {o.code for o in outcomes[:3]} == {VerwerkingsCode.VERWERKT}


def test_deliver_async() -> None:
    sim = simulator.Simulator()

    async def run() -> list[OutcomeStatus]:
        async with AsyncClient(config(), transport=sim.transport()) as client:
            return [o.status for o in await client.deliver(letters(), deadline=5, poll_interval=0.01)]

    assert asyncio.run(run()) == EXPECTED


def test_send_collect_and_resend_sync() -> None:
    sim = simulator.Simulator()
    from mobb_sdk import Batch

    batch = Batch(afzender=simulator.DEFAULT_SENDER_OIN, berichten=letters()[:2])
    with Client(config(), transport=sim.transport()) as client:
        receipt = client.send(batch)
        collected = client.collect_results([receipt])
        assert collected.complete
        assert {r.verwerkings_code for r in collected.per_bericht.values()} == {VerwerkingsCode.VERWERKT}
        again = client.resend(receipt)
        assert again.attempts == 2
        second = client.collect_results([again])
        assert {r.verwerkings_code for r in second.per_bericht.values()} == {
            VerwerkingsCode.BERICHT_BESTAAT_AL
        }

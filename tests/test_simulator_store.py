"""The simulator's store: what it keeps per letter stays out of the cyclic GC, and reads back whole."""

from __future__ import annotations

import gc
import uuid
from itertools import cycle

import pytest

from mobb_sdk import Batch, Bericht, Client, ClientConfig, EbmsConfig, VerwerkingsCode, from_xml, to_xml
from mobb_sdk.simulator import DEFAULT_CPA_ID, DEFAULT_SENDER_OIN, EBMS_PREFIX, Simulator
from mobb_sdk.simulator._store import GuidSet

ROOT = "http://127.0.0.1:8080"
SUBSCRIBED = ("999900006", "999900018", "999900031")  # default world: subscribed to WOZ


def _config() -> ClientConfig:
    return ClientConfig(
        sender_oin=DEFAULT_SENDER_OIN,
        ebms=EbmsConfig(url=ROOT + EBMS_PREFIX, cpa_id=DEFAULT_CPA_ID, party_oin=DEFAULT_SENDER_OIN),
        active_bericht_types={"WOZ"},
    )


def _batch(n: int) -> Batch:
    bsns = cycle(SUBSCRIBED)
    return Batch(
        DEFAULT_SENDER_OIN, [Bericht.create(next(bsns), "WOZ", f"Aanslag {i}", "Tekst") for i in range(n)]
    )


def _tracked() -> int:
    gc.collect()
    gc.collect()  # a second pass untracks the tuples and dicts the first one promoted
    return len(gc.get_objects())


def test_stored_letters_add_no_objects_for_the_gc_to_walk() -> None:
    sim = Simulator(keep_payloads=False)
    with Client(_config(), transport=sim.transport()) as client:
        client.send(_batch(50))  # warm: caches, lazy imports, first-use structures
        before = _tracked()
        for _ in range(3):
            client.send(_batch(400))
        grown = _tracked() - before
    assert len(sim.inspect.letters()) == 1250
    # 1200 letters stored (BerichtIDs, arrival counts, letters in boxes, results): per batch a few
    # records (messages, events, requests) remain tracked, per letter nothing.
    assert grown < 300, f"{grown} more objects tracked by the GC after storing 1200 letters"


def test_inspection_reads_the_store_back() -> None:
    sim = Simulator()
    batch = _batch(5)
    with Client(_config(), transport=sim.transport()) as client:
        client.send(batch)
        client.send(batch)  # the same letters again: BerichtBestaatAl, received twice, stored once
    records = sim.inspect.batches()
    assert [r.batch_id for r in records] == [batch.batch_id, batch.batch_id]
    first, second = (r.result for r in records)
    assert first is not None and second is not None
    assert {b.verwerkings_code for b in first.berichten} == {VerwerkingsCode.VERWERKT}
    assert {b.verwerkings_code for b in second.berichten} == {VerwerkingsCode.BERICHT_BESTAAT_AL}
    assert from_xml(to_xml(first)) == first and first.batch_id == batch.batch_id
    assert sim.inspect.bericht_ids_stored() == frozenset(batch.bericht_ids)
    assert sim.inspect.bericht_ids_received() == dict.fromkeys(batch.bericht_ids, 2)
    letters = sim.inspect.letters()
    assert [x.bericht_id for x in letters] == list(batch.bericht_ids)
    assert [x.onderwerp for x in letters] == [b.onderwerp for b in batch.berichten]
    assert {x.batch_id for x in letters} == {batch.batch_id}
    assert [x.bsn for x in sim.inspect.letters(SUBSCRIBED[1])] == [batch.berichten[1].bsn] * 2
    assert sim.inspect.sent_messages()[0].bericht_ids == batch.bericht_ids


def test_guid_set_is_a_set_of_uuids() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    ids = GuidSet([a])
    ids.add(b)
    ids.add(a)
    assert len(ids) == 2 and a in ids and b in ids and uuid.uuid4() not in ids
    assert "not a guid" not in ids and a.int not in ids
    assert set(ids) == {a, b}
    ids.discard(a)
    ids.discard(a)
    assert set(ids) == {b}
    assert gc.is_tracked(ids._ints) is False


@pytest.mark.parametrize("n", [0, 1])
def test_guid_set_empty_or_single(n: int) -> None:
    guids = [uuid.uuid4() for _ in range(n)]
    assert list(GuidSet(guids)) == guids

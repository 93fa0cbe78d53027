"""Fault injection in-process: each fault, before or after the simulator stored the message."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from mobb_sdk import ConfigurationError, ValidationError, VerwerkingsResultaat, XmlError, from_xml, to_xml
from mobb_sdk.simulator import CHAOS_KINDS, Faults, Operation, Simulator

from .simulator_support import (
    ANNA,
    EBMS,
    batch,
    codes,
    letter,
    payload_of,
    result_for,
    result_ids,
    send_body,
)


def post(client: httpx.Client, b) -> httpx.Response:
    return client.post("/ebms/messages", json=send_body(to_xml(b), conversation_id=str(b.batch_id)))


def test_fail_before_storing_with_retry_after(client, sim):
    sim.faults.fail_next("send", status=503, retry_after=7, times=2)
    b = batch(letter(ANNA))
    for _ in range(2):
        r = post(client, b)
        assert r.status_code == 503
        assert r.headers["Retry-After"] == "7"
    assert sim.inspect.sent_messages() == ()
    ok = post(client, b)
    assert ok.status_code == 200
    assert codes(result_for(client, ok.text)) == ["Verwerkt"]
    assert sim.inspect.bericht_ids_received()[b.berichten[0].bericht_id] == 1
    assert [r.fault for r in sim.inspect.requests()][:2] == ["fail", "fail"]


def test_fail_after_storing(client, sim):
    sim.faults.fail_next(Operation.SEND, status=500, retry_after=None, applied=True)
    b = batch(letter(ANNA))
    r = post(client, b)
    assert r.status_code == 500 and "Retry-After" not in r.headers
    [stored] = sim.inspect.sent_messages()
    assert stored.batch_id == b.batch_id
    again = post(client, b)  # the client's retry: same ids (RES-04)
    assert codes(result_for(client, again.text)) == ["BerichtBestaatAl"]
    assert sim.inspect.bericht_ids_received()[b.berichten[0].bericht_id] == 2


def test_drop_before_and_after(client, sim):
    sim.faults.drop_next("send", applied=False)
    b = batch(letter(ANNA))
    with pytest.raises(httpx.RemoteProtocolError):
        post(client, b)
    assert sim.inspect.sent_messages() == ()
    sim.faults.drop_next("send")  # applied=True by default
    with pytest.raises(httpx.RemoteProtocolError):
        post(client, b)
    assert len(sim.inspect.sent_messages()) == 1
    assert len(result_ids(client)) == 1


def test_delay_beyond_timeout_raises_read_timeout(sim):
    b = batch(letter(ANNA))
    with httpx.Client(transport=sim.transport(), base_url=EBMS, timeout=2.0) as c:
        sim.faults.delay_next("send", seconds=30, applied=False)
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            post(c, b)
        assert time.monotonic() - started < 1  # raised, not slept
        assert sim.inspect.sent_messages() == ()
        sim.faults.delay_next("send", seconds=30)  # applied: stored, then the answer is late
        with pytest.raises(httpx.ReadTimeout):
            post(c, b)
        assert len(sim.inspect.sent_messages()) == 1


def test_short_delay_sleeps_then_answers(sim):
    with httpx.Client(transport=sim.transport(), base_url=EBMS, timeout=5.0) as c:
        sim.faults.delay_next("unprocessed", seconds=0.2)
        started = time.monotonic()
        assert c.get("/ebms/messages/unprocessed").status_code == 200
        assert time.monotonic() - started >= 0.2
        sim.faults.delay_next("*", seconds=0.1, applied=False)
        assert c.get("/cpas").status_code == 200


def test_async_delay_and_timeout(sim):
    async def main() -> None:
        async with httpx.AsyncClient(transport=sim.transport(), base_url=EBMS, timeout=1.0) as c:
            sim.faults.delay_next("get", seconds=0.05)
            assert (await c.get("/ebms/messages/nope")).status_code == 404
            sim.faults.delay_next("status", seconds=5)
            with pytest.raises(httpx.ReadTimeout):
                await c.get("/ebms/messages/nope/status")

    asyncio.run(main())


def test_faults_target_operations(client, sim):
    sim.faults.fail_next("events", status=502)
    sim.faults.fail_next("process", status=500, applied=True)
    post(client, batch(letter(ANNA)))
    assert client.get("/ebms/events/unprocessed").status_code == 502
    [result] = result_ids(client)
    assert client.patch(f"/ebms/messages/{result}").status_code == 500
    assert result_ids(client) == []  # the PATCH was applied before the 500


def test_delivery_failed_and_expired(client, sim):
    b = batch(letter(ANNA))
    sim.faults.delivery_event("FAILED", b.batch_id)
    sent = post(client, b).text
    assert client.get(f"/ebms/messages/{sent}").json()["properties"]["messageStatus"] == "DELIVERY_FAILED"
    assert client.get("/ebms/events/unprocessed", params={"eventTypes": "FAILED"}).json() == [
        {"messageId": sent, "type": "FAILED"}
    ]
    assert result_ids(client) == []
    assert sim.inspect.bericht_ids_received() == {}
    sim.faults.delivery_event("EXPIRED")
    expired = post(client, b).text
    assert client.get(f"/ebms/messages/{expired}").json()["properties"]["messageStatus"] == "EXPIRED"
    # Nothing reached GLOBE, so the same letter is delivered normally now.
    assert codes(result_for(client, post(client, b).text)) == ["Verwerkt"]


def test_batch_fault_for_another_batch_waits(client, sim):
    target, other = batch(letter(ANNA)), batch(letter(ANNA))
    sim.faults.withhold_result(target.batch_id)
    post(client, other)
    assert len(result_ids(client)) == 1
    assert sim.faults.pending == 1


def test_withheld_result_never_comes_but_letters_are_stored(client, sim):
    b = batch(letter(ANNA))
    sim.faults.withhold_result()
    sent = post(client, b).text
    sim.advance(3600 * 25)
    sim.process()
    assert result_ids(client) == []
    [record] = sim.inspect.batches()
    assert record.result_fault == "withhold_result" and record.result_message_ids == ()
    assert record.result is not None and codes(record.result) == ["Verwerkt"]
    resent = client.put(f"/ebms/messages/{sent}").text
    assert codes(result_for(client, resent)) == ["BerichtBestaatAl"]


def test_duplicate_result(client, sim):
    sim.faults.duplicate_result()
    sent = post(client, batch(letter(ANNA))).text
    ids = result_ids(client, refToMessageId=sent)
    assert len(ids) == 2
    assert payload_of(client, ids[0]) == payload_of(client, ids[1])
    assert sim.inspect.batches()[0].result_message_ids == tuple(ids)


@pytest.mark.parametrize(("how", "error"), [("truncated", XmlError), ("invalid", ValidationError)])
def test_malformed_result(client, sim, how, error):
    sim.faults.malformed_result(how=how)
    sent = post(client, batch(letter(ANNA))).text
    [rid] = result_ids(client, refToMessageId=sent)
    with pytest.raises(error):
        from_xml(payload_of(client, rid), VerwerkingsResultaat)
    assert [m.malformed for m in sim.inspect.incoming_messages()] == [True]


def test_technisch_probleem_times(client, sim):
    one = letter(ANNA)
    sim.faults.technisch_probleem(one.bericht_id, times=2)
    sent = post(client, batch(one)).text
    assert codes(result_for(client, sent)) == ["TechnischProbleem"]
    resent = client.put(f"/ebms/messages/{sent}").text
    assert codes(result_for(client, resent)) == ["TechnischProbleem"]
    third = client.put(f"/ebms/messages/{sent}").text
    assert codes(result_for(client, third)) == ["Verwerkt"]
    assert [f.kind for f in sim.inspect.faults()] == ["technisch_probleem"] * 2


def test_random_is_reproducible_and_survivable():
    def run(seed: int) -> list[tuple[str, str]]:
        sim = Simulator(faults=Faults.random(seed, rate=0.5))
        out = []
        with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
            for _ in range(20):
                try:
                    r = post(c, batch(letter(ANNA)))
                    out.append(("status", str(r.status_code)))
                except httpx.TransportError as exc:
                    out.append(("error", type(exc).__name__))
        kinds = [f.kind for f in sim.inspect.faults()]
        assert all(f.random for f in sim.inspect.faults())
        assert set(kinds) <= {"fail", "drop_after", "duplicate_result", "technisch_probleem"}
        return out + [("kind", k) for k in kinds]

    first = run(7)
    assert first == run(7)
    assert first != run(8)
    assert ("status", "503") in first


def test_random_batch_kinds_and_off():
    sim = Simulator()
    sim.faults.set_random(1, rate=1.0, kinds={"delivery_failed"})
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as c:
        sent = post(c, batch(letter(ANNA))).text
        assert c.get(f"/ebms/messages/{sent}").json()["properties"]["messageStatus"] == "DELIVERY_FAILED"
        sim.faults.set_random(1, rate=0)
        sent = post(c, batch(letter(ANNA))).text
        assert c.get(f"/ebms/messages/{sent}").json()["properties"]["messageStatus"] == "DELIVERED"
    assert "delivery_failed" in CHAOS_KINDS


def test_configuration_errors_and_clear():
    faults = Faults()
    with pytest.raises(ConfigurationError, match="unknown operation"):
        faults.fail_next("sendd")
    with pytest.raises(ConfigurationError, match="HTTP error status"):
        faults.fail_next(status=200)
    with pytest.raises(ConfigurationError, match="positive"):
        faults.drop_next(times=0)
    with pytest.raises(ConfigurationError, match="negative"):
        faults.delay_next(seconds=-1)
    with pytest.raises(ConfigurationError, match="FAILED"):
        faults.delivery_event("LOST")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="GUID"):
        faults.withhold_result("not-a-guid")
    with pytest.raises(ConfigurationError, match="truncated"):
        faults.malformed_result(how="odd")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="at least one"):
        faults.technisch_probleem()
    with pytest.raises(ConfigurationError, match="unknown chaos"):
        faults.set_random(1, 0.1, {"meteor"})
    with pytest.raises(ConfigurationError, match="probability"):
        faults.set_random(1, 2.0)
    faults.fail_next(times=2).drop_next().wus_outage(3).duplicate_result()
    faults.technisch_probleem("00000000-0000-0000-0000-000000000001")
    assert faults.pending == 8
    assert faults.clear().pending == 0

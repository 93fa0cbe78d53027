"""Differential: one script of REST calls (tests/ebms_contract_script.py) against the in-process and the
served simulator, compared step by step: status, media type, body shape, error texts, effects.

The expected statuses below are spec section 1's table "How ebms-core 2.20 really behaves"; the script
can be played against a real ebms-core with the same module, which has not been done on this machine.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mobb_sdk.simulator import Simulator

from .ebms_contract_script import Observation, play

EBMS = "http://simulator.test/service/rest/v19"

EXPECTED_STATUS = {
    "cpa validate": 204,
    "cpa insert": 200,
    "cpa insert again": 400,
    "cpa validate broken": 400,
    "cpa get": 200,
    "cpa get unknown": 404,
    "cpa delete unknown": 404,
    "cpa cache": 204,
    "ping": 204,
    "ping unknown cpa": 500,
    "send": 200,
    "send without data sources": 200,
    "send unknown cpa": 500,
    "send wrong action": 500,
    "send not json": 500,  # CXF maps Jackson's parse error to a bare 500 (tests/test_cxf_wire.py)
    "get sent": 200,
    "get sent process=maybe": 200,
    "get unknown": 404,
    "status unknown": 404,
    "resend unknown": 404,
    "patch message unknown": 204,
    "patch event unknown": 204,
    "unprocessed maxNr=x": 404,
    "events delivered": 200,
    "events comma": 404,
    "events unknown type": 404,
    "patch event sent": 204,
    "events delivered after patch": 200,
    "resend": 200,
    "mtom send": 200,
    "mtom get": 200,
    "mtom get unknown": 404,
    "url mapping set": 204,
    "url mappings": 200,
    "url mapping delete": 204,
    "url mapping delete again": 404,
    "url mapping cache": 204,
    "certificate mapping not a certificate": 500,
    "certificate mappings": 200,
    "results maxNr=0": 200,
    "get result": 200,
    "status sent": 200,
    "status result": 200,
    "received event": 200,
    "patch event result": 204,
    "received event after patch": 200,
    "results after patch": 200,
    "cpa delete": 204,
    "cpa delete again": 404,
    "send after delete": 500,
}


def _in_process() -> list[Observation]:
    sim = Simulator()
    with httpx.Client(transport=sim.transport(), base_url=EBMS) as client:
        return list(play(client))


def _served() -> list[Observation]:
    sim = Simulator()
    with sim.serve() as server, httpx.Client(base_url=server.ebms_url, timeout=10) as client:
        return list(play(client))


@pytest.fixture(scope="module")
def both() -> Iterator[tuple[list[Observation], list[Observation]]]:
    return _in_process(), _served()


def test_every_step_has_the_status_of_ebms_core(both):
    in_process, _ = both
    got = {o.step: o.status for o in in_process}
    assert got == EXPECTED_STATUS


def test_in_process_and_served_agree_step_by_step(both):
    in_process, served = both
    assert [o.step for o in in_process] == [o.step for o in served]
    for a, b in zip(in_process, served, strict=True):
        assert a == b, a.step


def test_shapes_and_texts_of_the_table(both):
    by_step = {o.step: o for o in both[0]}
    # not-found kinds: 404 with an empty body
    for step in ("get unknown", "status unknown", "resend unknown", "cpa get unknown", "mtom get unknown"):
        assert by_step[step].shape == "empty", step
    # a body Jackson cannot read: CXF's bare 500, no body and no media type
    assert (by_step["send not json"].shape, by_step["send not json"].media_type) == ("empty", "")
    assert by_step["send"].media_type == "text/plain" and by_step["send"].shape == "text"
    assert by_step["cpa get"].media_type == "text/plain"
    assert by_step["cpa insert again"].text == "Did not insert CPA cpa-contract-script! CPA already exists."
    assert by_step["ping unknown cpa"].text == "No CPA found for cpaId=no-such-cpa"
    assert by_step["send unknown cpa"].text == "No CPA found for message.cpaId=no-such-cpa"
    assert by_step["send after delete"].text == "No CPA found for message.cpaId=cpa-contract-script"
    assert by_step["send wrong action"].shape is True
    props = by_step["get sent"].shape["properties"]
    assert props["timestamp"] == "instant"  # ISO-8601 ending in Z
    assert "refToMessageId" not in props  # null fields left out
    assert by_step["get sent"].shape["dataSources"][2]["content"] == "str"  # base64
    # effects on later calls
    assert by_step["events delivered"].shape[1] == 2  # the batch and the empty send
    assert by_step["events delivered after patch"].shape[1] == 1
    # maxNr=0: every result (two sends, the resend and the MTOM send)
    assert by_step["results maxNr=0"].shape[1] == 4
    assert by_step["status sent"].shape == {"status": "str", "timestamp": "instant"}
    assert by_step["status result"].shape == {"status": "str"}
    assert by_step["received event"].shape[1] == 1
    assert by_step["received event after patch"].shape[1] == 0
    assert by_step["results after patch"].shape[1] == 3
    assert by_step["mtom get"].shape == ("multipart", 2)
    assert by_step["url mappings"].shape == ("list", 1, {"destination": "str", "source": "str"})


def test_both_doors_agree_with_the_default_event_listener():
    def observed(served: bool) -> list[Observation]:
        sim = Simulator(event_listener="DEFAULT")
        if not served:
            with httpx.Client(transport=sim.transport(), base_url=EBMS) as client:
                return list(play(client))
        with sim.serve() as server, httpx.Client(base_url=server.ebms_url, timeout=10) as client:
            return list(play(client))

    in_process, served = observed(False), observed(True)
    assert in_process == served
    by_step = {o.step: o for o in in_process}
    assert {o.step: o.status for o in in_process} == EXPECTED_STATUS
    # No events at all; PATCH /ebms/events still marks the result processed.
    for step in ("events delivered", "received event", "received event after patch"):
        assert by_step[step].shape == ("list", 0, None), step
    assert by_step["results after patch"].shape[1] == 3

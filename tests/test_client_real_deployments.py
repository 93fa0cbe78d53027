"""The client against ebms-core as it is really deployed (issue 10 item 6) and against hostile lists
(issue 12 item 2): every test runs sync and async, and against both event-listener modes.

- With the shipped DEFAULT event listener ebms-core stores no events: results still arrive (they are
  polled as messages) and settle the letters; the client warns once, naming ``eventListener.type=DAO``.
- ``/status`` is never read as the local sending status.
- The RECEIVED events of the results it takes are acknowledged, so no unprocessed event is left.
- A 500 from ebms-core's validation is an :class:`EbmsConfigurationError` with its text, not retried.
- ``max_nr`` bounds the GETs; any list read is capped; the set of ignored ids is bounded.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import attrs
import httpx
import pytest

from mobb_sdk import (
    AsyncClient,
    Batch,
    Bericht,
    Client,
    ClientConfig,
    EbmsConfig,
    EbmsConfigurationError,
    HttpStatusError,
    OutcomeStatus,
    VerwerkingsCode,
    WusConfig,
)
from mobb_sdk._client import BoundedSet
from mobb_sdk._ebms import MAX_LISTED
from mobb_sdk.simulator import (
    DEFAULT_CPA_ID,
    DEFAULT_SENDER_OIN,
    EBMS_PREFIX,
    WUS_PATH,
    Operation,
    Simulator,
)

ROOT = "http://127.0.0.1:8080"
BSNS = ["999900006", "999900018", "999900043"]  # Anna, Bram, Dewi: WOZ letters go to their boxes


def config(cpa_id: str = DEFAULT_CPA_ID) -> ClientConfig:
    oin = DEFAULT_SENDER_OIN
    return ClientConfig(
        sender_oin=oin,
        ebms=EbmsConfig(url=ROOT + EBMS_PREFIX, cpa_id=cpa_id, party_oin=oin),
        wus=WusConfig(url=ROOT + WUS_PATH),
        active_bericht_types={"WOZ"},
    )


def letters() -> list[Bericht]:
    return [Bericht.create(b, "WOZ", "Aanslag", "Uw aanslag staat klaar.") for b in BSNS]


class Run:
    """One client, sync or async, on ``transport``, whose methods are all called the sync way."""

    def __init__(self, kind: str, transport: Any, cfg: ClientConfig | None = None) -> None:
        self.kind = kind
        cfg = cfg if cfg is not None else config()
        if kind == "sync":
            self.client: Any = Client(cfg, transport=transport, sleep=lambda s: None)
        else:
            self.loop = asyncio.new_event_loop()

            async def nap(seconds: float) -> None:
                return None

            self.client = AsyncClient(cfg, transport=transport, sleep=nap)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)
        if self.kind == "sync":
            return method  # type: ignore[no-any-return]
        return lambda *a, **k: self.loop.run_until_complete(method(*a, **k))

    def close(self) -> None:
        if self.kind == "sync":
            self.client.close()
        else:
            self.loop.run_until_complete(self.client.aclose())
            self.loop.close()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["DAO", "DEFAULT"])
def sim(request: pytest.FixtureRequest) -> Simulator:
    return Simulator(event_listener=request.param)


@pytest.fixture(params=["in-process", "served"])
def run(request: pytest.FixtureRequest, kind: str, sim: Simulator) -> Any:
    if request.param == "in-process":
        r = Run(kind, sim.transport())
        yield r
        r.close()
        return
    with sim.serve() as server:
        cfg = config()
        served = attrs.evolve(
            cfg,
            ebms=attrs.evolve(cfg.ebms, url=server.ebms_url),
            wus=attrs.evolve(cfg.wus, url=server.wus_url),
        )
        r = Run(kind, None, served)
        yield r
        r.close()


def requests_of(sim: Simulator, operation: Operation) -> int:
    return sum(1 for r in sim.inspect.requests() if r.operation is operation)


def test_deliver_settles_letters_in_both_listener_modes_without_reading_status(run, sim):
    outcomes = run.deliver(letters(), deadline=5, poll_interval=1)
    assert [o.status for o in outcomes] == [OutcomeStatus.DELIVERED] * 3
    assert {o.code for o in outcomes} == {VerwerkingsCode.VERWERKT}
    assert requests_of(sim, Operation.STATUS) == 0  # never the local sending status
    # Every result was taken and marked; no event is left unprocessed (DAO: none ever stored otherwise).
    assert all(m.processed_at is not None for m in sim.inspect.incoming_messages())
    assert all(e.processed_at is not None for e in sim.inspect.events())
    if sim.event_listener == "DEFAULT":
        assert sim.inspect.events() == ()


def test_default_listener_is_named_once_in_a_warning(run, sim, caplog):
    caplog.set_level(logging.WARNING, logger="mobb_sdk.client")
    run.deliver(letters()[:1], deadline=5, poll_interval=1)
    run.deliver(letters()[1:], deadline=5, poll_interval=1)
    warnings = [r for r in caplog.records if "eventListener.type=DAO" in r.getMessage()]
    assert len(warnings) == (1 if sim.event_listener == "DEFAULT" else 0)
    # The check costs one events query per client, not one per result.
    asked = [r for r in sim.inspect.requests() if r.operation is Operation.EVENTS]
    assert len(asked) >= 1


def test_ack_result_marks_the_message_and_its_received_event(run, sim):
    run.send(Batch(afzender=DEFAULT_SENDER_OIN, berichten=letters()[:1]))
    [result] = run.results()
    assert run.ack_result(result) is True
    [message] = [m for m in sim.inspect.incoming_messages() if m.message_id == result.message_id]
    assert message.status == "PROCESSED"
    received = [e for e in sim.inspect.events() if e.message_id == result.message_id]
    if sim.event_listener == "DAO":
        assert [e.type for e in received] == ["RECEIVED"] and received[0].processed_at is not None
        assert requests_of(sim, Operation.ACK_EVENT) >= 1
    else:
        assert received == []
        assert requests_of(sim, Operation.ACK_EVENT) == 0  # nothing to mark where no event is stored


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (lambda c: c.send_batch(), "No CPA found for message.cpaId=cpa-unknown"),
        (lambda c: c.ping(), "No CPA found for cpaId=cpa-unknown"),
    ],
)
def test_a_validation_500_is_a_configuration_error_not_retried(kind, sim, call, text):
    r = Run(kind, sim.transport(), config("cpa-unknown"))
    try:
        r.send_batch = lambda: r.send(Batch(afzender=DEFAULT_SENDER_OIN, berichten=letters()[:1]))
        before = len(sim.inspect.requests())
        with pytest.raises(EbmsConfigurationError) as info:
            call(r)
        assert info.value.status == 500 and info.value.body == text and text in str(info.value)
        assert len(sim.inspect.requests()) == before + 1  # one try
    finally:
        r.close()


def test_an_unrelated_500_stays_an_http_status_error(kind):
    tries = []

    def answer(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        return httpx.Response(500, text="java.lang.NullPointerException")

    r = Run(kind, httpx.MockTransport(answer))
    try:
        with pytest.raises(HttpStatusError) as info:
            r.ping()
        assert info.value.status == 500 and not isinstance(info.value, EbmsConfigurationError)
    finally:
        r.close()


# --- issue 12 item 2: bounds -------------------------------------------------------------------------------


class HostileEbms:
    """An ebms-core that lists ``count`` ids whatever maxNr says, and answers each GET with a message
    that is not a result (so the client must leave it alone)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.gets = 0
        self.listed_max_nr: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/ebms/messages/unprocessed"):
            self.listed_max_nr.append(request.url.params.get("maxNr"))
            return httpx.Response(200, json=[f"m-{i}@hostile" for i in range(self.count)])
        if path.endswith("/ebms/events/unprocessed"):
            events = [{"messageId": f"m-{i}@hostile", "type": "DELIVERED"} for i in range(self.count)]
            return httpx.Response(200, json=events)
        if "/ebms/messages/" in path and request.method == "GET":
            self.gets += 1
            mid = path.rsplit("/", 1)[1]
            props = {
                "cpaId": DEFAULT_CPA_ID,
                "fromParty": {"partyId": "urn:osb:oin:00000001822477348000", "role": "SP"},
                "toParty": {"partyId": DEFAULT_SENDER_OIN.party_id, "role": "SR"},
                "service": "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0",
                "action": "SomethingElse",
                "conversationId": "c",
                "messageId": mid,
                "messageStatus": "RECEIVED",
            }
            return httpx.Response(200, content=json.dumps({"properties": props, "dataSources": []}))
        return httpx.Response(404)


def test_max_nr_bounds_the_gets_against_a_list_of_5000(kind):
    hostile = HostileEbms(5000)
    r = Run(kind, httpx.MockTransport(hostile))
    try:
        assert r.results(max_nr=10) == []
        assert hostile.gets == 10
        assert hostile.listed_max_nr == ["10"]
        # The next call skips the ten left alone and asks for room to do so.
        assert r.results(max_nr=10) == []
        assert hostile.gets == 20 and hostile.listed_max_nr[-1] == "20"
        assert len(r.client._ignored) == 20
    finally:
        r.close()


def test_lists_read_from_the_network_are_capped(kind):
    hostile = HostileEbms(MAX_LISTED + 5000)
    r = Run(kind, httpx.MockTransport(hostile))
    try:
        assert len(r.events()) == MAX_LISTED
        assert len(r.events(max_nr=7)) == 7
    finally:
        r.close()


def test_the_ignored_set_is_bounded():
    seen = BoundedSet(3)
    for i in range(10):
        seen.add(f"m-{i}")
    assert len(seen) == 3 and "m-9" in seen and "m-6" not in seen
    seen.add("m-7")  # re-adding refreshes, never grows
    assert len(seen) == 3 and "m-7" in seen


@pytest.mark.parametrize("listener", ["DAO", "DEFAULT"])
def test_the_outbox_settles_every_letter_in_both_listener_modes(tmp_path, listener):
    from mobb_sdk.outbox import Outbox
    from tests.outbox_support import OIN, assert_invariants, letters, world
    from tests.outbox_support import config as outbox_config

    n = 30
    sim = Simulator(world(n), event_listener=listener)
    box = Outbox(tmp_path / "run.outbox", afzender=OIN)
    try:
        box.enqueue_many(letters(n))
        with Client(outbox_config(), transport=sim.transport(), sleep=lambda s: None) as client:
            box.run(client, wait=5.0, sleep=lambda s: None, poll_interval=0.0, max_letters=10)
        assert_invariants(box, sim, n)
        assert requests_of(sim, Operation.STATUS) == 0
        assert all(m.processed_at is not None for m in sim.inspect.incoming_messages())
        assert all(e.processed_at is not None for e in sim.inspect.events())
    finally:
        box.close()


def test_an_id_list_is_capped_and_deduplicated():
    from mobb_sdk._ebms import Context, EbmsProtocol

    protocol = EbmsProtocol(config().ebms, config().timeouts)
    ids = [f"m-{i % (MAX_LISTED + 50)}" for i in range(MAX_LISTED + 5000)]
    response = httpx.Response(200, json=ids)
    read = protocol.read_id_list(response, Context("list"))
    assert len(read) == MAX_LISTED and read[:2] == ["m-0", "m-1"]
    assert protocol.read_id_list(httpx.Response(200, json=["a", "a", "b"]), Context("list"), 5) == ["a", "b"]


def test_an_outbox_run_against_a_cpa_ebms_core_refuses_stops_and_the_next_run_delivers(tmp_path):
    from mobb_sdk.outbox import Outbox
    from tests.outbox_support import OIN, assert_invariants, letters, world
    from tests.outbox_support import config as outbox_config

    n = 12
    sim = Simulator(world(n))
    box = Outbox(tmp_path / "run.outbox", afzender=OIN)
    try:
        box.enqueue_many(letters(n))
        wrong = outbox_config(ebms=EbmsConfig(url=ROOT + EBMS_PREFIX, cpa_id="cpa-unknown", party_oin=OIN))
        with Client(wrong, transport=sim.transport(), sleep=lambda s: None) as client:
            stopped = box.run(client, wait=1.0, sleep=lambda s: None, poll_interval=0.0)
        assert any("No CPA found for message.cpaId=cpa-unknown" in e for e in stopped.errors)
        assert sim.inspect.sent_messages() == ()  # refused, nothing half sent
        assert requests_of(sim, Operation.SEND) == 1  # not retried
        with Client(outbox_config(), transport=sim.transport(), sleep=lambda s: None) as client:
            box.run(client, wait=5.0, sleep=lambda s: None, poll_interval=0.0)
        assert_invariants(box, sim, n)
    finally:
        box.close()

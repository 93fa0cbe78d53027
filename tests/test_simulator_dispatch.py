"""The one dispatch step (``Simulator.dispatch``) driven by hand: what it waits for and when it stores."""

from __future__ import annotations

from collections.abc import Generator

import httpx
import pytest

from mobb_sdk import to_xml
from mobb_sdk.simulator import Cut, Simulator

from .simulator_support import ANNA, EBMS, batch, letter, send_body


def send_request(*, read_timeout: float | None = None) -> httpx.Request:
    b = batch(letter(ANNA))
    body = send_body(to_xml(b), conversation_id=str(b.batch_id))
    extensions = {"timeout": {"read": read_timeout}} if read_timeout is not None else {}
    return httpx.Request("POST", EBMS + "/ebms/messages", json=body, extensions=extensions)


def finish(exchange: Generator[float, bool, httpx.Response | Cut], waiting: bool) -> httpx.Response | Cut:
    with pytest.raises(StopIteration) as stop:
        exchange.send(waiting)
    outcome: httpx.Response | Cut = stop.value.value
    return outcome


def run_without_wait(exchange: Generator[float, bool, httpx.Response | Cut]) -> httpx.Response | Cut:
    with pytest.raises(StopIteration) as stop:
        next(exchange)
    outcome: httpx.Response | Cut = stop.value.value
    return outcome


def test_without_a_fault_the_answer_comes_at_once(sim: Simulator) -> None:
    outcome = run_without_wait(sim.dispatch(send_request()))
    assert isinstance(outcome, httpx.Response) and outcome.status_code == 200
    assert len(sim.inspect.sent_messages()) == 1
    assert [(r.status, r.fault) for r in sim.inspect.requests()] == [(200, None)]


def test_an_applied_delay_stores_before_it_waits(sim: Simulator) -> None:
    sim.faults.delay_next("send", seconds=30)
    exchange = sim.dispatch(send_request())
    assert next(exchange) == 30
    assert len(sim.inspect.sent_messages()) == 1  # stored while the answer is still to come
    outcome = finish(exchange, waiting=True)
    assert isinstance(outcome, httpx.Response) and outcome.status_code == 200
    assert [(r.status, r.fault) for r in sim.inspect.requests()] == [(200, None)]


def test_a_delay_before_storing_stores_nothing_when_the_client_is_gone(sim: Simulator) -> None:
    sim.faults.delay_next("send", seconds=30, applied=False)
    exchange = sim.dispatch(send_request())
    assert next(exchange) == 30
    assert sim.inspect.sent_messages() == ()
    assert finish(exchange, waiting=False) is Cut.GONE
    assert sim.inspect.sent_messages() == ()
    assert [(r.status, r.fault) for r in sim.inspect.requests()] == [(None, "delay")]


def test_a_delay_before_storing_stores_when_the_client_still_waits(sim: Simulator) -> None:
    sim.faults.delay_next("send", seconds=30, applied=False)
    exchange = sim.dispatch(send_request())
    assert next(exchange) == 30
    outcome = finish(exchange, waiting=True)
    assert isinstance(outcome, httpx.Response) and outcome.status_code == 200
    assert len(sim.inspect.sent_messages()) == 1


@pytest.mark.parametrize("applied", [True, False])
def test_a_delay_beyond_the_read_timeout_is_cut_without_waiting(sim: Simulator, applied: bool) -> None:
    sim.faults.delay_next("send", seconds=30, applied=applied)
    outcome = run_without_wait(sim.dispatch(send_request(read_timeout=5)))
    assert outcome is Cut.TIMED_OUT
    assert len(sim.inspect.sent_messages()) == (1 if applied else 0)
    assert [(r.status, r.fault) for r in sim.inspect.requests()] == [(None, "delay")]


@pytest.mark.parametrize("applied", [True, False])
def test_a_drop_is_cut_after_or_before_storing(sim: Simulator, applied: bool) -> None:
    sim.faults.drop_next("send", applied=applied)
    assert run_without_wait(sim.dispatch(send_request())) is Cut.DROPPED
    assert len(sim.inspect.sent_messages()) == (1 if applied else 0)
    assert [(r.status, r.fault) for r in sim.inspect.requests()] == [(None, "drop")]


def test_a_failure_is_answered_with_the_injected_status(sim: Simulator) -> None:
    sim.faults.fail_next("send", status=503, retry_after=7, applied=True)
    outcome = run_without_wait(sim.dispatch(send_request()))
    assert isinstance(outcome, httpx.Response)
    assert (outcome.status_code, outcome.headers["Retry-After"]) == (503, "7")
    assert len(sim.inspect.sent_messages()) == 1
    assert [(r.status, r.fault) for r in sim.inspect.requests()] == [(503, "fail")]

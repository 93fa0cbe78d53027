"""The façade: deliver() from subscription check to one Outcome per letter, sync and async."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from mobb_sdk import (
    NIL_GUID,
    Batch,
    BerichtResultaat,
    Outcome,
    OutcomeStatus,
    VerwerkingsCode,
    VerwerkingsResultaat,
)
from mobb_sdk._delivery import DeliveryTracker
from tests.client_fakes import FakeLogius, once, only, result_for
from tests.conftest import TEST_BSNS, TEST_OIN, make_bericht
from tests.test_client_ebms import Harness


@pytest.fixture
def fake() -> FakeLogius:
    return FakeLogius()


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest, fake: FakeLogius) -> Iterator[Harness]:
    h = Harness(str(request.param), fake)
    yield h
    h.close()


def letters(n: int, **overrides: object) -> list:
    return [make_bericht(i, **overrides) for i in range(n)]


def by_status(outcomes: list[Outcome]) -> dict[OutcomeStatus, int]:
    counts: dict[OutcomeStatus, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return counts


def test_the_usual_flow(client: Harness, fake: FakeLogius) -> None:
    fake.auto_result = result_for
    berichten = letters(40)
    outcomes = client.deliver(berichten, deadline=60, poll_interval=5)
    assert [o.bericht_id for o in outcomes] == [b.bericht_id for b in berichten]
    paper = {b.bericht_id for b in berichten if b.bsn.value.endswith("0")}
    assert paper  # the fake says BSNs ending in 0 have no subscription
    for o in outcomes:
        if o.bericht_id in paper:
            assert o.status is OutcomeStatus.PAPER
            assert o.code is None
            assert o.batch_id is None
        else:
            assert o.status is OutcomeStatus.DELIVERED
            assert o.code is VerwerkingsCode.VERWERKT
            assert o.message_id in fake.sent
    (sent,) = fake.batches()
    assert {b.bericht_id for b in sent.berichten} == {b.bericht_id for b in berichten} - paper  # ABO-01
    assert fake.unprocessed_incoming() == []
    assert fake.unprocessed_events() == []
    assert client.time.sleeps == []  # everything came in the first poll


def test_a_letter_breaking_a_rule_is_refused_and_the_rest_sent(client: Harness, fake: FakeLogius) -> None:
    fake.auto_result = result_for
    fake.may_receive = lambda bsn: True
    berichten = letters(5)
    berichten[2] = make_bericht(2, bericht_type="ONBEKEND")
    outcomes = client.deliver(berichten, deadline=10)
    assert outcomes[2].status is OutcomeStatus.REFUSED
    assert {v.rule for v in outcomes[2].violations} == {"BER-02"}
    assert [o.status for i, o in enumerate(outcomes) if i != 2] == [OutcomeStatus.DELIVERED] * 4
    (sent,) = fake.batches()
    assert berichten[2].bericht_id not in sent.bericht_ids
    assert "fix the letter" in outcomes[2].action


def test_no_result_before_the_deadline_leaves_letters_pending(client: Harness, fake: FakeLogius) -> None:
    fake.may_receive = lambda bsn: True
    start = client.time.now
    outcomes = client.deliver(letters(3), deadline=30, poll_interval=7)
    assert by_status(outcomes) == {OutcomeStatus.PENDING: 3}
    assert client.time.now - start == pytest.approx(30)
    assert client.time.sleeps == [7, 7, 7, 7, 2]
    assert all(o.batch_id is not None and o.message_id for o in outcomes)
    assert "RES-03" in outcomes[0].action


def test_results_arriving_later_are_picked_up(client: Harness, fake: FakeLogius) -> None:
    fake.may_receive = lambda bsn: True
    polls = {"n": 0}

    def later(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/ebms/messages/unprocessed"):
            polls["n"] += 1
            if polls["n"] == 3:
                fake.add_result(result_for(fake.batches()[0]))
        return None

    fake.fail.append(later)  # a hook answering None stays and watches every request
    outcomes = client.deliver(letters(2), deadline=100, poll_interval=5)
    assert by_status(outcomes) == {OutcomeStatus.DELIVERED: 2}
    assert client.time.sleeps == [5, 5]


def test_a_failed_ebms_delivery_is_resent_with_the_same_ids(client: Harness, fake: FakeLogius) -> None:
    fake.may_receive = lambda bsn: True
    answered: list[str] = []

    def failing_then_answered(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/ebms/events/unprocessed") and not answered:
            (mid,) = fake.sent
            answered.append(mid)
            fake.add_event(mid, "FAILED")
            fake.auto_result = lambda b: result_for(b, VerwerkingsCode.BERICHT_BESTAAT_AL)
        return None

    fake.fail.append(failing_then_answered)
    outcomes = client.deliver(letters(3), deadline=60, poll_interval=5)
    puts = [r for r in fake.requests if r.method == "PUT"]
    assert len(puts) == 1
    first, second = fake.sent.values()
    assert first["payload"] == second["payload"]  # RES-04
    # BerichtBestaatAl after our own resend means "already there".
    assert by_status(outcomes) == {OutcomeStatus.DELIVERED: 3}
    assert all(o.code is VerwerkingsCode.BERICHT_BESTAAT_AL for o in outcomes)
    assert fake.unprocessed_events() == []


def test_bericht_bestaat_al_without_a_resend_is_a_failure(client: Harness, fake: FakeLogius) -> None:
    fake.may_receive = lambda bsn: True
    fake.auto_result = lambda b: result_for(b, VerwerkingsCode.BERICHT_BESTAAT_AL)
    outcomes = client.deliver(letters(1), deadline=5)
    assert outcomes[0].status is OutcomeStatus.FAILED
    assert outcomes[0].code is VerwerkingsCode.BERICHT_BESTAAT_AL


def test_business_outcomes_are_never_resent(client: Harness, fake: FakeLogius) -> None:
    fake.may_receive = lambda bsn: True
    berichten = letters(3)
    codes = {
        berichten[0].bericht_id: VerwerkingsCode.TECHNISCH_PROBLEEM,
        berichten[1].bericht_id: VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD,
    }
    fake.auto_result = lambda b: result_for(b, codes)
    outcomes = client.deliver(berichten, deadline=60)
    assert [o.status for o in outcomes] == [
        OutcomeStatus.FAILED,
        OutcomeStatus.PAPER,
        OutcomeStatus.DELIVERED,
    ]
    assert outcomes[0].code is VerwerkingsCode.TECHNISCH_PROBLEEM
    assert "same ids" in outcomes[0].action
    assert len(fake.sent) == 1
    assert not [r for r in fake.requests if r.method == "PUT"]


def test_a_nil_guid_result_decides_the_whole_batch(client: Harness, fake: FakeLogius) -> None:
    fake.may_receive = lambda bsn: True

    def nil(batch: Batch) -> VerwerkingsResultaat:
        now = datetime.now(UTC)
        code = VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT
        return VerwerkingsResultaat.tally(
            TEST_OIN.value, batch.batch_id, [BerichtResultaat(NIL_GUID, "", code)], now, now
        )

    fake.auto_result = nil
    outcomes = client.deliver(letters(3), deadline=5)
    assert {(o.status, o.code) for o in outcomes} == {
        (OutcomeStatus.FAILED, VerwerkingsCode.XML_VALIDATIE_TEGEN_XSD_VALT_NEGATIEF_UIT)
    }


def test_a_batch_ebms_core_refuses_fails_its_letters(client: Harness, fake: FakeLogius) -> None:
    fake.may_receive = lambda bsn: True
    fake.fail.append(
        only(lambda r: r.method == "POST" and "ebms/messages" in r.url.path, httpx.Response(400))
    )
    outcomes = client.deliver(letters(2), deadline=5)
    assert by_status(outcomes) == {OutcomeStatus.FAILED: 2}
    assert "HTTP 400" in (outcomes[0].detail or "")
    assert outcomes[0].batch_id is not None


def test_polling_errors_do_not_lose_the_outcomes(client: Harness, fake: FakeLogius) -> None:
    fake.may_receive = lambda bsn: True
    fake.fail.extend([only(lambda r: "events" in r.url.path, httpx.Response(404)) for _ in range(50)])
    outcomes = client.deliver(letters(2), deadline=10, poll_interval=5)
    assert by_status(outcomes) == {OutcomeStatus.PENDING: 2}


def test_events_of_other_processes_are_left_alone(client: Harness, fake: FakeLogius) -> None:
    fake.auto_result = result_for
    fake.may_receive = lambda bsn: True
    fake.add_event("someone-else", "FAILED")
    client.deliver(letters(1), deadline=5)
    assert [e["messageId"] for e in fake.unprocessed_events()] == ["someone-else"]
    assert not [r for r in fake.requests if r.method == "PUT"]


def test_many_letters_are_split_into_batches_of_1000(client: Harness, fake: FakeLogius) -> None:
    fake.auto_result = result_for
    fake.may_receive = lambda bsn: True
    berichten = [make_bericht(i) for i in range(2300)]
    outcomes = client.deliver(berichten, deadline=5, check_subscriptions=False)
    assert sorted(len(b) for b in fake.batches()) == [300, 1000, 1000]
    assert by_status(outcomes) == {OutcomeStatus.DELIVERED: 2300}
    assert fake.wus_calls == []


def test_subscriptions_are_checked_per_bericht_type(client: Harness, fake: FakeLogius) -> None:
    fake.auto_result = result_for
    berichten = [make_bericht(0), make_bericht(1, bericht_type="BELAST"), make_bericht(2)]
    client.deliver(berichten, deadline=1)
    assert sorted((c.bericht_type, len(c.bsns)) for c in fake.wus_calls) == [("BELAST", 1), ("WOZ", 2)]


def test_outcome_repr_masks_the_bsn() -> None:
    b = make_bericht(0)
    tracker = DeliveryTracker([b])
    tracker.paper(b)
    (o,) = tracker.outcomes()
    assert b.bsn.value not in repr(o)
    assert b.bsn.value not in str(o)
    assert b.bsn.value[-4:] in repr(o)


def test_duplicate_bericht_ids_are_refused() -> None:
    b = make_bericht(0)
    with pytest.raises(ValueError, match="BER-01"):
        DeliveryTracker([b, b])


def test_deliver_never_prints_a_bsn(
    client: Harness, fake: FakeLogius, caplog: pytest.LogCaptureFixture
) -> None:
    fake.auto_result = result_for
    fake.fail.append(once(httpx.Response(503)))
    with caplog.at_level("DEBUG"):
        client.deliver(letters(3), deadline=5)
    for bsn in TEST_BSNS[:3]:
        assert bsn not in caplog.text

"""End to end, every injected fault: the client retries with the same ids and no letter is stored twice.

Each test runs four ways (the ``harness`` fixture: {Client, AsyncClient} × {in-process, served}) and
checks through ``sim.inspect`` that every hand-over of a batch carried the same BatchID and BerichtIDs
and that no letter was placed twice. Waits go to the harness's fake clock; only the served delay tests
wait for real, for a read timeout of a fraction of a second.
"""

from __future__ import annotations

import logging

import pytest

from mobb_sdk import (
    ApplicationFaultError,
    DependentServiceFaultError,
    EbmsConfigurationError,
    OutcomeStatus,
    RetryPolicy,
    Timeouts,
    VerwerkingsCode,
)
from mobb_sdk.simulator import CHAOS_KINDS
from tests import e2e_harness as e2e
from tests.e2e_harness import (
    ANNA,
    BRAM,
    COR,
    DEWI,
    EVA,
    FATIMA,
    GERRIT,
    HANNA,
    ILSE,
    JOOST,
    assert_ids_reused,
    assert_stored_once,
    hand_overs,
    letter,
    letters,
    make_batch,
    requests_of,
    sole_batch,
)

harness = e2e.harness

C = VerwerkingsCode
S = OutcomeStatus
DELIVERED = (S.DELIVERED, C.VERWERKT)


def statuses(outcomes):
    return [(o.status, o.code) for o in outcomes]


def delivery_events(sim):
    """The DELIVERED/FAILED/EXPIRED events of sent messages (RECEIVED ones belong to results, which
    the client marks processed as messages)."""
    return [e for e in sim.inspect.events() if e.type != "RECEIVED"]


def sent_ids(berichten):
    return tuple(b.bericht_id for b in berichten)


def assert_delivered_once(harness, sent, outcomes, *, hand_overs_expected):
    """Delivered, in ``hand_overs_expected`` ebMS messages all carrying the same ids, stored once."""
    assert [o.status for o in outcomes] == [S.DELIVERED] * len(sent)
    batch_id = sole_batch(outcomes)
    assert len(hand_overs(harness.sim, batch_id)) == hand_overs_expected
    assert_ids_reused(harness.sim, {batch_id: sent_ids(sent)})
    assert_stored_once(harness.sim)
    assert {x.bericht_id for x in harness.sim.inspect.letters()} == set(sent_ids(sent))


# --- HTTP errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
def test_send_fails_before_storing_with_retry_after(harness, status):
    harness.sim.faults.fail_next("send", status=status, retry_after=2, times=2)
    sent = letters(ANNA, BRAM)
    outcomes = harness.client().deliver(sent, deadline=60)
    assert statuses(outcomes) == [DELIVERED] * 2
    # Refused twice before anything was stored, then taken: one message, the server's wait honoured.
    assert [r.status for r in requests_of(harness.sim, "send")] == [status, status, 200]
    assert harness.time.sleeps[:2] == [2.0, 2.0]
    assert_delivered_once(harness, sent, outcomes, hand_overs_expected=1)
    assert harness.sim.inspect.bericht_ids_received() == dict.fromkeys(sent_ids(sent), 1)


@pytest.mark.parametrize("status", [500, 503])
def test_send_fails_after_storing_with_retry_after(harness, status):
    harness.sim.faults.fail_next("send", status=status, retry_after=1, applied=True)
    sent = letters(ANNA, BRAM)
    outcomes = harness.client().deliver(sent, deadline=60)
    # The first try was stored (Verwerkt); the retry is the same batch again (BerichtBestaatAl).
    assert statuses(outcomes) == [DELIVERED] * 2
    assert_delivered_once(harness, sent, outcomes, hand_overs_expected=2)
    assert harness.time.sleeps[0] == 1.0
    codes = [r.result.berichten[0].verwerkings_code for r in harness.sim.inspect.batches()]
    assert codes == [C.VERWERKT, C.BERICHT_BESTAAT_AL]


@pytest.mark.parametrize(
    ("operation", "applied"),
    [
        ("unprocessed", False),
        ("get", False),
        ("process", True),
        ("events", False),
        ("ack_event", True),
        ("wus", False),
    ],
)
def test_polling_and_checking_survive_http_errors(harness, operation, applied):
    harness.sim.faults.fail_next(operation, status=503, retry_after=1, times=2, applied=applied)
    sent = letters(ANNA, BRAM)
    outcomes = harness.client().deliver(sent, deadline=60)
    assert statuses(outcomes) == [DELIVERED] * 2
    tries = requests_of(harness.sim, operation)
    assert [r.status for r in tries[:2]] == [503, 503] and tries[2].status in (200, 204)
    assert_delivered_once(harness, sent, outcomes, hand_overs_expected=1)
    # Every result and delivery event of ours ends up marked processed, even when a PATCH was repeated.
    assert all(m.processed_at is not None for m in harness.sim.inspect.incoming_messages())
    assert all(e.processed_at is not None for e in delivery_events(harness.sim))


def test_a_cpa_refusal_is_a_configuration_error_not_retried(harness):
    # A CPA ebms-core does not know: its validation answers 500 with its text; the client raises a
    # typed configuration error carrying that text, after one try (nothing was sent).
    client = harness.client(cpa_id="cpa-unknown")
    with pytest.raises(EbmsConfigurationError, match=r"No CPA found for message\.cpaId=cpa-unknown") as info:
        client.deliver([letter(ANNA)], deadline=60, check_subscriptions=False)
    assert info.value.status == 500
    assert len(requests_of(harness.sim, "send")) == 1
    assert harness.sim.inspect.sent_messages() == ()


# --- late answers and dropped connections -----------------------------------------------------------------


@pytest.mark.parametrize("applied", [True, False], ids=["after-storing", "before-storing"])
def test_send_answered_beyond_the_read_timeout(harness, applied):
    # In-process the simulator raises the timeout at once; served, the client really waits 0.3 s
    # (short, yet far beyond the few milliseconds any other answer takes here).
    harness.sim.faults.delay_next("send", seconds=0.6, applied=applied)
    client = harness.client(timeouts=Timeouts(connect=5, read=0.3, write=5, pool=5))
    sent = letters(ANNA, BRAM)
    outcomes = client.deliver(sent, deadline=60)
    if harness.served and not applied:
        # Served, the server decides whether to carry out the late request only when its delay is
        # over (it must not: the client hung up); wait for that before checking nothing was doubled.
        harness.wait_for_request("delay")
    assert_delivered_once(harness, sent, outcomes, hand_overs_expected=2 if applied else 1)
    expected_receipts = 2 if applied else 1
    assert harness.sim.inspect.bericht_ids_received() == dict.fromkeys(sent_ids(sent), expected_receipts)


@pytest.mark.parametrize("applied", [True, False], ids=["after-storing", "before-storing"])
def test_send_connection_dropped(harness, applied):
    harness.sim.faults.drop_next("send", applied=applied)
    sent = letters(ANNA, BRAM)
    outcomes = harness.client().deliver(sent, deadline=60)
    assert_delivered_once(harness, sent, outcomes, hand_overs_expected=2 if applied else 1)
    assert [r.fault for r in requests_of(harness.sim, "send")] == ["drop", None]


@pytest.mark.parametrize("operation", ["unprocessed", "get", "process", "events", "wus"])
def test_polling_and_checking_survive_dropped_connections(harness, operation):
    harness.sim.faults.drop_next(operation, times=2)
    sent = letters(ANNA, BRAM)
    outcomes = harness.client().deliver(sent, deadline=60)
    assert_delivered_once(harness, sent, outcomes, hand_overs_expected=1)
    assert [r.fault for r in requests_of(harness.sim, operation)][:3] == ["drop", "drop", None]


# --- ebMS delivery events ---------------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["FAILED", "EXPIRED"])
def test_failed_delivery_is_resent_with_the_same_ids(harness, event):
    harness.sim.faults.delivery_event(event)
    sent = letters(ANNA, BRAM, DEWI)
    outcomes = harness.client().deliver(sent, deadline=60)
    assert statuses(outcomes) == [DELIVERED] * 3
    first, resend = hand_overs(harness.sim, sole_batch(outcomes))
    assert first.status == ("DELIVERY_FAILED" if event == "FAILED" else "EXPIRED")
    assert resend.resend_of == first.message_id and resend.status == "DELIVERED"
    assert outcomes[0].message_id == resend.message_id
    assert_delivered_once(harness, sent, outcomes, hand_overs_expected=2)
    # The failed hand-over never reached GLOBE: each letter arrived there once.
    assert harness.sim.inspect.bericht_ids_received() == dict.fromkeys(sent_ids(sent), 1)
    # The FAILED/EXPIRED event and the DELIVERED one of the resend are both marked processed.
    assert sorted(e.type for e in delivery_events(harness.sim)) == ["DELIVERED", event]
    assert all(e.processed_at is not None for e in delivery_events(harness.sim))


def test_delivery_failing_again_and_again_gives_up_after_max_resends(harness):
    harness.sim.faults.delivery_event("EXPIRED", times=10)
    sent = letters(ANNA, BRAM)
    outcomes = harness.client().deliver(sent, deadline=600, max_resends=2)
    assert [o.status for o in outcomes] == [S.FAILED] * 2
    assert outcomes[0].code is None and "EXPIRED after 2 resend(s)" in (outcomes[0].detail or "")
    batch_id = sole_batch(outcomes)
    assert len(hand_overs(harness.sim, batch_id)) == 3  # the send and two resends, no more
    assert_ids_reused(harness.sim, {batch_id: sent_ids(sent)})
    assert harness.sim.inspect.bericht_ids_received() == {}


def test_resend_that_fails_first_is_retried(harness):
    harness.sim.faults.delivery_event("FAILED")
    harness.sim.faults.fail_next("resend", status=503, retry_after=1)
    harness.sim.faults.drop_next("resend", applied=False)
    sent = letters(ANNA, BRAM)
    outcomes = harness.client().deliver(sent, deadline=60)
    assert statuses(outcomes) == [DELIVERED] * 2
    assert [r.fault for r in requests_of(harness.sim, "resend")] == ["fail", "drop", None]
    assert_delivered_once(harness, sent, outcomes, hand_overs_expected=2)


# --- results ----------------------------------------------------------------------------------------------


def test_withheld_result_is_pending_at_the_deadline_and_never_resent(harness):
    harness.sim.faults.withhold_result()
    sent = letters(ANNA, BRAM)
    outcomes = harness.client().deliver(sent, deadline=60, poll_interval=10)
    assert statuses(outcomes) == [(S.PENDING, None)] * 2
    assert "alert after 24 h" in outcomes[0].action
    assert harness.time.now >= 60  # polled until the deadline, on the fake clock
    assert len(requests_of(harness.sim, "unprocessed")) >= 6
    # Stored at Logius (RES-03: do not resend blindly), and indeed not resent.
    assert requests_of(harness.sim, "resend") == []
    assert len(hand_overs(harness.sim, sole_batch(outcomes))) == 1
    assert harness.sim.inspect.bericht_ids_stored() == set(sent_ids(sent))
    assert_stored_once(harness.sim)


def test_duplicate_result_is_counted_once(harness):
    harness.sim.faults.duplicate_result(times=2)
    client = harness.client()
    sent = letters(ANNA, BRAM)
    outcomes = client.deliver(sent, deadline=60)
    assert statuses(outcomes) == [DELIVERED] * 2
    assert_delivered_once(harness, sent, outcomes, hand_overs_expected=1)
    # Both copies were handled and marked processed; none is left to be read again.
    [record] = harness.sim.inspect.batches()
    assert len(record.result_message_ids) == 2
    assert all(m.processed_at is not None for m in harness.sim.inspect.incoming_messages())
    # collect_results too: two result messages, one answer per letter.
    batch = make_batch(letters(COR, FATIMA))
    receipt = client.send(batch)
    collected = client.collect_results([receipt])
    assert len(collected.results) == 2 and collected.complete
    assert sorted(collected.per_bericht) == sorted(batch.bericht_ids)
    assert {r.verwerkings_code for r in collected.per_bericht.values()} == {C.VERWERKT}
    assert_stored_once(harness.sim)


@pytest.mark.parametrize("how", ["truncated", "invalid"])
def test_malformed_result_is_reported_and_left_unprocessed(harness, how, caplog):
    harness.sim.faults.malformed_result(how=how)
    client = harness.client()
    sent = letters(ANNA, BRAM)
    with caplog.at_level(logging.WARNING, logger="mobb_sdk.client"):
        outcomes = client.deliver(sent, deadline=30, poll_interval=10)
    assert statuses(outcomes) == [(S.PENDING, None)] * 2
    assert any("cannot be read and is left unprocessed" in r.getMessage() for r in caplog.records)
    [message] = harness.sim.inspect.incoming_messages()
    assert message.malformed and message.status == "RECEIVED" and message.processed_at is None
    assert message.fetched == 1  # read once, then left alone on every later poll
    assert requests_of(harness.sim, "resend") == []
    assert client.results() == []
    assert_stored_once(harness.sim)


# --- WUS ------------------------------------------------------------------------------------------------


def test_wus_outage_is_retried(harness):
    harness.sim.faults.wus_outage(times=2)
    sent = letters(ANNA, GERRIT)
    outcomes = harness.client().deliver(sent, deadline=60)
    assert statuses(outcomes) == [DELIVERED, (S.PAPER, None)]
    calls = harness.sim.inspect.wus_calls()
    assert [c.fault is not None for c in calls] == [True, True, False]
    assert calls[0].fault.kind.value == "DependentServiceFault"
    assert_stored_once(harness.sim)


def test_wus_outage_that_lasts_raises_and_sends_nothing(harness):
    harness.sim.faults.wus_outage(times=10)
    with pytest.raises(DependentServiceFaultError):
        harness.client().deliver(letters(ANNA), deadline=60)
    assert len(harness.sim.inspect.wus_calls()) == e2e.RETRY.max_attempts
    assert harness.sim.inspect.sent_messages() == ()


def test_wus_application_fault_is_not_retried(harness):
    # A sender the service does not know: wrong input, so asking again cannot help.
    client = harness.client(sender_oin=e2e.UNKNOWN_SENDER, party_oin=e2e.SENDER)
    with pytest.raises(ApplicationFaultError) as caught:
        client.deliver(letters(ANNA), deadline=60)
    assert not caught.value.retryable
    assert len(harness.sim.inspect.wus_calls()) == 1
    assert harness.sim.inspect.sent_messages() == ()


# --- chaos ------------------------------------------------------------------------------------------------

EVERYONE = (ANNA, BRAM, COR, DEWI, EVA, FATIMA, GERRIT, HANNA, ILSE, JOOST)


@pytest.mark.parametrize(
    ("seed", "rate", "kinds", "rounds"),
    [(1, 0.3, None, 1), (7, 0.4, None, 1), (12, 0.3, sorted(CHAOS_KINDS), 3)],
    ids=["default-kinds-1", "default-kinds-7", "every-kind-12"],
)
def test_random_chaos_one_outcome_per_letter_nothing_stored_twice(harness, seed, rate, kinds, rounds):
    harness.sim.faults.set_random(seed, rate, *([kinds] if kinds else []))
    # Enough tries that no call runs out of them: with too few, deliver gives up (by raising, for the
    # subscription check), which a test of one seed would only show by chance.
    client = harness.client(retry=RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.05))
    people = EVERYONE if rounds == 1 else EVERYONE[:5]
    outcomes, sent = [], []
    for _ in range(rounds):  # more batches, so more batch-level faults
        batch = [letter(b, t) for t in ("WOZ", "BELAST") for b in people]
        outcomes += client.deliver(batch, deadline=300, poll_interval=10)
        sent += batch
    assert [o.bericht_id for o in outcomes] == list(sent_ids(sent))
    assert any(f.random for f in harness.sim.inspect.faults())  # chaos did strike
    assert_ids_reused(harness.sim)
    assert_stored_once(harness.sim)
    stored = harness.sim.inspect.bericht_ids_stored()
    for o in outcomes:
        if o.status is S.DELIVERED:
            assert o.bericht_id in stored
        if o.status in (S.PAPER, S.REFUSED):
            assert o.bericht_id not in stored
    if kinds is None:
        # The default kinds are what a correct client survives: every letter decided, none pending.
        assert S.PENDING not in {o.status for o in outcomes}
        assert {o.code for o in outcomes if o.status is S.FAILED} <= {C.TECHNISCH_PROBLEEM}

"""The outbox in-process against the simulator: enqueueing, the run, faults, the lease, exports.

The kill -9 crash matrix with real processes is in ``test_outbox_crash.py``.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mobb_sdk import (
    Batch,
    Bijlage,
    Client,
    ValidationError,
    VerwerkingsCode,
    make_pdf,
    write_batch,
)
from mobb_sdk._codec import stream_batch
from mobb_sdk._ebms import DeliveryEvent, Receipt
from mobb_sdk._rules import batch_header_size, bericht_size, estimate_batch_size
from mobb_sdk.outbox import (
    BatchState,
    LetterState,
    Outbox,
    OutboxBusy,
    OutcomeStatus,
    SqliteStore,
    export_csv,
    export_json,
    paper_letters,
)
from mobb_sdk.simulator import Simulator
from tests.outbox_support import (
    ALL_TEST_BSNS,
    OIN,
    assert_invariants,
    config,
    letter,
    letters,
    may_receive,
    simulator,
)

N = 600


class _Crash(BaseException):
    """Stands in for a kill in-process: not an Exception, so nothing on the way catches it."""


class CrashAfterPost(Client):
    """Hands the first batch over for real, then 'dies' before the receipt is recorded."""

    def send_payload(self, payload: Any, batch_id: uuid.UUID, bericht_ids: Iterable[uuid.UUID]) -> Receipt:
        super().send_payload(payload, batch_id, bericht_ids)
        raise _Crash


class CrashBeforePost(Client):
    def send_payload(self, payload: Any, batch_id: uuid.UUID, bericht_ids: Iterable[uuid.UUID]) -> Receipt:
        raise _Crash


class NoEvents(Client):
    """An ebms-core that never reports delivery events: results alone must decide."""

    def events(self, *args: Any, **kwargs: Any) -> list[DeliveryEvent]:
        return []


@pytest.fixture
def sim() -> Simulator:
    return simulator(N)


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    box = Outbox(tmp_path / "test.outbox", afzender=OIN)
    yield box  # type: ignore[misc]
    box.close()


def _run(outbox: Outbox, sim: Simulator, client_class: type[Client] = Client, **options: Any) -> Any:
    options = {"poll_interval": 0.0, "max_letters": 100, "wait": 5.0, **options}
    wait = options.pop("wait")
    with client_class(config(), transport=sim.transport(), sleep=lambda s: None) as client:
        return outbox.run(client, wait=wait, sleep=lambda s: None, **options)


# --- enqueueing ------------------------------------------------------------------------------------------


def test_enqueue_validates_fixes_ids_and_is_idempotent_by_key(outbox: Outbox) -> None:
    batch = list(letters(10))
    assert outbox.enqueue_many(batch).added == 10
    assert outbox.enqueue_many(batch).skipped == 10  # keyed by BerichtID
    assert outbox.enqueue(letter(3), key="doc-3") is True
    assert outbox.enqueue(letter(3), key="doc-3") is False  # a new Bericht object, the same document
    assert outbox.counts() == {LetterState.ACCEPTED: 11}
    rows = list(outbox.letters())
    assert [r.bericht_id for r in rows[:10]] == [b.bericht_id for b in batch]
    assert "*****" in repr(rows[0]) and ALL_TEST_BSNS[0] not in repr(rows[0])


def test_a_letter_breaking_a_rule_is_not_enqueued(outbox: Outbox) -> None:
    too_big = [
        Bijlage.from_bytes(make_pdf("x", pad_to=300_000), "a", 1),
        Bijlage.from_bytes(make_pdf("y", pad_to=300_000), "b", 2),
    ]
    with pytest.raises(ValidationError) as info:
        outbox.enqueue(letter(0, bijlagen=too_big))
    assert any(v.rule == "BIJ-03" for v in info.value.violations)
    assert outbox.counts() == {}


def test_attachments_are_stored_once_by_content(outbox: Outbox) -> None:
    pdf = make_pdf("Aanslag 2027")
    outbox.enqueue_many(letter(i, bijlagen=[pdf]) for i in range(20))
    refs = {r.bijlagen[0].sha256 for r in outbox.letters()}
    assert len(refs) == 1
    store = outbox.store
    assert isinstance(store, SqliteStore)
    assert store._query("SELECT COUNT(*) FROM attachments")[0][0] == 1
    assert store.attachment(refs.pop()) == pdf


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            ["bsn", "bericht_type", "onderwerp", "bericht_tekst", "referentie", "publicatie_datum", "bijlage"]
        )
        w.writerows(rows)
    return path


def test_enqueue_file_is_all_or_nothing_and_once(outbox: Outbox, tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(make_pdf("a", pad_to=300_000))
    (tmp_path / "b.pdf").write_bytes(make_pdf("b", pad_to=300_000))
    good = [[ALL_TEST_BSNS[i], "WOZ", f"WOZ {i}", "tekst", f"WOZ-{i}", "", "a.pdf"] for i in range(5)]
    bad = _csv(
        tmp_path / "bad.csv", [*good, [ALL_TEST_BSNS[9], "WOZ", "WOZ", "x", "WOZ-9", "", "a.pdf;b.pdf"]]
    )
    with pytest.raises(ValidationError) as info:
        outbox.enqueue_file(bad)
    assert any(v.rule == "BIJ-03" and "line 7" in v.path for v in info.value.violations)
    assert outbox.counts() == {}  # nothing of a broken file is stored
    fixed = _csv(tmp_path / "fixed.csv", good)
    assert outbox.enqueue_file(fixed).added == 5
    # Enqueueing the same file again (after a crash) adds nothing.
    assert outbox.enqueue_file(fixed).added == 0
    assert outbox.counts() == {LetterState.ACCEPTED: 5}


def test_a_stored_batch_is_written_as_write_batch_writes_it() -> None:
    berichten = [
        letter(i, bijlagen=[make_pdf(f"brief {i}")], publicatie_datum=datetime(2027, 1, 5, 9, tzinfo=UTC))
        for i in range(3)
    ]
    batch = Batch(afzender=OIN, berichten=berichten)
    expected = io.BytesIO()
    write_batch(batch, expected)
    got = io.BytesIO()
    n = stream_batch(
        got,
        batch_id=batch.batch_id,
        aanmaak_datum=batch.aanmaak_datum,
        afzender=OIN.value,
        berichten=iter(berichten),
    )
    assert got.getvalue() == expected.getvalue() and n == len(expected.getvalue())
    assert (
        batch_header_size(batch.aanmaak_datum) + sum(bericht_size(b) for b in berichten)
        == estimate_batch_size(batch)
        == n
    )


# --- the run ---------------------------------------------------------------------------------------------


def test_a_run_decides_every_letter_and_exports_the_paper_list(
    outbox: Outbox, sim: Simulator, tmp_path: Path
) -> None:
    outbox.enqueue_many(letters(N))
    summary = _run(outbox, sim)
    assert summary.complete and summary.batches_sent == 6
    assert_invariants(outbox, sim, N)
    # ABO-02: at most 250 BSNs per ValidateAbonnementen call.
    assert all(len(call.bsns) <= 250 for call in sim.inspect.wus_calls())
    paper = list(paper_letters(outbox))
    assert (
        len(paper) == sum(1 for i in range(N) if not may_receive(i)) == summary.outcomes[OutcomeStatus.PAPER]
    )
    out = io.StringIO()
    assert export_csv(outbox, out, outcomes=[OutcomeStatus.PAPER]) == len(paper)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["action"] == "print and post the letter" and rows[0]["bsn"].startswith("*****")
    assert not any(b in out.getvalue() for b in ALL_TEST_BSNS[:N])
    full = tmp_path / "paper.json"
    export_json(outbox, full, outcomes=[OutcomeStatus.PAPER], with_bsn=True)
    records = json.loads(full.read_text())
    assert {r["bsn"] for r in records} == {r.bsn.value for r in paper}
    # The summary is stored with the run.
    store = outbox.store
    assert isinstance(store, SqliteStore)
    assert json.loads(store._query("SELECT summary FROM runs")[0][0])["complete"] is True


def test_letters_to_paper_from_logius_when_not_checked_locally(outbox: Outbox, sim: Simulator) -> None:
    outbox.enqueue_many(letters(100))
    summary = _run(outbox, sim, check_subscriptions=False)
    assert summary.complete and not sim.inspect.wus_calls()
    codes = {r.code for r in outbox.letters(outcomes=[OutcomeStatus.PAPER])}
    assert codes == {VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD}
    assert_invariants(outbox, sim, 100)


def test_a_check_older_than_seven_days_is_done_again(outbox: Outbox, sim: Simulator) -> None:
    outbox.enqueue_many(letters(50))
    long_ago = datetime.now(UTC) - timedelta(days=8)
    outbox.store.record_checks([(r.seq, True) for r in outbox.letters()], long_ago, "x")
    assert outbox.counts() == {LetterState.CHECKED: 50}
    summary = _run(outbox, sim)
    assert summary.checked == 50 and len(sim.inspect.wus_calls()) == 1  # ABO-01: redone
    assert_invariants(outbox, sim, 50)


def test_duplicate_results_change_nothing(outbox: Outbox, sim: Simulator) -> None:
    sim.faults.duplicate_result(times=6)
    outbox.enqueue_many(letters(N))
    summary = _run(outbox, sim)
    assert summary.complete
    assert summary.answers == sum(1 for i in range(N) if may_receive(i))  # each letter answered once
    assert_invariants(outbox, sim, N)
    assert all(m.processed_at is not None for m in sim.inspect.incoming_messages())  # all acknowledged


def test_missing_delivery_events_do_not_matter(outbox: Outbox, sim: Simulator) -> None:
    outbox.enqueue_many(letters(200))
    summary = _run(outbox, sim, NoEvents)
    assert summary.complete
    assert_invariants(outbox, sim, 200)


def test_a_missing_result_becomes_overdue_and_is_never_resent(outbox: Outbox, sim: Simulator) -> None:
    sim.faults.withhold_result()  # the first batch's result never comes (RES-03)
    outbox.enqueue_many(letters(300))
    first = _run(outbox, sim, wait=0.0)
    assert not first.complete and first.overdue == 0
    waiting = outbox.counts().get(LetterState.DELIVERED, 0)
    assert waiting == 100  # the first batch (max_letters=100)
    later = datetime.now(UTC) + timedelta(hours=25)
    second = _run(outbox, sim, wait=0.0, clock=lambda: later)
    assert second.overdue == waiting and second.batches_sent == 0
    assert outbox.counts()[LetterState.RESULT_OVERDUE] == waiting
    assert set(sim.inspect.bericht_ids_received().values()) == {1}  # reported, not resent
    out = io.StringIO()
    export_csv(outbox, out, states=[LetterState.RESULT_OVERDUE])
    assert "do not resend blindly" in out.getvalue()


def test_a_failed_delivery_is_handed_over_again_with_the_same_ids(outbox: Outbox, sim: Simulator) -> None:
    sim.faults.delivery_event("FAILED")
    outbox.enqueue_many(letters(100))
    summary = _run(outbox, sim)
    assert summary.complete and summary.handovers_repeated == 1
    sent = sim.inspect.sent_messages()
    assert len(sent) == 2 and sent[0].conversation_id == sent[1].conversation_id
    assert sent[1].bericht_ids == tuple(r.bericht_id for r in outbox.letters(states=[LetterState.RESULT]))
    assert_invariants(outbox, sim, 100)


def test_failed_deliveries_beyond_the_resends_fail_the_letters(outbox: Outbox, sim: Simulator) -> None:
    sim.faults.delivery_event("EXPIRED", times=3)
    outbox.enqueue_many(letters(50))
    summary = _run(outbox, sim, max_resends=2)
    assert summary.complete and summary.outcomes[OutcomeStatus.FAILED] == sum(
        1 for i in range(50) if may_receive(i)
    )
    assert set(outbox.counts()) == {LetterState.EXPIRED, LetterState.PAPER}
    assert len(sim.inspect.sent_messages()) == 3


def test_a_send_stored_before_its_error_counts_as_delivered(outbox: Outbox, sim: Simulator) -> None:
    sim.faults.fail_next("send", status=503, applied=True)  # stored, then a 503: the client sends again
    outbox.enqueue_many(letters(100))
    summary = _run(outbox, sim)
    assert summary.complete
    codes = {r.code for r in outbox.letters(outcomes=[OutcomeStatus.DELIVERED])}
    assert VerwerkingsCode.BERICHT_BESTAAT_AL in codes or codes == {VerwerkingsCode.VERWERKT}
    assert_invariants(outbox, sim, 100)


def test_an_interrupted_hand_over_is_resent_with_the_same_ids_and_bestaat_al_is_delivered(
    outbox: Outbox, sim: Simulator
) -> None:
    sim.faults.withhold_result()  # the first hand-over's result never shows: only the resend answers
    outbox.enqueue_many(letters(100))
    with pytest.raises(_Crash):
        _run(outbox, sim, CrashAfterPost)
    [batch] = outbox.store.batches([BatchState.SENDING])
    assert batch.attempts == 1
    summary = _run(outbox, sim)
    assert summary.complete and summary.handovers_repeated == 1
    sent = sim.inspect.sent_messages()
    assert [m.conversation_id for m in sent] == [str(batch.batch_id)] * 2
    assert sent[0].bericht_ids == sent[1].bericht_ids
    delivered = list(outbox.letters(outcomes=[OutcomeStatus.DELIVERED]))
    assert {r.code for r in delivered} == {VerwerkingsCode.BERICHT_BESTAAT_AL}  # RES-04: already there
    assert_invariants(outbox, sim, 100)


def test_a_late_resume_renews_the_aanmaak_datum_and_keeps_the_ids(outbox: Outbox, sim: Simulator) -> None:
    outbox.enqueue_many(letters(100))
    long_ago = datetime.now(UTC) - timedelta(days=14)
    with pytest.raises(_Crash):
        _run(outbox, sim, CrashBeforePost, clock=lambda: long_ago, check_max_age=timedelta(days=30))
    [batch] = outbox.store.batches([BatchState.SENDING])
    assert batch.aanmaak_datum == long_ago
    summary = _run(outbox, sim, check_max_age=timedelta(days=30))
    assert summary.complete
    [record] = sim.inspect.batches()
    assert record.batch_id == batch.batch_id and record.result is not None
    assert {b.verwerkings_code for b in record.result.berichten} == {VerwerkingsCode.VERWERKT}  # not BATCH-04
    renewed = outbox.store.batch(batch.batch_id)
    assert renewed is not None and renewed.aanmaak_datum > long_ago + timedelta(days=13)
    assert_invariants(outbox, sim, 100)


def test_technisch_probleem_is_reported_not_resent(outbox: Outbox, sim: Simulator) -> None:
    items = list(letters(20))
    sim.faults.technisch_probleem(items[2].bericht_id)  # citizen 2 may receive
    outbox.enqueue_many(items)
    summary = _run(outbox, sim)
    assert summary.complete
    [failed] = outbox.letters(outcomes=[OutcomeStatus.FAILED])
    assert failed.bericht_id == items[2].bericht_id and failed.code is VerwerkingsCode.TECHNISCH_PROBLEEM
    assert set(sim.inspect.bericht_ids_received().values()) == {1}


# --- the lease -------------------------------------------------------------------------------------------


def test_a_held_lease_keeps_a_second_runner_out(outbox: Outbox, sim: Simulator) -> None:
    outbox.enqueue_many(letters(10))
    assert outbox.store.acquire_lease("elsewhere|123|abc", 60.0, time.time(), lambda o: False) is None
    with pytest.raises(OutboxBusy, match="elsewhere:123"):
        _run(outbox, sim)
    assert not sim.inspect.sent_messages()


def test_the_lease_of_a_killed_runner_on_this_host_is_taken_over(outbox: Outbox, sim: Simulator) -> None:
    import socket

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    holder = f"{socket.gethostname()}|{dead.stdout.strip()}|gone"
    assert outbox.store.acquire_lease(holder, 600.0, time.time(), lambda o: False) is None
    outbox.enqueue_many(letters(10))
    assert _run(outbox, sim).complete
    assert outbox.store.lease_holder() is None  # released after the run


def test_an_outbox_belongs_to_one_sender(tmp_path: Path) -> None:
    from mobb_sdk import ConfigurationError

    Outbox(tmp_path / "x.outbox", afzender=OIN).close()
    with pytest.raises(ConfigurationError, match="sender"):
        Outbox(tmp_path / "x.outbox", afzender="00000001001234567000")
    Outbox(tmp_path / "x.outbox").close()  # remembered
    with pytest.raises(ConfigurationError, match="afzender"):
        Outbox(tmp_path / "new.outbox")

"""Every window a ``kill -9`` of the ZGW adapter can fall into, each pinned deterministically.

The adapter's BerichtIDs are ``uuid5(<Verzending URL>)``, not derived from the letter's content, so a
``BerichtBestaatAl`` counts as delivered only through the outbox's own count of hand-overs (RES-04).
Each test stops the adapter at one exact point (a hook raising :class:`Killed`, which is not an
``Exception``, so nothing on the way catches it; where a ``finally`` would record more than a real
``kill -9`` leaves, that recording is suppressed too), then starts a fresh adapter on the same outbox
and journal files (what the next process does) and checks that every letter reached a box once and
every Verzending was written back once, with the outcome Logius gave.

The windows and what a restart does:

1. between the outbox storing the letters and the journal recording them: the Verzendingen are taken
   up again, the same letters (same key, same BerichtID) are skipped by the outbox;
2. the same, and the Verzending can no longer be made into a letter (its document is gone): its
   letter is in the outbox all the same, so it is recorded as enqueued, never written back refused;
-. the outbox's own steps (a subscription answer not recorded, a batch recorded and its hand-over
   counted but not sent, a delivery event or a result recorded but not acknowledged): the restart
   asks, sends or reads again, and nothing changes twice;
3. after the POST was accepted, before the outbox recorded the receipt, the first result withheld:
   the batch goes again (same BatchID, BerichtIDs), Logius answers BerichtBestaatAl, delivered;
4. the same, and the first hand-over's result is there when the restart collects: settled by it,
   not handed over again;
5. the same, and the first hand-over's result comes only after the second hand-over's: the later
   Verwerkt changes nothing (a delivery is never undone);
6. after the write-backs were planned, before any PATCH: each is sent once on restart;
7. after a PATCH, before the journal recorded it (the bulk test's kill point): the restart sees the
   Verzending shows it already and does not PATCH again;
8. the same for a paper outcome with a postal Verzending: the postal Verzending is made once;
9. after a Verzending was written back as not delivered (the batch given up as EXPIRED), Logius'
   result delivers its letter after all: the Verzending is written back once more, as delivered (a
   delivery is never undone); so is one an older version wrote back refused while its letter was in
   the outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from mobb_sdk import (
    BerichtResultaat,
    Client,
    Receipt,
    VerwerkingsCode,
    VerwerkingsResultaat,
    Violation,
    to_xml,
)
from mobb_sdk.outbox import BatchState, LetterState, Outbox, OutcomeStatus
from mobb_sdk.simulator import RESULT_ACTION
from mobb_sdk.zgw import Journal, ZgwAdapter, ZgwApi, bericht_id_for
from mobb_sdk.zgw import _adapter as adapter_module

from .outbox_support import OIN, config
from .test_zgw import Setup

DELIVERED = "Verzonden via MijnOverheid Berichtenbox"


class Killed(BaseException):
    """Stands in for ``kill -9`` in process: not an Exception, so no handler on the way catches it."""


def _restart(s: Setup) -> ZgwAdapter:
    """What the next process does: its own outbox, journal, clients, on the same files."""
    s.adapter.close()
    s.client.close()
    s.outbox.close()
    s.outbox = Outbox(s.config.outbox)
    s.client = Client(config(), transport=s.sim.transport(), sleep=lambda _: None)
    s.api = ZgwApi(s.config, transport=s.fake.transport, sleep=lambda _: None)
    s.adapter = ZgwAdapter(s.config, s.outbox, s.client, api=s.api, run_options={"poll_interval": 0.01})
    return s.adapter


def _kill_after_post(client: Client) -> None:
    """ebms-core accepts the POST; the process dies before the receipt is recorded."""
    real = client.send_payload

    def send_payload(payload: Any, batch_id: uuid.UUID, bericht_ids: Iterable[uuid.UUID]) -> Receipt:
        real(payload, batch_id, bericht_ids)
        raise Killed

    client.send_payload = send_payload  # type: ignore[method-assign]


def _kill_at_write_back(monkeypatch: pytest.MonkeyPatch, journal: Journal, n: int) -> None:
    """Die at the n-th ``zgw_written_back`` point (a PATCH sent, not yet recorded); like ``kill -9``,
    the write-backs of the chunk in flight are not recorded as written either."""
    seen = 0
    dead = False
    real_mark = journal.mark_written

    def crash_point(name: str) -> None:
        nonlocal seen, dead
        if name == "zgw_written_back":
            seen += 1
            if seen == n:
                dead = True
                raise Killed

    def mark_written(urls: Any) -> None:
        if not dead:
            real_mark(urls)

    monkeypatch.setattr(adapter_module, "crash_point", crash_point)
    monkeypatch.setattr(journal, "mark_written", mark_written)


def _finish(s: Setup, adapter: ZgwAdapter, urls: list[str]) -> None:
    summary = adapter.cycle()
    assert not summary.poll.errors, summary.to_dict()
    assert adapter.journal.counts()["written"] == len(urls), summary.to_dict()


def _assert_once(s: Setup, urls: list[str], *, delivered: list[str], code: str | None = None) -> None:
    """Every Verzending written back once with its outcome; every delivered letter in one box once."""
    for url in urls:
        assert s.fake.patches[url] == 1, url
        toelichting = s.fake.verzending_by_url(url)["toelichting"]
        assert str(bericht_id_for(url)) in toelichting
        if url in delivered:
            assert toelichting.startswith(DELIVERED + ": " + (code or "")), toelichting
        else:
            assert toelichting.startswith("Niet via MijnOverheid"), toelichting
    boxed = [letter.bericht_id for letter in s.sim.inspect.letters()]
    assert sorted(boxed) == sorted(bericht_id_for(u) for u in delivered)


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Setup]:
    setup = Setup(tmp_path, n=10)
    yield setup
    setup.close()
    assert not setup.fake.violations, "\n".join(setup.fake.violations[:10])


# -- 1, 2: the outbox has the letters, the journal does not ------------------------------------------


def _kill_before_journal(s: Setup) -> None:
    def add_enqueued(entries: Any) -> None:
        raise Killed

    s.adapter.journal.add_enqueued = add_enqueued  # type: ignore[method-assign]


def test_killed_between_the_outbox_and_the_journal_the_letters_are_not_stored_twice(s: Setup) -> None:
    urls = [s.verzending(i) for i in range(1, 5)]
    _kill_before_journal(s)
    with pytest.raises(Killed):
        s.adapter.cycle()
    assert len(list(s.outbox.letters())) == 4 and s.adapter.journal.counts()["enqueued"] == 0
    adapter = _restart(s)
    _finish(s, adapter, urls)
    assert len(list(s.outbox.letters())) == 4
    assert set(s.sim.inspect.bericht_ids_received().values()) == {1}
    _assert_once(s, urls, delivered=urls, code="Verwerkt")


def test_a_verzending_whose_letter_is_in_the_outbox_is_never_written_back_refused(s: Setup) -> None:
    urls = [s.verzending(i) for i in range(1, 5)]
    _kill_before_journal(s)
    with pytest.raises(Killed):
        s.adapter.cycle()
    # Before the restart the document of one Verzending is gone (or would now be refused): its letter
    # is in the outbox already and will reach the box, so its Verzending must say so.
    gone = s.fake.verzending_by_url(urls[0])["informatieobject"].rsplit("/", 1)[1]
    del s.fake.documents[gone]
    adapter = _restart(s)
    _finish(s, adapter, urls)
    assert {r.outcome for r in adapter.journal.rows()} == {"delivered"}
    assert set(s.sim.inspect.bericht_ids_received()) == {bericht_id_for(u) for u in urls}
    _assert_once(s, urls, delivered=urls, code="Verwerkt")


def test_a_letter_in_the_outbox_that_a_newer_check_refuses_is_not_written_back_refused(
    s: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = [s.verzending(i) for i in range(1, 5)]
    _kill_before_journal(s)
    with pytest.raises(Killed):
        s.adapter.cycle()
    adapter = _restart(s)
    # The restarted process runs a newer version whose checks refuse one of these stored letters.
    newer = Violation("BER-99", "onderwerp", "a rule of a newer version", letter=0)
    target = bericht_id_for(urls[1])

    def chunk_violations(items: Any) -> list[Violation]:
        return [newer for _, b in items if b.bericht_id == target]

    monkeypatch.setattr(s.outbox, "_chunk_violations", chunk_violations)
    _finish(s, adapter, urls)
    assert {r.outcome for r in adapter.journal.rows()} == {"delivered"}
    _assert_once(s, urls, delivered=urls, code="Verwerkt")


# -- the outbox's own steps, through the adapter ------------------------------------------------------


def _die_after(client: Client, name: str) -> None:
    """The client's call ``name`` is carried out, then the process dies (``before_post``: dies instead)."""
    method = "send_payload" if name == "before_post" else name
    real = getattr(client, method)

    def call(*args: Any, **kwargs: Any) -> Any:
        if name != "before_post":
            real(*args, **kwargs)
        raise Killed

    setattr(client, method, call)


@pytest.mark.parametrize(
    "step",
    [
        "check_subscriptions",  # a subscription answer came, not recorded
        "before_post",  # the batch recorded as sending (hand-over counted), nothing sent
        "ack_event",  # a DELIVERED event recorded, not acknowledged
        "ack_result",  # a result recorded, not acknowledged: it comes again
    ],
)
def test_killed_at_an_outbox_step_each_letter_is_delivered_and_written_back_once(s: Setup, step: str) -> None:
    urls = [s.verzending(i) for i in range(0, 5)]  # citizen 0: paper
    _die_after(s.client, step)
    with pytest.raises(Killed):
        s.adapter.cycle()
    adapter = _restart(s)
    _finish(s, adapter, urls)
    assert set(s.sim.inspect.bericht_ids_received().values()) == {1}
    assert {r.code for r in s.outbox.letters() if r.outcome is OutcomeStatus.DELIVERED} == {
        VerwerkingsCode.VERWERKT
    }
    _assert_once(s, urls, delivered=urls[1:], code="Verwerkt")


# -- 3, 4, 5: the POST accepted, the receipt lost ----------------------------------------------------


def _lost_receipt(s: Setup) -> tuple[list[str], uuid.UUID]:
    urls = [s.verzending(i) for i in range(1, 5)]
    _kill_after_post(s.client)
    with pytest.raises(Killed):
        s.adapter.cycle()
    [batch] = s.outbox.store.batches([BatchState.SENDING])
    assert batch.attempts == 1 and batch.message_id is None
    assert {r.state for r in s.outbox.letters()} == {LetterState.BATCHED}
    assert set(s.sim.inspect.bericht_ids_received()) == {bericht_id_for(u) for u in urls}
    return urls, batch.batch_id


def _sent_twice_with_the_same_ids(s: Setup, batch_id: uuid.UUID) -> None:
    first, second = s.sim.inspect.sent_messages()
    assert first.conversation_id == second.conversation_id == str(batch_id)
    assert first.bericht_ids == second.bericht_ids and first.message_id != second.message_id


def test_a_lost_receipt_the_batch_goes_again_and_bestaat_al_is_delivered(s: Setup) -> None:
    s.sim.faults.withhold_result()  # only the second hand-over answers
    urls, batch_id = _lost_receipt(s)
    adapter = _restart(s)
    _finish(s, adapter, urls)
    _sent_twice_with_the_same_ids(s, batch_id)
    rows = list(s.outbox.letters())
    assert {(r.outcome, r.code) for r in rows} == {
        (OutcomeStatus.DELIVERED, VerwerkingsCode.BERICHT_BESTAAT_AL)
    }
    _assert_once(s, urls, delivered=urls, code="BerichtBestaatAl")


def test_a_lost_receipt_whose_result_is_there_settles_the_batch_without_a_second_hand_over(
    s: Setup,
) -> None:
    urls, _ = _lost_receipt(s)
    adapter = _restart(s)
    _finish(s, adapter, urls)
    assert len(s.sim.inspect.sent_messages()) == 1
    assert set(s.sim.inspect.bericht_ids_received().values()) == {1}
    _assert_once(s, urls, delivered=urls, code="Verwerkt")


def test_a_lost_receipt_whose_result_comes_after_the_second_hand_over_changes_nothing(s: Setup) -> None:
    s.sim.result_delay = 3600.0  # the first hand-over's result is on its way for an hour
    urls, batch_id = _lost_receipt(s)
    s.sim.result_delay = 0.0
    adapter = _restart(s)
    _finish(s, adapter, urls)
    _sent_twice_with_the_same_ids(s, batch_id)
    _assert_once(s, urls, delivered=urls, code="BerichtBestaatAl")
    s.sim.clock.advance(3601)  # now the first hand-over's Verwerkt comes
    again = adapter.cycle()
    assert again.run is not None and again.run.answers == 0 and again.written_back == 0
    assert {r.code for r in s.outbox.letters()} == {VerwerkingsCode.BERICHT_BESTAAT_AL}
    _assert_once(s, urls, delivered=urls, code="BerichtBestaatAl")


# -- 6, 7, 8: the write-back --------------------------------------------------------------------------


def test_killed_after_planning_the_write_backs_before_any_patch(s: Setup) -> None:
    urls = [s.verzending(i) for i in range(0, 6)]  # citizen 0: paper

    def patch(url: str, body: Any) -> Any:
        raise Killed

    s.api.patch = patch  # type: ignore[method-assign]
    with pytest.raises(Killed):
        s.adapter.cycle()
    assert s.adapter.journal.counts()["writing"] == 6
    assert not any(s.fake.patches.values())
    adapter = _restart(s)
    _finish(s, adapter, urls)
    _assert_once(s, urls, delivered=urls[1:], code="Verwerkt")


@pytest.mark.parametrize("at", [1, 3, 6])
def test_killed_after_a_patch_before_it_was_recorded(
    s: Setup, monkeypatch: pytest.MonkeyPatch, at: int
) -> None:
    urls = [s.verzending(i) for i in range(0, 6)]
    _kill_at_write_back(monkeypatch, s.adapter.journal, at)
    with pytest.raises(Killed):
        s.adapter.cycle()
    assert sum(s.fake.patches.values()) == at
    assert s.adapter.journal.counts()["writing"] == 6  # one chunk: none recorded as written
    monkeypatch.undo()
    adapter = _restart(s)
    _finish(s, adapter, urls)
    _assert_once(s, urls, delivered=urls[1:], code="Verwerkt")


def test_killed_between_the_paper_patch_and_the_postal_verzending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Setup(tmp_path, n=10, paper_verzending=True)
    try:
        urls = [s.verzending(0), s.verzending(1)]  # citizen 0 has no subscription: paper
        _kill_at_write_back(monkeypatch, s.adapter.journal, 1)
        with pytest.raises(Killed):
            s.adapter.cycle()
        assert s.fake.patches[urls[0]] == 1 and s.fake.posts == []
        monkeypatch.undo()
        adapter = _restart(s)
        _finish(s, adapter, urls)
        [postal] = s.fake.posts
        assert str(bericht_id_for(urls[0])) in postal["toelichting"]
        _assert_once(s, urls, delivered=urls[1:], code="Verwerkt")
        assert not s.fake.violations, s.fake.violations[:5]
    finally:
        s.close()


# -- 9: an outcome that changes after its write-back ----------------------------------------------------


def _late_result(s: Setup, code: VerwerkingsCode) -> None:
    """Logius' result for the one sent batch arrives only now (its processing was not visible to the
    MSH: an acknowledgement lost, the message given up as EXPIRED, yet processed)."""
    [sent] = s.sim.inspect.sent_messages()
    assert sent.conversation_id is not None
    batch_id = uuid.UUID(sent.conversation_id)
    rows = [r for r in s.outbox.letters() if r.batch_id == batch_id]
    now = datetime.now(UTC)
    lines = [BerichtResultaat(r.bericht_id, r.bericht_type, code) for r in rows]
    result = VerwerkingsResultaat.tally(OIN.value, batch_id, lines, now, now)
    s.sim.inject_message(
        RESULT_ACTION, to_xml(result), conversation_id=str(batch_id), ref_to_message_id=sent.message_id
    )


def test_a_delivery_after_a_failure_was_written_back_corrects_the_verzending_once(s: Setup) -> None:
    urls = [s.verzending(i) for i in range(1, 4)]
    s.adapter.run_options["max_resends"] = 0
    s.sim.faults.delivery_event("EXPIRED")
    first = s.adapter.cycle()
    assert first.written_back == 3
    for url in urls:
        assert s.fake.verzending_by_url(url)["toelichting"].startswith("MijnOverheid mislukt: ebMS expired")
    _late_result(s, VerwerkingsCode.VERWERKT)
    adapter = _restart(s)
    second = adapter.cycle()
    assert second.written_back == 3, second.to_dict()
    assert {r.outcome for r in s.outbox.letters()} == {OutcomeStatus.DELIVERED}
    for url in urls:
        verzending = s.fake.verzending_by_url(url)
        assert verzending["toelichting"].startswith(DELIVERED + ": Verwerkt"), verzending["toelichting"]
        assert verzending["verzenddatum"] == date.today().isoformat()
        assert s.fake.patches[url] == 2  # the failure, then its correction: a delivery is never undone
    again = adapter.cycle()
    assert again.written_back == 0 and all(s.fake.patches[u] == 2 for u in urls)
    assert {r.outcome for r in adapter.journal.rows()} == {"delivered"}


def test_a_verzending_an_older_version_wrote_back_refused_is_corrected_once_delivered(s: Setup) -> None:
    urls = [s.verzending(i) for i in range(1, 3)]
    _kill_before_journal(s)
    with pytest.raises(Killed):
        s.adapter.cycle()
    adapter = _restart(s)
    # What a version before the fix recorded for a Verzending it could no longer read on the restart.
    adapter.journal.add_refused(urls[0], str(bericht_id_for(urls[0])), None, "INPUT", "HTTP 404")
    adapter.cycle()
    assert s.fake.verzending_by_url(urls[0])["toelichting"].startswith("Niet via MijnOverheid verzonden")
    adapter.cycle()  # the outbox delivered its letter: the Verzending says so now
    assert s.fake.patches[urls[0]] == 2 and s.fake.patches[urls[1]] == 1
    for url in urls:
        assert s.fake.verzending_by_url(url)["toelichting"].startswith(DELIVERED + ": Verwerkt")
    assert adapter.cycle().written_back == 0 and s.fake.patches[urls[0]] == 2

"""The runner: takes an outbox's letters through subscription checks, batches, hand-over and results.

Every step is announced in the store before it is taken, so a run killed at any point resumes:

- a batch is recorded as *sending* (BatchID, AanmaakDatum, its letters in order) and its hand-over
  counted before the POST; a batch still *sending* when a run starts is written again from the store,
  byte for byte, and handed over again with the same BatchID and BerichtIDs (RES-04). A
  ``BerichtBestaatAl`` for a batch handed over more than once means the first copy arrived: delivered.
- events and results are acknowledged in ebms-core only after they are recorded; one that comes
  twice (a crash before the acknowledgement, or a duplicated result) changes nothing the second time.
- one runner at a time holds the outbox's lease (renewed by a heartbeat); a second one waits or exits.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from mobb_sdk._client import BoundedSet, Client
from mobb_sdk._codec import stream_batch
from mobb_sdk._delivery import OutcomeStatus, paper_reason
from mobb_sdk._ebms import MAX_LISTED, EventType, ResultMessage
from mobb_sdk._errors import EbmsConfigurationError, MobbError, StorageError, TransportError, ValidationError
from mobb_sdk._files import open_private
from mobb_sdk._ids import new_guid
from mobb_sdk._letters_io import stable_bericht_id
from mobb_sdk._lifecycle import (
    OVERDUE_ALERT,
    Action,
    Event,
    Stage,
    by_bericht_type,
    match_result,
    stage_of,
    step,
)
from mobb_sdk._models import MAX_BERICHTEN_PER_BATCH, MAX_BSNS_PER_CHECK, Bericht, Bijlage, utc_now
from mobb_sdk._rules import MAX_BATCH_BYTES, batch_header_size
from mobb_sdk.outbox._crash import crash_point
from mobb_sdk.outbox._states import BatchState, LetterState
from mobb_sdk.outbox._store import Answer, BatchRow, LetterRow, OutboxStore
from mobb_sdk.tariff import Cost, Tariff, run_cost

if TYPE_CHECKING:
    from mobb_sdk.outbox._outbox import Outbox

__all__ = ["LeaseLost", "OutboxBusy", "RunSummary", "Runner", "run"]

log = logging.getLogger("mobb_sdk.outbox")

#: ABO-01: a subscription check may be at most this old when the batch is made.
CHECK_MAX_AGE: Final = timedelta(days=7)
#: RES-03: alert when a result has not come this long after the hand-over.
RESULT_DEADLINE: Final = timedelta(hours=24)
#: BATCH-04 allows an AanmaakDatum 13 days old; a resend refreshes it a day earlier, for the way there.
AANMAAK_REFRESH: Final = timedelta(days=12)
#: The detail of a letter the subscription check sent to paper is ``paper_reason(its BerichtType)``.
PAPER_DETAIL: Final = "no subscription for this BerichtType, or no active box (ABO-01)"


class OutboxBusy(MobbError):
    """Another runner holds the outbox's lease (``holder`` names it: host, process id)."""

    __module__ = "mobb_sdk.outbox"  # its public home

    def __init__(self, holder: str) -> None:
        super().__init__(f"the outbox is in use by another runner ({holder})")
        self.holder = holder


class LeaseLost(MobbError):
    """The lease expired and another runner took it: this runner stops before its next step."""

    __module__ = "mobb_sdk.outbox"


@attrs.frozen
class RunSummary:
    """What one run did, and where every letter of the outbox stands afterwards.

    ``states`` and ``outcomes`` count all letters of the outbox; the other numbers count this run.
    ``errors`` lists what stopped a step (ebms-core or WUS unreachable, a refused check); the letters
    concerned keep their state and the next run takes them up again.
    """

    started_at: datetime
    finished_at: datetime
    states: Mapping[LetterState, int]
    outcomes: Mapping[OutcomeStatus, int]
    checked: int = 0
    to_paper: int = 0
    batches_sent: int = 0
    handovers_repeated: int = 0
    letters_sent: int = 0
    answers: int = 0
    overdue: int = 0
    unknown_events: int = 0
    unknown_results: int = 0
    errors: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def complete(self) -> bool:
        """True when every letter has a final state (``result_overdue`` is not one)."""
        return all(state.is_final for state, n in self.states.items() if n)

    def cost(self, tariff: Tariff | None = None, *, units_used_before: int = 0) -> Cost:
        """What the outbox's letters cost: those delivered digitally (one Logius unit each) and those on
        paper, under ``tariff`` (default: 2022's, no paper price); see :mod:`mobb_sdk.tariff`."""
        return run_cost(
            digital=self.outcomes.get(OutcomeStatus.DELIVERED, 0),
            paper=self.outcomes.get(OutcomeStatus.PAPER, 0),
            tariff=tariff,
            units_used_before=units_used_before,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "seconds": round(self.seconds, 3),
            "states": {s.value: n for s, n in self.states.items()},
            "outcomes": {o.value: n for o, n in self.outcomes.items()},
            "checked": self.checked,
            "to_paper": self.to_paper,
            "batches_sent": self.batches_sent,
            "handovers_repeated": self.handovers_repeated,
            "letters_sent": self.letters_sent,
            "answers": self.answers,
            "overdue": self.overdue,
            "unknown_events": self.unknown_events,
            "unknown_results": self.unknown_results,
            "errors": list(self.errors),
            "complete": self.complete,
        }


@attrs.define
class _Tally:
    checked: int = 0
    to_paper: int = 0
    batches_sent: int = 0
    handovers_repeated: int = 0
    letters_sent: int = 0
    answers: int = 0
    overdue: int = 0
    unknown_events: int = 0
    # Bounded (issue 12): another sender's results must not grow this run's memory without end.
    unknown_results: BoundedSet = attrs.Factory(lambda: BoundedSet(MAX_LISTED))
    errors: list[str] = attrs.Factory(list)


class _CrashableFile(io.FileIO):
    """The payload file as the client reads it; the ``mid_send`` crash point fires when the file is
    read to its end (the payload is on the wire, the request not yet complete)."""

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        if not data:
            crash_point("mid_send")
        return data


def _this_host() -> str:
    return socket.gethostname()


def _stale(owner: str) -> bool:
    """A lease holder on this host whose process is gone (killed: its lease need not run out first)."""
    host, _, rest = owner.partition("|")
    pid_text = rest.partition("|")[0]
    if host != _this_host() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Runner:
    """Takes the letters of ``outbox`` to Logius with ``client`` (a :class:`~mobb_sdk.Client`).

    - ``check_subscriptions``: ask ValidateAbonnementen before batching (ABO-01, 250 BSNs per call,
      ABO-02); a check older than ``check_max_age`` (7 days) is redone. Turn it off only when the
      letters' subscriptions are known otherwise (e.g. from the bulk AbonnementService).
    - ``max_letters``, ``max_bytes``: a batch holds at most this many letters and bytes (BATCH-01/02).
    - ``result_deadline``: letters without a result this long after their hand-over become
      ``result_overdue`` (RES-03): reported, never resent.
    - ``max_resends``: hand-overs again after ebMS FAILED/EXPIRED before the letters fail.
    - ``collect_every``: read events and results after this many batches while sending.
    - ``lease_ttl``, ``wait_for_lease``: the lease's lifetime (renewed every third of it) and how long
      to wait for another runner to finish before raising :class:`OutboxBusy`.
    - ``clock``: the time recorded and compared (tests inject one); ``sleep`` waits between polls.
    - ``progress``: called with the count of letters per state after each step.
    """

    def __init__(
        self,
        outbox: Outbox,
        client: Client,
        *,
        check_subscriptions: bool = True,
        check_max_age: timedelta = CHECK_MAX_AGE,
        max_letters: int = MAX_BERICHTEN_PER_BATCH,
        max_bytes: int = MAX_BATCH_BYTES,
        result_deadline: timedelta = RESULT_DEADLINE,
        max_resends: int = 3,
        collect_every: int = 10,
        results_page: int = 20,
        poll_interval: float = 5.0,
        lease_ttl: float = 60.0,
        wait_for_lease: float = 0.0,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        progress: Callable[[Mapping[LetterState, int]], None] | None = None,
    ) -> None:
        if not 1 <= max_letters <= MAX_BERICHTEN_PER_BATCH:
            raise ValueError(f"max_letters must be 1..{MAX_BERICHTEN_PER_BATCH} (BATCH-01)")
        if not 0 < max_bytes <= MAX_BATCH_BYTES:
            raise ValueError(f"max_bytes must be 1..{MAX_BATCH_BYTES} (BATCH-02)")
        self.outbox = outbox
        self.store: OutboxStore = outbox.store
        self.client = client
        self.check_subscriptions = check_subscriptions
        self.check_max_age = check_max_age
        self.max_letters = max_letters
        self.max_bytes = max_bytes
        self.result_deadline = result_deadline
        self.max_resends = max_resends
        self.collect_every = collect_every
        self.results_page = results_page
        self.poll_interval = poll_interval
        self.lease_ttl = lease_ttl
        self.wait_for_lease = wait_for_lease
        self.clock = clock
        self.sleep = sleep
        self.progress = progress
        self.owner = f"{_this_host()}|{os.getpid()}|{uuid.uuid4().hex[:8]}"
        self._lost = threading.Event()
        self._tally = _Tally()

    # -- the run -------------------------------------------------------------------------------------------

    def run(self, *, wait: float | timedelta = 0.0) -> RunSummary:
        """One run: collect what came since the last run, hand over again what a crash interrupted,
        check subscriptions, send the rest, then keep collecting until every letter sent has its
        result or ``wait`` seconds have passed. Returns the :class:`RunSummary` (also stored)."""
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        started = self.clock()
        self._tally = _Tally()
        with self._lease():
            try:
                self._steps(seconds)
            except (TransportError, EbmsConfigurationError) as exc:
                # ebms-core or WUS is unreachable or refuses (an EbmsConfigurationError: the settings do
                # not match ebms-core's CPA): stop here; the next run resumes.
                log.error("run stopped: %s", exc)
                self._tally.errors.append(str(exc))
            summary = self._summary(started)
            self.store.record_run(
                self.owner, summary.started_at, summary.finished_at, json.dumps(summary.to_dict())
            )
        return summary

    def _steps(self, wait: float) -> None:
        self._collect()
        for batch in self.store.batches([BatchState.SENDING]):
            self._hand_over(batch)
        self._check()
        self._send_new()
        end = time.monotonic() + wait
        while True:
            self._collect()
            self._mark_overdue()
            remaining = end - time.monotonic()
            if not self._in_flight() or remaining <= 0:
                return
            self.sleep(min(self.poll_interval, remaining))

    def _summary(self, started: datetime) -> RunSummary:
        t = self._tally
        return RunSummary(
            started_at=started,
            finished_at=self.clock(),
            states=self.store.counts(),
            outcomes=self.store.outcome_counts(),
            checked=t.checked,
            to_paper=t.to_paper,
            batches_sent=t.batches_sent,
            handovers_repeated=t.handovers_repeated,
            letters_sent=t.letters_sent,
            answers=t.answers,
            overdue=t.overdue,
            unknown_events=t.unknown_events,
            unknown_results=len(t.unknown_results),
            errors=tuple(t.errors),
        )

    def _in_flight(self) -> bool:
        counts = self.store.counts()
        return any(counts.get(s, 0) for s in LetterState if s.in_flight)

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.store.counts())

    # -- the lease ---------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lease(self) -> Iterator[None]:
        end = time.monotonic() + self.wait_for_lease
        while True:
            holder = self.store.acquire_lease(self.owner, self.lease_ttl, time.time(), _stale)
            if holder is None:
                break
            if time.monotonic() >= end:
                raise OutboxBusy(holder.replace("|", ":"))
            time.sleep(min(1.0, max(0.05, end - time.monotonic())))
        self._lost.clear()
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(stop,), name="mobb-outbox-lease", daemon=True)
        beat.start()
        try:
            self.outbox.clean_work_dir()
            yield
        finally:
            stop.set()
            beat.join()
            self.store.release_lease(self.owner)

    def _heartbeat(self, stop: threading.Event) -> None:
        while not stop.wait(self.lease_ttl / 3):
            try:
                renewed = self.store.renew_lease(self.owner, self.lease_ttl, time.time())
            except Exception:
                log.warning("renewing the outbox lease failed; trying again", exc_info=True)
                continue
            if not renewed:
                self._lost.set()
                return

    def _guard(self) -> None:
        """Called before each recorded step: a runner that lost its lease must not take another."""
        if self._lost.is_set():
            raise LeaseLost(f"runner {self.owner.replace('|', ':')} lost the outbox lease; stopping")

    # -- subscription checks (ABO-01/02) ---------------------------------------------------------------

    def _check(self) -> None:
        now = self.clock()
        self._guard()
        redo = self.store.expire_checks(now - self.check_max_age, now)
        if redo:
            log.info(
                "%d subscription check(s) older than %s are done again (ABO-01)", redo, self.check_max_age
            )
        after = 0
        while True:
            rows = self.store.letters_in_state(LetterState.ACCEPTED, 5 * MAX_BSNS_PER_CHECK, after)
            if not rows:
                return
            after = rows[-1].seq
            if not self.check_subscriptions:
                self._guard()
                self.store.record_checks([(r.seq, True) for r in rows], self.clock(), PAPER_DETAIL)
                continue
            for bericht_type, group in by_bericht_type(rows).items():
                for chunk in _chunks_of_distinct_bsns(group, MAX_BSNS_PER_CHECK):
                    answers = self.client.check_subscriptions(bericht_type, {r.bsn for r in chunk})
                    crash_point("after_check")
                    decisions = [(r.seq, answers.get(r.bsn, False)) for r in chunk]
                    self._guard()
                    self.store.record_checks(decisions, self.clock(), paper_reason(bericht_type))
                    self._tally.checked += len(decisions)
                    self._tally.to_paper += sum(1 for _, may in decisions if not may)
                    self._report()

    # -- batching and hand-over --------------------------------------------------------------------------

    def _send_new(self) -> None:
        since_collect = 0
        while True:
            now = self.clock()
            rows = self.store.letters_in_state(LetterState.CHECKED, self.max_letters)
            if not rows:
                return
            stale_before = now - self.check_max_age
            if any(r.checked_at is not None and r.checked_at < stale_before for r in rows):
                self._check()  # ABO-01: a check went stale during a long run
                continue
            size = batch_header_size(now)
            members: list[LetterRow] = []
            for row in rows:
                if members and size + row.size > self.max_bytes:
                    break
                members.append(row)
                size += row.size
            batch = BatchRow(
                batch_id=new_guid(),
                afzender=self.outbox.afzender.value,
                aanmaak_datum=now,
                state=BatchState.SENDING,
                letters=len(members),
                size=size,
            )
            self._guard()
            self.store.create_batch(batch, [m.seq for m in members], now)
            crash_point("after_batch")
            self._hand_over(batch)
            since_collect += 1
            if since_collect >= self.collect_every:
                self._collect()
                since_collect = 0

    def _bericht(self, row: LetterRow) -> Bericht:
        return Bericht(
            bsn=row.bsn,
            bericht_type=row.bericht_type,
            onderwerp=row.onderwerp,
            bericht_tekst=row.bericht_tekst,
            referentie=row.referentie,
            publicatie_datum=row.publicatie_datum,
            eind_datum_handelings_termijn=row.eind_datum_handelings_termijn,
            bijlagen=tuple(
                Bijlage(
                    inhoud=self.store.attachment(b.sha256), omschrijving=b.omschrijving, volgorde=b.volgorde
                )
                for b in row.bijlagen
            ),
            bericht_id=row.bericht_id,
        )

    def _hand_over(self, batch: BatchRow) -> None:
        """Write the batch from the store into a file and hand it to ebms-core (again, after a crash
        or a failed delivery: same BatchID, same BerichtIDs, RES-04)."""
        members = self.store.batch_letters(batch.batch_id)
        if not any(m.state.in_flight for m in members):
            # Every letter already has its answer (the interrupted hand-over did arrive): nothing to send.
            self.store.close_batch_if_decided(batch.batch_id)
            return
        now = self.clock()
        aanmaak = batch.aanmaak_datum
        if now - aanmaak > AANMAAK_REFRESH:
            # BATCH-04: Logius refuses an AanmaakDatum over 13 days old. The ids stay (RES-04); only the
            # creation date is renewed, recorded before the hand-over like every other step.
            log.warning(
                "batch %s was made %s ago: AanmaakDatum renewed (BATCH-04)", batch.batch_id, now - aanmaak
            )
            aanmaak = now
            self._guard()
            self.store.set_aanmaak_datum(batch.batch_id, aanmaak)
        ids = [m.bericht_id for m in members]
        path = self.outbox.work_dir / f"{batch.batch_id}.xml"
        try:
            try:
                with open_private(path, binary=True) as f:
                    # The letters come from the store one at a time; the bytes are those of the first
                    # hand-over (RES-04), without the batch in memory.
                    written = stream_batch(
                        f,
                        batch_id=batch.batch_id,
                        aanmaak_datum=aanmaak,
                        afzender=batch.afzender,
                        berichten=(self._bericht(m) for m in members),
                    )
            except OSError as exc:
                raise StorageError(
                    f"{path}: cannot write the batch file: {exc.strerror or exc}; nothing was sent",
                    path=path,
                ) from None
            if written > MAX_BATCH_BYTES:
                raise ValidationError([], f"batch {batch.batch_id} is {written:,} bytes (BATCH-02)")
            self._guard()
            attempt = self.store.start_handover(batch.batch_id)
            with _CrashableFile(path, "rb") as payload:
                receipt = self.client.send_payload(payload, batch.batch_id, ids)
            crash_point("after_send")
            self.store.record_offered(
                batch.batch_id, receipt.message_id, attempt + receipt.attempts - 1, self.clock()
            )
            crash_point("after_offered")
        finally:
            path.unlink(missing_ok=True)
        self._tally.batches_sent += 1
        self._tally.letters_sent += len(ids)
        if attempt + receipt.attempts - 1 > 1:
            self._tally.handovers_repeated += 1
        self._report()

    # -- events and results ----------------------------------------------------------------------------

    def _collect(self) -> None:
        self._events()
        self._results()
        self._report()

    def _events(self) -> None:
        for event in self.client.events():
            known = self.store.handover(event.message_id)
            if known is None:
                # Not a message this outbox recorded (another application's, or a hand-over whose
                # answer a crash swallowed): leave it to whoever knows it.
                self._tally.unknown_events += 1
                continue
            batch = self.store.batch(known[0])
            if batch is not None and batch.message_id == event.message_id:
                self._apply_event(batch, event.type)
            crash_point("after_event")
            self.client.ack_event(event)

    def _apply_event(self, batch: BatchRow, kind: EventType) -> None:
        happened = kind.lifecycle_event
        stage = _BATCH_STAGE.get(batch.state)  # None: every letter decided
        if happened is None or stage is None:
            return
        decision = step(stage, happened, resends=batch.resends, max_resends=self.max_resends)
        if decision.action is Action.NOTHING:
            return
        now = self.clock()
        self._guard()
        if decision.action is Action.ADVANCE:
            self.store.record_delivered(batch.batch_id, now)
        elif decision.action is Action.SETTLE:
            state = LetterState.EXPIRED if happened is Event.EXPIRED else LetterState.FAILED
            detail = decision.detail or ""
            self.store.record_batch_failed(batch.batch_id, state, detail, now)
            log.error("batch %s: %s", batch.batch_id, detail)
        elif decision.action is Action.RESEND:
            # Recorded as sending again: handed over at once below, or by the next run after a crash.
            self.store.record_resend(batch.batch_id, f"ebMS delivery {kind.value}", now)
            fresh = self.store.batch(batch.batch_id)
            if fresh is not None:
                self._hand_over(fresh)

    def _results(self) -> None:
        while True:
            # Results of other senders' batches stay listed: ask past them, or ours would never show.
            results = self.client.results(max_nr=self.results_page + len(self._tally.unknown_results))
            handled = 0
            for result in results:
                batch = self._batch_of(result)
                if batch is None:
                    self._tally.unknown_results.add(result.message_id)
                    continue
                crash_point("after_result_fetch")
                self._apply_result(batch, result)
                crash_point("after_result_record")
                self.client.ack_result(result)
                handled += 1
            if handled == 0 or len(results) < self.results_page + len(self._tally.unknown_results):
                return

    def _batch_of(self, result: ResultMessage) -> BatchRow | None:
        """RES-01: the batch the result answers (by the message it answers for a nil BatchID)."""
        return match_result(
            result.batch_id,
            result.ref_to_message_id,
            batch=self.store.batch,
            batch_of_message=self._batch_of_message,
        )

    def _batch_of_message(self, message_id: str) -> BatchRow | None:
        known = self.store.handover(message_id)
        return None if known is None else self.store.batch(known[0])

    def _apply_result(self, batch: BatchRow, result: ResultMessage) -> None:
        ids = self.store.batch_bericht_ids(batch.batch_id)
        rows = {row.bericht_id: row for row in self.store.batch_letters(batch.batch_id)}
        answers = []
        for bericht_id, line in result.per_bericht(ids).items():
            row = rows.get(bericht_id)
            if line is None or row is None:
                continue
            decision = step(
                _letter_stage(row),
                Event.RESULT,
                code=line.verwerkings_code,
                bericht_type=row.bericht_type,
                attempts=batch.attempts,
                derived_id=functools.partial(self._derived_id, row),
            )
            if decision.action is Action.SETTLE and decision.outcome is not None:
                answers.append(Answer(bericht_id, line.verwerkings_code, line.stadium, decision.outcome))
        self._guard()
        self._tally.answers += self.store.record_answers(batch.batch_id, answers, self.clock())
        self.store.close_batch_if_decided(batch.batch_id)

    def _derived_id(self, row: LetterRow) -> bool:
        """True when the letter's BerichtID is :func:`~mobb_sdk.stable_bericht_id` of its content (letter
        files are read so): then ``BerichtBestaatAl`` means Logius holds this very letter (BER-01)."""
        return stable_bericht_id(self.outbox.afzender, self._bericht(row)) == row.bericht_id

    def _mark_overdue(self) -> None:
        now = self.clock()
        self._guard()
        overdue = self.store.mark_overdue(now - self.result_deadline, now)
        if overdue:
            log.warning(
                "%d letter(s) handed over %s ago or more: %s", overdue, self.result_deadline, OVERDUE_ALERT
            )
            self._tally.overdue += overdue


#: A batch's transport state as a lifecycle stage (DONE and FAILED: every letter decided).
_BATCH_STAGE: Final = {
    BatchState.SENDING: Stage.SENDING,
    BatchState.OFFERED: Stage.OFFERED,
    BatchState.DELIVERED: Stage.TRANSPORTED,
}
_LETTER_STAGE: Final = {
    LetterState.BATCHED: Stage.SENDING,
    LetterState.OFFERED: Stage.OFFERED,
    LetterState.DELIVERED: Stage.TRANSPORTED,
    LetterState.RESULT_OVERDUE: Stage.OVERDUE,
    LetterState.PAPER: Stage.PAPER,
    LetterState.FAILED: Stage.FAILED,
    LetterState.EXPIRED: Stage.FAILED,
}


def _letter_stage(row: LetterRow) -> Stage:
    if row.state is LetterState.RESULT:
        return stage_of(row.outcome) or Stage.FAILED
    return _LETTER_STAGE.get(row.state, Stage.SENDING)


def _chunks_of_distinct_bsns(rows: list[LetterRow], size: int) -> Iterator[list[LetterRow]]:
    """Rows in groups asking at most ``size`` distinct BSNs each (a citizen with two letters is asked once)."""
    chunk: list[LetterRow] = []
    bsns: set[str] = set()
    for row in rows:
        if row.bsn.value not in bsns and len(bsns) == size:
            yield chunk
            chunk, bsns = [], set()
        chunk.append(row)
        bsns.add(row.bsn.value)
    if chunk:
        yield chunk


def run(outbox: Outbox, client: Client, *, wait: float | timedelta = 0.0, **options: Any) -> RunSummary:
    """``Runner(outbox, client, **options).run(wait=wait)``."""
    return Runner(outbox, client, **options).run(wait=wait)

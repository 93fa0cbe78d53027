"""The usual flow in one call, and what became of each letter.

``deliver`` checks subscriptions (ABO-01), refuses letters that fail local validation, sends the rest
in batches, follows delivery events and processing results until every letter is decided or the
deadline passes, and returns one :class:`Outcome` per letter, in the order given.

The bookkeeping (:class:`DeliveryTracker`) does no I/O and is shared by both clients; what an event
means for a letter is decided by the letter lifecycle (:mod:`mobb_sdk._lifecycle`), which the outbox
runner asks too. It never resends after a business outcome (a VerwerkingsCode); only an ebMS
FAILED/EXPIRED event leads to a resend, with the same BatchID and BerichtIDs (RES-04), and
``BerichtBestaatAl`` after such a resend counts as delivered. With ``stable_ids`` (the BerichtIDs are derived from the letters, as ``mobb send`` does)
``BerichtBestaatAl`` at the first hand-over counts as delivered too: an earlier run delivered this
very letter (:attr:`Outcome.already_delivered`).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from mobb_sdk._ebms import DeliveryEvent, Receipt, ResultMessage
from mobb_sdk._errors import InvalidValueError
from mobb_sdk._ids import Bsn
from mobb_sdk._lifecycle import (
    ALREADY_DELIVERED,
    Action,
    Event,
    OutcomeStatus,
    Stage,
    match_result,
    stage_of,
    step,
)
from mobb_sdk._models import Bericht, VerwerkingsCode
from mobb_sdk._violations import Violation

__all__ = ["ALREADY_DELIVERED", "DeliveryTracker", "Outcome", "OutcomeStatus", "paper_reason"]


@attrs.frozen
class Outcome:
    """The fate of one letter. ``bsn`` shows only its last four digits in ``repr`` and ``str``."""

    bericht_id: uuid.UUID
    bsn: Bsn
    status: OutcomeStatus
    code: VerwerkingsCode | None = None
    batch_id: uuid.UUID | None = None
    message_id: str | None = None
    violations: tuple[Violation, ...] = ()
    detail: str | None = None
    referentie: str | None = None

    @property
    def already_delivered(self) -> bool:
        """True when an earlier run had delivered this letter (``BerichtBestaatAl`` for a stable id)."""
        return self.status is OutcomeStatus.DELIVERED and self.detail == ALREADY_DELIVERED

    @property
    def action(self) -> str:
        """What the sender does next."""
        if self.already_delivered:
            return "nothing: an earlier run delivered this letter (BerichtBestaatAl), it is in the box once"
        if self.code is not None:
            if self.status is OutcomeStatus.DELIVERED:
                return "done: the letter is in the box"
            return self.code.action
        if self.status is OutcomeStatus.PAPER and self.detail:
            return f"send the letter on paper: {self.detail}"
        if self.status is OutcomeStatus.FAILED and self.detail:
            return f"investigate: {self.detail}"
        if self.status is OutcomeStatus.REFUSED and self.violations:
            return "fix the letter: " + "; ".join(f"{v.rule} {v.message}" for v in self.violations[:3])
        return _ACTIONS[self.status]


_ACTIONS: Final = {
    OutcomeStatus.DELIVERED: "done: the letter is in the box",
    OutcomeStatus.PAPER: "send the letter on paper",
    OutcomeStatus.FAILED: "investigate: the letter could not be delivered",
    OutcomeStatus.PENDING: "collect the result later (alert after 24 h without one, RES-03)",
    OutcomeStatus.REFUSED: "fix the letter: it breaks the rules listed in violations",
}


def paper_reason(bericht_type: str) -> str:
    """Why a letter goes on paper after the subscription check said no: all the check tells (ABO-01)."""
    return (
        f"ValidateAbonnementen says no to {bericht_type} letters from this sender (no active Berichtenbox, "
        f"no {bericht_type} subscription, or unknown to MijnOverheid; ABO-01)"
    )


def split_violations(
    count: int, violations: Sequence[Violation]
) -> tuple[dict[int, list[Violation]], list[Violation]]:
    """Violations per letter index, and those of the batch as a whole."""
    per_letter: dict[int, list[Violation]] = {}
    batch_level: list[Violation] = []
    for v in violations:
        i = v.letter
        if i is None or not 0 <= i < count:
            batch_level.append(v)
        else:
            per_letter.setdefault(i, []).append(v)
    return per_letter, batch_level


@attrs.define
class _Letter:
    bericht: Bericht
    status: OutcomeStatus = OutcomeStatus.PENDING
    code: VerwerkingsCode | None = None
    batch_id: uuid.UUID | None = None
    violations: tuple[Violation, ...] = ()
    detail: str | None = None
    stage: Stage | None = None  #: where the lifecycle has it once handed over (``None``: not yet)


class DeliveryTracker:
    """Bookkeeping of :func:`deliver`: which letter went where, and what came back. No I/O."""

    def __init__(
        self, berichten: Iterable[Bericht], *, max_resends: int = 3, stable_ids: bool = False
    ) -> None:
        self._letters: dict[uuid.UUID, _Letter] = {}
        for b in berichten:
            if b.bericht_id in self._letters:
                raise InvalidValueError("BER-01", "berichten", f"BerichtID {b.bericht_id} occurs twice")
            self._letters[b.bericht_id] = _Letter(b)
        self._order = list(self._letters)
        self._receipts: dict[uuid.UUID, Receipt] = {}
        self._batch_of_message: dict[str, uuid.UUID] = {}
        self._resends: dict[uuid.UUID, int] = {}
        self.max_resends = max_resends
        self.stable_ids = stable_ids

    # -- before sending ---------------------------------------------------------------------------------

    def paper(self, bericht: Bericht, detail: str | None = None) -> None:
        self._decide(
            bericht.bericht_id,
            OutcomeStatus.PAPER,
            detail=detail if detail is not None else paper_reason(bericht.bericht_type),
        )

    def refuse(self, bericht: Bericht, violations: Sequence[Violation]) -> None:
        letter = self._letters[bericht.bericht_id]
        letter.status = OutcomeStatus.REFUSED
        letter.violations = tuple(violations)

    def fail(self, bericht_ids: Iterable[uuid.UUID], detail: str, batch_id: uuid.UUID | None = None) -> None:
        for i in bericht_ids:
            self._decide(i, OutcomeStatus.FAILED, detail=detail, batch_id=batch_id)

    # -- sending --------------------------------------------------------------------------------------

    def sent(self, receipt: Receipt) -> None:
        self._receipts[receipt.batch_id] = receipt
        for mid in receipt.message_ids:
            self._batch_of_message[mid] = receipt.batch_id
        accepted = step(Stage.SENDING, Event.ACCEPTED).stage  # the transport took the hand-over
        for i in receipt.bericht_ids:
            letter = self._letters[i]
            letter.batch_id = receipt.batch_id
            letter.stage = accepted

    def receipt_for_message(self, message_id: str) -> Receipt | None:
        batch_id = self._batch_of_message.get(message_id)
        return None if batch_id is None else self._receipts[batch_id]

    @property
    def receipts(self) -> tuple[Receipt, ...]:
        return tuple(self._receipts.values())

    def on_event(self, event: DeliveryEvent) -> Receipt | None:
        """Apply a delivery event of one of our messages; the receipt to resend, if the event asks for it.

        Events of messages that are not ours, of an earlier hand-over of a batch, or about a batch whose
        result already came, change nothing.
        """
        receipt = self.receipt_for_message(event.message_id)
        if receipt is None or receipt.message_id != event.message_id:
            return None
        self._receipts[receipt.batch_id] = receipt.updated(event)
        happened = event.type.lifecycle_event
        open_ids = [i for i in receipt.bericht_ids if self._letters[i].status is OutcomeStatus.PENDING]
        if happened is None or not open_ids:
            return None
        stage = self._letters[open_ids[0]].stage or Stage.OFFERED  # the batch's letters move together
        decision = step(
            stage, happened, resends=self._resends.get(receipt.batch_id, 0), max_resends=self.max_resends
        )
        if decision.action is Action.ADVANCE:
            for i in open_ids:
                self._letters[i].stage = decision.stage
        elif decision.action is Action.SETTLE:
            self.fail(open_ids, decision.detail or "", receipt.batch_id)
        elif decision.action is Action.RESEND:
            return receipt
        return None

    def resent(self, receipt: Receipt) -> None:
        self._resends[receipt.batch_id] = self._resends.get(receipt.batch_id, 0) + 1
        self.sent(receipt)

    def on_result(self, result: ResultMessage) -> bool:
        """Apply a processing result; False when it is not for a batch of ours (then leave it unacked)."""
        receipt = match_result(
            result.batch_id,
            result.ref_to_message_id,
            batch=self._receipts.get,
            batch_of_message=self.receipt_for_message,
        )
        if receipt is None:
            return False
        derived = functools.partial(bool, self.stable_ids)
        for bericht_id, answer in result.per_bericht(receipt.bericht_ids).items():
            if answer is None:
                continue
            letter = self._letters[bericht_id]
            decision = step(
                letter.stage or Stage.OFFERED,
                Event.RESULT,
                code=answer.verwerkings_code,
                bericht_type=letter.bericht.bericht_type,
                attempts=receipt.attempts,
                derived_id=derived,
            )
            if decision.action is Action.NOTHING:
                continue  # e.g. a later answer for a resend never undoes a delivery
            letter.code = decision.code
            letter.status = decision.outcome or OutcomeStatus.FAILED
            letter.stage = decision.stage
            if decision.detail is not None:
                letter.detail = decision.detail
        return True

    # -- the outcome ------------------------------------------------------------------------------------

    @property
    def open(self) -> bool:
        """True while a sent letter still waits for its result."""
        return any(
            ltr.stage is not None and ltr.status is OutcomeStatus.PENDING for ltr in self._letters.values()
        )

    def outcomes(self) -> list[Outcome]:
        result: list[Outcome] = []
        for i in self._order:
            ltr = self._letters[i]
            receipt = self._receipts.get(ltr.batch_id) if ltr.batch_id is not None else None
            result.append(
                Outcome(
                    bericht_id=i,
                    bsn=ltr.bericht.bsn,
                    status=ltr.status,
                    code=ltr.code,
                    batch_id=ltr.batch_id,
                    message_id=receipt.message_id if receipt is not None else None,
                    violations=ltr.violations,
                    detail=ltr.detail,
                    referentie=ltr.bericht.referentie,
                )
            )
        return result

    def _decide(
        self,
        bericht_id: uuid.UUID,
        status: OutcomeStatus,
        *,
        detail: str | None,
        batch_id: uuid.UUID | None = None,
    ) -> None:
        letter = self._letters[bericht_id]
        letter.status = status
        letter.detail = detail
        letter.stage = stage_of(status)
        if batch_id is not None:
            letter.batch_id = batch_id

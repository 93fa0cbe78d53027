"""The letter lifecycle table itself: every stage x event, the VerwerkingsCode mapping, resends, RES-01."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable

import pytest

from mobb_sdk import NIL_GUID, VerwerkingsCode
from mobb_sdk._ebms import EventType
from mobb_sdk._lifecycle import (
    ALREADY_DELIVERED,
    OVERDUE_ALERT,
    TABLE,
    Action,
    Decision,
    Event,
    OutcomeStatus,
    Stage,
    by_bericht_type,
    match_result,
    outcome_of,
    outcome_summary,
    stage_of,
    step,
)

from .conftest import make_bericht

A, S, E = Action, Stage, Event
C = VerwerkingsCode
_ORDER = (E.ACCEPTED, E.DELIVERED, E.FAILED, E.EXPIRED, E.RESULT, E.OVERDUE)

#: What each event does at each stage, written out independently of the module's table
#: (the result is Verwerkt, the resend limit not reached).
EXPECTED: dict[Stage, tuple[tuple[Action, Stage | None], ...]] = {
    S.SENDING: ((A.ADVANCE, S.OFFERED), (A.NOTHING, None), (A.NOTHING, None), (A.NOTHING, None),
                (A.SETTLE, S.DELIVERED), (A.NOTHING, None)),
    S.OFFERED: ((A.NOTHING, None), (A.ADVANCE, S.TRANSPORTED), (A.RESEND, S.SENDING), (A.RESEND, S.SENDING),
                (A.SETTLE, S.DELIVERED), (A.ALERT, S.OVERDUE)),
    S.TRANSPORTED: ((A.NOTHING, None), (A.NOTHING, None), (A.RESEND, S.SENDING), (A.RESEND, S.SENDING),
                    (A.SETTLE, S.DELIVERED), (A.ALERT, S.OVERDUE)),
    S.OVERDUE: ((A.NOTHING, None), (A.NOTHING, None), (A.RESEND, S.SENDING), (A.RESEND, S.SENDING),
                (A.SETTLE, S.DELIVERED), (A.NOTHING, None)),
    S.DELIVERED: ((A.NOTHING, None),) * 6,
    S.PAPER: ((A.NOTHING, None),) * 4 + ((A.SETTLE, S.DELIVERED), (A.NOTHING, None)),
    S.FAILED: ((A.NOTHING, None),) * 4 + ((A.SETTLE, S.DELIVERED), (A.NOTHING, None)),
}  # fmt: skip


def test_the_table_covers_every_stage_and_event() -> None:
    assert set(TABLE) == set(itertools.product(Stage, Event))
    assert set(EXPECTED) == set(Stage) and set(_ORDER) == set(Event)


@pytest.mark.parametrize(("stage", "event"), list(itertools.product(Stage, Event)))
def test_every_stage_and_event(stage: Stage, event: Event) -> None:
    decision = step(stage, event, code=C.VERWERKT, bericht_type="WOZ", resends=0, max_resends=3)
    assert (decision.action, decision.stage) == EXPECTED[stage][_ORDER.index(event)]
    if decision.action is A.SETTLE:
        assert (decision.outcome, decision.code) == (OutcomeStatus.DELIVERED, C.VERWERKT)
    if decision.action is A.ALERT:
        assert decision.detail == OVERDUE_ALERT and "RES-03" in OVERDUE_ALERT


@pytest.mark.parametrize("code", list(VerwerkingsCode))
def test_a_delivery_is_never_undone(code: VerwerkingsCode) -> None:
    for event in Event:
        assert step(S.DELIVERED, event, code=code, attempts=2, resends=0, max_resends=3).action is A.NOTHING


@pytest.mark.parametrize("event", [E.FAILED, E.EXPIRED])
@pytest.mark.parametrize("stage", [S.OFFERED, S.TRANSPORTED, S.OVERDUE])
def test_transport_failure_resends_up_to_the_limit_then_fails(stage: Stage, event: Event) -> None:
    for resends in range(3):
        assert step(stage, event, resends=resends, max_resends=3).action is A.RESEND
    gave_up = step(stage, event, resends=3, max_resends=3)
    assert (gave_up.action, gave_up.stage, gave_up.outcome) == (A.SETTLE, S.FAILED, OutcomeStatus.FAILED)
    assert gave_up.detail == f"ebMS delivery {event.name} after 3 resend(s)"
    assert step(stage, event, resends=0, max_resends=0).action is A.SETTLE


@pytest.mark.parametrize("code", list(VerwerkingsCode))
def test_every_verwerkings_code_has_one_outcome(code: VerwerkingsCode) -> None:
    asked: list[bool] = []

    def derived() -> bool:
        asked.append(True)
        return False

    first = outcome_of(code, bericht_type="WOZ", handed_over_again=False, derived_id=derived)
    again = outcome_of(code, bericht_type="WOZ", handed_over_again=True)
    if code is C.VERWERKT:
        assert first == again == (OutcomeStatus.DELIVERED, None)
    elif code is C.BERICHT_BESTAAT_AL:
        # RES-04: after a second hand-over the first copy arrived; at the first one it is a real clash...
        assert first == (OutcomeStatus.FAILED, None) and again == (OutcomeStatus.DELIVERED, None)
        # ...unless the BerichtID is derived from the letter: an earlier run delivered it (BER-01).
        stable = outcome_of(code, bericht_type="WOZ", handed_over_again=False, derived_id=lambda: True)
        assert stable == (OutcomeStatus.DELIVERED, ALREADY_DELIVERED)
    elif code is C.NIET_ACTIEF_OF_GEABONNEERD:
        assert first[0] is again[0] is OutcomeStatus.PAPER
        assert first[1] is not None and "NietActiefOfGeabonneerd" in first[1] and "WOZ" in first[1]
    else:
        assert first == again == (OutcomeStatus.FAILED, None)
    assert asked == ([True] if code is C.BERICHT_BESTAAT_AL else []), (
        "derived_id is asked only when it matters"
    )


def test_a_result_step_names_its_stage_and_needs_a_code() -> None:
    paper = step(S.OFFERED, E.RESULT, code=C.NIET_ACTIEF_OF_GEABONNEERD, bericht_type="AANSL")
    assert (paper.stage, paper.outcome) == (S.PAPER, OutcomeStatus.PAPER) and "AANSL" in (paper.detail or "")
    failed = step(S.TRANSPORTED, E.RESULT, code=C.BERICHT_BESTAAT_AL, attempts=1)
    assert (failed.stage, failed.outcome) == (S.FAILED, OutcomeStatus.FAILED)
    assert step(S.TRANSPORTED, E.RESULT, code=C.BERICHT_BESTAAT_AL, attempts=2).stage is S.DELIVERED
    with pytest.raises(ValueError, match="VerwerkingsCode"):
        step(S.OFFERED, E.RESULT)
    assert [stage_of(o) for o in OutcomeStatus] == [S.DELIVERED, S.PAPER, S.FAILED, None, None]


def test_ebms_events_translate_into_lifecycle_events() -> None:
    assert {t: t.lifecycle_event for t in EventType} == {
        EventType.RECEIVED: None,
        EventType.DELIVERED: E.DELIVERED,
        EventType.FAILED: E.FAILED,
        EventType.EXPIRED: E.EXPIRED,
    }


def test_match_result_by_batch_id_else_by_the_message_it_answers() -> None:
    batch_id = uuid.uuid4()
    batches = {batch_id: "batch"}
    messages = {"m1": "by message"}
    find = {"batch": batches.get, "batch_of_message": messages.get}
    assert match_result(batch_id, "m1", **find) == "batch"
    assert match_result(uuid.uuid4(), "m1", **find) is None, (
        "a named BatchID that is not ours stays unmatched"
    )
    assert match_result(NIL_GUID, "m1", **find) == "by message"
    assert match_result(NIL_GUID, None, **find) is None
    assert match_result(NIL_GUID, "other", **find) is None


def test_by_bericht_type_groups_in_first_seen_order() -> None:
    letters = [make_bericht(i, bericht_type=t) for i, t in enumerate(["WOZ", "AANSL", "WOZ", "HOND"])]
    groups = by_bericht_type(letters)
    assert list(groups) == ["WOZ", "AANSL", "HOND"]
    assert groups["WOZ"] == [letters[0], letters[2]]


def test_the_adapter_protocol_lists_the_codes_of_the_enum() -> None:
    """The published JSON Schema cannot import the enum: this holds the two together (one code, one list)."""
    from mobb_sdk.conformance import protocol_schema

    assert protocol_schema()["$defs"]["verwerkings_code"]["enum"] == [c.value for c in VerwerkingsCode]


def test_stored_enum_values_are_pinned() -> None:
    """The outbox journal (SQLite) and the adapter protocol store these values: renaming one breaks them."""
    assert {s.name: s.value for s in Stage} == {
        "SENDING": "sending",
        "OFFERED": "offered",
        "TRANSPORTED": "transported",
        "OVERDUE": "overdue",
        "DELIVERED": "delivered",
        "PAPER": "paper",
        "FAILED": "failed",
    }
    assert {e.name: e.value for e in Event} == {
        "ACCEPTED": "accepted",
        "DELIVERED": "delivered",
        "FAILED": "failed",
        "EXPIRED": "expired",
        "RESULT": "result",
        "OVERDUE": "overdue",
    }
    assert {a.name: a.value for a in Action} == {
        "NOTHING": "nothing",
        "ADVANCE": "advance",
        "RESEND": "resend",
        "SETTLE": "settle",
        "ALERT": "alert",
    }
    assert {o.name: o.value for o in OutcomeStatus} == {
        "DELIVERED": "delivered",
        "PAPER": "paper",
        "FAILED": "failed",
        "PENDING": "pending",
        "REFUSED": "refused",
    }


def test_outcome_summary_names_the_outcome_and_its_conditions() -> None:
    """The docs' table: one outcome, or the outcome under each condition and the one else."""
    summaries = {code: outcome_summary(code) for code in VerwerkingsCode}
    assert summaries[C.VERWERKT] == "`DELIVERED`"
    assert summaries[C.NIET_ACTIEF_OF_GEABONNEERD] == "`PAPER`"
    assert summaries[C.BERICHT_BESTAAT_AL] == (
        "`DELIVERED` after a resend of ours or with `stable_ids`, else `FAILED`"
    )
    for code in set(VerwerkingsCode) - {C.VERWERKT, C.NIET_ACTIEF_OF_GEABONNEERD, C.BERICHT_BESTAAT_AL}:
        assert summaries[code] == "`FAILED`", code


def test_the_texts_name_their_rules() -> None:
    assert "BerichtBestaatAl" in ALREADY_DELIVERED and "earlier run" in ALREADY_DELIVERED
    assert "RES-03" in OVERDUE_ALERT and "do not resend" in OVERDUE_ALERT
    decision = step(S.OFFERED, E.OVERDUE)
    assert decision == Decision(Action.ALERT, Stage.OVERDUE, detail=OVERDUE_ALERT)
    assert (decision.outcome, decision.code) == (None, None)
    assert step(S.OFFERED, E.ACCEPTED) == Decision(Action.NOTHING)
    assert step(S.SENDING, E.ACCEPTED) == Decision(Action.ADVANCE, Stage.OFFERED)
    assert step(S.OFFERED, E.DELIVERED) == Decision(Action.ADVANCE, Stage.TRANSPORTED)
    assert step(S.OFFERED, E.FAILED, resends=0, max_resends=1) == Decision(Action.RESEND, Stage.SENDING)


@pytest.mark.parametrize(
    ("again", "stable", "summary"),
    [
        (OutcomeStatus.DELIVERED, OutcomeStatus.FAILED, "`DELIVERED` after a resend of ours, else `FAILED`"),
        (OutcomeStatus.FAILED, OutcomeStatus.PAPER, "`PAPER` with `stable_ids`, else `FAILED`"),
        (
            OutcomeStatus.DELIVERED,
            OutcomeStatus.PAPER,
            "`DELIVERED` after a resend of ours, `PAPER` with `stable_ids`, else `FAILED`",
        ),
    ],
)
def test_outcome_summary_of_conditions_no_code_has_yet(
    monkeypatch: pytest.MonkeyPatch, again: OutcomeStatus, stable: OutcomeStatus, summary: str
) -> None:
    """A future mapping where the conditions differ: each is named with its own outcome."""
    import mobb_sdk._lifecycle as lifecycle

    def fake(
        code: VerwerkingsCode,
        *,
        bericht_type: str,
        handed_over_again: bool,
        derived_id: Callable[[], bool] = lambda: False,
    ) -> tuple[OutcomeStatus, str | None]:
        if handed_over_again:
            return again, None
        return (stable if derived_id() else OutcomeStatus.FAILED), None

    monkeypatch.setattr(lifecycle, "outcome_of", fake)
    assert outcome_summary(C.VERWERKT) == summary


def test_step_defaults_are_a_first_hand_over_without_resends() -> None:
    # attempts defaults to 1: BerichtBestaatAl at the first hand-over is a clash, not a delivery.
    assert step(S.TRANSPORTED, E.RESULT, code=C.BERICHT_BESTAAT_AL).outcome is OutcomeStatus.FAILED
    # max_resends defaults to 0: a transport failure settles at once.
    assert step(S.OFFERED, E.FAILED).detail == "ebMS delivery FAILED after 0 resend(s)"
    # resends defaults to 0: below a limit of 1 it resends.
    assert step(S.OFFERED, E.EXPIRED, max_resends=1).action is A.RESEND
    # bericht_type defaults to empty: the paper detail names no type.
    paper = step(S.OFFERED, E.RESULT, code=C.NIET_ACTIEF_OF_GEABONNEERD)
    assert paper.detail is not None and paper.detail.endswith("subscription to  from this sender")


def test_the_paper_detail_says_why() -> None:
    _, detail = outcome_of(C.NIET_ACTIEF_OF_GEABONNEERD, bericht_type="WOZ", handed_over_again=False)
    assert detail == (
        "Logius answered NietActiefOfGeabonneerd: no active Berichtenbox, or no subscription "
        "to WOZ from this sender"
    )

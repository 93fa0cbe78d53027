"""One letter's lifecycle, without I/O: binding-neutral events in, decisions out.

In the spirit of h11's ``_state.py``, what an event means for a letter is one table
(:data:`TABLE`, every :class:`Stage` × :class:`Event`) and one function (:func:`step`). ``deliver()``
(:class:`~mobb_sdk._delivery.DeliveryTracker`, over memory) and the outbox runner (over SQLite) both
ask it; a binding (ebMS today) only turns its wire events into :class:`Event` values
(``EventType.lifecycle_event``). What lives here, once:

- the VerwerkingsCode → outcome mapping (:func:`outcome_of`), with ``BerichtBestaatAl`` after a second
  hand-over, or for a BerichtID derived from the letter, counting as delivered (RES-04, BER-01);
- a delivery is never undone (a settled-as-delivered letter ignores every later event);
- resend after a transport FAILED/EXPIRED, with the same ids, up to a limit, then settle as failed;
- a result overdue (RES-03) is an alert, never a blind resend;
- which batch a result answers when Logius could not read its BatchID (the nil GUID, RES-01):
  :func:`match_result`;
- the subscription check asks per BerichtType (ABO-01): :func:`by_bericht_type`.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Final, Protocol, TypeVar

import attrs

from mobb_sdk._ids import NIL_GUID
from mobb_sdk._models import VerwerkingsCode

__all__ = [
    "ALREADY_DELIVERED",
    "OVERDUE_ALERT",
    "TABLE",
    "Action",
    "Decision",
    "Event",
    "OutcomeStatus",
    "Stage",
    "by_bericht_type",
    "match_result",
    "outcome_of",
    "outcome_summary",
    "stage_of",
    "step",
]


class OutcomeStatus(enum.Enum):
    """What became of a letter."""

    DELIVERED = "delivered"  #: in the citizen's box (Verwerkt, or BerichtBestaatAl after our resend)
    PAPER = "paper"  #: may not receive it digitally: send it on paper (ABO-01, NietActiefOfGeabonneerd)
    FAILED = "failed"  #: Logius refused it (``code``) or it could not be delivered (``detail``)
    PENDING = "pending"  #: sent, no result yet when the deadline passed: collect it later
    REFUSED = "refused"  #: not sent: it fails local validation (``violations``)


#: ``Outcome.detail`` of a letter an earlier run delivered (see ``stable_ids``).
ALREADY_DELIVERED: Final = "already delivered by an earlier run: Logius answered BerichtBestaatAl"


class Stage(enum.Enum):
    """Where a letter handed to Logius stands."""

    SENDING = "sending"  #: being handed over (again); events of an earlier hand-over are stale
    OFFERED = "offered"  #: the transport took it; Logius' MSH has not acknowledged it yet
    TRANSPORTED = "transported"  #: Logius' MSH acknowledged it; the result is awaited
    OVERDUE = "overdue"  #: no result within the deadline (RES-03): reported, still awaited
    DELIVERED = "delivered"  #: settled: in the box; never undone
    PAPER = "paper"  #: settled: to be sent on paper (a later result may still settle it again)
    FAILED = "failed"  #: settled: refused or undeliverable (a later result may still settle it again)


class Event(enum.Enum):
    """What happens to a handed-over letter, whatever the binding."""

    ACCEPTED = "accepted"  #: the transport took the hand-over
    DELIVERED = "delivered"  #: Logius' MSH acknowledged the message (received, not processed)
    FAILED = "failed"  #: the transport failed for good
    EXPIRED = "expired"  #: the transport's retries ran out before an acknowledgement
    RESULT = "result"  #: Logius answered with a VerwerkingsCode
    OVERDUE = "overdue"  #: no result within the deadline (RES-03)


class Action(enum.Enum):
    """What the caller does."""

    NOTHING = "nothing"  #: the event changes nothing (stale, repeated, or after a delivery)
    ADVANCE = "advance"  #: record the new stage (``Decision.stage``)
    RESEND = "resend"  #: hand the batch over again, same BatchID and BerichtIDs (RES-04)
    SETTLE = "settle"  #: record the outcome (``Decision.outcome``, ``code``, ``detail``)
    ALERT = "alert"  #: report it (``Decision.detail``) and record the stage; never resend blindly


class _Rule(enum.Enum):
    IGNORE = enum.auto()
    TO_OFFERED = enum.auto()
    TO_TRANSPORTED = enum.auto()
    RESEND_OR_FAIL = enum.auto()
    SETTLE_BY_CODE = enum.auto()
    ALERT_OVERDUE = enum.auto()


_S, _E, _R = Stage, Event, _Rule
_AWAITING: Final = {
    _E.ACCEPTED: _R.IGNORE,
    _E.DELIVERED: _R.TO_TRANSPORTED,
    _E.FAILED: _R.RESEND_OR_FAIL,
    _E.EXPIRED: _R.RESEND_OR_FAIL,
    _E.RESULT: _R.SETTLE_BY_CODE,
    _E.OVERDUE: _R.ALERT_OVERDUE,
}
_SETTLED_AGAIN: Final = {**dict.fromkeys(Event, _R.IGNORE), _E.RESULT: _R.SETTLE_BY_CODE}

#: Every stage × event: what the event means. A result settles a letter in any stage but
#: ``DELIVERED``; transport events only move letters that still await their result.
TABLE: Final[Mapping[tuple[Stage, Event], _Rule]] = MappingProxyType(
    {
        # Being handed over again: transport events of the earlier hand-over are stale.
        **{(_S.SENDING, e): r for e, r in _SETTLED_AGAIN.items()},
        (_S.SENDING, _E.ACCEPTED): _R.TO_OFFERED,
        **{(_S.OFFERED, e): r for e, r in _AWAITING.items()},
        **{(_S.TRANSPORTED, e): r for e, r in {**_AWAITING, _E.DELIVERED: _R.IGNORE}.items()},
        **{
            (_S.OVERDUE, e): r
            for e, r in {**_AWAITING, _E.DELIVERED: _R.IGNORE, _E.OVERDUE: _R.IGNORE}.items()
        },
        **{(_S.DELIVERED, e): _R.IGNORE for e in Event},  # a delivery is never undone
        **{(_S.PAPER, e): r for e, r in _SETTLED_AGAIN.items()},
        **{(_S.FAILED, e): r for e, r in _SETTLED_AGAIN.items()},
    }
)

_STAGE_OF_OUTCOME: Final = {
    OutcomeStatus.DELIVERED: Stage.DELIVERED,
    OutcomeStatus.PAPER: Stage.PAPER,
    OutcomeStatus.FAILED: Stage.FAILED,
}

OVERDUE_ALERT: Final = "no result within the deadline (RES-03): report it, do not resend blindly"


@attrs.frozen
class Decision:
    """What to do after an event: the :class:`Action` and, where it applies, the new stage and outcome."""

    action: Action
    stage: Stage | None = None
    outcome: OutcomeStatus | None = None
    code: VerwerkingsCode | None = None
    detail: str | None = None


_NOTHING: Final = Decision(Action.NOTHING)


def _false() -> bool:
    return False


def outcome_of(
    code: VerwerkingsCode,
    *,
    bericht_type: str,
    handed_over_again: bool,
    derived_id: Callable[[], bool] = _false,
) -> tuple[OutcomeStatus, str | None]:
    """The outcome of a letter Logius answered with ``code``, and the detail that explains it.

    ``BerichtBestaatAl`` counts as delivered after a second hand-over of the batch (the first copy
    arrived, RES-04), or when the BerichtID is derived from the letter itself (``derived_id()``; asked
    only then): an earlier run delivered this very letter (BER-01).
    """
    if code is VerwerkingsCode.VERWERKT:
        return OutcomeStatus.DELIVERED, None
    if code is VerwerkingsCode.BERICHT_BESTAAT_AL:
        if handed_over_again:
            return OutcomeStatus.DELIVERED, None
        if derived_id():
            return OutcomeStatus.DELIVERED, ALREADY_DELIVERED
    if code is VerwerkingsCode.NIET_ACTIEF_OF_GEABONNEERD:
        return OutcomeStatus.PAPER, (
            "Logius answered NietActiefOfGeabonneerd: no active Berichtenbox, or no subscription "
            f"to {bericht_type} from this sender"
        )
    return OutcomeStatus.FAILED, None


def outcome_summary(code: VerwerkingsCode) -> str:
    """The outcome of a letter answered with ``code`` in one line, with its conditions (the docs' table)."""
    first, _ = outcome_of(code, bericht_type="", handed_over_again=False)
    again, _ = outcome_of(code, bericht_type="", handed_over_again=True)
    stable, _ = outcome_of(code, bericht_type="", handed_over_again=False, derived_id=lambda: True)
    other = [
        (o, why)
        for o, why in ((again, "after a resend of ours"), (stable, "with `stable_ids`"))
        if o is not first
    ]
    if not other:
        return f"`{first.name}`"
    if len({o for o, _ in other}) == 1:
        return f"`{other[0][0].name}` {' or '.join(why for _, why in other)}, else `{first.name}`"
    return ", ".join(f"`{o.name}` {why}" for o, why in other) + f", else `{first.name}`"


def step(
    stage: Stage,
    event: Event,
    *,
    code: VerwerkingsCode | None = None,
    bericht_type: str = "",
    attempts: int = 1,
    derived_id: Callable[[], bool] = _false,
    resends: int = 0,
    max_resends: int = 0,
) -> Decision:
    """What ``event`` means for a letter at ``stage``.

    A ``RESULT`` needs ``code`` (and ``bericht_type``, ``attempts``: hand-overs of its batch so far,
    ``derived_id``); ``FAILED``/``EXPIRED`` need ``resends`` (resends so far) and ``max_resends``.
    """
    rule = TABLE[stage, event]
    if rule is _Rule.IGNORE:
        return _NOTHING
    if rule is _Rule.TO_OFFERED:
        return Decision(Action.ADVANCE, Stage.OFFERED)
    if rule is _Rule.TO_TRANSPORTED:
        return Decision(Action.ADVANCE, Stage.TRANSPORTED)
    if rule is _Rule.ALERT_OVERDUE:
        return Decision(Action.ALERT, Stage.OVERDUE, detail=OVERDUE_ALERT)
    if rule is _Rule.RESEND_OR_FAIL:
        if resends < max_resends:
            return Decision(Action.RESEND, Stage.SENDING)
        gave_up = f"ebMS delivery {event.name} after {resends} resend(s)"
        return Decision(Action.SETTLE, Stage.FAILED, OutcomeStatus.FAILED, detail=gave_up)
    if code is None:
        raise ValueError("a RESULT event needs its VerwerkingsCode")
    outcome, detail = outcome_of(
        code, bericht_type=bericht_type, handed_over_again=attempts > 1, derived_id=derived_id
    )
    return Decision(Action.SETTLE, _STAGE_OF_OUTCOME[outcome], outcome, code, detail)


def stage_of(outcome: OutcomeStatus) -> Stage | None:
    """The settled stage of an outcome (``None``: not settled, PENDING or REFUSED)."""
    return _STAGE_OF_OUTCOME.get(outcome)


class _Typed(Protocol):
    @property
    def bericht_type(self) -> str: ...


_B = TypeVar("_B")
_T = TypeVar("_T", bound=_Typed)


def match_result(
    batch_id: uuid.UUID,
    ref_to_message_id: str | None,
    *,
    batch: Callable[[uuid.UUID], _B | None],
    batch_of_message: Callable[[str], _B | None],
) -> _B | None:
    """The batch a result answers (RES-01): by its BatchID; when Logius could not read that (the nil
    GUID, and the binding found no other name for the batch), by the message the result answers."""
    if batch_id != NIL_GUID:
        return batch(batch_id)
    if ref_to_message_id is not None:
        return batch_of_message(ref_to_message_id)
    return None


def by_bericht_type(items: Iterable[_T]) -> dict[str, list[_T]]:
    """``items`` (letters, stored letters) grouped by BerichtType in first-seen order: the subscription
    check asks per type (ABO-01)."""
    groups: dict[str, list[_T]] = {}
    for item in items:
        groups.setdefault(item.bericht_type, []).append(item)
    return groups

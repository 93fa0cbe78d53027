"""The states a letter and a batch move through in the outbox, each recorded before its step is taken.

::

    accepted ──► checked ──► batched ──► offered ──► delivered ──► result
        │           │  ▲         ▲  │        │            │    └──► result-overdue ──► result
        ▼           ▼  │(>7 d)   │  │        └────────────┴──► failed / expired
      paper      paper └─ accepted  └── (crash, FAILED/EXPIRED event: handed over again, same ids)
"""

from __future__ import annotations

import enum

__all__ = ["BatchState", "LetterState"]


class LetterState(enum.Enum):
    """Where a letter stands. ``is_final`` states need nothing more from the outbox, yet a late result
    still settles every letter not settled as delivered (the lifecycle's rule, ``mobb_sdk._lifecycle``):
    ``result_overdue``, ``paper``, ``failed``, ``expired`` and a ``result`` with a code that is not a
    delivery take the late result's outcome. A letter settled as delivered never changes again."""

    ACCEPTED = "accepted"  #: validated and stored, BerichtID fixed
    CHECKED = "checked"  #: the recipient may receive it (ValidateAbonnementen, ABO-01), with the check's time
    PAPER = "paper"  #: the recipient may not receive it digitally: send it on paper
    BATCHED = "batched"  #: in a batch (BatchID fixed) that is being handed to ebms-core
    OFFERED = "offered"  #: ebms-core took the batch (ebMS message id recorded)
    DELIVERED = "delivered"  #: Logius' MSH acknowledged it (ebMS DELIVERED); the result is awaited
    RESULT = "result"  #: Logius answered with a VerwerkingsCode (``code``); see ``outcome``
    FAILED = "failed"  #: ebMS delivery FAILED, also after the allowed resends
    EXPIRED = "expired"  #: ebMS delivery EXPIRED, also after the allowed resends
    RESULT_OVERDUE = "result_overdue"  #: no result within the deadline (RES-03): report, never resend blindly

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def in_flight(self) -> bool:
        """Handed to (or being handed to) Logius, with its result still to come."""
        return self in _IN_FLIGHT


_FINAL = frozenset({LetterState.PAPER, LetterState.RESULT, LetterState.FAILED, LetterState.EXPIRED})
_IN_FLIGHT = frozenset({LetterState.BATCHED, LetterState.OFFERED, LetterState.DELIVERED})


class BatchState(enum.Enum):
    """Where a batch stands on the transport level."""

    SENDING = "sending"  #: recorded before each hand-over; still SENDING after a crash means: hand over again
    OFFERED = "offered"  #: ebms-core took it (message id recorded)
    DELIVERED = "delivered"  #: Logius' MSH acknowledged it
    DONE = "done"  #: every letter has its final state
    FAILED = "failed"  #: ebMS FAILED/EXPIRED after the allowed resends

"""A test hook: kill the process (``SIGKILL``, a real ``kill -9``) at a named point of a run.

Set ``MOBB_OUTBOX_CRASH_AT=<point>[:<n>]`` and the runner kills itself the n-th time (default: the
first) it reaches ``<point>``. Without the variable every call is a no-op. The crash tests use it to
stop a real runner process at precise moments and then resume; it is not meant for production use.

Points: ``enqueued`` (letters stored, nothing run), ``after_check`` (a subscription answer came, not
recorded), ``after_batch`` (batch recorded as sending, nothing sent), ``mid_send`` (the payload is
on the wire, the request is not complete), ``after_send`` (ebms-core answered with the message id,
not recorded), ``after_offered`` (receipt recorded), ``after_event`` (a delivery event applied, not
acknowledged), ``after_result_fetch`` (a result read, not recorded), ``after_result_record`` (a result
recorded, not acknowledged).
"""

from __future__ import annotations

import os
import signal
from typing import Final

__all__ = ["CRASH_ENV", "CRASH_POINTS", "crash_point"]

CRASH_ENV: Final = "MOBB_OUTBOX_CRASH_AT"
CRASH_POINTS: Final = (
    "enqueued",
    "after_check",
    "after_batch",
    "mid_send",
    "after_send",
    "after_offered",
    "after_event",
    "after_result_fetch",
    "after_result_record",
)

_seen: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Kill this process here if ``MOBB_OUTBOX_CRASH_AT`` names this point and its count is reached."""
    armed = os.environ.get(CRASH_ENV)
    if not armed:
        return
    point, _, count = armed.partition(":")
    if point != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)

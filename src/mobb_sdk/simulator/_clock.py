"""The simulator's clock: real UTC time or a fixed start, moved forward by :meth:`Clock.advance`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from mobb_sdk._errors import ConfigurationError
from mobb_sdk._models import utc_now

__all__ = ["Clock"]


class Clock:
    """``now()`` = a source time plus everything :meth:`advance` added.

    ``Clock()`` follows the real UTC time; ``Clock(start)`` stands still at ``start`` until advanced;
    ``Clock(source=callable)`` follows any timezone-aware source (e.g. a test's fixed ``now``).
    """

    def __init__(
        self, start: datetime | None = None, *, source: Callable[[], datetime] | None = None
    ) -> None:
        if start is not None and source is not None:
            raise ConfigurationError("give a clock a start or a source, not both")
        if start is not None:
            _aware(start)
            self._source: Callable[[], datetime] = lambda: start
        else:
            self._source = source or utc_now
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return _aware(self._source()) + offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward (results and deliveries waiting for that moment become visible)."""
        if seconds < 0:
            raise ConfigurationError(f"a clock only moves forward, got {seconds} seconds")
        with self._lock:
            self._offset += timedelta(seconds=seconds)


def _aware(value: datetime) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ConfigurationError("the simulator's clock must give timezone-aware datetimes (e.g. tzinfo=UTC)")
    return value

"""When to try a failed exchange again, and how long to wait first (no I/O, no sleeping here).

Only transport failures are retried: a connection that could not be made or broke, a timeout, a
gateway status (502/503/504) and a 429 or 5xx answer carrying ``Retry-After``. A business outcome (a
VerwerkingsCode, a SOAP ApplicationFault, a 400) never is. The wait is exponential backoff with full
jitter (a uniform draw between 0 and the capped exponential), or the server's ``Retry-After`` when it
gave one, capped too.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

import attrs

from mobb_sdk._errors import InvalidValueError, TransportError

__all__ = ["RetryPolicy", "parse_retry_after"]

#: A ``Retry-After`` larger than this is read as nonsense rather than waited for.
_RETRY_AFTER_SANITY: Final = 24 * 3600.0


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < float("inf"):
        raise InvalidValueError("CONFIG", attribute.name, f"expected a finite number >= 0, got {value!r}")


def _attempts(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
        raise InvalidValueError("CONFIG", attribute.name, f"expected 1..100 attempts, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """How often and how patiently a failed transport exchange is tried again.

    ``max_attempts`` counts every try, the first included (1 = never retry). The n-th retry waits a
    uniform random time in ``[0, min(max_delay, base_delay * 2**(n-1))]``, or the server's
    ``Retry-After`` capped at ``max_retry_after``. Retries of a batch always reuse its BatchID and
    BerichtIDs (RES-04).
    """

    max_attempts: int = attrs.field(default=5, validator=_attempts)
    base_delay: float = attrs.field(default=0.5, validator=_positive)
    max_delay: float = attrs.field(default=30.0, validator=_positive)
    max_retry_after: float = attrs.field(default=120.0, validator=_positive)

    @classmethod
    def never(cls) -> RetryPolicy:
        """Try once; every failure is raised at once."""
        return cls(max_attempts=1)

    def should_retry(self, error: TransportError, attempt: int) -> bool:
        """True when ``error``, raised by try number ``attempt`` (1-based), deserves another try."""
        return error.retryable and attempt < self.max_attempts

    def delay(
        self, attempt: int, error: TransportError | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after try number ``attempt`` failed with ``error``."""
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float):
            return float(min(max(retry_after, 0.0), self.max_retry_after))
        cap = min(self.max_delay, self.base_delay * (2 ** max(attempt - 1, 0)))
        return (rng or _RNG).uniform(0.0, cap)


# Jitter needs spread, not secrecy.
_RNG: Final = random.Random()  # noqa: S311


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); ``None`` if absent/bad."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        seconds = float(int(text))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds > _RETRY_AFTER_SANITY:
        return None
    return max(seconds, 0.0)

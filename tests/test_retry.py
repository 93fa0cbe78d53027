"""RetryPolicy and Retry-After at their edges: every bound below, at and above, each error's rule and field."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from mobb_sdk import InvalidValueError, RetryPolicy
from mobb_sdk._errors import ConnectionFailed, HttpStatusError, TransportError, TransportTimeout
from mobb_sdk._retry import parse_retry_after

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class RecordingRng:
    """Stands in for random.Random: remembers the bounds asked for and answers the upper one."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.calls.append((a, b))
        return b


def config_error(**kwargs: object) -> InvalidValueError:
    with pytest.raises(InvalidValueError) as info:
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
    return info.value


def test_defaults_are_pinned() -> None:
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.base_delay, policy.max_delay, policy.max_retry_after) == (
        5,
        0.5,
        30.0,
        120.0,
    )
    assert RetryPolicy.never() == RetryPolicy(max_attempts=1)


@pytest.mark.parametrize("attempts", [1, 2, 99, 100])
def test_attempts_within_1_to_100_are_accepted(attempts: int) -> None:
    assert RetryPolicy(max_attempts=attempts).max_attempts == attempts


@pytest.mark.parametrize("bad", [0, 101, -1, True, 2.0, "3"])
def test_attempts_outside_1_to_100_or_not_an_int_are_refused(bad: object) -> None:
    error = config_error(max_attempts=bad)
    assert error.rule == "CONFIG"
    assert error.field == "max_attempts"
    assert "1..100 attempts" in error.message
    assert repr(bad) in error.message


@pytest.mark.parametrize("name", ["base_delay", "max_delay", "max_retry_after"])
@pytest.mark.parametrize("good", [0, 0.0, 0.001, 7, 1e9])
def test_delays_accept_zero_and_any_finite_positive_number(name: str, good: float) -> None:
    assert getattr(RetryPolicy(**{name: good}), name) == good


@pytest.mark.parametrize("name", ["base_delay", "max_delay", "max_retry_after"])
@pytest.mark.parametrize("bad", [-0.001, -1, math.inf, math.nan, True, "1", None])
def test_bad_delays_are_refused_naming_the_field(name: str, bad: object) -> None:
    error = config_error(**{name: bad})
    assert error.rule == "CONFIG"
    assert error.field == name
    assert "finite number >= 0" in error.message
    assert repr(bad) in error.message


def test_only_a_retryable_failure_below_the_attempt_limit_is_retried() -> None:
    policy = RetryPolicy(max_attempts=3)
    for error in (TransportTimeout("t"), ConnectionFailed("c"), HttpStatusError("x", status=503)):
        assert policy.should_retry(error, 1) is True
        assert policy.should_retry(error, 2) is True
        assert policy.should_retry(error, 3) is False
    assert policy.should_retry(TransportError("business"), 1) is False
    assert policy.should_retry(HttpStatusError("x", status=400), 1) is False
    assert RetryPolicy.never().should_retry(TransportTimeout("t"), 1) is False


@pytest.mark.parametrize(
    ("attempt", "cap"), [(0, 0.5), (1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 10.0), (40, 10.0)]
)
def test_backoff_draws_between_zero_and_the_capped_exponential(attempt: int, cap: float) -> None:
    rng = RecordingRng()
    policy = RetryPolicy(max_attempts=50, base_delay=0.5, max_delay=10.0)
    assert policy.delay(attempt, TransportTimeout("t"), rng) == cap  # type: ignore[arg-type]
    assert rng.calls == [(0.0, cap)]


def test_backoff_without_an_rng_uses_the_module_one() -> None:
    policy = RetryPolicy(base_delay=2.0, max_delay=2.0)
    draws = {policy.delay(1) for _ in range(50)}
    assert all(0.0 <= d <= 2.0 for d in draws)
    assert len(draws) > 40  # drawn, not fixed


@pytest.mark.parametrize(
    ("retry_after", "expected"), [(12, 12.0), (12.5, 12.5), (0, 0.0), (-5, 0.0), (60, 60.0), (61, 60.0)]
)
def test_retry_after_is_waited_for_exactly_within_its_cap(retry_after: float, expected: float) -> None:
    rng = RecordingRng()
    policy = RetryPolicy(base_delay=1.0, max_delay=1.0, max_retry_after=60)
    waited = policy.delay(3, HttpStatusError("x", status=503, retry_after=retry_after), rng)  # type: ignore[arg-type]
    assert waited == expected
    assert type(waited) is float
    assert rng.calls == []  # no jitter on a server's word


def test_an_error_without_retry_after_backs_off() -> None:
    rng = RecordingRng()
    waited = RetryPolicy(base_delay=1.0).delay(1, HttpStatusError("x", status=503), rng)  # type: ignore[arg-type]
    assert waited == 1.0
    assert rng.calls == [(0.0, 1.0)]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("0", 0.0), ("120", 120.0), (" 7 ", 7.0), ("86400", 86400.0), ("86399", 86399.0)],
)
def test_retry_after_seconds_up_to_exactly_24_hours(header: str, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == seconds


@pytest.mark.parametrize("header", [None, "", "   ", "86401", "soon", "-5", "1e9", "١٢", "12.5"])
def test_retry_after_that_is_absent_bad_or_over_24_hours_is_none(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


def test_retry_after_as_an_http_date() -> None:
    assert parse_retry_after("Sat, 28 Nov 2026 12:00:30 GMT", NOW) == 30.0
    assert parse_retry_after("Sat, 28 Nov 2026 13:00:30 +0100", NOW) == 30.0
    assert parse_retry_after("Sat, 28 Nov 2026 11:00:00 GMT", NOW) == 0.0  # past: go now
    assert parse_retry_after(format_datetime(NOW + timedelta(hours=24)), NOW) == 86400.0
    assert parse_retry_after(format_datetime(NOW + timedelta(hours=24, seconds=1)), NOW) is None


def test_an_http_date_without_a_zone_is_read_as_utc() -> None:
    assert parse_retry_after("Sat, 28 Nov 2026 12:00:30", NOW) == 30.0
    assert parse_retry_after("Sat, 28 Nov 2026 12:00:30 -0000", NOW) == 30.0


def test_an_http_date_is_measured_from_the_real_clock_by_default() -> None:
    ahead = datetime.now(UTC) + timedelta(seconds=600)
    waited = parse_retry_after(format_datetime(ahead.replace(microsecond=0)), None)
    assert waited is not None
    assert 590 <= waited <= 600

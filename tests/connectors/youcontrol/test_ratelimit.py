from __future__ import annotations

import bisect

import pytest

from connectors.youcontrol import YOUSCORE_WINDOWS, NoRateLimit, SlidingWindowRateLimiter
from tests.connectors.youcontrol._fakes import FakeClock


def _max_in_any_window(times: list[float], period: float) -> int:
    """Most grants in any half-open window (t - period, t] ending at a grant (the worst windows)."""
    ordered = sorted(times)
    return max(
        index + 1 - bisect.bisect_right(ordered, moment - period) for index, moment in enumerate(ordered)
    )


def _grant_times(limiter: SlidingWindowRateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        limiter.acquire()
        times.append(clock())
    return times


def test_default_limits_are_youscores_200_per_minute_and_50_per_5_seconds() -> None:
    assert YOUSCORE_WINDOWS == ((200, 60.0), (50, 5.0))
    assert SlidingWindowRateLimiter().windows == ((200, 60.0), (50, 5.0))


def test_never_more_than_50_in_5_seconds_or_200_in_a_minute() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(margin=0.0, clock=clock, sleep=clock.sleep)
    times = _grant_times(limiter, clock, 650)
    assert _max_in_any_window(times, 5.0) == 50
    assert _max_in_any_window(times, 60.0) == 200


def test_waits_no_longer_than_the_limits_require() -> None:
    clock = FakeClock(start=0.0)
    limiter = SlidingWindowRateLimiter(margin=0.0, clock=clock, sleep=clock.sleep)
    times = _grant_times(limiter, clock, 401)
    assert times[49] == 0.0  # the first 50 go at once
    assert times[50] == pytest.approx(5.0)  # the 51st waits for the 5 s window
    assert times[199] == pytest.approx(15.0)  # 4 bursts of 50
    assert times[200] == pytest.approx(60.0)  # then the minute window holds the 201st
    assert times[400] == pytest.approx(120.0)


def test_margin_widens_every_window() -> None:
    clock = FakeClock(start=0.0)
    limiter = SlidingWindowRateLimiter(((3, 1.0),), margin=0.25, clock=clock, sleep=clock.sleep)
    times = _grant_times(limiter, clock, 4)
    assert times[3] == pytest.approx(1.25)


def test_partitions_have_their_own_windows() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(((2, 10.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    for partition in ("key-a", "key-a", "key-b", "key-b"):
        assert limiter.acquire(partition) == 0.0
    assert limiter.try_acquire("key-a") == pytest.approx(10.0)
    assert clock.sleeps == []


def test_try_acquire_takes_no_slot_when_it_refuses() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(((1, 2.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    assert limiter.try_acquire() == 0.0
    assert limiter.try_acquire() == pytest.approx(2.0)
    clock.advance(1.0)
    assert limiter.try_acquire() == pytest.approx(1.0)
    clock.advance(1.0)
    assert limiter.try_acquire() == 0.0
    assert limiter.stats().granted == 2


def test_stats_count_grants_and_waiting() -> None:
    clock = FakeClock()
    limiter = SlidingWindowRateLimiter(((1, 1.0),), margin=0.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    waited = limiter.acquire()
    stats = limiter.stats()
    assert (stats.granted, stats.waited) == (2, 1)
    assert waited == pytest.approx(1.0) == stats.seconds_waited


@pytest.mark.parametrize("windows", [(), ((0, 1.0),), ((5, 0.0),)])
def test_invalid_windows_are_refused(windows: tuple[tuple[int, float], ...]) -> None:
    with pytest.raises(ValueError):
        SlidingWindowRateLimiter(windows)


def test_no_rate_limit_never_waits() -> None:
    limiter = NoRateLimit()
    assert all(limiter.acquire("k") == 0.0 for _ in range(1000))

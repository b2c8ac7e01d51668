"""Client-side rate limiting: stay under every window of a provider's limits so it never sends 429.

YouScore allows 200 requests per minute and 50 per 5 seconds per API key (reference §4.5). The
``SlidingWindowRateLimiter`` keeps, per partition (one per key), the times of the last grants and
lets a caller through only when every window has room; otherwise ``acquire`` sleeps until the oldest
grant leaves the fullest window. A sliding window is stricter than a fixed one, so the server sees no
more than ``limit`` requests in any window of ``period`` whichever way it counts.

A request reaches the server some time after its slot was granted, and that delay varies (network,
thread scheduling, a busy machine). So a slot taken with ``slot(partition)`` is counted from the grant
until the response has arrived, and its window is measured from the response: the server saw the
request no later than that, so the limiter's count is never below the server's whatever the delay.
``margin`` still widens each window a little for clock granularity.

One limiter object is thread-safe and may be shared by any number of threads and clients in a process.
It does not coordinate processes: with N Function instances calling with one key, give each
``windows`` divided by N (or run the scheduled checks on one instance).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

YOUSCORE_WINDOWS: tuple[tuple[int, float], ...] = ((200, 60.0), (50, 5.0))
"""The standard contract: (requests, seconds) per API key."""


class RateLimiter(Protocol):
    def acquire(self, partition: str = "") -> float:
        """Block until a request may be sent; return the seconds waited."""
        ...

    def slot(self, partition: str = "") -> contextlib.AbstractContextManager[float]:
        """``acquire``, holding the slot until the block ends (the response arrived)."""
        ...


class NoRateLimit:
    """A limiter that never waits (tests, or a caller that limits elsewhere)."""

    def acquire(self, partition: str = "") -> float:
        return 0.0

    @contextmanager
    def slot(self, partition: str = "") -> Iterator[float]:
        yield 0.0


@dataclass(frozen=True)
class RateLimiterStats:
    granted: int
    waited: int  # grants that had to wait
    seconds_waited: float


class SlidingWindowRateLimiter:
    """Several (limit, period) windows at once, per partition; blocking ``acquire`` with injectable time."""

    def __init__(
        self,
        windows: Sequence[tuple[int, float]] = YOUSCORE_WINDOWS,
        *,
        margin: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not windows:
            raise ValueError("at least one (limit, period) window is required")
        for limit, period in windows:
            if limit < 1 or period <= 0:
                raise ValueError(f"invalid window ({limit}, {period}): limit >= 1 and period > 0")
        if margin < 0:
            raise ValueError("margin must not be negative")
        self.windows = tuple((int(limit), float(period)) for limit, period in windows)
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._longest = max(period for _, period in self.windows) + margin
        # per partition: one stamp per recent grant; math.inf while the request is still in flight
        self._grants: dict[str, list[float]] = {}
        self._granted = 0
        self._waited = 0
        self._seconds_waited = 0.0

    def __repr__(self) -> str:
        return f"SlidingWindowRateLimiter(windows={self.windows!r}, margin={self.margin!r})"

    def try_acquire(self, partition: str = "", *, in_flight: bool = False) -> float:
        """Take a slot now and return 0.0, or take nothing and return how long to wait (> 0)."""
        with self._lock:
            now = self._clock()
            grants = self._grants.setdefault(partition, [])
            grants[:] = [stamp for stamp in grants if stamp > now - self._longest]
            wait = 0.0
            for limit, period in self.windows:
                span = period + self.margin
                counted = sorted(stamp for stamp in grants if stamp > now - span)
                if len(counted) >= limit:
                    # room appears when enough of the counted grants leave the window
                    leaving = counted[len(counted) - limit]
                    wait = max(wait, leaving + span - now if leaving != math.inf else 0.01)
            if wait > 0:
                return wait
            grants.append(math.inf if in_flight else now)
            self._granted += 1
            return 0.0

    def acquire(self, partition: str = "") -> float:
        return self._acquire(partition, in_flight=False)

    @contextmanager
    def slot(self, partition: str = "") -> Iterator[float]:
        waited = self._acquire(partition, in_flight=True)
        try:
            yield waited
        finally:
            with self._lock:
                grants = self._grants[partition]
                grants[grants.index(math.inf)] = self._clock()

    def _acquire(self, partition: str, *, in_flight: bool) -> float:
        waited = 0.0
        while True:
            wait = self.try_acquire(partition, in_flight=in_flight)
            if wait <= 0:
                if waited:
                    with self._lock:
                        self._waited += 1
                        self._seconds_waited += waited
                return waited
            # A tiny floor avoids a busy loop when float rounding leaves a wait of ~1e-12 s.
            pause = max(wait, 1e-4)
            self._sleep(pause)
            waited += pause

    def stats(self) -> RateLimiterStats:
        with self._lock:
            return RateLimiterStats(self._granted, self._waited, self._seconds_waited)

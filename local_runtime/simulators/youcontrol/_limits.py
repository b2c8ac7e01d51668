"""Per-key sliding-window enforcement of YouScore's rate limits (200/min and 50/5 s per key).

Only admitted requests count towards a window; a refused one answers 429 with a Retry-After of the
seconds until the oldest request leaves the full window (rounded up: HTTP delta-seconds are whole).
Whether YouScore sends Retry-After at all is NOT FOUND; the simulator sends it so clients can use it.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Sequence


class KeyWindows:
    def __init__(self, windows: Sequence[tuple[int, float]], clock: Callable[[], float]) -> None:
        self.windows = tuple((int(limit), float(period)) for limit, period in windows)
        self._clock = clock
        self._lock = threading.Lock()
        self._admitted: dict[str, deque[float]] = {}
        self._longest = max((period for _, period in self.windows), default=0.0)
        self._capacity = max((limit for limit, _ in self.windows), default=1)

    def admit(self, key: str) -> int | None:
        """Record the request and return None, or refuse it and return the Retry-After seconds."""
        with self._lock:
            now = self._clock()
            times = self._admitted.setdefault(key, deque(maxlen=self._capacity))
            while times and times[0] <= now - self._longest:
                times.popleft()
            wait = 0.0
            for limit, period in self.windows:
                if len(times) >= limit and times[len(times) - limit] > now - period:
                    wait = max(wait, times[len(times) - limit] + period - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            times.append(now)
            return None

    def clear(self) -> None:
        with self._lock:
            self._admitted.clear()

"""Service protection limits that can be switched on, and the request counters tests read."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, fields
from typing import Any

from local_runtime.dataverse_emulator._errors import ODataError


@dataclass(frozen=True)
class Limits:
    """``requests_per_window`` over a sliding ``window_seconds`` (Dataverse: 6,000 per 300 s per user and
    server); ``max_concurrent`` requests in flight (Dataverse: 52); ``execution_ms`` of simulated work
    per request, spent while holding a concurrency slot; ``dop_hint`` sent as ``x-ms-dop-hint``."""

    requests_per_window: int | None = None
    window_seconds: float = 300.0
    max_concurrent: int | None = None
    concurrency_retry_after: float = 1.0
    execution_ms: float = 0.0
    dop_hint: int = 8

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Limits:
        known = {field.name for field in fields(cls)}
        unknown = set(body) - known
        if unknown:
            raise ODataError(400, f"unknown limit field(s): {', '.join(sorted(unknown))}")
        return cls(**body)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ServiceProtection:
    def __init__(self, limits: Limits | None = None, *, clock: Any = time.monotonic) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._admitted: deque[float] = deque()
        self._in_flight = 0
        self._lock = threading.Lock()

    def configure(self, limits: Limits) -> None:
        with self._lock:
            self.limits = limits
            self._admitted.clear()

    def admit(self) -> None:
        """Count one request in, or raise the 429 Dataverse would answer."""
        limits = self.limits
        with self._lock:
            now = self._clock()
            if limits.max_concurrent is not None and self._in_flight >= limits.max_concurrent:
                raise _throttle(
                    "0x80072326",
                    f"Number of concurrent requests exceeded the limit of {limits.max_concurrent}.",
                    limits.concurrency_retry_after,
                )
            if limits.requests_per_window is not None:
                horizon = now - limits.window_seconds
                while self._admitted and self._admitted[0] <= horizon:
                    self._admitted.popleft()
                if len(self._admitted) >= limits.requests_per_window:
                    wait = self._admitted[0] + limits.window_seconds - now
                    raise _throttle(
                        "0x80072322",
                        f"Number of requests exceeded the limit of {limits.requests_per_window} "
                        "over time window "
                        f"of {limits.window_seconds:g} seconds.",
                        wait,
                    )
                self._admitted.append(now)
            self._in_flight += 1

    def release(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _throttle(code: str, message: str, seconds: float) -> ODataError:
    seconds = max(seconds, 0.01)
    retry_after = str(math.ceil(seconds)) if seconds >= 1 else f"{math.ceil(seconds * 100) / 100:g}"
    return ODataError(429, message, code, {"Retry-After": retry_after})


class Counters:
    """Requests (a $batch or a *Multiple call is one), operations (each row-level step) and rows written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()
        self.rows_written = 0
        self.throttled = 0

    def request(self, kind: str) -> None:
        with self._lock:
            self.requests[kind] += 1

    def operation(self, kind: str, rows_written: int = 0) -> None:
        with self._lock:
            self.operations[kind] += 1
            self.rows_written += rows_written

    def throttle(self) -> None:
        with self._lock:
            self.throttled += 1

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.operations.clear()
            self.rows_written = 0
            self.throttled = 0

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests_total": sum(self.requests.values()),
                "requests_by_kind": dict(self.requests),
                "operations_by_kind": dict(self.operations),
                "rows_written": self.rows_written,
                "throttled": self.throttled,
            }

"""Capped, jittered exponential backoff that honours Retry-After. One policy object per client."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a call gets and how long to wait between them.

    ``delay(attempt, retry_after)`` gives the pause before attempt ``attempt + 1`` (attempt counts
    from 1). A server's Retry-After wins over the computed backoff but is capped by ``max_retry_after``
    so that a long throttle is handed back to the caller (and to queue redelivery) rather than
    blocking a worker.
    """

    max_attempts: int = 4
    base_delay: float = 0.2
    max_delay: float = 5.0
    max_retry_after: float = 30.0
    jitter: float = 0.25
    sleep: object = field(default=time.sleep, repr=False, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return backoff * (1 + self.jitter * random.random())

    def should_retry(self, attempt: int, retry_after: float | None = None) -> bool:
        if attempt >= self.max_attempts:
            return False
        return retry_after is None or retry_after <= self.max_retry_after

    def pause(self, attempt: int, retry_after: float | None = None) -> None:
        sleeper = self.sleep
        assert callable(sleeper)
        sleeper(self.delay(attempt, retry_after))


NO_RETRY = RetryPolicy(max_attempts=1)

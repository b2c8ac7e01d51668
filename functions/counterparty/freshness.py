"""A check that asks for fresh data ignores cached answers older than the request.

The YouScore client takes one cache for the whole process; ``FreshnessCache`` wraps it and, inside
``not_older_than(t)``, treats entries stored before ``t`` (epoch seconds) as missing. Answers fetched
by the check itself are stored as usual, so when the check is retried after a 202 only what is still
missing is paid for. The bound is per thread (a context variable): other work keeps using the cache.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from connectors.youcontrol import CacheEntry, CacheKey, ResponseCache

_not_before: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "youscore_not_before", default=None
)


class FreshnessCache:
    """A ``ResponseCache`` over another whose clock is epoch seconds (``time.time``)."""

    def __init__(self, inner: ResponseCache) -> None:
        self.inner = inner

    def get(self, key: CacheKey) -> CacheEntry | None:
        entry = self.inner.get(key)
        floor = _not_before.get()
        if entry is not None and floor is not None and entry.stored_at < floor:
            return None
        return entry

    def put(self, key: CacheKey, payload: Any) -> None:
        self.inner.put(key, payload)

    def clear(self) -> None:
        clear = getattr(self.inner, "clear", None)
        if callable(clear):
            clear()


@contextmanager
def not_older_than(epoch_seconds: float | None) -> Iterator[None]:
    """Within the block, cached answers stored before ``epoch_seconds`` are not used (None: any age)."""
    token = _not_before.set(epoch_seconds)
    try:
        yield
    finally:
        _not_before.reset(token)

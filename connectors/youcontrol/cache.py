"""A cache for paid YouScore answers, so a repeat check within the lifetime costs no transaction.

The client stores the decoded JSON of a 200 answer (after it validated) under ``CacheKey(module, code,
params)`` and reads it back instead of calling. 202s, errors and 404s are never stored. The
``ResponseCache`` protocol is all a persistent store (Table Storage, Redis, Dataverse) has to
implement; ``CacheKey.as_text()`` gives it a string key. ``MemoryResponseCache`` is the in-process one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

DEFAULT_TTL = 24 * 3600.0


@dataclass(frozen=True)
class CacheKey:
    module: str
    code: str
    params: tuple[tuple[str, str], ...] = ()

    def as_text(self) -> str:
        query = urlencode(self.params)
        return f"youscore:{self.module}:{self.code}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class CacheEntry:
    payload: Any  # decoded JSON exactly as YouScore sent it
    stored_at: float  # the cache's clock


class ResponseCache(Protocol):
    def get(self, key: CacheKey) -> CacheEntry | None:
        """The live entry for ``key``, or None when absent or expired."""
        ...

    def put(self, key: CacheKey, payload: Any) -> None:
        """Store ``payload``; the cache decides its lifetime."""
        ...


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    stores: int
    expired: int
    size: int


class MemoryResponseCache:
    """Thread-safe in-memory TTL cache with a per-module lifetime and a size bound (oldest out first).

    ``ttl`` is the default lifetime in seconds; ``ttl_by_module`` overrides it per module (for example
    ``{"registry": 30 * 86400}``: registry cards change rarely, sanctions matter sooner).
    """

    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        *,
        ttl_by_module: Mapping[str, float] | None = None,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0 or max_entries < 1:
            raise ValueError("ttl must be positive and max_entries at least 1")
        self.ttl = ttl
        self.ttl_by_module = {str(module): float(value) for module, value in (ttl_by_module or {}).items()}
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[CacheKey, CacheEntry] = OrderedDict()
        self._hits = self._misses = self._stores = self._expired = 0

    def lifetime(self, module: str) -> float:
        return self.ttl_by_module.get(module, self.ttl)

    def get(self, key: CacheKey) -> CacheEntry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._clock() - entry.stored_at >= self.lifetime(key.module):
                del self._entries[key]
                self._expired += 1
                entry = None
            if entry is None:
                self._misses += 1
                return None
            self._hits += 1
            return entry

    def put(self, key: CacheKey, payload: Any) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = CacheEntry(payload, self._clock())
            self._stores += 1
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, self._stores, self._expired, len(self._entries))

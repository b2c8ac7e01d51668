"""The composition root: settings, then credentials, then clients, then use cases, built lazily.

The Functions host imports every module while indexing, so nothing here connects or reads a secret
at import time; each dependency is built on first use and kept for the life of the process. A host
(the local runtime, a test) may ``provide`` a ready object instead, e.g. the local queue as the bus.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")

_lock = threading.RLock()
_instances: dict[str, Any] = {}
_labels: dict[str, str] = {}


def resolve(name: str, factory: Callable[[], T]) -> T:
    """The single instance called ``name``, built by ``factory`` on first use."""
    instance = _instances.get(name)
    if instance is None:
        with _lock:
            instance = _instances.get(name)
            if instance is None:
                instance = factory()
                _instances[name] = instance
    return cast(T, instance)


def provide(name: str, instance: object, *, label: str | None = None) -> None:
    """Install a ready instance (used by hosts and tests before the first request)."""
    with _lock:
        _instances[name] = instance
        if label is not None:
            _labels[name] = label


def describe(name: str, label: str) -> None:
    """Record which backend a port uses, for the health endpoint."""
    with _lock:
        _labels[name] = label


def backends() -> dict[str, str]:
    with _lock:
        return dict(sorted(_labels.items()))


def reset() -> None:
    """Forget every instance (tests; a host that reloads configuration)."""
    with _lock:
        for instance in _instances.values():
            close = getattr(instance, "close", None)
            if callable(close):
                close()
        _instances.clear()
        _labels.clear()

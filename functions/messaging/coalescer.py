"""Group commit: queue handlers hand in items and wait while one of them applies everything handed in
during a short window, so reports that arrive close together cost one write per message.

The first caller of a round becomes its leader: it waits up to ``window`` seconds (less once
``max_items`` are in), closes the round and applies it; the others block until that apply finished
and see its outcome. An apply that fails raises in every caller of the round, so each abandons its
queue message and the reports come back (nothing is acknowledged before it is written).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


class FlushFailedError(RuntimeError):
    """The round this caller's items were in could not be applied (the cause is chained)."""


@dataclass
class _Round(Generic[T]):
    items: list[T] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class Coalescer(Generic[T]):
    def __init__(self, apply: Callable[[list[T]], object], *, window: float, max_items: int) -> None:
        self._apply = apply
        self.window = window
        self.max_items = max_items
        self._condition = threading.Condition()
        self._open: _Round[T] | None = None
        self.rounds = 0  # applied rounds, for tests and logs

    def submit(self, items: Sequence[T]) -> None:
        """Block until ``items`` are applied; raise ``FlushFailedError`` if their round failed."""
        with self._condition:
            current = self._open
            leader = current is None
            if current is None:
                current = self._open = _Round()
            current.items.extend(items)
            if len(current.items) >= self.max_items:
                self._condition.notify_all()
        if leader:
            self._lead(current)
        else:
            current.done.wait()
        if current.error is not None:
            raise FlushFailedError(
                f"applying {len(current.items)} coalesced item(s) failed"
            ) from current.error

    def _lead(self, current: _Round[T]) -> None:
        deadline = time.monotonic() + self.window
        with self._condition:
            while len(current.items) < self.max_items:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            if self._open is current:
                self._open = None
        try:
            self._apply(current.items)
            self.rounds += 1
        except BaseException as error:  # noqa: BLE001 - handed to every caller of the round
            current.error = error
        finally:
            current.done.set()

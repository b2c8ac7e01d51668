"""Two small helpers that let the sync read, track and write at the same time.

``Prefetch`` reads an iterator (Dataverse pages) in a background thread a bounded number of items
ahead; ``OrderedWriter`` runs writes one after another in a background thread and hands their
results back in submission order, with at most ``max_outstanding`` writes waiting.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
_END = object()


class Prefetch(Generic[T]):
    def __init__(self, source: Iterator[T], depth: int, name: str) -> None:
        self._items: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._produce, args=(source,), name=name, daemon=True)
        self._thread.start()

    def _produce(self, source: Iterator[T]) -> None:
        try:
            for item in source:
                if not self._put(item):
                    return
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, which re-raises it
            self._error = error
        self._put(_END)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._items.get()
            if item is _END:
                if self._error is not None:
                    raise self._error
                return
            yield item  # type: ignore[misc]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class OrderedWriter(Generic[T, R]):
    """``submit(work, tag)``; ``collect()`` returns finished ``(result, tag)`` pairs in submission order."""

    def __init__(self, name: str, max_outstanding: int = 2) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._outstanding: deque[tuple[Future[R], T]] = deque()
        self.max_outstanding = max_outstanding

    @property
    def idle(self) -> bool:
        return not self._outstanding

    def submit(self, work: Callable[[], R], tag: T) -> list[tuple[R, T]]:
        self._outstanding.append((self._pool.submit(work), tag))
        done = self.collect()
        while len(self._outstanding) > self.max_outstanding:
            done.extend(self._pop())
        return done

    def collect(self, *, wait: bool = False) -> list[tuple[R, T]]:
        done: list[tuple[R, T]] = []
        while self._outstanding and (wait or self._outstanding[0][0].done()):
            done.extend(self._pop())
        return done

    def _pop(self) -> list[tuple[R, T]]:
        future, tag = self._outstanding.popleft()
        return [(future.result(), tag)]  # a failed write raises here, in the caller's thread

    def close(self) -> None:
        for future, _ in self._outstanding:
            future.cancel()
        self._pool.shutdown(wait=True)

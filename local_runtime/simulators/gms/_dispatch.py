"""Pending status changes of simulated messages and the delivery of their callbacks.

Every event of every message waits here until it is due (background thread) or until ``flush``.
Taking an event applies it to the message (so pull reports change at that moment); pushed events
whose callback URL is on loopback are then POSTed, retried a few times on failure as GMS would.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# One fresh connection per callback (no Session): on a kept-alive loopback connection, a server that
# writes headers and body separately (http.server does) meets Nagle + delayed ACK and each POST waits
# ~40 ms; and a pooled connection the receiver has closed makes spurious failures (and retries).
_HEADERS = {"Content-Type": "application/json", "Connection": "close"}


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in _LOOPBACK_HOSTS


@dataclass(order=True)
class Pending:
    due: float  # time.monotonic() when the event happens
    order: tuple[int, int, int]  # (message sequence, slot, copy): the deterministic flush order
    message_id: str = field(compare=False)
    event_index: int = field(compare=False)
    slot: int = field(compare=False)


@dataclass
class Outgoing:
    url: str
    payload: dict[str, Any]


class CallbackSender:
    """POSTs report payloads to loopback URLs, one object each or arrays, retrying failures."""

    def __init__(self, *, attempts: int, retry_delay_s: float, timeout_s: float, stopped: threading.Event):
        self.attempts = attempts
        self.retry_delay_s = retry_delay_s
        self.timeout_s = timeout_s
        self.counters: Counter[str] = Counter()
        self.delivered: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stopped = stopped

    def send(self, outgoing: list[Outgoing], *, batched: bool, batch_size: int) -> None:
        if not batched:
            for item in outgoing:
                self._post(item.url, item.payload, [item.payload])
            return
        by_url: dict[str, list[dict[str, Any]]] = {}
        for item in outgoing:
            by_url.setdefault(item.url, []).append(item.payload)
        for url, payloads in by_url.items():
            for start in range(0, len(payloads), batch_size):
                part = payloads[start : start + batch_size]
                self._post(url, part, part)

    def _post(self, url: str, body: Any, payloads: list[dict[str, Any]]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                self._count("callback_retries")
                if self._stopped.wait(self.retry_delay_s * (attempt - 1)):
                    break
            try:
                response = requests.post(url, data=data, headers=_HEADERS, timeout=self.timeout_s)
            except requests.RequestException:
                continue
            if 200 <= response.status_code < 300:
                with self._lock:
                    self.counters["callback_posts"] += 1
                    self.counters["reports_delivered"] += len(payloads)
                    self.delivered.extend(payloads)
                return
        self._count("callback_failures")
        with self._lock:
            self.counters["reports_undelivered"] += len(payloads)

    def _count(self, name: str) -> None:
        with self._lock:
            self.counters[name] += 1

    def reset(self) -> None:
        with self._lock:
            self.counters.clear()
            self.delivered.clear()

    def snapshot(self) -> tuple[dict[str, int], list[dict[str, Any]]]:
        with self._lock:
            return dict(self.counters), list(self.delivered)

    def close(self) -> None:
        return  # nothing held open between callbacks


class Dispatcher:
    """Background thread taking due events; ``take`` is shared with ``flush``."""

    def __init__(
        self,
        take_due: Callable[[float | None], list[Outgoing]],
        deliver: Callable[[list[Outgoing]], None],
        condition: threading.Condition,
        next_due: Callable[[], float | None],
        stopped: threading.Event,
    ):
        self._take_due = take_due
        self._deliver = deliver
        self._condition = condition
        self._next_due = next_due
        self._stopped = stopped
        self._thread = threading.Thread(target=self._run, name="gms-sim-reports", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.is_set():
            with self._condition:
                due = self._next_due()
                wait = 0.5 if due is None else max(0.0, due - time.monotonic())
                if wait > 0:
                    self._condition.wait(min(wait, 0.5))
            if self._stopped.is_set():
                return
            outgoing = self._take_due(time.monotonic())
            if outgoing:
                self._deliver(outgoing)

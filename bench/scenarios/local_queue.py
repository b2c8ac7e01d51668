"""Local queue throughput end to end: enqueue + receive + complete, 1 and 4 concurrent consumers.

Baseline: the same queue semantics on SQLite's defaults (rollback journal, synchronous=FULL), which
is what a queue gets without the WAL set-up; both run in this process on the same disk.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from bench.harness import Check, Metric, Result, Scenario
from functions.common.bus import OutboundMessage
from functions.common.queues import QueueSpec
from local_runtime.queue import LocalQueue

SPEC = QueueSpec("bench", lock_duration=60, duplicate_detection_window=600)


class _DefaultJournalQueue(LocalQueue):
    """The baseline: identical code, SQLite defaults (no WAL, synchronous=FULL)."""

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("PRAGMA synchronous=FULL")
            self._local.connection = connection
        return connection


def _throughput(queue_class: type[LocalQueue], messages: int, consumers: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        queue = queue_class(Path(folder) / "bench.db", [SPEC])
        done = threading.Semaphore(0)
        stop = threading.Event()

        def consume() -> None:
            while not stop.is_set():
                received = queue.receive("bench", 1)
                if not received:
                    queue.wait_for_arrivals(0.01)
                    continue
                queue.complete(received[0])
                done.release()

        workers = [threading.Thread(target=consume, daemon=True) for _ in range(consumers)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for number in range(messages):
            queue.send("bench", OutboundMessage(b'{"n":%d}' % number, message_id=f"m-{number}"))
        for _ in range(messages):
            done.acquire()
        elapsed = time.perf_counter() - started
        stop.set()
        for worker in workers:
            worker.join()
        return messages / elapsed


def run(quick: bool) -> Result:
    messages = 2_000 if quick else 10_000
    result = Result("local_queue", "enqueue + receive + complete, messages/s")
    for consumers in (1, 4):
        ours = _throughput(LocalQueue, messages, consumers)
        baseline = _throughput(_DefaultJournalQueue, messages // 4, consumers)
        result.metrics.append(Metric(f"{consumers} consumer(s), {messages:,} msgs", ours, baseline, "msg/s"))
        if consumers == 1:
            result.checks.append(
                Check("≥ 1,000 msg/s end to end with one consumer", ours >= 1000, f"{ours:,.0f} msg/s")
            )
    result.notes.append("baseline = same queue on SQLite defaults (rollback journal, synchronous=FULL)")
    return result


SCENARIO = Scenario("local_queue", "local queue end-to-end throughput", run)

"""Scheduled tracking sync: every non-final shipment, 100 numbers per Nova Poshta call, only changes written.

A run reads the active shipments in key order, tracks them in calls of 100 (``concurrency`` calls in
flight), compares each answer with the stored row (``ChangePlanner``) and writes the changes in one
Dataverse request per ``flush_size`` changed shipments (``ShippingRepository.write_changes``; per 100
once the last chunks are in flight, so the final write is short). Reading runs a page ahead of tracking
and writing runs beside it (``pipeline``). After each flush the position (the last key whose changes
are stored) is known.

When Nova Poshta fails (after the client's own short retries) the run stops: what was tracked before
the failure is written, the sync pauses with exponential backoff, and a resume message carrying the
position is scheduled on the ``shipments`` queue, so the next run continues after that key even on
another instance. Timer runs inside the pause are skipped; one run at a time per process.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from pydantic import ValidationError

from connectors.novaposhta import MAX_DOCUMENTS_PER_CALL, NovaPoshtaError, TrackingQuery, TrackingStatus
from functions.shipping.models import SyncReport
from functions.shipping.pipeline import OrderedWriter, Prefetch
from functions.shipping.repository import Written
from functions.shipping.rules import (
    ChangePlanner,
    ShipmentChange,
    ShipmentRow,
    backoff_seconds,
    tracked_number,
)

Trigger = Literal["timer", "manual", "resume"]
_logger = logging.getLogger("smart.shipping.sync")
# Once every chunk is in flight, changes are flushed every 100 (still at most one write request per 100
# changed shipments), so the run ends with a short write instead of waiting for a full one.
_DRAIN_FLUSH = 100


class Tracker(Protocol):
    def track(self, documents: Iterable[TrackingQuery | str]) -> list[TrackingStatus]: ...


class SyncStore(Protocol):
    def active(self, after_key: str | None, give_up_before: datetime) -> Iterator[ShipmentRow]: ...

    def write_changes(self, changes: Sequence[ShipmentChange]) -> Written: ...


ResumeScheduler = Callable[[str | None, int, datetime], None]  # (after key, failures, when)


@dataclass
class SyncState:
    """This process's view: where the last run stopped, consecutive outages, the pause."""

    cursor: str | None = None
    failures: int = 0
    paused_until: datetime | None = None
    running: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class SyncOptions:
    concurrency: int = 4
    flush_size: int = 500
    read_ahead: int = 5000  # shipments read ahead of tracking: a full Dataverse page
    backoff_seconds: float = 60.0
    max_backoff_seconds: float = 1800.0
    not_found_give_up: timedelta = timedelta(hours=72)


class _Outage(Exception):
    def __init__(self, error: NovaPoshtaError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Run:
    report: SyncReport
    pending: list[ShipmentChange] = field(default_factory=list)
    done_key: str | None = None  # last key tracked and planned
    draining: bool = False  # every chunk is submitted: flush smaller so the last write is short
    stored_key: str | None = None  # last key whose changes are in Dataverse


class TrackingSync:
    def __init__(
        self,
        store: SyncStore,
        tracker: Callable[[], Tracker],
        planner: ChangePlanner,
        state: SyncState,
        schedule_resume: ResumeScheduler,
        options: SyncOptions = SyncOptions(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.tracker = tracker
        self.planner = planner
        self.state = state
        self.schedule_resume = schedule_resume
        self.options = options
        self.clock = clock

    def run(
        self, trigger: Trigger = "timer", *, after: str | None = None, failures: int | None = None
    ) -> SyncReport:
        if not self.state.running.acquire(blocking=False):
            return SyncReport(status="skipped", detail="a sync is already running in this process")
        try:
            now = self.clock()
            paused = self.state.paused_until
            if trigger != "resume" and paused is not None and now < paused:
                return SyncReport(
                    status="skipped", paused_until=paused.isoformat(), detail="paused after an outage"
                )
            start = after if trigger == "resume" else self.state.cursor
            previous_failures = failures if failures is not None else self.state.failures
            return self._run(now, start, previous_failures)
        finally:
            self.state.running.release()

    def _run(self, now: datetime, start: str | None, previous_failures: int) -> SyncReport:
        run = _Run(SyncReport(status="completed", resumed_after=start), done_key=start, stored_key=start)
        depth = max(self.options.concurrency * 4, self.options.read_ahead // MAX_DOCUMENTS_PER_CALL)
        rows = Prefetch(_chunks(self.store.active(start, now - self.options.not_found_give_up)),
                        depth=depth, name="shipping-sync-read")  # fmt: skip
        writer: OrderedWriter[_Flush, Written] = OrderedWriter("shipping-sync-write")
        try:
            try:
                self._track_all(run, iter(rows), writer, now)
            finally:
                rows.close()
            self._flush(run, writer)
            self._settle(run, writer.collect(wait=True), writer)
        except _Outage as outage:
            try:
                self._settle(run, writer.collect(wait=True), writer)
                self._flush(run, writer)
                self._settle(run, writer.collect(wait=True), writer)
            except Exception as error:  # noqa: BLE001 - Dataverse failed too: pause after what is stored
                _logger.warning("writing what was tracked before the outage failed: %s", error)
            return self._pause(run, outage, now, previous_failures)
        except BaseException:
            self.state.cursor = run.stored_key  # what is stored stays done; the rest is retried
            raise
        finally:
            writer.close()
        self.state.cursor, self.state.failures, self.state.paused_until = None, 0, None
        report = run.report
        _logger.info(
            "tracking sync: %d shipments, %d calls, %d changed, %d status changes, %d write requests",
            report.shipments, report.tracking_calls, report.changed,
            report.status_changes, report.write_requests,
        )  # fmt: skip
        return report

    def _pause(self, run: _Run, outage: _Outage, now: datetime, previous_failures: int) -> SyncReport:
        failures = previous_failures + 1
        pause = backoff_seconds(failures, self.options.backoff_seconds, self.options.max_backoff_seconds)
        until = now + timedelta(seconds=pause)
        self.state.cursor, self.state.failures, self.state.paused_until = run.stored_key, failures, until
        self.schedule_resume(run.stored_key, failures, until)
        _logger.warning(
            "tracking sync paused until %s after %s (outage %d): %s",
            until.isoformat(), run.stored_key or "the start", failures, outage,
        )  # fmt: skip
        report = run.report
        report.status, report.stopped_after = "paused", run.stored_key
        report.paused_until, report.detail = until.isoformat(), f"Nova Poshta failed: {outage}"
        return report

    def _track_all(
        self,
        run: _Run,
        chunks: Iterator[list[ShipmentRow]],
        writer: OrderedWriter[_Flush, Written],
        now: datetime,
    ) -> None:
        tracker = self.tracker()
        window = self.options.concurrency * 2
        in_flight: deque[tuple[list[ShipmentRow], Future[list[TrackingStatus]]]] = deque()
        with ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="np-track") as pool:
            try:
                for chunk in chunks:
                    in_flight.append((chunk, pool.submit(tracker.track, _queries(chunk))))
                    while len(in_flight) >= window:
                        self._apply(run, *in_flight.popleft(), writer, now)
                run.draining = True
                while in_flight:
                    self._apply(run, *in_flight.popleft(), writer, now)
            finally:
                for _, future in in_flight:
                    future.cancel()

    def _apply(
        self,
        run: _Run,
        chunk: list[ShipmentRow],
        future: Future[list[TrackingStatus]],
        writer: OrderedWriter[_Flush, Written],
        now: datetime,
    ) -> None:
        try:
            statuses = future.result()
        except NovaPoshtaError as error:
            raise _Outage(error) from error
        run.report.tracking_calls += 1
        run.report.shipments += len(chunk)
        by_number = {status.number: status for status in statuses}
        for row in chunk:
            tracked = by_number.get(tracked_number(row) or "")
            change = self.planner.plan(row, tracked, now) if tracked is not None else None
            if change is not None:
                run.pending.append(change)
        run.done_key = chunk[-1].key
        threshold = min(self.options.flush_size, _DRAIN_FLUSH) if run.draining else self.options.flush_size
        if len(run.pending) >= threshold:
            self._flush(run, writer)
        self._settle(run, writer.collect(), writer)

    def _flush(self, run: _Run, writer: OrderedWriter[_Flush, Written]) -> None:
        """Hand the pending changes to the writer (which sends them while tracking goes on)."""
        if not run.pending:
            return
        changes, run.pending = run.pending, []
        done = writer.submit(lambda: self.store.write_changes(changes), _Flush(changes, run.done_key))
        self._settle(run, done, writer)

    def _settle(
        self, run: _Run, done: list[tuple[Written, _Flush]], writer: OrderedWriter[_Flush, Written]
    ) -> None:
        """Count finished writes and move the stored position forward as far as it safely goes."""
        for written, flush in done:
            report = run.report
            report.write_requests += written.requests
            report.changed += len(flush.changes)
            report.status_changes += sum(1 for c in flush.changes if c.status_row is not None)
            orders = len({c.order["salesorderid"] for c in flush.changes if c.order})
            report.orders_updated += orders - written.orders_refused
            report.orders_refused += written.orders_refused
            run.stored_key = flush.done_key
        if writer.idle and not run.pending:
            run.stored_key = run.done_key


@dataclass(frozen=True)
class _Flush:
    changes: list[ShipmentChange]
    done_key: str | None


def _chunks(rows: Iterator[ShipmentRow]) -> Iterator[list[ShipmentRow]]:
    chunk: list[ShipmentRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == MAX_DOCUMENTS_PER_CALL:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _queries(chunk: list[ShipmentRow]) -> list[TrackingQuery | str]:
    queries: list[TrackingQuery | str] = []
    for row in chunk:
        try:
            queries.append(TrackingQuery(number=tracked_number(row) or ""))
        except ValidationError:
            _logger.warning("shipment %s has an invalid waybill number; not tracked", row.key)
    return queries

"""The dashboard use case: one window's figures from every capability, read once and cached briefly.

Collaborators come in as small ports: the Dataverse rows (``DashboardSource``), the payments capability's
analytics (``PaymentFigures``) and the queue counts (``functions.common.bus.QueueStats``). Dataverse being
down is a 503 problem for the whole dashboard; queue counts that cannot be read (e.g. a Service Bus
policy without the Manage claim) leave that chart empty with the reason, and the rest is still shown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any, Protocol

from dataverse import DataverseApiError, DataverseConnectionError, DataverseError
from functions.common.bus import QueueStats, QueueStatsError
from functions.common.problems import Problem
from functions.dashboard.funnel import build_funnel
from functions.dashboard.models import Dashboard, DashboardQuery, DeadLettersSection
from functions.dashboard.summaries import summarise_counterparties, summarise_queues, summarise_shipments
from functions.payments.models import AnalyticsQuery, PaymentAnalytics

logger = logging.getLogger("smart.dashboard")

MAX_DAYS = 366
_CACHED_WINDOWS = 16


class DashboardSource(Protocol):
    """``repository.DashboardRepository``: rows in [start, end), as the Web API returns them."""

    def messages(self, start: datetime, end: datetime) -> Iterable[Mapping[str, Any]]: ...

    def shipments(self, start: datetime, end: datetime) -> Iterable[Mapping[str, Any]]: ...

    def accounts_with_code(self) -> Iterable[Mapping[str, Any]]: ...

    def changes(self, start: datetime, end: datetime) -> Iterable[Mapping[str, Any]]: ...


class PaymentFigures(Protocol):
    """``functions.payments.analytics.PaymentAnalyticsService``."""

    def report(self, query: AnalyticsQuery) -> PaymentAnalytics: ...


def period(query: DashboardQuery, today: date, default_days: int) -> tuple[date, date]:
    """The inclusive [from, to] days asked for; 422 naming the parameter when they make no sense."""
    end = query.to or today
    start = query.from_ or end - timedelta(days=default_days - 1)
    if start > end:
        raise Problem(
            422, "'from' is after 'to'.", errors=[{"field": "from", "message": "must not be after 'to'"}]
        )
    if (end - start).days >= MAX_DAYS:
        raise Problem(
            422,
            f"The window is longer than {MAX_DAYS} days.",
            errors=[{"field": "to", "message": "window too long"}],
        )
    return start, end


class DashboardService:
    def __init__(
        self,
        source: DashboardSource,
        payments: PaymentFigures,
        queue_stats: QueueStats,
        queues: Sequence[str],
        *,
        default_days: int = 14,
        recent_changes: int = 10,
        cache_seconds: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._payments = payments
        self._queue_stats = queue_stats
        self._queues = tuple(queues)
        self._default_days = default_days
        self._recent_changes = recent_changes
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._cache: dict[tuple[date, date], tuple[float, Dashboard]] = {}
        self._lock = threading.Lock()

    def dashboard(self, query: DashboardQuery) -> Dashboard:
        now = self._clock()
        first, last = period(query, now.date(), self._default_days)
        cached = self._cached((first, last))
        if cached is not None:
            return cached
        result = self._read(first, last, now)
        if self._cache_seconds > 0:
            with self._lock:
                if len(self._cache) >= _CACHED_WINDOWS:
                    self._cache.clear()
                self._cache[(first, last)] = (self._monotonic() + self._cache_seconds, result)
        return result

    def _cached(self, key: tuple[date, date]) -> Dashboard | None:
        with self._lock:
            entry = self._cache.get(key)
        return entry[1] if entry is not None and entry[0] > self._monotonic() else None

    def _read(self, first: date, last: date, now: datetime) -> Dashboard:
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        with dataverse_problems():
            messaging = build_funnel(self._source.messages(start, end), start, end, first, last)
            shipments = summarise_shipments(self._source.shipments(start, end))
            changes = _first_and_count(self._source.changes(start, end), self._recent_changes)
            counterparties = summarise_counterparties(self._source.accounts_with_code(), *changes)
        payments = self._payments.report(AnalyticsQuery.model_validate({"from": first, "to": last}))
        return Dashboard(
            from_=first,
            to=last,
            generated_at=now,
            messaging=messaging,
            shipments=shipments,
            payments=payments,
            counterparties=counterparties,
            dead_letters=self._dead_letters(),
        )

    def _dead_letters(self) -> DeadLettersSection:
        counts: dict[str, Mapping[str, int]] = {}
        problems: list[str] = []
        for queue in self._queues:
            try:
                counts[queue] = self._queue_stats.counts(queue)
            except QueueStatsError as error:
                problems.append(str(error))
        if problems:
            logger.warning("dashboard: %d queue(s) unreadable: %s", len(problems), problems[0])
        return summarise_queues(counts, "; ".join(problems) or None)


def _first_and_count(rows: Iterable[Mapping[str, Any]], keep: int) -> tuple[list[Mapping[str, Any]], int]:
    """The first ``keep`` rows and how many there were in all (the rest are only counted)."""
    iterator: Iterator[Mapping[str, Any]] = iter(rows)
    first = list(islice(iterator, keep))
    return first, len(first) + sum(1 for _ in iterator)


@contextmanager
def dataverse_problems() -> Iterator[None]:
    """Dataverse failures as problems: an outage or throttling is 503 with Retry-After, a refusal 502."""
    try:
        yield
    except DataverseError as error:
        if isinstance(error, DataverseConnectionError) or (
            isinstance(error, DataverseApiError) and error.is_transient
        ):
            retry_after = getattr(error, "retry_after", None) or 30
            raise Problem(
                503, "Dataverse is unavailable or throttling; try again later.", retry_after=retry_after
            ) from error
        logger.error("Dataverse refused a dashboard read: %s", error)
        raise Problem(502, "Dataverse refused the request; see the log for details.") from error

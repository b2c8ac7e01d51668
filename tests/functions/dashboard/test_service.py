"""The dashboard use case with in-memory ports: the window, the reads it makes, failures, the cache."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import pytest

from dataverse import DataverseConnectionError, ValidationError
from functions.common.bus import QueueStatsError
from functions.common.problems import Problem
from functions.dashboard.models import DashboardQuery
from functions.dashboard.service import DashboardService
from functions.payments.models import AnalyticsQuery, PaymentAnalytics
from tests.functions.dashboard._rows import account, change, message, shipment

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)


class _Rows:
    """The Dataverse rows of a small tenant; records the windows it was asked for."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.windows: list[tuple[str, datetime, datetime]] = []
        self.failure = failure

    def _read(
        self, what: str, start: datetime, end: datetime, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if self.failure is not None:
            raise self.failure
        self.windows.append((what, start, end))
        return rows

    def messages(self, start: datetime, end: datetime) -> Iterable[Mapping[str, Any]]:
        return self._read("messages", start, end, [message("read", "viber", queued="2026-11-22T10:00:00Z")])

    def shipments(self, start: datetime, end: datetime) -> Iterable[Mapping[str, Any]]:
        return self._read("shipments", start, end, [shipment("in_transit")])

    def accounts_with_code(self) -> Iterable[Mapping[str, Any]]:
        return [account("medium")]

    def changes(self, start: datetime, end: datetime) -> Iterable[Mapping[str, Any]]:
        return self._read("changes", start, end, [change(f"field{n}", "a", "b") for n in range(12)])


class _Payments:
    def __init__(self) -> None:
        self.asked: list[AnalyticsQuery] = []

    def report(self, query: AnalyticsQuery) -> PaymentAnalytics:
        self.asked.append(query)
        assert query.from_ is not None and query.to is not None
        return PaymentAnalytics(from_=query.from_, to=query.to, invoices=0, currencies=[])


class _Queues:
    def __init__(self, refused: set[str] | None = None) -> None:
        self.refused = refused or set()

    def counts(self, queue: str) -> Mapping[str, int]:
        if queue in self.refused:
            raise QueueStatsError(f"cannot read the counts of queue {queue!r} (HTTP 403)")
        return {"active": 1, "scheduled": 0, "dead_letter": 2 if queue == "payments" else 0}


class _Clock:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def _service(rows: _Rows | None = None, queues: _Queues | None = None, **options: Any) -> DashboardService:
    return DashboardService(
        rows or _Rows(),
        _Payments(),
        queues or _Queues(),
        ["payments", "shipments"],
        clock=lambda: NOW,
        **options,
    )


def _query(**params: str) -> DashboardQuery:
    return DashboardQuery.model_validate(params)


def test_the_default_window_is_the_last_days_up_to_today() -> None:
    rows = _Rows()

    result = _service(rows, default_days=14).dashboard(_query())

    assert (result.from_, result.to) == (date(2026, 11, 10), date(2026, 11, 23))
    start, end = datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC)
    assert rows.windows == [("messages", start, end), ("shipments", start, end), ("changes", start, end)]
    assert len(result.messaging.by_day) == 14 and result.messaging.by_day[-2].counts.read == 1


def test_the_payments_figures_cover_the_same_days() -> None:
    payments = _Payments()
    service = DashboardService(_Rows(), payments, _Queues(), [], clock=lambda: NOW)

    service.dashboard(_query(**{"from": "2026-11-01", "to": "2026-11-07"}))

    [asked] = payments.asked
    assert (asked.from_, asked.to) == (date(2026, 11, 1), date(2026, 11, 7))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-20", "to": "2026-11-19"}, "from"),
        ({"from": "2025-01-01", "to": "2026-11-19"}, "to"),
    ],
)
def test_a_window_that_makes_no_sense_is_a_422_naming_the_parameter(
    params: dict[str, str], field: str
) -> None:
    with pytest.raises(Problem) as raised:
        _service().dashboard(_query(**params))

    assert raised.value.status == 422 and raised.value.errors[0]["field"] == field


def test_recent_changes_are_cut_to_the_setting_but_all_are_counted() -> None:
    result = _service(recent_changes=5).dashboard(_query())

    assert result.counterparties.changes == 12
    assert [c.field for c in result.counterparties.recent_changes] == [f"field{n}" for n in range(5)]


def test_unreadable_queue_counts_leave_the_reason_and_the_rest_of_the_dashboard() -> None:
    result = _service(queues=_Queues(refused={"shipments"})).dashboard(_query())

    assert [q.queue for q in result.dead_letters.queues] == ["payments"]
    assert result.dead_letters.total == 2
    assert result.dead_letters.error == "cannot read the counts of queue 'shipments' (HTTP 403)"
    assert result.messaging.summary.total == 1


def test_dataverse_out_of_reach_is_a_503_with_retry_after() -> None:
    with pytest.raises(Problem) as raised:
        _service(_Rows(failure=DataverseConnectionError("connection refused"))).dashboard(_query())

    assert (raised.value.status, raised.value.retry_after) == (503, 30)


def test_dataverse_refusing_the_query_is_a_502() -> None:
    refused = ValidationError("Could not find a property named 'smart_campaign'", status=400)

    with pytest.raises(Problem) as raised:
        _service(_Rows(failure=refused)).dashboard(_query())

    assert raised.value.status == 502


def test_the_same_window_is_answered_from_memory_until_the_cache_expires() -> None:
    rows, clock = _Rows(), _Clock()
    service = _service(rows, cache_seconds=60, monotonic=clock)

    first = service.dashboard(_query())
    clock.seconds += 59
    assert service.dashboard(_query()) is first and len(rows.windows) == 3
    service.dashboard(_query(**{"from": "2026-11-20"}))  # another window is read
    clock.seconds += 2
    assert service.dashboard(_query()) is not first
    assert len(rows.windows) == 9


def test_a_zero_cache_reads_every_time() -> None:
    rows = _Rows()
    service = _service(rows, cache_seconds=0)

    service.dashboard(_query())
    service.dashboard(_query())

    assert len(rows.windows) == 6

"""Payment analytics for a period: invoiced, paid, overdue and refunded amounts by currency (Decimal),
and the median time from invoice to payment.

The period selects invoices by when they were raised (the payment row's ``createdon``, UTC days,
both ends inclusive); the other figures describe those same invoices as they stand now. Invoices
that were never issued (FAILED, no PayPal id) are not counted; cancelled ones are counted apart and
left out of the amounts.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from dataverse.schema import PaymentStatus
from functions.common.problems import Problem
from functions.payments.errors import provider_errors
from functions.payments.models import AnalyticsQuery, CurrencySummary, PaymentAnalytics
from functions.payments.ports import Clock, PaymentStore, utc_now
from functions.payments.rules import OPEN_STATUSES, PaymentRecord
from functions.payments.service import money_out

DEFAULT_DAYS = 30
MAX_DAYS = 731


def period(query: AnalyticsQuery, today: date) -> tuple[date, date]:
    """The inclusive [from, to] days asked for; 422 naming the parameter when they make no sense."""
    end = query.to or today
    start = query.from_ or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Problem(
            422, "'from' is after 'to'.", errors=[{"field": "from", "message": "must not be after 'to'"}]
        )
    if (end - start).days >= MAX_DAYS:
        raise Problem(
            422,
            f"The period is longer than {MAX_DAYS} days.",
            errors=[{"field": "to", "message": "period too long"}],
        )
    return start, end


def summarise(records: list[PaymentRecord], start: date, end: date, today: date) -> PaymentAnalytics:
    """Pure: the figures for ``records`` (already restricted to the period)."""
    groups: dict[str, list[PaymentRecord]] = defaultdict(list)
    for record in records:
        if record.invoice_id and record.status is not PaymentStatus.FAILED and record.currency:
            groups[record.currency.upper()].append(record)
    summaries = [_currency_summary(currency, items, today) for currency, items in sorted(groups.items())]
    all_hours = [hours for items in groups.values() for hours in _hours_to_pay(items)]
    return PaymentAnalytics(
        from_=start,
        to=end,
        invoices=sum(summary.invoices for summary in summaries),
        median_hours_to_pay=_median(all_hours),
        currencies=summaries,
    )


def _currency_summary(currency: str, records: list[PaymentRecord], today: date) -> CurrencySummary:
    live = [r for r in records if r.status is not PaymentStatus.CANCELLED]
    zero = Decimal(0)
    invoiced = sum((r.amount or zero for r in live), zero)
    paid = sum((r.paid_amount or zero for r in live), zero)
    refunded = sum((r.refunded_amount or zero for r in live), zero)
    overdue = sum(
        (
            max(zero, (r.amount or zero) - (r.paid_amount or zero))
            for r in live
            if r.status in OPEN_STATUSES and r.due_date is not None and r.due_date < today
        ),
        zero,
    )
    return CurrencySummary(
        currency=currency,
        invoices=len(live),
        invoiced=_money(invoiced, currency),
        paid=_money(paid, currency),
        overdue=_money(overdue, currency),
        refunded=_money(refunded, currency),
        cancelled=len(records) - len(live),
        median_hours_to_pay=_median(list(_hours_to_pay(live))),
    )


def _hours_to_pay(records: list[PaymentRecord]) -> list[float]:
    return [
        max(0.0, (r.paid_on - r.created_on).total_seconds() / 3600)
        for r in records
        if r.paid_on is not None and r.created_on is not None
    ]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _money(amount: Decimal, currency: str) -> Decimal:
    exact = money_out(amount, currency)
    return amount if exact is None else exact


class PaymentAnalyticsService:
    def __init__(self, store: PaymentStore, *, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock

    def report(self, query: AnalyticsQuery) -> PaymentAnalytics:
        today = self._clock().date()
        start, end = period(query, today)
        window_start = datetime.combine(start, time.min, tzinfo=UTC)
        window_end = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
        with provider_errors():
            records = self._store.created_between(window_start, window_end)
        return summarise(records, start, end, today)

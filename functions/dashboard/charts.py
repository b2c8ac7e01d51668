"""One chart per dashboard question, from the dashboard's data to an SVG string (pure).

Colours are fixed per meaning across the page: greens for delivered and paid, amber for SMS fallback
and medium risk, red for failures, overdue money and dead letters, grey for what is still in flight.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from functions.dashboard import formats, svg
from functions.dashboard.models import Dashboard, FunnelCounts, FunnelSeries
from functions.dashboard.svg import Chart, Series

FUNNEL = (
    Series("read", "Read", "#2e7d32"),
    Series("delivered", "Delivered", "#81c784"),
    Series("sms_fallback", "SMS fallback", "#f9a825"),
    Series("in_flight", "In flight", "#b0bec5"),
    Series("failed", "Failed", "#d32f2f"),
)
MONEY = (
    Series("invoiced", "Invoiced", "#1e88e5"),
    Series("paid", "Paid", "#2e7d32"),
    Series("overdue", "Overdue", "#d32f2f"),
)
SHIPMENT_COLORS = {
    "not_found": "#78909c", "created": "#b0bec5", "in_transit": "#42a5f5", "problem": "#ffa726",
    "arrived": "#7e57c2", "refused": "#ef5350", "received": "#2e7d32", "returning": "#a1887f",
    "returned": "#8d6e63", "deleted": "#757575",
}  # fmt: skip
RISK_COLORS = {
    "low": "#43a047", "medium": "#f9a825", "high": "#fb8c00", "critical": "#c62828", "unknown": "#9e9e9e",
    "not_checked": "#cfd8dc",
}  # fmt: skip
DEAD_LETTER = Series("dead_letter", "Dead-lettered", "#d32f2f")
TOP_CAMPAIGNS = 8


def segments(counts: FunnelCounts) -> list[int]:
    """The stacked segments, in ``FUNNEL`` order; they add up to ``counts.total``."""
    delivered_only = counts.delivered - counts.read - counts.sms_fallback
    return [counts.read, delivered_only, counts.sms_fallback, counts.in_flight, counts.failed]


def funnel_per_day(days: Sequence[date], counts: Sequence[FunnelCounts]) -> str:
    total = sum(c.total for c in counts)
    described = ", ".join(
        f"{s.label.lower()} {sum(segments(c)[i] for c in counts)}" for i, s in enumerate(FUNNEL)
    )
    chart = Chart(
        "funnel-per-day",
        "Messaging funnel per day",
        f"{total} messages from {days[0]} to {days[-1]}: {described}.",
        width=1280,
        height=300,
    )
    return svg.stacked_columns(
        chart,
        [formats.day(d) for d in days],
        FUNNEL,
        [segments(c) for c in counts],
        y_label="messages",
        tick_every=max(1, -(-len(days) // 31)),
    )


def funnel_rows(chart_id: str, title: str, series: Sequence[FunnelSeries]) -> str:
    described = "; ".join(
        f"{s.label}: {s.totals.total} messages, {s.totals.delivered} delivered" for s in series
    )
    chart = Chart(
        chart_id, title, described or "No messages in this window.", height=max(130, 74 + 36 * len(series))
    )
    return svg.stacked_rows(
        chart, [s.label for s in series], FUNNEL, [segments(s.totals) for s in series], x_label="messages"
    )


def shipments(dashboard: Dashboard) -> str:
    section = dashboard.shipments
    shown = [s for s in section.by_status if s.count] or section.by_status[:5]
    slices = [(Series(s.status, s.label, SHIPMENT_COLORS.get(s.status, "#90a4ae")), s.count) for s in shown]
    described = ", ".join(f"{s.label.lower()} {s.count}" for s in shown)
    chart = Chart("shipments", "Shipments by status", f"{section.total} shipments: {described}.", height=240)
    return svg.donut(chart, slices, center_value=svg.number(section.total), center_label="shipments")


def shipment_note(dashboard: Dashboard) -> str:
    section = dashboard.shipments
    if not section.received:
        return "Waybills created in the window, by current status; none received yet."
    median = formats.duration(section.median_hours_to_deliver)
    return f"Waybills created in the window, by current status; {section.received} received, median {median}."


def payments(dashboard: Dashboard) -> str:
    currencies = dashboard.payments.currencies
    values = [[float(c.invoiced), float(c.paid), float(c.overdue)] for c in currencies]
    described = "; ".join(
        f"{c.currency}: invoiced {formats.money(c.invoiced)}, paid {formats.money(c.paid)},"
        f" overdue {formats.money(c.overdue)}"
        for c in currencies
    )
    chart = Chart(
        "payments", "Invoiced, paid and overdue by currency", described or "No invoices in this window."
    )
    return svg.grouped_columns(
        chart, [c.currency for c in currencies], MONEY, values, y_label="amount", decimals=2
    )


def risk(dashboard: Dashboard) -> str:
    levels = dashboard.counterparties.by_risk
    described = ", ".join(f"{level.label.lower()} {level.count}" for level in levels)
    chart = Chart(
        "risk", "Counterparty risk distribution", f"Accounts by risk level: {described}.", height=250
    )
    return svg.stacked_rows(
        chart,
        [level.label for level in levels],
        [Series("accounts", "Accounts", "#43a047")],
        [[level.count] for level in levels],
        x_label="accounts",
        colors=[RISK_COLORS.get(level.status, "#90a4ae") for level in levels],
        legend=False,
    )


def dead_letters(dashboard: Dashboard) -> str:
    queues = dashboard.dead_letters.queues
    described = ", ".join(f"{q.queue} {q.dead_letter}" for q in queues)
    chart = Chart(
        "dead-letters",
        "Dead letters per queue",
        f"Dead-lettered messages per queue: {described}.",
        height=max(130, 50 + 28 * len(queues)),
    )
    return svg.stacked_rows(
        chart,
        [q.queue for q in queues],
        [DEAD_LETTER],
        [[q.dead_letter] for q in queues],
        x_label="dead-lettered messages",
        legend=False,
    )

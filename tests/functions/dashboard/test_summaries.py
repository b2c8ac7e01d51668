"""Shipments by status with the median delivery time, risk distribution, recent changes, queue counts."""

from __future__ import annotations

from datetime import UTC, datetime

from functions.dashboard.summaries import summarise_counterparties, summarise_queues, summarise_shipments
from tests.functions.dashboard._rows import account, change, shipment


def test_shipments_are_counted_by_current_status_in_lifecycle_order() -> None:
    section = summarise_shipments(
        [
            shipment("in_transit"),
            shipment("received"),
            shipment("in_transit"),
            shipment("created"),
            shipment(None),
        ]
    )

    counts = {item.status: item.count for item in section.by_status}
    assert section.total == 4  # a row without a status yet is not a shipment state
    assert (counts["in_transit"], counts["received"], counts["created"], counts["refused"]) == (2, 1, 1, 0)
    order = [item.status for item in section.by_status]
    assert (
        order.index("created") < order.index("in_transit") < order.index("arrived") < order.index("received")
    )


def test_median_delivery_time_counts_received_shipments_only() -> None:
    rows = [
        shipment("received", created="2026-11-20T08:00:00Z", changed="2026-11-21T08:00:00Z"),  # 24 h
        shipment("received", created="2026-11-20T08:00:00Z", changed="2026-11-22T08:00:00Z"),  # 48 h
        shipment("received", created="2026-11-20T08:00:00Z", changed="2026-11-20T14:00:00Z"),  # 6 h
        shipment("returned", created="2026-11-20T08:00:00Z", changed="2026-11-29T08:00:00Z"),
        shipment("received", created="2026-11-20T08:00:00Z", changed=None),
    ]

    section = summarise_shipments(rows)

    assert (section.received, section.median_hours_to_deliver) == (4, 24.0)


def test_no_received_shipment_means_no_median() -> None:
    assert summarise_shipments([shipment("in_transit")]).median_hours_to_deliver is None


def test_accounts_are_spread_by_risk_with_unchecked_ones_apart() -> None:
    section = summarise_counterparties(
        [account("low"), account("low"), account("critical"), account(None), account("unknown")], [], 0
    )

    assert section.accounts == 5
    assert [(item.status, item.count) for item in section.by_risk] == [
        ("low", 2), ("medium", 0), ("high", 0), ("critical", 1), ("unknown", 1), ("not_checked", 1),
    ]  # fmt: skip


def test_recent_changes_keep_the_order_given_and_name_the_account() -> None:
    rows = [
        change("director", "КОВАЛЕНКО", "ШЕВЧЕНКО"),
        change("sanctions[1]", None, "РНБО", detected="2026-11-21T09:00:00Z"),
    ]

    section = summarise_counterparties([], rows, changes_in_window=7)

    assert section.changes == 7
    first, second = section.recent_changes
    assert (first.field, first.old, first.new, first.account) == (
        "director",
        "КОВАЛЕНКО",
        "ШЕВЧЕНКО",
        "ТОВ «СВІТАНОК»",
    )
    assert first.detected_on == datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
    assert (second.old, second.new) == (None, "РНБО")


def test_queue_counts_total_the_dead_letters_and_keep_the_reason_when_unreadable() -> None:
    section = summarise_queues(
        {
            "payments": {"active": 2, "scheduled": 0, "dead_letter": 3, "locked": 1},
            "shipments": {"dead_letter": 1},
        },
        error="cannot read the counts of queue 'paypal-events' (HTTP 403)",
    )

    assert section.total == 4
    assert [(q.queue, q.active, q.dead_letter) for q in section.queues] == [
        ("payments", 2, 3),
        ("shipments", 0, 1),
    ]
    assert section.error is not None and "403" in section.error

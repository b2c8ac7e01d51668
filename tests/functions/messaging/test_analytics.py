"""Results analytics folded from message facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from functions.messaging.analytics import AnalyticsQuery, MessageFacts, aggregate

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 2, tzinfo=UTC)


def sent(seconds: float | None, **fields: object) -> MessageFacts:
    delivered = START + timedelta(seconds=seconds) if seconds is not None else None
    return MessageFacts(sent_at=START, delivered_at=delivered, viber_first=True, **fields)  # type: ignore[arg-type]


def test_rates_median_segments_and_cost() -> None:
    messages = [
        sent(10, status="read", channel="viber", cost=Decimal("0.40")),
        sent(20, status="delivered", channel="viber", cost=Decimal("0.40")),
        sent(30, status="delivered", channel="viber"),
        sent(90, status="delivered", channel="sms", segments=2, cost=Decimal("1.70")),
        sent(None, status="expired", channel="sms"),
        sent(None, status="rejected", channel="blocked"),
        MessageFacts(status="not_sent"),
        MessageFacts(status="queued"),
    ]
    result = aggregate(messages, START, END, "bday")
    assert result.total == 8
    assert result.by_status == {
        "delivered": 3,
        "expired": 1,
        "not_sent": 1,
        "queued": 1,
        "read": 1,
        "rejected": 1,
    }
    assert result.by_channel == {"blocked": 1, "sms": 2, "viber": 3}
    assert result.delivery_rate == round(4 / 6, 4)  # queued and not_sent never reached GMS
    assert result.viber_read_rate == round(1 / 3, 4)
    assert result.sms_fallback_rate == 0.25
    assert result.median_seconds_to_deliver == 25.0
    assert result.sms_segments == 2
    assert result.cost == Decimal("2.50") and result.messages_with_cost == 3


def test_no_messages_gives_no_rates() -> None:
    result = aggregate([], START, END, None)
    assert result.total == 0 and result.delivery_rate is None and result.median_seconds_to_deliver is None
    assert result.cost is None


def test_query_window_defaults_to_thirty_days_and_refuses_a_reversed_window() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    start, end = AnalyticsQuery().window(now)
    assert end == now and start == now - timedelta(days=30)
    with pytest.raises(ValidationError):
        AnalyticsQuery.model_validate({"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"})

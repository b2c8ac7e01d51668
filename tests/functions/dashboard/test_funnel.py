"""The messaging funnel: one outcome per message, stages that add up, per day, channel and campaign."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from functions.dashboard.funnel import FunnelMessage, build_funnel, outcome
from functions.dashboard.models import MessagingSection
from functions.messaging.analytics import MessageFacts
from tests.functions.dashboard._rows import message

START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)
FIRST, LAST = date(2026, 11, 18), date(2026, 11, 20)


@pytest.mark.parametrize(
    ("status", "channel", "order", "expected"),
    [
        ("read", "viber", "viber,sms", "read"),
        ("delivered", "viber", "viber,sms", "delivered"),
        ("delivered", "sms", "viber,sms", "sms_fallback"),
        ("delivered", "sms", "sms", "delivered"),  # SMS asked for first is no fallback
        ("failed", "viber", "viber,sms", "failed"),
        ("expired", None, "viber", "failed"),
        ("rejected", None, "viber", "failed"),
        ("not_sent", None, "viber", "failed"),
        ("queued", None, "viber", "in_flight"),
        ("scheduled", None, "viber", "in_flight"),
        ("sent", None, "viber", "in_flight"),
    ],
)
def test_each_message_lands_in_exactly_one_outcome(
    status: str, channel: str | None, order: str, expected: str
) -> None:
    assert outcome(MessageFacts.of_row(message(status, channel, order=order))) == expected


def _section() -> MessagingSection:
    rows = [
        message("read", "viber", campaign="bday", queued="2026-11-18T08:00:00Z"),
        message("delivered", "viber", campaign="bday", queued="2026-11-18T09:00:00Z"),
        message("delivered", "sms", campaign="bday", queued="2026-11-18T10:00:00Z"),
        message("failed", "viber", campaign="bday", queued="2026-11-20T10:00:00Z"),
        message("not_sent", None, queued="2026-11-20T11:00:00Z"),
        message("queued", None, queued="2026-11-20T23:59:59Z"),
        message("sent", None, queued="2026-11-20T12:00:00Z"),
    ]
    return build_funnel(rows, START, END, FIRST, LAST)


def test_every_day_of_the_window_is_listed_with_its_stages() -> None:
    section = _section()

    assert [day.day for day in section.by_day] == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
    first, empty, last = (day.counts for day in section.by_day)
    assert (first.total, first.sent, first.delivered, first.read, first.sms_fallback) == (3, 3, 3, 1, 1)
    assert empty.total == 0
    assert (last.total, last.sent, last.failed, last.in_flight) == (4, 2, 2, 2)


def test_outcomes_add_up_to_the_messages_of_each_day() -> None:
    for day in _section().by_day:
        counts = day.counts
        assert counts.delivered + counts.failed + counts.in_flight == counts.total
        assert counts.read + counts.sms_fallback <= counts.delivered


def test_series_by_channel_and_by_campaign_are_largest_first() -> None:
    section = _section()

    by_channel = {series.name: series for series in section.by_channel}
    totals = [series.totals.total for series in section.by_channel]
    assert totals == sorted(totals, reverse=True) and [s.name for s in section.by_channel][-1] == "sms"
    assert by_channel["viber"].totals.total == 3 and by_channel["sms"].totals.sms_fallback == 1
    assert by_channel[None].label == "No channel yet" and by_channel[None].totals.total == 3
    campaigns = [(s.name, s.label, s.totals.total) for s in section.by_campaign]
    assert campaigns == [("bday", "bday", 4), (None, "No campaign", 3)]
    assert [d.day for d in section.by_campaign[0].days] == [date(2026, 11, 18), date(2026, 11, 20)]


def test_the_window_summary_is_the_messaging_capabilitys_own_analytics() -> None:
    summary = _section().summary

    assert summary.total == 7
    assert summary.by_status == {
        "delivered": 2,
        "failed": 1,
        "not_sent": 1,
        "queued": 1,
        "read": 1,
        "sent": 1,
    }
    assert summary.delivery_rate == round(3 / 5, 4)  # delivered or read / handed to GMS
    assert summary.sms_fallback_rate == round(1 / 3, 4)


def test_a_message_without_a_queued_time_falls_back_to_createdon() -> None:
    row = message("queued") | {"smart_queuedon": None, "createdon": "2026-11-19T07:00:00Z"}

    assert FunnelMessage.of_row(row).day == date(2026, 11, 19)

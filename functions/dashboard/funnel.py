"""The messaging funnel per day, by channel and by campaign, folded from ``smart_message`` rows (pure).

Each message is read once with the messaging capability's ``MessageFacts`` and lands in exactly one
outcome (read, delivered, SMS fallback, in flight, failed), from which the cumulative stages (sent,
delivered, read, SMS fallback, failed) follow, so the stacked bars of a day add up to its messages.
The window's rates and medians come from the messaging capability's own ``Aggregator``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dataverse.schema import MessageChannel
from functions.dashboard.models import FunnelCounts, FunnelDay, FunnelSeries, MessagingSection
from functions.messaging.analytics import Aggregator, MessageFacts
from functions.messaging.repository import parse_time

# The columns ``MessageFacts.of_row`` reads, plus the campaign and the day.
MESSAGE_COLUMNS = (
    "smart_status", "smart_channel", "smart_channelorder", "smart_queuedon", "smart_senton",
    "smart_deliveredon", "smart_cost", "smart_segments", "smart_campaign",
)  # fmt: skip

OUTCOMES = ("read", "delivered", "sms_fallback", "in_flight", "failed")
_FAILED = frozenset({"failed", "expired", "rejected", "not_sent"})
_NO_CAMPAIGN = "No campaign"
_NO_CHANNEL = "No channel yet"


@dataclass(frozen=True)
class FunnelMessage:
    day: date
    campaign: str | None
    facts: MessageFacts

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> FunnelMessage:
        queued = parse_time(row.get("smart_queuedon")) or parse_time(row.get("createdon"))
        if queued is None:
            raise ValueError("a message row without smart_queuedon")
        return cls(
            day=queued.date(), campaign=row.get("smart_campaign") or None, facts=MessageFacts.of_row(row)
        )


def outcome(facts: MessageFacts) -> str:
    """The one stacked-bar segment a message belongs to."""
    if facts.status in _FAILED:
        return "failed"
    if facts.status in ("delivered", "read"):
        if facts.channel == "sms" and facts.viber_first:
            return "sms_fallback"
        return "read" if facts.status == "read" else "delivered"
    return "in_flight"


class _Tally:
    """Exclusive outcomes, plus messages still in our queue and messages refused before GMS."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.waiting = 0  # queued or scheduled
        self.not_sent = 0

    def add(self, facts: MessageFacts) -> None:
        self.outcomes[outcome(facts)] += 1
        self.waiting += facts.status in ("queued", "scheduled")
        self.not_sent += facts.status == "not_sent"

    def merge(self, other: _Tally) -> None:
        self.outcomes.update(other.outcomes)
        self.waiting += other.waiting
        self.not_sent += other.not_sent

    def counts(self) -> FunnelCounts:
        read, sms = self.outcomes["read"], self.outcomes["sms_fallback"]
        total = sum(self.outcomes.values())
        return FunnelCounts(
            total=total,
            sent=total - self.waiting - self.not_sent,
            delivered=read + sms + self.outcomes["delivered"],
            read=read,
            sms_fallback=sms,
            failed=self.outcomes["failed"],
            in_flight=self.outcomes["in_flight"],
        )


class FunnelBuilder:
    """Folds messages one at a time (rows stream page by page); ``result`` gives the section."""

    def __init__(self, start: date, end: date) -> None:
        self.days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        self.summary = Aggregator()
        self._by_day: dict[date, _Tally] = defaultdict(_Tally)
        self._series: dict[str, dict[str | None, dict[date, _Tally]]] = {
            "channel": defaultdict(lambda: defaultdict(_Tally)),
            "campaign": defaultdict(lambda: defaultdict(_Tally)),
        }

    def add(self, message: FunnelMessage) -> None:
        self.summary.add(message.facts)
        self._by_day[message.day].add(message.facts)
        self._series["channel"][message.facts.channel][message.day].add(message.facts)
        self._series["campaign"][message.campaign][message.day].add(message.facts)

    def result(self, start: datetime, end: datetime) -> MessagingSection:
        return MessagingSection(
            summary=self.summary.result(start, end, None),
            by_day=[FunnelDay(day=day, counts=self._by_day[day].counts()) for day in self.days],
            by_channel=self._series_of("channel", _channel_label),
            by_campaign=self._series_of("campaign", lambda name: name or _NO_CAMPAIGN),
        )

    def _series_of(self, kind: str, label: Any) -> list[FunnelSeries]:
        series = []
        for name, days in self._series[kind].items():
            total = _Tally()
            for tally in days.values():
                total.merge(tally)
            series.append(
                FunnelSeries(
                    name=name,
                    label=label(name),
                    totals=total.counts(),
                    days=[FunnelDay(day=day, counts=days[day].counts()) for day in sorted(days)],
                )
            )
        return sorted(series, key=lambda item: (-item.totals.total, item.label))


def build_funnel(
    rows: Iterable[Mapping[str, Any]], start: datetime, end: datetime, first_day: date, last_day: date
) -> MessagingSection:
    builder = FunnelBuilder(first_day, last_day)
    for row in rows:
        builder.add(FunnelMessage.of_row(row))
    return builder.result(start, end)


def _channel_label(name: str | None) -> str:
    return MessageChannel(name).label if name else _NO_CHANNEL

"""Results analytics: what was delivered, read, or fell back to SMS, computed from the message rows.

``Aggregator`` is pure: it folds one message at a time (so rows stream from Dataverse page by page)
into counts by status and channel, rates, the median time from send to delivery, and cost. Rates:

- delivery rate: delivered or read / messages handed to GMS (everything but queued, scheduled, not sent);
- Viber read rate: read / delivered over Viber;
- SMS fallback rate: delivered by SMS / delivered, among messages whose cascade started with Viber.
"""

from __future__ import annotations

import statistics
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dataverse.schema import MessageChannel, MessageStatus
from functions.messaging.repository import iso, parse_time

_NOT_HANDED = frozenset({"queued", "scheduled", "not_sent"})
_COLUMNS = (
    "smart_status", "smart_channel", "smart_channelorder", "smart_queuedon", "smart_senton",
    "smart_deliveredon", "smart_cost", "smart_segments",
)  # fmt: skip


class AnalyticsQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    from_: datetime | None = Field(
        default=None,
        alias="from",
        title="From",
        description="Messages queued at or after (default: 30 days ago).",
    )
    to: datetime | None = Field(
        default=None, title="To", description="Messages queued before (default: now)."
    )
    campaign: str | None = Field(
        default=None, min_length=1, max_length=100, title="Campaign", description="Tag."
    )

    @model_validator(mode="after")
    def _ordered(self) -> AnalyticsQuery:
        if self.from_ is not None and self.to is not None and _aware(self.from_) >= _aware(self.to):
            raise ValueError("from must be before to")
        return self

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        end = _aware(self.to) if self.to else now
        return (_aware(self.from_) if self.from_ else end - timedelta(days=30)), end


class Analytics(BaseModel):
    from_: datetime = Field(serialization_alias="from", description="Window start (UTC).")
    to: datetime = Field(description="Window end (UTC).")
    campaign: str | None = Field(default=None, description="The campaign asked about, if any.")
    total: int = Field(description="Messages queued in the window.")
    by_status: dict[str, int] = Field(description="Messages by current status.")
    by_channel: dict[str, int] = Field(description="Messages by channel used (viber, sms, blocked).")
    delivery_rate: float | None = Field(default=None, description="Delivered or read / handed to GMS.")
    viber_read_rate: float | None = Field(default=None, description="Read / delivered over Viber.")
    sms_fallback_rate: float | None = Field(
        default=None, description="Delivered by SMS / delivered, among Viber-first cascades."
    )
    median_seconds_to_deliver: float | None = Field(default=None, description="Median send-to-delivery time.")
    sms_segments: int = Field(description="SMS parts of the messages delivered by SMS.")
    cost: Decimal | None = Field(default=None, description="Sum of the known costs.")
    messages_with_cost: int = Field(description="Messages whose cost is known.")


@dataclass(frozen=True)
class MessageFacts:
    status: str
    channel: str | None = None
    viber_first: bool = False
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    cost: Decimal | None = None
    segments: int | None = None

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> MessageFacts:
        channel = row.get("smart_channel")
        cost = row.get("smart_cost")
        return cls(
            status=MessageStatus.from_option_value(int(row["smart_status"])).value,
            channel=MessageChannel.from_option_value(int(channel)).value if channel is not None else None,
            viber_first=str(row.get("smart_channelorder") or "").startswith("viber"),
            sent_at=parse_time(row.get("smart_senton")) or parse_time(row.get("smart_queuedon")),
            delivered_at=parse_time(row.get("smart_deliveredon")),
            cost=Decimal(str(cost)) if cost is not None else None,
            segments=row.get("smart_segments"),
        )


class Aggregator:
    def __init__(self) -> None:
        self.statuses: Counter[str] = Counter()
        self.channels: Counter[str] = Counter()
        self.delivered_viber = self.read_viber = 0
        self.viber_first_delivered = self.viber_first_by_sms = 0
        self.sms_segments = 0
        self.cost = Decimal(0)
        self.costed = 0
        self._durations = array("d")

    def add(self, message: MessageFacts) -> None:
        self.statuses[message.status] += 1
        if message.channel:
            self.channels[message.channel] += 1
        delivered = message.status in ("delivered", "read")
        if delivered and message.channel == "viber":
            self.delivered_viber += 1
            self.read_viber += message.status == "read"
        if delivered and message.viber_first:
            self.viber_first_delivered += 1
            self.viber_first_by_sms += message.channel == "sms"
        if delivered and message.channel == "sms":
            self.sms_segments += message.segments or 0
        if message.cost is not None:
            self.cost += message.cost
            self.costed += 1
        if message.sent_at and message.delivered_at and message.delivered_at >= message.sent_at:
            self._durations.append((message.delivered_at - message.sent_at).total_seconds())

    def result(self, start: datetime, end: datetime, campaign: str | None) -> Analytics:
        total = sum(self.statuses.values())
        handed = total - sum(self.statuses[s] for s in _NOT_HANDED)
        delivered = self.statuses["delivered"] + self.statuses["read"]
        return Analytics(
            from_=start,
            to=end,
            campaign=campaign,
            total=total,
            by_status=dict(sorted(self.statuses.items())),
            by_channel=dict(sorted(self.channels.items())),
            delivery_rate=_rate(delivered, handed),
            viber_read_rate=_rate(self.read_viber, self.delivered_viber),
            sms_fallback_rate=_rate(self.viber_first_by_sms, self.viber_first_delivered),
            median_seconds_to_deliver=statistics.median(self._durations) if self._durations else None,
            sms_segments=self.sms_segments,
            cost=self.cost if self.costed else None,
            messages_with_cost=self.costed,
        )


class RowSource(Protocol):
    def stream(self, filter: str, select: Sequence[str]) -> Iterable[Mapping[str, Any]]: ...


def analyze(source: RowSource, query: AnalyticsQuery, now: datetime) -> Analytics:
    """Stream the window's message rows page by page and fold them (memory stays flat)."""
    start, end = query.window(now)
    rows = source.stream(analytics_filter(start, end, query.campaign), _COLUMNS)
    return aggregate((MessageFacts.of_row(row) for row in rows), start, end, query.campaign)


def aggregate(
    messages: Iterable[MessageFacts], start: datetime, end: datetime, campaign: str | None
) -> Analytics:
    aggregator = Aggregator()
    for message in messages:
        aggregator.add(message)
    return aggregator.result(start, end, campaign)


def analytics_filter(start: datetime, end: datetime, campaign: str | None) -> str:
    """Dataverse keeps whole seconds: the start rounds down and the end up, so no message falls out."""
    if end.microsecond:
        end = end.replace(microsecond=0) + timedelta(seconds=1)
    condition = f"smart_queuedon ge {iso(start)} and smart_queuedon lt {iso(end)}"
    if campaign:
        condition += " and smart_campaign eq '" + campaign.replace("'", "''") + "'"
    return condition


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

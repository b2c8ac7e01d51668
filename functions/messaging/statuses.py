"""Delivery reports -> message status changes, coalesced and never backwards (pure functions).

Reports that arrive close together for one message are merged first (``merge_reports``): the most
advanced status wins (``MessageStatus.rank``: a failure ranks below delivered, so a Viber failure
followed by a delivered SMS fallback ends delivered), and each milestone keeps its own time. Then
``plan_change`` compares the merged report with the row as stored: a status only moves to a higher
rank, a late "delivered" after "read" changes nothing but a missing delivered time, and a row that
would not change gets no write at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from connectors.gms import DeliveryOutcome, DeliveryReport
from dataverse.schema import MessageChannel, MessageStatus

OUTCOME_STATUS: dict[DeliveryOutcome, MessageStatus] = {
    DeliveryOutcome.DELIVERED: MessageStatus.DELIVERED,
    DeliveryOutcome.READ: MessageStatus.READ,
    DeliveryOutcome.FAILED: MessageStatus.FAILED,
    DeliveryOutcome.EXPIRED: MessageStatus.EXPIRED,
    DeliveryOutcome.REJECTED: MessageStatus.REJECTED,
}
_CHANNELS = {"viber": MessageChannel.VIBER, "sms": MessageChannel.SMS, "hyber": MessageChannel.BLOCKED}
FAILURES = frozenset({MessageStatus.FAILED, MessageStatus.EXPIRED, MessageStatus.REJECTED})
DELIVERED_OR_READ = frozenset({MessageStatus.DELIVERED, MessageStatus.READ})


def channel_of(sent_via: str | None) -> MessageChannel | None:
    return _CHANNELS.get(sent_via or "")


@dataclass
class MergedReport:
    """Everything the reports of one message say, merged. ``key`` is our extra_id when GMS echoed it,
    else ``gms:<message_id>``."""

    key: str
    message_id: str
    extra_id: str | None
    phone: str
    status: MessageStatus | None = None
    channel: MessageChannel | None = None
    hyber_status: int | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    failed_at: datetime | None = None
    sms_parts: int | None = None
    error_code: str | None = None
    error_text: str | None = None
    count: int = 0
    raw: list[DeliveryReport] = field(default_factory=list)


def report_key(report: DeliveryReport) -> str:
    return report.extra_id or f"gms:{report.message_id}"


def merge_reports(reports: Iterable[DeliveryReport]) -> dict[str, MergedReport]:
    merged: dict[str, MergedReport] = {}
    for report in reports:
        key = report_key(report)
        entry = merged.get(key)
        if entry is None:
            entry = merged[key] = MergedReport(key, report.message_id, report.extra_id, report.number)
        _fold(entry, report)
    return merged


def _fold(entry: MergedReport, report: DeliveryReport) -> None:
    entry.count += 1
    entry.raw.append(report)
    status = OUTCOME_STATUS.get(report.outcome)
    if status is None:
        return
    if status is MessageStatus.DELIVERED:
        entry.delivered_at = _earliest(entry.delivered_at, report.time)
    if status is MessageStatus.READ:
        entry.read_at = _earliest(entry.read_at, report.time)
    if status in FAILURES:
        entry.failed_at = _earliest(entry.failed_at, report.time)
    if entry.status is not None and status.rank() < entry.status.rank():
        return
    if entry.status is not None and status.rank() == entry.status.rank() and status is entry.status:
        return  # a duplicate: the first one wins
    entry.status = status
    entry.channel = channel_of(report.sent_via) or entry.channel
    entry.hyber_status = report.hyber_status if report.hyber_status is not None else entry.hyber_status
    if report.sent_via == "sms" and report.total_sms_parts is not None:
        entry.sms_parts = report.total_sms_parts
    if status in FAILURES:
        code = next((c for c in (report.error_code, report.hyber_status, report.substatus) if c), None)
        entry.error_code = str(code) if code is not None else None
        entry.error_text = report.error_text or report.status_text or _failure_text(status, report)
    else:
        entry.error_code = entry.error_text = None


def _failure_text(status: MessageStatus, report: DeliveryReport) -> str:
    if status is MessageStatus.REJECTED:
        return "Blocked by the provider."
    if status is MessageStatus.EXPIRED:
        return f"Not delivered within the time to live ({report.sent_via or 'last channel'})."
    return f"Not delivered ({report.sent_via or 'provider'} reported an error)."


def _earliest(current: datetime | None, new: datetime | None) -> datetime | None:
    if new is None:
        return current
    return new if current is None or new < current else current


@dataclass(frozen=True)
class MessageState:
    """A ``smart_message`` row as far as status changes care."""

    id: str
    key: str
    status: MessageStatus
    etag: str | None = None
    provider_id: str | None = None
    channel: MessageChannel | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    segments: int | None = None
    contact_id: str | None = None
    request_id: str | None = None
    journey_id: str | None = None
    batch_id: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class StatusChange:
    """Columns to write; None means "leave as is"."""

    status: MessageStatus | None = None
    channel: MessageChannel | None = None
    provider_id: str | None = None
    provider_status: int | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    failed_at: datetime | None = None
    segments: int | None = None
    cost: Decimal | None = None
    error_code: str | None = None
    error: str | None = None

    def is_empty(self) -> bool:
        return self == StatusChange()


@dataclass(frozen=True)
class Prices:
    per_sms_segment: Decimal | None = None
    per_viber: Decimal | None = None

    def cost(self, channel: MessageChannel | None, segments: int | None) -> Decimal | None:
        if channel is MessageChannel.VIBER:
            return self.per_viber
        if channel is MessageChannel.SMS and self.per_sms_segment is not None and segments:
            return self.per_sms_segment * segments
        return None


_NO_PRICES = Prices()


def plan_change(state: MessageState, merged: MergedReport, prices: Prices = _NO_PRICES) -> StatusChange:
    """What the merged report changes on the stored row (an empty change means: do not write)."""
    change = StatusChange(
        provider_id=merged.message_id if state.provider_id is None else None,
        delivered_at=merged.delivered_at if state.delivered_at is None and merged.delivered_at else None,
    )
    new = merged.status
    if new is None or not state.status.can_move_to(new):
        return change
    channel = merged.channel if merged.channel != state.channel else None
    used = merged.channel or state.channel
    segments = state.segments
    if used is MessageChannel.VIBER:
        segments = 0
    elif used is MessageChannel.SMS and merged.sms_parts is not None:
        segments = merged.sms_parts
    cost = prices.cost(used, segments) if new in DELIVERED_OR_READ else None
    return replace(
        change,
        status=new,
        channel=channel,
        provider_status=merged.hyber_status,
        read_at=merged.read_at if new is MessageStatus.READ and state.read_at is None else None,
        failed_at=merged.failed_at if new in FAILURES else None,
        segments=segments if segments != state.segments else None,
        cost=cost,
        error_code=merged.error_code if new in FAILURES else None,
        error=merged.error_text if new in FAILURES else None,
    )


def sent_change(state: MessageState, provider_id: str, when: datetime) -> StatusChange:
    """What a confirmed send changes: the provider id (if still missing) and ``sent`` unless a report
    already moved the row further."""
    moves = state.status.can_move_to(MessageStatus.SENT)
    return StatusChange(
        status=MessageStatus.SENT if moves else None,
        sent_at=when if moves else None,
        provider_id=provider_id if state.provider_id is None else None,
    )


def journeys_outcome(before: MessageStatus, after: MessageStatus) -> str | None:
    """The Journeys notification a status move calls for: ``Delivered`` when it first reaches
    delivered (or read), ``NotDelivered`` on a failure; None otherwise."""
    if after in DELIVERED_OR_READ and before not in DELIVERED_OR_READ:
        return "Delivered"
    if after in FAILURES and before not in FAILURES and before not in DELIVERED_OR_READ:
        return "NotDelivered"
    return None

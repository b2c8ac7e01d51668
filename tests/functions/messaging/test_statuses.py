"""Delivery reports -> status changes: merged per message, never backwards, no write without a change."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.gms import DeliveryReport
from dataverse.schema import MessageChannel, MessageStatus
from functions.messaging.statuses import (
    MessageState,
    Prices,
    journeys_outcome,
    merge_reports,
    plan_change,
    sent_change,
)

T0 = 1_780_000_000_000  # epoch ms, as GMS sends it


def report(
    status: int, substatus: int, hyber: int | None, via: str, offset_s: int, **extra: Any
) -> DeliveryReport:
    payload: dict[str, Any] = {
        "number": 380501234567,
        "time": T0 + offset_s * 1000,
        "status": status,
        "substatus": substatus,
        "message_id": "9f60ac8f-e721-5027-b838-e6fcb95fcd7a",
        "extra_id": "order-1042",
        "sent_via": via,
        **extra,
    }
    if hyber is not None:
        payload["hyber_status"] = hyber
    return DeliveryReport.model_validate(payload)


DELIVERED = report(2, 23, 23033, "viber", 1)
READ = report(2, 24, 24033, "viber", 5)
SMS_DELIVERED = report(2, 23, 23011, "sms", 9, total_sms_parts=2, delivered_sms_parts=2)
FAILED = report(3, 36, None, "sms", 4)


def sent_state(**changes: Any) -> MessageState:
    base: dict[str, Any] = {"id": "row-1", "key": "order-1042", "status": MessageStatus.SENT, "segments": 2}
    return MessageState(**{**base, **changes})


def at(offset_s: int) -> datetime:
    return datetime.fromtimestamp((T0 + offset_s * 1000) / 1000, tz=UTC)


def test_reports_close_together_merge_into_one_change_with_every_milestone() -> None:
    merged = merge_reports([DELIVERED, READ, DELIVERED])["order-1042"]
    assert merged.count == 3
    assert merged.status is MessageStatus.READ
    change = plan_change(sent_state(), merged)
    assert change.status is MessageStatus.READ
    assert change.delivered_at == at(1) and change.read_at == at(5)
    assert change.channel is MessageChannel.VIBER and change.segments == 0
    assert change.provider_id == "9f60ac8f-e721-5027-b838-e6fcb95fcd7a"


def test_read_before_delivered_out_of_order_still_ends_read() -> None:
    merged = merge_reports([READ, DELIVERED])["order-1042"]
    assert merged.status is MessageStatus.READ
    assert merged.delivered_at == at(1)


def test_a_late_delivered_after_read_does_not_move_the_status_back() -> None:
    stored = sent_state(
        status=MessageStatus.READ, provider_id="p", channel=MessageChannel.VIBER, delivered_at=at(1)
    )
    change = plan_change(stored, merge_reports([DELIVERED])["order-1042"])
    assert change.is_empty()


def test_a_late_delivered_fills_only_a_missing_delivered_time() -> None:
    stored = sent_state(status=MessageStatus.READ, provider_id="p", channel=MessageChannel.VIBER)
    change = plan_change(stored, merge_reports([DELIVERED])["order-1042"])
    assert change.status is None and change.delivered_at == at(1)


def test_viber_failure_then_sms_fallback_ends_delivered_by_sms_with_its_parts_and_cost() -> None:
    prices = Prices(per_sms_segment=Decimal("0.85"), per_viber=Decimal("0.40"))
    merged = merge_reports([report(3, 26, None, "viber", 2), SMS_DELIVERED])["order-1042"]
    change = plan_change(sent_state(), merged, prices)
    assert change.status is MessageStatus.DELIVERED and change.channel is MessageChannel.SMS
    assert change.segments is None  # two parts, as predicted: unchanged
    assert change.cost == Decimal("1.70")
    assert change.error is None


def test_a_failure_records_code_text_and_time() -> None:
    change = plan_change(sent_state(), merge_reports([FAILED])["order-1042"])
    assert change.status is MessageStatus.FAILED
    assert change.failed_at == at(4) and change.error_code == "36" and change.error


def test_blocked_by_the_platform_is_rejected() -> None:
    blocked = report(3, 36, None, "hyber", 1)
    change = plan_change(sent_state(), merge_reports([blocked])["order-1042"])
    assert change.status is MessageStatus.REJECTED and change.channel is MessageChannel.BLOCKED


def test_a_report_without_extra_id_is_keyed_by_the_gms_message_id() -> None:
    anonymous = report(2, 23, 23011, "sms", 1, extra_id=None)
    assert list(merge_reports([anonymous])) == ["gms:9f60ac8f-e721-5027-b838-e6fcb95fcd7a"]


def test_confirmed_send_never_overrides_a_report_that_landed_first() -> None:
    delivered = sent_state(status=MessageStatus.DELIVERED)
    change = sent_change(delivered, "gms-1", at(0))
    assert change.status is None and change.provider_id == "gms-1"
    queued = sent_state(status=MessageStatus.QUEUED)
    assert sent_change(queued, "gms-1", at(0)).status is MessageStatus.SENT


def test_journeys_hears_delivered_once_and_failures_only_before_delivery() -> None:
    assert journeys_outcome(MessageStatus.SENT, MessageStatus.DELIVERED) == "Delivered"
    assert journeys_outcome(MessageStatus.SENT, MessageStatus.READ) == "Delivered"
    assert journeys_outcome(MessageStatus.DELIVERED, MessageStatus.READ) is None
    assert journeys_outcome(MessageStatus.SENT, MessageStatus.EXPIRED) == "NotDelivered"
    assert journeys_outcome(MessageStatus.FAILED, MessageStatus.DELIVERED) == "Delivered"

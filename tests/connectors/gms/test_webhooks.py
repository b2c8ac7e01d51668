import json
from datetime import UTC, datetime

import pytest

from connectors.gms import (
    DeliveryOutcome,
    InvalidDeliveryReportError,
    parse_delivery_reports,
    verify_callback_token,
)

# Shaped like the GMS docs' examples (written by hand: the docs' samples contain typos).
SINGLE_SMS_DELIVERED = {
    "number": 380961111111,
    "time": 1477417294667,
    "status": 2,
    "substatus": 23,
    "hyber_status": 23011,
    "message_id": "9f60ac8f-e721-5027-b838-e6fcb95fcd7a",
    "extra_id": "AD-6640-7006",
    "sent_via": "sms",
    "total_sms_parts": 1,
    "delivered_sms_parts": 1,
}
BATCHED = [
    {
        "number": "380961111111",
        "time": 1477417294667,
        "status": 2,
        "substatus": 23,
        "hyber_status": 23011,
        "message_id": "9f60ac8f-e721-5027-b838-e6fcb95fcd7a",
        "extra_id": "AD-6640-7006",
        "sent_via": "sms",
    },
    {
        "number": "380962222222",
        "time": 1477417299000,
        "status": 3,
        "substatus": 35,
        "hyber_status": 35015,
        "message_id": "e5ea7286-6849-52d7-9e1b-8719b736283e",
        "extra_id": "AD-6640-7007",
        "sent_via": "sms",
    },
    {
        "number": "380963333333",
        "time": 1477417299050,
        "status": 2,
        "substatus": 23,
        "hyber_status": 23033,
        "message_id": "8a3ff6c5-a1fb-4849-a54b-3c488753cb8b",
        "extra_id": "AD-6640-7008",
        "sent_via": "viber",
    },
]


def encode(payload: object) -> bytes:
    return json.dumps(payload).encode()


def test_single_object_report_is_parsed_with_int_number_and_ms_time() -> None:
    [report] = parse_delivery_reports(encode(SINGLE_SMS_DELIVERED))
    assert report.number == "380961111111"
    assert report.time == datetime(2016, 10, 25, 17, 41, 34, 667000, tzinfo=UTC)
    assert report.time.tzinfo is UTC
    assert report.outcome is DeliveryOutcome.DELIVERED
    assert report.sent_via == "sms"
    assert (report.total_sms_parts, report.delivered_sms_parts) == (1, 1)
    assert report.extra_id == "AD-6640-7006"


def test_array_report_is_parsed_with_string_numbers_in_order() -> None:
    reports = parse_delivery_reports(encode(BATCHED))
    assert [r.number for r in reports] == ["380961111111", "380962222222", "380963333333"]
    assert [r.outcome for r in reports] == [
        DeliveryOutcome.DELIVERED,
        DeliveryOutcome.EXPIRED,
        DeliveryOutcome.DELIVERED,
    ]
    assert reports[2].sent_via == "viber"
    assert reports[1].time == datetime(2016, 10, 25, 17, 41, 39, tzinfo=UTC)


def test_time_in_milliseconds_is_not_mistaken_for_seconds() -> None:
    [report] = parse_delivery_reports(encode({**SINGLE_SMS_DELIVERED, "time": "1700000000123"}))
    assert report.time.year == 2023
    assert report.time.microsecond == 123000


def test_empty_array_gives_no_reports() -> None:
    assert parse_delivery_reports(b"[]") == []


def test_blocked_by_platform_is_rejected() -> None:
    [report] = parse_delivery_reports(
        encode(
            {**SINGLE_SMS_DELIVERED, "status": 3, "substatus": 36, "hyber_status": None, "sent_via": "hyber"}
        )
    )
    assert report.blocked_by_platform
    assert report.outcome is DeliveryOutcome.REJECTED


def test_assumed_seen_code_is_read() -> None:
    [report] = parse_delivery_reports(
        encode({**SINGLE_SMS_DELIVERED, "substatus": 24, "hyber_status": 24033, "sent_via": "viber"})
    )
    assert report.seen
    assert report.outcome is DeliveryOutcome.READ


def test_unknown_extra_fields_and_channels_are_tolerated() -> None:
    [report] = parse_delivery_reports(
        encode({**SINGLE_SMS_DELIVERED, "sent_via": "RCS", "matching_template_id": 0, "new_field": 1})
    )
    assert report.sent_via == "rcs"
    assert report.matching_template_id == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b'"text"', "body"),
        (encode([SINGLE_SMS_DELIVERED, 5]), "[1]"),
        (encode({**SINGLE_SMS_DELIVERED, "time": "yesterday"}), "time"),
        (encode([SINGLE_SMS_DELIVERED, {**SINGLE_SMS_DELIVERED, "number": "38096-111"}]), "[1].number"),
        (encode({k: v for k, v in SINGLE_SMS_DELIVERED.items() if k != "message_id"}), "message_id"),
        (encode({**SINGLE_SMS_DELIVERED, "status": "delivered"}), "status"),
    ],
)
def test_invalid_report_names_the_field_without_echoing_values(body: bytes, field: str) -> None:
    with pytest.raises(InvalidDeliveryReportError) as excinfo:
        parse_delivery_reports(body)
    assert excinfo.value.field == field
    assert "38096" not in str(excinfo.value)
    assert "yesterday" not in str(excinfo.value)


def test_callback_token_is_compared_exactly() -> None:
    assert verify_callback_token("s3cret-token", "s3cret-token")
    assert not verify_callback_token("s3cret-tokem", "s3cret-token")
    assert not verify_callback_token(None, "s3cret-token")
    assert not verify_callback_token("", "")
    assert not verify_callback_token("токен", "token")

from datetime import UTC, datetime
from typing import Any

from connectors.gms import DeliveryOutcome, JobStatus, Report

# Shaped like the GMS docs' examples for the pull reports and the job status.
ADVANCED_FALLBACK: dict[str, Any] = {
    "reports": [
        {
            "phone_number": "380961111111",
            "message_id": "9f60ac8f-e721-5027-b838-e6fcb95fcd7a",
            "extra_id": "AD-6640-7006",
            "time": 1477417294667,
            "last_partner": "viber",
            "status": 3,
            "substatus": 35,
            "hyber_status": 35015,
        },
        {
            "phone_number": "380961111111",
            "message_id": "9f60ac8f-e721-5027-b838-e6fcb95fcd7a",
            "extra_id": "AD-6640-7006",
            "time": 1477417294667,
            "last_partner": "sms",
            "status": 2,
            "substatus": 23,
            "hyber_status": 23011,
            "total_sms_parts": 1,
            "delivered_sms_parts": 1,
        },
    ],
    "started": True,
    "processing": False,
    "delivered_via": "sms",
    "clicks": 2,
    "channels": [{"channel": "viber", "ttl": 60}, {"channel": "sms", "ttl": 300}],
}


def test_advanced_report_is_decided_by_the_delivered_attempt() -> None:
    report = Report.from_advanced(ADVANCED_FALLBACK)
    assert report.outcome is DeliveryOutcome.DELIVERED
    assert report.channel == "sms"
    assert report.message_id == "9f60ac8f-e721-5027-b838-e6fcb95fcd7a"
    assert [a.outcome for a in report.attempts] == [DeliveryOutcome.EXPIRED, DeliveryOutcome.DELIVERED]
    assert report.clicks == 2
    assert not report.seen


def test_advanced_report_with_a_pending_fallback_is_pending_not_failed() -> None:
    viber_expired: dict[str, Any] = ADVANCED_FALLBACK["reports"][0]
    sms_pending = {
        **viber_expired,
        "last_partner": "sms",
        "status": -1,
        "substatus": 11,
        "hyber_status": None,
    }
    report = Report.from_advanced({"reports": [viber_expired, sms_pending], "processing": True})
    assert report.outcome is DeliveryOutcome.PENDING


def test_advanced_report_without_attempts_is_pending() -> None:
    assert Report.from_advanced({"reports": [], "started": False}).outcome is DeliveryOutcome.PENDING


def test_simple_report_parses_string_phone_and_ms_time() -> None:
    report = Report.from_simple(
        {
            "phone_number": "380961111111",
            "last_partner": "sms",
            "message_id": "m",
            "extra_id": "e",
            "time": 1477417294667,
            "status": 2,
            "substatus": 23,
            "hyber_status": 23011,
            "clicks": 2,
        }
    )
    assert report.summary.time == datetime(2016, 10, 25, 17, 41, 34, 667000, tzinfo=UTC)
    assert (report.outcome, report.channel, report.clicks) == (DeliveryOutcome.DELIVERED, "sms", 2)


def test_job_status_item_with_only_an_error_code_maps_by_that_code() -> None:
    status = JobStatus.model_validate(
        {
            "job_id": "j",
            "messages": [
                {
                    "time": 1477417299000,
                    "phone_number": "380962222222",
                    "message_id": "e5",
                    "extra_id": "AD-7",
                    "processed": False,
                    "accepted": True,
                    "total_sms_parts": 1,
                    "error_text": "SMS expired",
                    "error_code": 35015,
                    "clicks": 0,
                },
                {
                    "time": 1477417294667,
                    "phone_number": "380961111111",
                    "message_id": "9f",
                    "extra_id": "AD-6",
                    "processed": False,
                    "accepted": True,
                    "total_sms_parts": 1,
                    "delivered_sms_parts": 1,
                    "status_text": "SMS delivered",
                    "status": 2,
                    "substatus": 23,
                    "hyber_status": 23011,
                    "clicks": 2,
                },
            ],
        }
    )
    assert [m.outcome for m in status.messages] == [DeliveryOutcome.EXPIRED, DeliveryOutcome.DELIVERED]
    assert status.messages[0].error_code == 35015

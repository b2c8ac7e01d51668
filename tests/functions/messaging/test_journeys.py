"""POST /api/channels/journeys/outbound (the custom channel contract) and the Journeys notifications."""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests

from local_runtime.stack import LocalStack
from tests.functions.messaging.support import (
    CHANNEL_DEFINITION_ID,
    gms,
    session,
    settle,
    unique_phone,
)


def payload(**changes: Any) -> dict[str, Any]:
    """The outbound custom API's payload as Journeys builds it."""
    body: dict[str, Any] = {
        "ChannelDefinitionId": CHANNEL_DEFINITION_ID,
        "RequestId": str(uuid.uuid4()),
        "IdempotencyId": str(uuid.uuid4()),
        "From": "MyBrand",
        "To": unique_phone(),
        "Message": {"text": "Your cart is waiting: https://shop.example/c/42"},
        "MarketingAppContext": {
            "CustomerJourneyId": "3b0c8a1e-2d4f-4a5b-9c6d-7e8f9a0b1c2d",
            "UserId": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
            "UserEntityType": "contact",
            "IsTestSend": False,
        },
        **changes,
    }
    return body


def outbound(stack: LocalStack, body: dict[str, Any]) -> requests.Response:
    return session().post(f"{stack.url}/api/channels/journeys/outbound", json=body, timeout=25)


def accepted_by_gms(stack: LocalStack, request_id: str) -> list[dict[str, Any]]:
    return [m for m in gms(stack).messages() if m["extra_id"] == f"cij:{request_id}"]


def notifications(stack: LocalStack, request_id: str) -> list[dict[str, Any]]:
    found = []
    for action in stack.stand_ins["dataverse"].notifications:
        body = json.loads(action["body"]["notificationPayLoad"])
        if body["RequestId"] == request_id:
            found.append(body)
    return found


def test_a_journey_send_answers_sent_and_a_retry_gets_the_same_answer(stack: LocalStack) -> None:
    body = payload()
    first = outbound(stack, body)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["Status"] == "Sent" and answer["RequestId"] == body["RequestId"]
    assert answer["ChannelDefinitionId"] == CHANNEL_DEFINITION_ID
    assert answer["MessageId"] == accepted_by_gms(stack, body["RequestId"])[0]["message_id"]
    assert outbound(stack, body).json() == answer
    assert len(accepted_by_gms(stack, body["RequestId"])) == 1


def test_delivery_is_reported_back_to_journeys(stack: LocalStack) -> None:
    delivered, failed = payload(), payload()
    gms(stack).plan_outcome(f"cij:{delivered['RequestId']}", "viber_read")
    gms(stack).plan_outcome(f"cij:{failed['RequestId']}", "expired")
    message_id = outbound(stack, delivered).json()["MessageId"]
    outbound(stack, failed)
    settle(stack)
    told = notifications(stack, delivered["RequestId"])
    assert [n["Status"] for n in told] == ["Delivered"]  # read later adds nothing for Journeys
    assert told[0]["MessageId"] == message_id and told[0]["ChannelDefinitionId"] == CHANNEL_DEFINITION_ID
    assert told[0]["OrganizationId"]
    not_delivered = notifications(stack, failed["RequestId"])
    assert [n["Status"] for n in not_delivered] == ["NotDelivered"]
    assert not_delivered[0]["Details"]["Reason"]


def test_a_message_that_cannot_be_sent_is_not_sent_with_the_reason_and_stays_so(stack: LocalStack) -> None:
    bad_phone = payload(To="12345")
    answer = outbound(stack, bad_phone).json()
    assert answer["Status"] == "NotSent" and answer["Details"]["Reason"] == "InvalidMessage"
    assert outbound(stack, bad_phone).json() == answer
    no_text = outbound(stack, payload(Message={"subject": "hi"})).json()
    assert no_text["Status"] == "NotSent" and "text" in no_text["Details"]["Message"]
    assert accepted_by_gms(stack, bad_phone["RequestId"]) == []


def test_a_gms_outage_is_a_503_so_the_platform_retries_and_the_retry_sends_once(stack: LocalStack) -> None:
    body = payload()
    gms(stack).set_faults(error_rate=1.0, error_status=503)
    try:
        failed = outbound(stack, body)
    finally:
        gms(stack).set_faults()
    assert failed.status_code == 503 and failed.headers.get("Retry-After")
    retried = outbound(stack, body)
    assert retried.json()["Status"] == "Sent"
    assert len(accepted_by_gms(stack, body["RequestId"])) == 1


def test_a_payload_missing_the_recipient_is_422_naming_it(stack: LocalStack) -> None:
    body = payload()
    del body["To"]
    response = outbound(stack, body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "To"
    assert (
        requests.post(f"{stack.url}/api/channels/journeys/outbound", json=payload(), timeout=10).status_code
        == 401
    )

"""POST /api/messages, GET /api/messages/{id} and the messages-outbound queue, through the local runtime."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from dataverse.schema import message_activity_id
from local_runtime.stack import LocalStack
from tests.functions.messaging.support import (
    MASTER_KEY,
    create_contact,
    dataverse,
    gms,
    session,
    settle,
    unique_phone,
    wait_until,
)


@pytest.fixture
def http() -> requests.Session:
    return session()


def send(stack: LocalStack, http: requests.Session, **body: object) -> requests.Response:
    payload = {
        "to": unique_phone(),
        "text": "Your order 1042 is on its way.",
        "purpose": "transactional",
        **body,
    }
    return http.post(f"{stack.url}/api/messages", json=payload, timeout=10)


def message(stack: LocalStack, http: requests.Session, message_id: str) -> dict[str, object]:
    response = http.get(f"{stack.url}/api/messages/{message_id}", timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def accepted_by_gms(stack: LocalStack, key: str) -> list[dict[str, object]]:
    return [m for m in gms(stack).messages() if m["extra_id"] == key]


def test_a_message_is_accepted_sent_and_its_delivery_written_back(
    stack: LocalStack, http: requests.Session
) -> None:
    key = f"order-{uuid.uuid4().hex[:8]}"
    gms(stack).plan_outcome(key, "viber_read")
    response = send(stack, http, idempotency_key=key, campaign="orders")
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "queued" and accepted["idempotency_key"] == key and accepted["segments"] == 1
    assert response.headers["Location"] == f"{stack.url}/api/messages/{accepted['id']}"
    sent = wait_until(
        lambda: (m := message(stack, http, accepted["id"]))["status"] == "sent" and m, what="sent"
    )
    assert sent["provider_message_id"] and sent["sent_on"]
    settle(stack)
    final = message(stack, http, accepted["id"])
    assert final["status"] == "read" and final["channel"] == "viber" and final["segments"] == 0
    assert final["delivered_on"] and final["read_on"]
    wire = accepted_by_gms(stack, key)
    assert len(wire) == 1 and wire[0]["channels"] == ["viber", "sms"] and wire[0]["tag"] == "orders"


def test_an_invalid_phone_is_422_naming_to_and_never_reaches_gms(
    stack: LocalStack, http: requests.Session
) -> None:
    before = len(gms(stack).messages())
    response = send(stack, http, to="12345")
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["to"]
    assert len(gms(stack).messages()) == before


def test_a_text_longer_than_five_sms_parts_is_422_naming_text(
    stack: LocalStack, http: requests.Session
) -> None:
    response = send(stack, http, text="ї" * 400)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "text"
    viber_only = send(stack, http, text="ї" * 400, channels=["viber"])
    assert viber_only.status_code == 202 and viber_only.json()["segments"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": ["fax"]}, "channels[0]"),
        ({"channels": ["sms", "sms"]}, "channels"),
        ({"channels": ["sms"], "ttl": 120}, "ttl"),
        ({"sender": "Бренд"}, "sender"),
        ({"purpose": "spam"}, "purpose"),
        ({"idempotency_key": "has spaces"}, "idempotency_key"),
        ({"regarding": {"id": "not-a-guid"}}, "regarding.id"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    stack: LocalStack, http: requests.Session, body: dict[str, object], field: str
) -> None:
    response = send(stack, http, **body)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


def test_non_json_bodies_are_refused(stack: LocalStack, http: requests.Session) -> None:
    assert (
        http.post(
            f"{stack.url}/api/messages", data=b"{", timeout=10, headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert (
        http.post(
            f"{stack.url}/api/messages", data=b"to=1", timeout=10, headers={"Content-Type": "text/plain"}
        ).status_code
        == 415
    )
    assert requests.post(f"{stack.url}/api/messages", json={}, timeout=10).status_code == 401


def test_a_retried_request_with_the_same_key_sends_once(stack: LocalStack, http: requests.Session) -> None:
    key = f"retry-{uuid.uuid4().hex[:8]}"
    phone = unique_phone()
    first = send(stack, http, idempotency_key=key, to=phone)
    second = send(stack, http, idempotency_key=key, to=phone)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    settle(stack)
    assert len(accepted_by_gms(stack, key)) == 1
    assert gms(stack).duplicates_by_extra_id() == {}


def test_without_a_key_one_is_generated_and_returned(stack: LocalStack, http: requests.Session) -> None:
    accepted = send(stack, http).json()
    assert accepted["idempotency_key"].startswith("msg-")
    assert message(stack, http, accepted["id"])["idempotency_key"] == accepted["idempotency_key"]


def test_the_contacts_country_completes_a_number_and_the_message_shows_on_its_timeline(
    stack: LocalStack, http: requests.Session
) -> None:
    with dataverse(stack) as crm:
        contact = create_contact(crm, address1_country="Poland", mobilephone=None)
        response = send(stack, http, to="512 345 678", regarding={"table": "contact", "id": contact})
        assert response.status_code == 202, response.text
        view = message(stack, http, response.json()["id"])
        assert view["to"] == "+48512345678" and view["contact_id"] == contact
        activity = crm.retrieve("smart_messageactivities", str(message_activity_id(view["idempotency_key"])))
        assert activity["_regardingobjectid_value"] == contact
        assert activity["_smart_messageid_value"] == view["id"]


def test_an_unknown_contact_is_422_naming_regarding_id(stack: LocalStack, http: requests.Session) -> None:
    response = send(stack, http, regarding={"id": str(uuid.uuid4())})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "regarding.id"


def test_a_commercial_message_to_an_opted_out_contact_is_recorded_as_not_sent(
    stack: LocalStack, http: requests.Session
) -> None:
    with dataverse(stack) as crm:
        contact = create_contact(crm, smart_donotsms=True, smart_donotviber=True)
    regarding = {"id": contact}
    blocked = send(stack, http, purpose="commercial", regarding=regarding, idempotency_key=f"promo-{contact}")
    assert blocked.status_code == 202
    assert blocked.json()["status"] == "not_sent" and "consent" in blocked.json()["reason"]
    view = message(stack, http, blocked.json()["id"])
    assert view["status"] == "not_sent" and "consent" in str(view["error"])
    transactional = send(stack, http, purpose="transactional", regarding=regarding)
    assert transactional.json()["status"] == "queued"
    settle(stack)
    assert accepted_by_gms(stack, f"promo-{contact}") == []
    assert len(accepted_by_gms(stack, transactional.json()["idempotency_key"])) == 1


def test_a_viber_opt_out_leaves_the_sms(stack: LocalStack, http: requests.Session) -> None:
    with dataverse(stack) as crm:
        contact = create_contact(crm, smart_donotviber=True)
    response = send(stack, http, purpose="commercial", journey="welcome", regarding={"id": contact})
    settle(stack)
    assert accepted_by_gms(stack, response.json()["idempotency_key"])[0]["channels"] == ["sms"]


def test_a_redelivered_queue_message_does_not_send_twice(stack: LocalStack, http: requests.Session) -> None:
    key = f"redeliver-{uuid.uuid4().hex[:8]}"
    response = send(stack, http, idempotency_key=key)
    wait_until(lambda: message(stack, http, response.json()["id"])["status"] == "sent", what="sent")
    request = {
        "phone_number": 380501234567,
        "extra_id": key,
        "channels": ["sms"],
        "channel_options": {"sms": {"text": "again", "ttl": 300, "alpha_name": "MyBrand"}},
    }
    body = json.dumps({"id": response.json()["id"], "key": key, "request": request}).encode()
    again = requests.post(
        f"{stack.url}/_local/queues/messages-outbound/messages",
        data=body,
        headers={
            "x-functions-key": MASTER_KEY,
            "x-message-id": f"{key}-again",
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert again.status_code == 201 and again.json()["accepted"]
    settle(stack)
    assert len(accepted_by_gms(stack, key)) == 1


def test_a_send_gms_accepted_but_did_not_answer_in_time_is_recovered_not_repeated(
    stack: LocalStack, http: requests.Session
) -> None:
    key = f"stall-{uuid.uuid4().hex[:8]}"
    stalled = gms(stack).stats().get("stalled_responses", 0)
    gms(stack).stall_next_sends(1, seconds=1.6)  # the app's GMS read timeout is 1 s in these tests
    response = send(stack, http, idempotency_key=key)
    view = wait_until(
        lambda: (m := message(stack, http, response.json()["id"]))["status"] == "sent" and m, what="sent"
    )
    accepted = accepted_by_gms(stack, key)
    assert len(accepted) == 1 and view["provider_message_id"] == accepted[0]["message_id"]
    assert gms(stack).stats()["stalled_responses"] == stalled + 1


def test_a_gms_outage_is_retried_by_the_queue_and_sent_once(
    stack: LocalStack, http: requests.Session
) -> None:
    key = f"outage-{uuid.uuid4().hex[:8]}"
    simulator = gms(stack)
    simulator.set_faults(error_rate=1.0, error_status=503)
    try:
        response = send(stack, http, idempotency_key=key)
        failed = f"{stack.url}/_local/invocations?function=messages_outbound"
        master = {"x-functions-key": MASTER_KEY}
        wait_until(
            lambda: any(
                i["outcome"] == "failed" for i in requests.get(failed, headers=master, timeout=10).json()
            ),
            what="a failed delivery",
        )
    finally:
        simulator.set_faults()
    view = wait_until(
        lambda: (m := message(stack, http, response.json()["id"]))["status"] == "sent" and m, what="sent"
    )
    assert view["provider_message_id"]
    assert len(accepted_by_gms(stack, key)) == 1


def test_an_unknown_message_is_404(stack: LocalStack, http: requests.Session) -> None:
    assert http.get(f"{stack.url}/api/messages/{uuid.uuid4()}", timeout=10).status_code == 404
    assert http.get(f"{stack.url}/api/messages/not-a-guid", timeout=10).status_code == 404

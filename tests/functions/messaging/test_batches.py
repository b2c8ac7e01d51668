"""POST /api/messages/batch, GET /api/messages/batches/{id}, the message-batches queue and analytics."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from functions.messaging.rules import batch_row_id
from local_runtime.stack import LocalStack
from tests.functions.messaging.conftest import CHUNK_SIZE
from tests.functions.messaging.support import (
    create_contact,
    dataverse,
    gms,
    session,
    settle,
    unique_phone,
    wait_until,
)

OUTCOMES = (
    ["viber_read"] * 5 + ["viber_delivered"] * 10 + ["sms_delivered"] * 5 + ["failed"] * 5 + ["expired"] * 5
)


def post_batch(stack: LocalStack, **body: object) -> requests.Response:
    payload: dict[str, object] = {
        "text": "Hi {first_name}! Your code: {promo}",
        "purpose": "transactional",
        **body,
    }
    return session().post(f"{stack.url}/api/messages/batch", json=payload, timeout=60)


def batch(stack: LocalStack, batch_id: str) -> dict[str, Any]:
    found: dict[str, Any] = session().get(f"{stack.url}/api/messages/batches/{batch_id}", timeout=10).json()
    return found


def finished(stack: LocalStack, batch_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        view = batch(stack, batch_id)
        return view if view["status"] in ("completed", "partially_failed", "failed") else None

    return wait_until(done, what="batch sent")


def recipients(count: int) -> list[dict[str, Any]]:
    return [
        {"to": unique_phone(), "variables": {"first_name": f"Name{i}", "promo": f"P-{i}"}}
        for i in range(count)
    ]


def by_key(stack: LocalStack, prefix: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for message in gms(stack).messages():
        if str(message["extra_id"] or "").startswith(prefix):
            found.setdefault(str(message["extra_id"]), []).append(message)
    return found


def test_an_inline_batch_goes_out_in_one_mass_request_and_its_results_add_up(stack: LocalStack) -> None:
    key = f"bday-{uuid.uuid4().hex[:8]}"
    campaign = f"birthday-{key}"
    for index, outcome in enumerate(OUTCOMES):
        gms(stack).plan_outcome(f"{key}#{index}", outcome)
    mass_requests = gms(stack).stats().get("batch_requests", 0)
    response = post_batch(stack, idempotency_key=key, campaign=campaign, recipients=recipients(len(OUTCOMES)))
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "queued" and accepted["total"] == 30 and accepted["not_sent"] == 0
    assert response.headers["Location"].endswith(f"/api/messages/batches/{accepted['id']}")
    view = finished(stack, accepted["id"])
    assert view["status"] == "completed" and view["total"] == 30
    assert gms(stack).stats()["batch_requests"] - mass_requests == 1
    sent = by_key(stack, f"{key}#")
    assert len(sent) == 30 and all(len(copies) == 1 for copies in sent.values())
    assert sent[f"{key}#7"][0]["texts"]["viber"] == "Hi Name7! Your code: P-7"

    settle(stack)
    counts = batch(stack, accepted["id"])["counts"]
    assert counts == {"delivered": 15, "expired": 5, "failed": 5, "read": 5}
    result = (
        session().get(f"{stack.url}/api/messages/analytics", params={"campaign": campaign}, timeout=10).json()
    )
    assert result["total"] == 30 and result["by_status"] == counts
    assert result["by_channel"] == {"sms": 15, "viber": 15}
    assert result["delivery_rate"] == round(20 / 30, 4)
    assert result["viber_read_rate"] == round(5 / 15, 4)
    assert result["sms_fallback_rate"] == 0.25
    assert result["median_seconds_to_deliver"] is not None and result["sms_segments"] == 5


def test_analytics_refuses_a_reversed_window_naming_the_parameter(stack: LocalStack) -> None:
    params = {"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
    response = session().get(f"{stack.url}/api/messages/analytics", params=params, timeout=10)
    assert response.status_code == 422
    bad_date = session().get(f"{stack.url}/api/messages/analytics", params={"from": "soon"}, timeout=10)
    assert bad_date.status_code == 422 and bad_date.json()["errors"][0]["field"] == "from"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({2: {"to": "12345"}}, "recipients[2].to"),
        ({1: {"variables": {"first_name": "X"}}}, "recipients[1].variables"),
        ({0: {"text": "ї" * 400}}, "recipients[0].text"),
        ({3: {"to": None}}, "recipients[3]"),
    ],
)
def test_a_bad_recipient_is_422_naming_it_and_nothing_is_recorded(
    stack: LocalStack, change: dict[int, dict[str, Any]], field: str
) -> None:
    key = f"bad-{uuid.uuid4().hex[:8]}"
    people = recipients(5)
    for index, values in change.items():
        people[index].update(values)
    response = post_batch(
        stack, idempotency_key=key, recipients=[{k: v for k, v in p.items() if v is not None} for p in people]
    )
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    assert (
        session().get(f"{stack.url}/api/messages/batches/{batch_row_id(key)}", timeout=10).status_code == 404
    )


def test_a_batch_needs_exactly_one_source_and_at_most_ten_thousand_recipients(stack: LocalStack) -> None:
    assert post_batch(stack).status_code == 422
    both = post_batch(stack, recipients=recipients(1), selection={"contact_ids": [str(uuid.uuid4())]})
    assert both.status_code == 422
    too_many = post_batch(stack, recipients=[{"to": "+380501234567"}] * 10_001)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "recipients"


def test_a_retried_batch_is_the_same_batch_and_sends_once(stack: LocalStack) -> None:
    key = f"again-{uuid.uuid4().hex[:8]}"
    people = recipients(4)
    first = post_batch(stack, idempotency_key=key, recipients=people)
    second = post_batch(stack, idempotency_key=key, recipients=people)
    assert first.json()["id"] == second.json()["id"]
    finished(stack, first.json()["id"])
    third = post_batch(stack, idempotency_key=key, recipients=people)
    assert third.json()["status"] == "completed"
    sent = by_key(stack, f"{key}#")
    assert len(sent) == 4 and all(len(copies) == 1 for copies in sent.values())


def test_contact_ids_take_each_contacts_phone_names_and_consent(stack: LocalStack) -> None:
    with dataverse(stack) as crm:
        ids = [
            create_contact(crm, firstname="Ivan", mobilephone=unique_phone()),
            create_contact(
                crm,
                firstname="Oksana",
                mobilephone=unique_phone(),
                smart_donotsms=True,
                smart_donotviber=True,
            ),
            create_contact(crm, firstname="Petro", mobilephone="067 123 45 67", address1_country="Україна"),
        ]
    key = f"ids-{uuid.uuid4().hex[:8]}"
    response = post_batch(
        stack,
        idempotency_key=key,
        text="Dear {first_name}, new arrivals",
        purpose="commercial",
        journey="new-arrivals",
        selection={"contact_ids": ids},
    )
    assert response.status_code == 202, response.text
    assert response.json()["not_sent"] == 1
    view = finished(stack, response.json()["id"])
    assert view["status"] == "partially_failed" and view["counts"] == {"not_sent": 1, "sent": 2}
    texts = sorted(m[0]["texts"]["viber"] for m in by_key(stack, f"{key}#").values())
    assert texts == ["Dear Ivan, new arrivals", "Dear Petro, new arrivals"]
    unknown = post_batch(stack, selection={"contact_ids": [ids[0], str(uuid.uuid4())]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "selection.contact_ids[1]"


def test_a_fetchxml_selection_is_expanded_by_the_queue_handler(stack: LocalStack) -> None:
    city = f"City-{uuid.uuid4().hex[:6]}"
    with dataverse(stack) as crm:
        for name in ("Anna", "Bohdan"):
            create_contact(crm, firstname=name, mobilephone=unique_phone(), address1_city=city)
        create_contact(crm, firstname="NoPhone", mobilephone=None, address1_city=city)
        create_contact(crm, firstname="Elsewhere", mobilephone=unique_phone(), address1_city="Kharkiv")
    condition = f"<condition attribute='address1_city' operator='eq' value='{city}'/>"
    entity = f"<entity name='contact'><attribute name='firstname'/><filter>{condition}</filter></entity>"
    fetch = f"<fetch>{entity}</fetch>"
    key = f"fx-{uuid.uuid4().hex[:8]}"
    response = post_batch(
        stack, idempotency_key=key, text="Hello {first_name}", selection={"fetch_xml": fetch}
    )
    assert response.status_code == 202 and response.json()["status"] == "received"
    view = finished(stack, response.json()["id"])
    assert view["total"] == 2 and view["status"] == "completed"
    texts = sorted(m[0]["texts"]["sms"] for m in by_key(stack, f"{key}#").values())
    assert texts == ["Hello Anna", "Hello Bohdan"]


def test_a_selection_that_is_not_on_contacts_or_not_found_is_422(stack: LocalStack) -> None:
    on_accounts = "<fetch><entity name='account'><attribute name='name'/></entity></fetch>"
    response = post_batch(stack, selection={"fetch_xml": on_accounts})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "selection.fetch_xml"
    missing_view = post_batch(stack, selection={"saved_view_id": str(uuid.uuid4())})
    assert (
        missing_view.status_code == 422
        and missing_view.json()["errors"][0]["field"] == "selection.saved_view_id"
    )


def test_a_commercial_batch_at_night_waits_for_the_end_of_quiet_hours(stack: LocalStack) -> None:
    key = f"promo-{uuid.uuid4().hex[:8]}"
    response = post_batch(stack, idempotency_key=key, purpose="commercial", recipients=recipients(3))
    accepted = response.json()
    assert accepted["status"] == "queued" and accepted["scheduled_for"]
    assert batch(stack, accepted["id"])["counts"] == {"scheduled": 3}
    assert by_key(stack, f"{key}#") == {}


def test_a_mass_send_gms_accepted_without_answering_in_time_is_recovered_not_repeated(
    stack: LocalStack,
) -> None:
    key = f"stall-{uuid.uuid4().hex[:8]}"
    stalled = gms(stack).stats().get("stalled_responses", 0)
    gms(stack).stall_next_sends(1, seconds=1.6)  # the app's mass-send read timeout is 1 s in these tests
    response = post_batch(stack, idempotency_key=key, recipients=recipients(5))
    view = finished(stack, response.json()["id"])
    assert gms(stack).stats()["stalled_responses"] == stalled + 1
    assert view["counts"] == {"sent": 5}
    sent = by_key(stack, f"{key}#")
    assert len(sent) == 5 and all(len(copies) == 1 for copies in sent.values())
    assert gms(stack).duplicates_by_extra_id() == {}


def test_an_unknown_batch_is_404(stack: LocalStack) -> None:
    assert session().get(f"{stack.url}/api/messages/batches/{uuid.uuid4()}", timeout=10).status_code == 404


def test_a_batch_larger_than_a_chunk_goes_out_one_chunk_per_queue_message(stack: LocalStack) -> None:
    key = f"big-{uuid.uuid4().hex[:8]}"
    mass_requests = gms(stack).stats().get("batch_requests", 0)
    response = post_batch(stack, idempotency_key=key, recipients=recipients(2 * CHUNK_SIZE + 50))
    view = finished(stack, response.json()["id"])
    assert view["counts"] == {"sent": 2 * CHUNK_SIZE + 50}
    assert gms(stack).stats()["batch_requests"] - mass_requests == 3
    sent = by_key(stack, f"{key}#")
    assert len(sent) == 2 * CHUNK_SIZE + 50 and all(len(copies) == 1 for copies in sent.values())


def test_a_selection_larger_than_a_chunk_is_paged_through(stack: LocalStack) -> None:
    city = f"Town-{uuid.uuid4().hex[:6]}"
    rows = [
        {"firstname": f"P{i}", "mobilephone": unique_phone(), "address1_city": city}
        for i in range(CHUNK_SIZE + 30)
    ]
    with dataverse(stack) as crm:
        crm.create_multiple("contacts", "contact", rows)
    condition = f"<condition attribute='address1_city' operator='eq' value='{city}'/>"
    fetch = f"<fetch><entity name='contact'><filter>{condition}</filter></entity></fetch>"
    key = f"paged-{uuid.uuid4().hex[:8]}"
    response = post_batch(stack, idempotency_key=key, text="Hi {first_name}", selection={"fetch_xml": fetch})
    view = finished(stack, response.json()["id"])
    assert view["counts"] == {"sent": CHUNK_SIZE + 30}
    texts = sorted(m[0]["texts"]["sms"] for m in by_key(stack, f"{key}#").values())
    assert texts == sorted(f"Hi P{i}" for i in range(CHUNK_SIZE + 30))

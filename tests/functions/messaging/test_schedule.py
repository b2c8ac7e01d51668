"""Quiet hours, the frequency cap and the opt-out event (the shared stack's quiet hours cover the run)."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime
from typing import Any

import requests

from dataverse.events import DataverseEvent, EventRouter
from functions.messaging.events import on_contact_updated, register_event_handlers
from local_runtime.stack import LocalStack
from tests.functions.messaging.conftest import FREQUENCY_CAP
from tests.functions.messaging.support import (
    create_contact,
    dataverse,
    gms,
    idle,
    session,
    unique_phone,
    wait_until,
)


def send(stack: LocalStack, **body: object) -> requests.Response:
    payload = {"to": unique_phone(), "text": "Sale: -20% until Sunday.", "purpose": "commercial", **body}
    return session().post(f"{stack.url}/api/messages", json=payload, timeout=10)


def view(stack: LocalStack, message_id: str) -> dict[str, Any]:
    found: dict[str, Any] = session().get(f"{stack.url}/api/messages/{message_id}", timeout=10).json()
    return found


def test_a_commercial_message_at_night_is_scheduled_for_the_end_of_quiet_hours(stack: LocalStack) -> None:
    key = f"night-{uuid.uuid4().hex[:8]}"
    response = send(stack, idempotency_key=key)
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "scheduled"
    wake = datetime.fromisoformat(accepted["scheduled_for"])
    assert wake > datetime.now(wake.tzinfo)
    assert stack.queue is not None and stack.queue.counts("messages-outbound")["scheduled"] >= 1
    wait_until(lambda: idle(stack), what="idle")
    assert view(stack, accepted["id"])["status"] == "scheduled"
    assert [m for m in gms(stack).messages() if m["extra_id"] == key] == []


def test_transactional_and_journey_messages_are_not_held_by_quiet_hours(stack: LocalStack) -> None:
    transactional = send(stack, purpose="transactional").json()
    journey = send(stack, journey="abandoned-cart").json()
    assert transactional["status"] == journey["status"] == "queued"


def test_the_frequency_cap_stops_the_next_commercial_message_to_a_phone(stack: LocalStack) -> None:
    phone = unique_phone()
    statuses = [send(stack, to=phone).json()["status"] for _ in range(FREQUENCY_CAP)]
    assert statuses == ["scheduled"] * FREQUENCY_CAP
    capped = send(stack, to=phone).json()
    assert capped["status"] == "not_sent" and "Frequency cap" in capped["reason"]
    assert send(stack, to=phone, purpose="transactional").json()["status"] == "queued"


def test_an_opt_out_cancels_the_contacts_scheduled_messages(stack: LocalStack) -> None:
    with dataverse(stack) as crm:
        contact = create_contact(crm)
        scheduled = send(stack, regarding={"id": contact}).json()
        other = send(stack, regarding={"id": create_contact(crm)}).json()
        assert scheduled["status"] == other["status"] == "scheduled"
        crm.update("contacts", contact, {"smart_donotsms": True, "smart_donotviber": True})
    event = DataverseEvent(
        message="Update",
        table="contact",
        record_id=uuid.UUID(contact),
        target={"smart_donotsms": True, "smart_donotviber": True},
        pre_image={"smart_donotsms": False, "smart_donotviber": False},
    )
    on_contact_updated(event)
    cancelled = view(stack, scheduled["id"])
    assert cancelled["status"] == "not_sent" and "opted out" in cancelled["error"]
    assert view(stack, other["id"])["status"] == "scheduled"
    on_contact_updated(event)  # redelivered: nothing left to cancel, nothing changes
    assert view(stack, scheduled["id"])["status"] == "not_sent"


def test_events_that_do_not_change_an_opt_out_flag_leave_scheduled_messages_alone(stack: LocalStack) -> None:
    router = EventRouter()
    register_event_handlers(router)
    assert router.routes() == [("contact", "update")]
    with dataverse(stack) as crm:
        contact = create_contact(crm)
        scheduled = send(stack, regarding={"id": contact}).json()
        crm.update(
            "contacts", contact, {"smart_donotsms": True, "smart_donotviber": True, "firstname": "Olha"}
        )
    renamed = DataverseEvent(
        message="Update", table="contact", record_id=uuid.UUID(contact), target={"firstname": "Olha"}
    )
    router.dispatch(renamed)
    assert view(stack, scheduled["id"])["status"] == "scheduled"


def test_queued_messages_do_not_carry_the_callback_token(stack: LocalStack) -> None:
    send(stack, idempotency_key=f"secret-{uuid.uuid4().hex[:8]}")  # scheduled: it waits in the queue
    assert stack.queue is not None
    with sqlite3.connect(stack.queue.path) as db:
        bodies = [
            bytes(row[0]) for row in db.execute("SELECT body FROM messages WHERE queue = 'messages-outbound'")
        ]
    assert bodies and all(stack.env["GMS_CALLBACK_TOKEN"].encode() not in body for body in bodies)

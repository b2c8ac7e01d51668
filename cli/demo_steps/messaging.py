"""Demo: a transactional message, a small birthday campaign, a Journeys send, reports back, analytics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import requests

from dataverse import DataverseClient, StaticTokenAuth
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

T = TypeVar("T")
SENDER = "SMARTDemo"
FINAL = ("delivered", "read", "failed", "expired", "rejected", "not_sent")


def run(stack: LocalStack, session: requests.Session) -> dict[str, Any]:
    api = f"{stack.url}/api"
    run_id = uuid.uuid4().hex[:6]
    campaign = f"demo-birthday-{run_id}"
    contact = _contact(stack)

    # 1. An order notification (transactional) to a CRM contact: on its timeline, Viber then SMS.
    single = session.post(
        f"{api}/messages",
        json={
            "to": "050 123 45 67",
            "text": "Ваше замовлення 1042 відправлено. ТТН 20450000000001.",
            "purpose": "transactional",
            "sender": SENDER,
            "idempotency_key": f"demo-order-1042-{run_id}",
            "regarding": {"table": "contact", "id": contact} if contact else None,
        },
        timeout=30,
    )
    single.raise_for_status()

    # 2. A birthday campaign from a journey: 20 recipients, each with their own promo code.
    recipients = [
        {"to": f"+38067{1_000_000 + i:07d}", "variables": {"first_name": name, "promo": f"BDAY-{i:02d}"}}
        for i, name in enumerate(["Olena", "Taras", "Iryna", "Andrii", "Sofiia"] * 4)
    ]
    batch = session.post(
        f"{api}/messages/batch",
        json={
            "text": "З днем народження, {first_name}! Ваш подарунок: {promo}",
            "campaign": campaign,
            "journey": "birthday-7-days-ahead",
            "sender": SENDER,
            "idempotency_key": f"demo-birthday-{run_id}",
            "recipients": recipients,
        },
        timeout=60,
    )
    batch.raise_for_status()

    # 3. The Journeys custom channel sends one abandoned-cart message.
    journeys = session.post(
        f"{api}/channels/journeys/outbound",
        json={
            "ChannelDefinitionId": str(uuid.uuid4()),
            "RequestId": str(uuid.uuid4()),
            "From": SENDER,
            "To": "+380931234567",
            "Message": {"text": "Ви залишили товари в кошику: https://shop.example/c/42"},
            "MarketingAppContext": {"CustomerJourneyId": "abandoned-cart", "IsTestSend": False},
        },
        timeout=25,
    ).json()

    # 4. GMS reports back (the simulator now, a real GMS in its own time); statuses are written back.
    simulator = stack.stand_ins.get("gms")
    batch_id = batch.json()["id"]
    _wait(lambda: session.get(f"{api}/messages/batches/{batch_id}", timeout=10).json()["status"] != "queued")
    if simulator is not None:
        simulator.flush()

    def settled() -> dict[str, Any] | None:
        result: dict[str, Any] = session.get(
            f"{api}/messages/analytics", params={"campaign": campaign}, timeout=10
        ).json()
        done = sum(result["by_status"].get(status, 0) for status in FINAL)
        return result if done == result["total"] == len(recipients) else None

    analytics = _wait(settled)
    message = session.get(single.headers["Location"], timeout=10).json()
    sent = session.get(f"{api}/messages/batches/{batch_id}", timeout=10).json()
    return {
        "order notification": f"{message['status']} via {message.get('channel') or '-'} to {message['to']}",
        "campaign": f"{len(recipients)} recipients, one GMS mass send, {sent['status']}: {sent['counts']}",
        "journeys send": f"{journeys['Status']} (message {journeys.get('MessageId')})",
        "analytics": {
            key: analytics[key]
            for key in (
                "by_status",
                "by_channel",
                "delivery_rate",
                "viber_read_rate",
                "sms_fallback_rate",
                "median_seconds_to_deliver",
            )
        },
        "sent twice": simulator.duplicates_by_extra_id() if simulator is not None else "n/a (real GMS)",
    }


def _contact(stack: LocalStack) -> str | None:
    if "dataverse" not in stack.stand_ins:
        return None  # a real tenant: the demo does not write contacts there
    with DataverseClient(stack.env["DATAVERSE_URL"], StaticTokenAuth(EMULATOR_TOKEN)) as crm:
        return crm.create(
            "contacts",
            {
                "firstname": "Olena",
                "lastname": "Koval",
                "mobilephone": "+380501234567",
                "address1_country": "Ukraine",
            },
        )


def _wait(probe: Callable[[], T | None], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("the messaging demo did not settle in time")
        time.sleep(0.1)

"""Replayed webhook deliveries change nothing: the same Dataverse event, GMS report or PayPal event sent
again (and again past the queue's duplicate detection, as a late redelivery would be) writes no row,
makes no second invoice, waybill or message, and leaves the records as they were."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dataverse import AlternateKey, DataverseClient, StaticTokenAuth
from functions.common.bus import OutboundMessage
from local_runtime.stack import EMULATOR_TOKEN, LocalStack
from tests.fuzz._webhooks import WEBHOOKS, create_order, settle, wait_until
from tests.fuzz.conftest import FUNCTION_KEY

SUBMITTED_ORDER = (
    Path(__file__).resolve().parents[1] / "functions" / "payments" / "fixtures" / "submit_salesorder.json"
)
DATAVERSE, GMS, PAYPAL = WEBHOOKS


@pytest.fixture
def crm(stack: LocalStack) -> Iterator[DataverseClient]:
    with DataverseClient(stack.env["DATAVERSE_URL"], StaticTokenAuth(EMULATOR_TOKEN)) as client:
        yield client


def effects(stack: LocalStack) -> dict[str, Any]:
    """Everything a delivery could change, counted where it lands (the stand-ins' own records)."""
    return {
        "dataverse_rows_written": stack.stand_ins["dataverse"].counters.snapshot()["rows_written"],
        "paypal_invoices": stack.stand_ins["paypal"].invoice_count,
        "waybills": len(stack.stand_ins["novaposhta"].waybills()),
        "gms_messages": len(stack.stand_ins["gms"].messages()),
    }


def redeliver_past_duplicate_detection(stack: LocalStack, queue: str, body: bytes) -> None:
    """What a delivery arriving after the duplicate-detection window amounts to: a new message id."""
    assert stack.queue is not None
    stack.queue.send(queue, OutboundMessage(body, message_id=f"late-{uuid.uuid4()}"))


def test_a_replayed_dataverse_event_changes_nothing(stack: LocalStack, crm: DataverseClient) -> None:
    body = SUBMITTED_ORDER.read_bytes()
    order_id = json.loads(body)["PrimaryEntityId"]
    create_order(crm, order_id)
    before = effects(stack)
    assert DATAVERSE.post(stack, body).status_code == 202
    wait_until(
        lambda: (
            effects(stack)["paypal_invoices"] > before["paypal_invoices"]
            and effects(stack)["waybills"] > before["waybills"]
        ),
        what="the order's invoice and waybill",
    )
    settle(stack)
    first = effects(stack)
    payment = crm.retrieve("smart_payments", AlternateKey({"smart_idempotencykey": f"order-{order_id}"}))

    assert DATAVERSE.post(stack, body).status_code == 202  # Dataverse retries the same delivery
    settle(stack)
    assert effects(stack) == first
    redeliver_past_duplicate_detection(stack, DATAVERSE.queue, body)
    settle(stack)
    assert effects(stack) == first
    assert first["paypal_invoices"] == before["paypal_invoices"] + 1
    assert first["waybills"] == before["waybills"] + 1
    again = crm.retrieve("smart_payments", AlternateKey({"smart_idempotencykey": f"order-{order_id}"}))
    assert again == payment


def _api(stack: LocalStack, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"x-functions-key": FUNCTION_KEY}
    return requests.request(method, f"{stack.url}/api/{path}", headers=headers, timeout=30, **kwargs)


def test_a_replayed_gms_report_changes_nothing(stack: LocalStack) -> None:
    key = f"replay-{uuid.uuid4().hex[:10]}"
    phone = f"+38067{uuid.uuid4().int % 10_000_000:07d}"
    sent = {
        "to": phone,
        "text": "Parcel 20450000000001 is ready.",
        "purpose": "transactional",
        "idempotency_key": key,
    }
    message_id = _api(stack, "POST", "messages", json=sent).json()["id"]
    view = wait_until(
        lambda: (v := _api(stack, "GET", f"messages/{message_id}").json())["status"] == "sent" and v,
        what="the message to be sent",
    )
    report = {
        "number": phone.removeprefix("+"),
        "time": int(time.time() * 1000),
        "status": 2,
        "substatus": 23,
        "hyber_status": 23011,
        "message_id": view["provider_message_id"],
        "extra_id": key,
        "sent_via": "sms",
    }
    body = json.dumps(report).encode()
    settle(stack)
    before = effects(stack)
    assert GMS.post(stack, body).json() == {"accepted": 1}
    wait_until(
        lambda: _api(stack, "GET", f"messages/{message_id}").json()["status"] == "delivered", what="delivery"
    )
    settle(stack)
    first, delivered = effects(stack), _api(stack, "GET", f"messages/{message_id}").json()
    assert first["dataverse_rows_written"] > before["dataverse_rows_written"]  # the first one did write

    assert GMS.post(stack, body).json() == {"accepted": 1}  # GMS repeats the callback
    settle(stack)
    assert effects(stack) == first
    reshaped = json.dumps([{**report, "number": int(report["number"])}]).encode()  # same report, new bytes
    assert GMS.post(stack, reshaped).json() == {"accepted": 1}
    settle(stack)
    assert effects(stack) == first
    assert _api(stack, "GET", f"messages/{message_id}").json() == delivered


def test_a_replayed_paypal_event_changes_nothing(stack: LocalStack, crm: DataverseClient) -> None:
    key = f"replay-{uuid.uuid4().hex[:10]}"
    invoice = {
        "idempotency_key": key,
        "currency": "EUR",
        "customer": {"email": "buyer@example.org"},
        "items": [{"name": "Consulting", "unit_amount": "300.00"}],
    }
    created = _api(stack, "POST", "invoices", json=invoice)
    assert created.status_code == 201, created.text
    sim = stack.stand_ins["paypal"]
    sim.set_webhook_delivery(hold=True)  # the test delivers (and replays) the signed events itself
    try:
        events = sim.pay_invoice(created.json()["invoice_id"])
    finally:
        sim.set_webhook_delivery()
    settle(stack)
    before = effects(stack)
    for event in events:
        assert requests.post(
            f"{stack.url}{PAYPAL.path}", data=event.body, headers=event.headers, timeout=30
        ).ok

    def row() -> dict[str, Any]:
        return crm.retrieve("smart_payments", AlternateKey({"smart_idempotencykey": key}))

    wait_until(lambda: row()["smart_paidon"], what="the payment to be recorded as paid")
    settle(stack)
    first, paid = effects(stack), row()
    assert first["dataverse_rows_written"] > before["dataverse_rows_written"]  # the first one did write

    for event in events:  # PayPal redelivers: same transmission, same body
        replay = requests.post(
            f"{stack.url}{PAYPAL.path}", data=event.body, headers=event.headers, timeout=30
        )
        assert replay.status_code == 200
    settle(stack)
    assert effects(stack) == first
    for event in events:
        redeliver_past_duplicate_detection(stack, PAYPAL.queue, event.body)
    settle(stack)
    assert effects(stack) == first
    assert row() == paid

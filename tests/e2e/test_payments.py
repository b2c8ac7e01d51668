"""End to end: a CRM order is confirmed, Dataverse pushes the event, the app invoices it with PayPal, the
payer pays (webhook), a refund's webhook is lost and the reconcile timer catches it, analytics adds up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from dataverse.events import EventRouter
from dataverse.schema import PaymentStatus
from functions.common import container
from functions.payments import register_event_handlers
from local_runtime.simulators.paypal import PayPalSimulator
from local_runtime.stack import LocalStack
from tests.functions.payments.support import (
    create_order,
    dataverse,
    payment_row,
    payments_stack,
    queues_idle,
    session,
    wait_until,
)

FIXTURE = (
    Path(__file__).resolve().parents[1] / "functions" / "payments" / "fixtures" / "submit_salesorder.json"
)
SECRET = "payments-e2e-webhook-secret"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with payments_stack(tmp_path, DATAVERSE_WEBHOOK_SECRET=SECRET) as running:
        router = EventRouter()  # what functions/events composes, with the payments handlers in it
        register_event_handlers(router)
        container.provide("events.router", router)
        yield running


def test_order_to_invoice_to_payment_to_refund_to_analytics(stack: LocalStack) -> None:
    sim: PayPalSimulator = stack.stand_ins["paypal"]
    http = session()
    event = json.loads(FIXTURE.read_text())
    order_id = event["PrimaryEntityId"]
    key = f"order-{order_id}"
    with dataverse(stack) as crm:
        create_order(crm, order_id=order_id, lines=(("Office chair", "2", "120.00"), ("Desk", "1", "260.00")))

        # 1. The order is submitted: Dataverse posts the event; it is queued, routed and invoiced.
        def push(body: dict[str, object]) -> None:
            response = requests.post(
                f"{stack.url}/api/dataverse/events",
                data=json.dumps(body).encode(),
                headers={"X-Webhook-Secret": SECRET, "Content-Type": "application/json"},
                timeout=10,
            )
            assert response.status_code == 202, response.text

        push(event)
        wait_until(lambda: _status(crm, key) is PaymentStatus.SENT, what="the invoice to be sent")
        row = payment_row(crm, key)
        invoice_id = row["smart_invoiceid"]
        assert sim.invoice(invoice_id).total == Decimal("500.00")
        assert row["_smart_orderid_value"] == order_id and row["smart_payerlink"]

        # 2. Dataverse retries the same event and a second update confirms it again: still one invoice.
        push(event)
        again = {**event, "OperationId": "2a3b4c5d-6e7f-ef11-8a69-000d3a4b5c6d"}
        push(again)
        wait_until(lambda: queues_idle(stack, "dataverse-events", "payments"), what="the events")
        assert [i["id"] for i in sim.state()["invoices"]] == [invoice_id]

        # 3. The payer pays: PayPal's signed webhooks land in the CRM.
        sim.pay_invoice(invoice_id)
        wait_until(lambda: _status(crm, key) is PaymentStatus.PAID, what="the payment")

        # 4. A partial refund whose webhooks never arrive; the reconcile timer catches it.
        sim.set_webhook_delivery(hold=True)
        sim.refund_invoice(invoice_id, Decimal("120.00"))
        assert stack.host is not None
        run = stack.host.fire_timer("reconcile_payments")
        wait_until(lambda: _status(crm, key) is PaymentStatus.PARTIALLY_REFUNDED, what="the reconcile")
        wait_until(lambda: any(i.id == run and i.outcome == "succeeded" for i in stack.host.invocations))  # type: ignore[union-attr]

        # 5. The invoice and the analytics as a manager sees them.
        got = http.get(f"{stack.url}/api/invoices/{invoice_id}", timeout=10).json()
        assert (got["state"], got["paid_amount"], got["refunded_amount"]) == (
            "partially_refunded",
            "500.00",
            "120.00",
        )
        analytics = http.get(f"{stack.url}/api/payments/analytics", timeout=10).json()
        (eur,) = analytics["currencies"]
        assert (eur["currency"], eur["invoices"], eur["invoiced"], eur["paid"], eur["refunded"]) == (
            "EUR",
            1,
            "500.00",
            "500.00",
            "120.00",
        )
        assert eur["median_hours_to_pay"] is not None


def _status(crm: object, key: str) -> PaymentStatus | None:
    try:
        return PaymentStatus.from_option_value(payment_row(crm, key)["smart_status"])  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - the row does not exist yet
        return None

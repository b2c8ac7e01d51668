"""Asynchronous paths through the local runtime: PayPal webhooks -> paypal-events queue -> payment rows,
and the payments queue (confirmed orders) -> invoices, failures ending as rows or dead letters."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from connectors.paypal import (
    BillingInfo,
    InvoiceDetail,
    InvoiceItem,
    InvoiceRequest,
    Money,
    PayPalClient,
    PayPalCredential,
    Recipient,
)
from dataverse import DataverseClient
from dataverse.schema import PaymentStatus
from functions.common.bus import OutboundMessage
from local_runtime.simulators.paypal import PayPalSimulator
from local_runtime.stack import LocalStack
from tests.functions.payments.support import (
    create_order,
    dataverse,
    payment_row,
    payment_rows,
    payments_stack,
    queues_idle,
    session,
    wait_until,
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with payments_stack(tmp_path_factory.mktemp("payments-flows")) as running:
        yield running


@pytest.fixture(scope="module")
def crm(stack: LocalStack) -> Iterator[DataverseClient]:
    with dataverse(stack) as client:
        yield client


@pytest.fixture
def sim(stack: LocalStack) -> Iterator[PayPalSimulator]:
    simulator: PayPalSimulator = stack.stand_ins["paypal"]
    yield simulator
    simulator.set_webhook_delivery()


def invoice(stack: LocalStack, amount: str = "300.00") -> tuple[str, str]:
    key = f"flow-{uuid.uuid4().hex[:12]}"
    body = {
        "idempotency_key": key,
        "currency": "EUR",
        "customer": {"email": "buyer@example.org"},
        "items": [{"name": "Consulting", "unit_amount": amount}],
    }
    response = session().post(f"{stack.url}/api/invoices", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return key, str(response.json()["invoice_id"])


def status_of(crm: DataverseClient, key: str) -> PaymentStatus:
    return PaymentStatus.from_option_value(payment_row(crm, key)["smart_status"])


def settle(stack: LocalStack) -> None:
    wait_until(lambda: queues_idle(stack, "paypal-events", "payments"), what="queues to drain")


def dead_letters(stack: LocalStack, queue: str) -> list[Any]:
    assert stack.queue is not None
    return list(stack.queue.list_dead_letters(queue))


def test_a_paid_webhook_lands_in_the_crm(
    stack: LocalStack, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    key, invoice_id = invoice(stack)
    sim.pay_invoice(invoice_id)
    wait_until(lambda: status_of(crm, key) is PaymentStatus.PAID, what="the payment to be paid")
    row = payment_row(crm, key)
    assert Decimal(str(row["smart_paidamount"])) == Decimal("300.00")
    assert row["smart_paidon"] and row["smart_lastsyncedon"]
    deliveries = [d for d in sim.deliveries if d["url"].endswith("/api/paypal/webhook")]
    assert deliveries and all(d["status"] == 200 for d in deliveries)


def test_a_partial_payment_is_partially_paid_until_the_rest_arrives(
    stack: LocalStack, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    key, invoice_id = invoice(stack, "100.00")
    sim.pay_invoice(invoice_id, Decimal("40.00"))
    wait_until(lambda: status_of(crm, key) is PaymentStatus.PARTIALLY_PAID, what="a partial payment")
    settle(stack)
    assert Decimal(str(payment_row(crm, key)["smart_paidamount"])) == Decimal("40.00")
    sim.pay_invoice(invoice_id)
    wait_until(lambda: status_of(crm, key) is PaymentStatus.PAID, what="the rest")
    settle(stack)
    assert Decimal(str(payment_row(crm, key)["smart_paidamount"])) == Decimal("100.00")


def test_duplicated_and_reversed_events_never_move_a_payment_backwards(
    stack: LocalStack, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    key, invoice_id = invoice(stack)
    sim.set_webhook_delivery(duplicates=2, hold=True)
    events = sim.pay_invoice(invoice_id) + sim.refund_invoice(invoice_id)
    assert payment_row(crm, key)["smart_status"] == PaymentStatus.SENT.option_value
    sim.flush_webhooks("reverse")  # refunds first, then the payment, each delivered three times
    settle(stack)
    row = payment_row(crm, key)
    assert row["smart_status"] == PaymentStatus.REFUNDED.option_value
    assert Decimal(str(row["smart_refundedamount"])) == Decimal("300.00")
    assert Decimal(str(row["smart_paidamount"])) == Decimal("300.00") and row["smart_paidon"]
    assert stack.host is not None
    applied = [i.detail["message_id"] for i in stack.host.invocations if i.function == "paypal_events"]
    for event in events:  # three deliveries, one message each: the queue dropped the duplicates
        assert applied.count(event.id) == 1
    assert dead_letters(stack, "paypal-events") == []


def test_a_forged_or_unsigned_webhook_is_401_and_changes_nothing(
    stack: LocalStack, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    key, invoice_id = invoice(stack)
    sim.set_webhook_delivery(hold=True)
    real = sim.pay_invoice(invoice_id)[0]
    assert stack.queue is not None
    before = stack.queue.counts("paypal-events")
    url = f"{stack.url}/api/paypal/webhook"
    forged = real.body.replace(invoice_id.encode(), b"INV2-SOMEONE-ELSE", 1)
    assert requests.post(url, data=forged, headers=real.headers, timeout=10).status_code == 401
    unsigned = requests.post(url, data=real.body, headers={"Content-Type": "application/json"}, timeout=10)
    assert unsigned.status_code == 401
    assert unsigned.headers["Content-Type"].startswith("application/problem+json")
    foreign = {**real.headers, "PAYPAL-CERT-URL": "https://evil.example.com/cert.pem"}
    assert requests.post(url, data=real.body, headers=foreign, timeout=10).status_code == 401
    assert stack.queue.counts("paypal-events") == before
    assert status_of(crm, key) is PaymentStatus.SENT
    genuine = requests.post(url, data=real.body, headers=real.headers, timeout=10)
    assert genuine.status_code == 200 and genuine.json()["event_id"] == real.id


def test_an_event_for_an_invoice_made_elsewhere_is_acknowledged_and_ignored(
    stack: LocalStack, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    rows_before = len(payment_rows(crm))
    with PayPalClient(sim.url, PayPalCredential(sim.client_id, sim.client_secret)) as client:
        request = InvoiceRequest(
            detail=InvoiceDetail(currency_code="EUR", reference="made-in-the-paypal-dashboard"),
            primary_recipients=[Recipient(billing_info=BillingInfo(email_address="someone@example.org"))],
            items=[InvoiceItem(name="Other", quantity=Decimal(1), unit_amount=Money.of("5.00", "EUR"))],
        )
        made = client.create_draft_invoice(request, f"elsewhere-{uuid.uuid4().hex}")
        client.send_invoice(made.id, f"elsewhere-send-{uuid.uuid4().hex}")
    sim.pay_invoice(made.id)
    settle(stack)
    assert len(payment_rows(crm)) == rows_before
    assert dead_letters(stack, "paypal-events") == []


def enqueue_order(stack: LocalStack, order_id: str, message_id: str | None = None) -> None:
    assert stack.queue is not None
    message = OutboundMessage.of_json({"order_id": order_id}, message_id=message_id or uuid.uuid4().hex)
    stack.queue.send("payments", message)


def test_a_confirmed_order_from_the_queue_is_invoiced_once_even_when_redelivered(
    stack: LocalStack, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    order_id = create_order(crm, freight="12.00")
    before = sim.invoice_count
    enqueue_order(stack, order_id)
    wait_until(
        lambda: any(r["smart_idempotencykey"] == f"order-{order_id}" for r in payment_rows(crm)), what="row"
    )
    settle(stack)
    enqueue_order(stack, order_id)  # a second event for the same order (different message id)
    settle(stack)
    row = payment_row(crm, f"order-{order_id}")
    assert row["smart_status"] == PaymentStatus.SENT.option_value
    assert Decimal(str(row["smart_amount"])) == Decimal("112.00")
    assert sim.invoice_count == before + 1


def test_an_order_paypal_cannot_invoice_ends_as_a_failed_payment_with_the_reason(
    stack: LocalStack, crm: DataverseClient
) -> None:
    order_id = create_order(crm, currency="UAH")
    enqueue_order(stack, order_id)
    wait_until(
        lambda: any(r["smart_idempotencykey"] == f"order-{order_id}" for r in payment_rows(crm)), what="row"
    )
    row = payment_row(crm, f"order-{order_id}")
    assert row["smart_status"] == PaymentStatus.FAILED.option_value
    assert "UAH" in row["smart_error"] and row["_smart_orderid_value"] == order_id
    settle(stack)
    assert dead_letters(stack, "payments") == []


def test_a_missing_order_or_a_malformed_message_is_dead_lettered_with_the_reason(stack: LocalStack) -> None:
    missing = str(uuid.uuid4())
    enqueue_order(stack, missing, message_id="missing-order")
    assert stack.queue is not None
    stack.queue.send("payments", OutboundMessage(b"{not json", message_id="malformed-order"))
    wait_until(lambda: len(dead_letters(stack, "payments")) >= 2, what="two dead letters")
    letters = dead_letters(stack, "payments")
    reasons = {letter.message_id: str(letter.dead_letter_reason) for letter in letters}
    assert "does not exist" in reasons["missing-order"]
    assert "malformed" in reasons["malformed-order"]

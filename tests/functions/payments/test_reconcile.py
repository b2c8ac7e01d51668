"""The reconcile timer catches missed webhooks with search pages (not one call per invoice) and writes
only the rows that changed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from connectors.paypal import PayPalClient, PayPalCredential
from dataverse import DataverseClient
from dataverse.schema import PaymentStatus
from functions.payments.reconcile import Reconciler
from functions.payments.repository import PaymentRepository
from local_runtime.simulators.paypal import PayPalSimulator
from local_runtime.stack import LocalStack
from tests.functions.payments.support import dataverse, payment_row, payments_stack, session, wait_until

SEARCH = "POST /v2/invoicing/search-invoices"
GET = "GET /v2/invoicing/invoices/{id}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with payments_stack(tmp_path_factory.mktemp("payments-reconcile")) as running:
        yield running


@pytest.fixture(scope="module")
def crm(stack: LocalStack) -> Iterator[DataverseClient]:
    with dataverse(stack) as client:
        yield client


@pytest.fixture(scope="module")
def sim(stack: LocalStack) -> PayPalSimulator:
    simulator: PayPalSimulator = stack.stand_ins["paypal"]
    return simulator


def make_invoices(stack: LocalStack, count: int) -> list[tuple[str, str]]:
    http = session()
    made = []
    for _ in range(count):
        key = f"rec-{uuid.uuid4().hex[:12]}"
        body = {
            "idempotency_key": key,
            "currency": "EUR",
            "customer": {"email": "buyer@example.org"},
            "items": [{"name": "Subscription", "unit_amount": "50.00"}],
        }
        response = http.post(f"{stack.url}/api/invoices", json=body, timeout=30)
        assert response.status_code == 201, response.text
        made.append((key, str(response.json()["invoice_id"])))
    return made


def run_timer(stack: LocalStack) -> None:
    assert stack.host is not None
    invocation_id = stack.host.fire_timer("reconcile_payments")

    def finished() -> bool:
        assert stack.host is not None
        done = [i for i in stack.host.invocations if i.id == invocation_id and i.outcome != "running"]
        if done:
            assert done[0].outcome == "succeeded", done[0].error
        return bool(done)

    wait_until(finished, what="the reconcile timer")


def status(crm: DataverseClient, key: str) -> PaymentStatus:
    return PaymentStatus.from_option_value(payment_row(crm, key)["smart_status"])


def test_missed_webhooks_are_caught_with_search_pages(
    stack: LocalStack, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    invoices = make_invoices(stack, 8)
    sim.set_webhook_delivery(hold=True)  # every webhook from here on is "lost"
    (paid_key, paid_id), (part_key, part_id), (cancel_key, cancel_id), (refund_key, refund_id) = invoices[:4]
    sim.pay_invoice(paid_id)
    sim.pay_invoice(part_id, Decimal("20.00"))
    sim.cancel_invoice(cancel_id)
    sim.pay_invoice(refund_id)
    sim.refund_invoice(refund_id, Decimal("10.00"))
    searches, gets = sim.counts[SEARCH], sim.counts[GET]

    run_timer(stack)

    assert sim.counts[SEARCH] - searches == 2 and sim.counts[GET] == gets  # one page of moved, one of refunds
    assert status(crm, paid_key) is PaymentStatus.PAID
    assert status(crm, part_key) is PaymentStatus.PARTIALLY_PAID
    assert status(crm, cancel_key) is PaymentStatus.CANCELLED
    assert status(crm, refund_key) is PaymentStatus.PARTIALLY_REFUNDED
    assert Decimal(str(payment_row(crm, refund_key)["smart_refundedamount"])) == Decimal("10.00")
    untouched = {key: payment_row(crm, key)["@odata.etag"] for key, _ in invoices[4:]}
    moved = {key: payment_row(crm, key)["@odata.etag"] for key, _ in invoices[:4]}

    run_timer(stack)  # nothing new: nothing written

    assert {key: payment_row(crm, key)["@odata.etag"] for key, _ in invoices[4:]} == untouched
    assert {key: payment_row(crm, key)["@odata.etag"] for key, _ in invoices[:4]} == moved
    sim.set_webhook_delivery(hold=False)
    sim.flush_webhooks()  # the lost webhooks turn up late: they change nothing either
    wait_until(lambda: stack.queue is not None and stack.queue.counts("paypal-events")["active"] == 0)


def test_search_pages_scale_with_the_invoices_that_moved(
    stack: LocalStack, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    invoices = make_invoices(stack, 12)
    sim.set_webhook_delivery(hold=True)
    try:
        for _, invoice_id in invoices[:7]:
            sim.pay_invoice(invoice_id)
        with PayPalClient(sim.url, PayPalCredential(sim.client_id, sim.client_secret)) as paypal:
            repository = PaymentRepository(crm)
            searches, gets = sim.counts[SEARCH], sim.counts[GET]
            report = Reconciler(paypal, repository, page_size=5, margin=timedelta(0)).run()
            # 7 moved invoices here (plus those moved in earlier tests) at 5 per page; nothing fetched singly
            assert report.paypal_calls == sim.counts[SEARCH] - searches
            assert sim.counts[GET] == gets
            assert report.changed == 7 and report.conflicts == 0
            assert report.paypal_calls <= -(-sim.invoice_count // 5)
            assert all(status(crm, key) is PaymentStatus.PAID for key, _ in invoices[:7])
    finally:
        sim.set_webhook_delivery(hold=False)
        sim.flush_webhooks()

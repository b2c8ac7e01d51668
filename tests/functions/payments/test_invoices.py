"""Invoice endpoints through the local runtime (real PayPal client -> simulator, real Dataverse client ->
emulator): create from an order or a body, retries without duplicates, get, cancel, remind, analytics."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from dataverse import DataverseClient
from dataverse.schema import PaymentStatus
from local_runtime.simulators.paypal import PayPalSimulator
from local_runtime.stack import LocalStack
from tests.functions.payments.support import (
    create_order,
    dataverse,
    payment_row,
    payment_rows,
    payments_stack,
    session,
    wait_until,
)

CREATE = "POST /v2/invoicing/invoices"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with payments_stack(tmp_path_factory.mktemp("payments-invoices")) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> requests.Session:
    return session()


@pytest.fixture(scope="module")
def crm(stack: LocalStack) -> Iterator[DataverseClient]:
    with dataverse(stack) as client:
        yield client


@pytest.fixture
def sim(stack: LocalStack) -> PayPalSimulator:
    simulator: PayPalSimulator = stack.stand_ins["paypal"]
    return simulator


def post(
    http: requests.Session, stack: LocalStack, path: str, body: Any = None, **kwargs: Any
) -> requests.Response:
    return http.post(f"{stack.url}/api/{path}", json=body, timeout=30, **kwargs)


def explicit(key: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "idempotency_key": key,
        "currency": "EUR",
        "customer": {"email": "buyer@example.org", "given_name": "Taras", "surname": "Shevchenko"},
        "items": [{"name": "Consulting", "quantity": "2", "unit_amount": "150.00"}],
    }
    body.update(fields)
    return body


def fields_of(response: requests.Response) -> list[str]:
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.text
    return [error["field"] for error in response.json().get("errors", [])]


def test_the_function_key_is_required(stack: LocalStack) -> None:
    response = requests.post(f"{stack.url}/api/invoices", json={"order_id": str(uuid.uuid4())}, timeout=10)
    assert response.status_code == 401


def test_invoicing_an_order_creates_sends_and_records_one_invoice(
    stack: LocalStack, http: requests.Session, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    order_id = create_order(crm)
    created = post(http, stack, "invoices", {"order_id": order_id})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "sent" and body["state"] == "awaiting_payment" and body["created"] is True
    assert (body["amount"], body["currency"], body["order_id"]) == ("100.00", "EUR", order_id)
    assert body["invoice_id"].startswith("INV2-") and body["invoice_number"] and body["payer_link"]
    invoice = sim.invoice(body["invoice_id"])
    assert (invoice.status, invoice.total) == ("SENT", Decimal("100.00"))
    assert invoice.body["detail"]["reference"] == f"order-{order_id}"
    row = payment_row(crm, f"order-{order_id}")
    assert row["smart_status"] == PaymentStatus.SENT.option_value
    assert (row["smart_invoiceid"], row["_smart_orderid_value"]) == (body["invoice_id"], order_id)
    assert Decimal(str(row["smart_amount"])) == Decimal("100.00")
    assert row["smart_payeremail"] == "olena.koval@example.com" and row["_smart_contactid_value"]

    creates = sim.counts[CREATE]
    again = post(http, stack, "invoices", {"order_id": order_id})
    assert again.status_code == 200
    assert again.json()["invoice_id"] == body["invoice_id"] and again.json()["created"] is False
    assert sim.counts[CREATE] == creates  # answered from the CRM: PayPal not even asked


def test_a_retry_after_paypal_accepted_and_timed_out_makes_no_second_invoice(
    stack: LocalStack, http: requests.Session, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    order_id = create_order(crm)
    before = sim.invoice_count
    # PayPal creates the invoice, then every answer (and every in-process retry's answer) is lost.
    sim.fail_next(503, count=4, path_prefix="/v2/invoicing/invoices", after_effect=True)
    lost = post(http, stack, "invoices", {"order_id": order_id})
    assert lost.status_code == 503 and lost.headers["Retry-After"]
    assert sim.invoice_count == before + 1
    assert payment_row(crm, f"order-{order_id}")["smart_invoiceid"] is None

    retried = post(http, stack, "invoices", {"order_id": order_id})
    assert retried.status_code in (200, 201), retried.text
    assert sim.invoice_count == before + 1  # adopted the invoice PayPal made, not a second one
    assert sim.invoice(retried.json()["invoice_id"]).status == "SENT"
    assert payment_row(crm, f"order-{order_id}")["smart_invoiceid"] == retried.json()["invoice_id"]


def test_uah_is_refused_with_422_naming_the_currency_before_any_paypal_call(
    stack: LocalStack, http: requests.Session, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    order_id = create_order(crm, currency="UAH")
    creates = sim.counts[CREATE]
    from_order = post(http, stack, "invoices", {"order_id": order_id})
    assert from_order.status_code == 422
    assert fields_of(from_order) == ["currency"] and "UAH" in from_order.json()["detail"]
    explicit_uah = post(http, stack, "invoices", explicit("uah-1", currency="UAH"))
    assert explicit_uah.status_code == 422 and fields_of(explicit_uah) == ["currency"]
    assert sim.counts[CREATE] == creates
    assert not [
        row for row in payment_rows(crm) if row["smart_idempotencykey"] in (f"order-{order_id}", "uah-1")
    ]


def test_an_explicit_invoice_is_keyed_by_its_idempotency_key(
    stack: LocalStack, http: requests.Session, sim: PayPalSimulator
) -> None:
    key = f"quote-{uuid.uuid4().hex[:12]}"
    first = post(http, stack, "invoices", explicit(key))
    assert first.status_code == 201, first.text
    assert (first.json()["amount"], first.json().get("order_id")) == ("300.00", None)
    second = post(http, stack, "invoices", explicit(key))
    assert (second.status_code, second.json()["invoice_id"]) == (200, first.json()["invoice_id"])


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({"order_id": "not-a-guid"}, 422, ["order_id"]),
        ({"order_id": str(uuid.uuid4()), "colour": "red"}, 422, ["colour"]),
        ({"currency": "EUR"}, 422, ["body"]),
        (explicit("bad-currency", currency="EURO"), 422, ["currency"]),
        (
            explicit("zero", items=[{"name": "x", "quantity": "0", "unit_amount": "1"}]),
            422,
            ["items[0].quantity"],
        ),
        (explicit("mail", customer={"email": "not-an-address"}), 422, ["customer.email"]),
        (
            explicit("yen", currency="JPY", items=[{"name": "Tea", "unit_amount": "150.50"}]),
            422,
            ["items[0].unit_amount"],
        ),
        ({"order_id": str(uuid.uuid4())}, 404, ["order_id"]),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(
    stack: LocalStack, http: requests.Session, body: dict[str, Any], status: int, fields: list[str]
) -> None:
    response = post(http, stack, "invoices", body)
    assert response.status_code == status, response.text
    assert fields_of(response) == fields


def test_malformed_json_is_400(stack: LocalStack, http: requests.Session) -> None:
    response = http.post(
        f"{stack.url}/api/invoices",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400


def test_paypal_refusing_the_invoice_is_422_and_leaves_a_failed_payment_that_a_retry_completes(
    stack: LocalStack, http: requests.Session, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    key = f"refused-{uuid.uuid4().hex[:12]}"
    sim.fail_next(422, count=1, path_prefix="/v2/invoicing/invoices")
    refused = post(http, stack, "invoices", explicit(key))
    assert refused.status_code == 422
    row = payment_row(crm, key)
    assert row["smart_status"] == PaymentStatus.FAILED.option_value and row["smart_error"]
    completed = post(http, stack, "invoices", explicit(key))
    assert completed.status_code == 201, completed.text
    assert payment_row(crm, key)["smart_status"] == PaymentStatus.SENT.option_value


def test_get_answers_paypal_state_and_brings_a_lagging_payment_up_to_date(
    stack: LocalStack, http: requests.Session, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    key = f"lagging-{uuid.uuid4().hex[:12]}"
    invoice_id = post(http, stack, "invoices", explicit(key)).json()["invoice_id"]
    sim.set_webhook_delivery(hold=True)  # the webhook is late
    try:
        sim.pay_invoice(invoice_id)
        assert payment_row(crm, key)["smart_status"] == PaymentStatus.SENT.option_value
        got = http.get(f"{stack.url}/api/invoices/{invoice_id}", timeout=10)
        assert got.status_code == 200
        assert (got.json()["status"], got.json()["paid_amount"]) == ("paid", "300.00")
        row = payment_row(crm, key)
        assert row["smart_status"] == PaymentStatus.PAID.option_value and row["smart_paidon"]
    finally:
        sim.set_webhook_delivery(hold=False)
        sim.flush_webhooks()
    etag = row["@odata.etag"]
    wait_until(
        lambda: stack.queue is not None and stack.queue.counts("paypal-events")["active"] == 0, what="queue"
    )
    wait_until(
        lambda: not [i for i in _invocations(stack, "paypal_events") if i["outcome"] == "running"],
        what="events",
    )
    assert payment_row(crm, key)["@odata.etag"] == etag  # the late webhooks had nothing to change


def _invocations(stack: LocalStack, function: str) -> list[dict[str, Any]]:
    assert stack.host is not None
    return [vars(i) for i in stack.host.invocations if i.function == function]


def test_get_of_an_unknown_or_malformed_invoice_id(stack: LocalStack, http: requests.Session) -> None:
    unknown = http.get(f"{stack.url}/api/invoices/INV2-NOPE-NOPE-NOPE-NOPE", timeout=10)
    assert unknown.status_code == 404
    malformed = http.get(f"{stack.url}/api/invoices/INV2_x.y", timeout=10)
    assert malformed.status_code == 422 and fields_of(malformed) == ["id"]


def test_cancel_records_the_cancellation_once_and_a_paid_invoice_cannot_be_cancelled(
    stack: LocalStack, http: requests.Session, crm: DataverseClient, sim: PayPalSimulator
) -> None:
    key = f"cancel-{uuid.uuid4().hex[:12]}"
    invoice_id = post(http, stack, "invoices", explicit(key)).json()["invoice_id"]
    cancelled = post(http, stack, f"invoices/{invoice_id}/cancel", {"note": "Order withdrawn"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert sim.invoice(invoice_id).status == "CANCELLED"
    assert payment_row(crm, key)["smart_status"] == PaymentStatus.CANCELLED.option_value
    assert post(http, stack, f"invoices/{invoice_id}/cancel").status_code == 200  # repeat: harmless

    paid_key = f"paid-{uuid.uuid4().hex[:12]}"
    paid_id = post(http, stack, "invoices", explicit(paid_key)).json()["invoice_id"]
    sim.pay_invoice(paid_id)
    conflict = post(http, stack, f"invoices/{paid_id}/cancel")
    assert conflict.status_code == 409, conflict.text
    assert sim.invoice(paid_id).status == "PAID"


def test_remind_sends_once_per_idempotency_key(
    stack: LocalStack, http: requests.Session, sim: PayPalSimulator
) -> None:
    invoice_id = post(http, stack, "invoices", explicit(f"remind-{uuid.uuid4().hex[:12]}")).json()[
        "invoice_id"
    ]
    for _ in range(2):
        reminded = post(
            http,
            stack,
            f"invoices/{invoice_id}/remind",
            {"note": "Kind reminder"},
            headers={"Idempotency-Key": "r-1"},
        )
        assert reminded.status_code == 200, reminded.text
    assert sim.invoice(invoice_id).reminders == 1
    assert (
        post(http, stack, f"invoices/{invoice_id}/remind", headers={"Idempotency-Key": "r-2"}).status_code
        == 200
    )
    assert sim.invoice(invoice_id).reminders == 2
    bad_key = post(http, stack, f"invoices/{invoice_id}/remind", headers={"Idempotency-Key": "no spaces"})
    assert bad_key.status_code == 422 and fields_of(bad_key) == ["Idempotency-Key"]
    post(http, stack, f"invoices/{invoice_id}/cancel")
    assert post(http, stack, f"invoices/{invoice_id}/remind").status_code == 409


def test_analytics_sums_by_currency_and_names_bad_dates(stack: LocalStack, http: requests.Session) -> None:
    post(http, stack, "invoices", explicit(f"usd-{uuid.uuid4().hex[:12]}", currency="USD"))
    report = http.get(f"{stack.url}/api/payments/analytics", timeout=10)
    assert report.status_code == 200, report.text
    by_currency = {entry["currency"]: entry for entry in report.json()["currencies"]}
    assert {"EUR", "USD"} <= set(by_currency)
    assert Decimal(by_currency["USD"]["invoiced"]) >= Decimal("300.00")
    assert Decimal(by_currency["EUR"]["paid"]) >= Decimal("300.00")
    assert by_currency["EUR"]["invoiced"].endswith(".00")
    backwards = http.get(
        f"{stack.url}/api/payments/analytics", params={"from": "2026-02-01", "to": "2026-01-01"}, timeout=10
    )
    assert backwards.status_code == 422 and fields_of(backwards) == ["from"]
    not_a_date = http.get(f"{stack.url}/api/payments/analytics", params={"to": "yesterday"}, timeout=10)
    assert not_a_date.status_code == 422 and fields_of(not_a_date) == ["to"]

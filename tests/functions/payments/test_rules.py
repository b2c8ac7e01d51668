"""Pure payment rules: statuses never move backwards, observations are idempotent, keys are stable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connectors.paypal import Capture, Invoice, Refund
from dataverse.schema import PaymentStatus
from functions.payments.rules import (
    MAX_REQUEST_ID,
    Observation,
    PaymentRecord,
    advance_status,
    changes_for,
    observe_capture,
    observe_invoice,
    observe_refund,
    order_key,
    request_id,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def record(status: PaymentStatus = PaymentStatus.SENT, **fields: object) -> PaymentRecord:
    values: dict[str, object] = {
        "amount": Decimal("100.00"),
        "currency": "EUR",
        "invoice_id": "INV2-AAAA",
        "invoice_number": "0042",
        "payer_link": "https://www.paypal.com/invoice/p/#INV2-AAAA",
    }
    values.update(fields)
    return PaymentRecord(row_id="row-1", key="order-1", status=status, **values)  # type: ignore[arg-type]


def invoice_body(status: str, paid: str | None = None, refunded: str | None = None) -> dict[str, object]:
    """Shaped like GET /v2/invoicing/invoices/{id}."""
    body: dict[str, object] = {
        "id": "INV2-AAAA",
        "status": status,
        "detail": {
            "currency_code": "EUR",
            "invoice_number": "0042",
            "reference": "order-1",
            "metadata": {"recipient_view_url": "https://www.paypal.com/invoice/p/#INV2-AAAA"},
        },
        "amount": {"currency_code": "EUR", "value": "100.00"},
    }
    if paid is not None:
        body["payments"] = {
            "paid_amount": {"currency_code": "EUR", "value": paid},
            "transactions": [{"payment_id": "7K123", "payment_date": "2026-11-20", "method": "PAYPAL"}],
        }
    if refunded is not None:
        body["refunds"] = {"refund_amount": {"currency_code": "EUR", "value": refunded}}
    return body


@pytest.mark.parametrize(
    ("current", "incoming", "kept"),
    [
        (PaymentStatus.SENT, PaymentStatus.PAID, PaymentStatus.PAID),
        (PaymentStatus.PAID, PaymentStatus.SENT, PaymentStatus.PAID),
        (PaymentStatus.REFUNDED, PaymentStatus.PAID, PaymentStatus.REFUNDED),
        (PaymentStatus.PAID, PaymentStatus.CANCELLED, PaymentStatus.PAID),
        (PaymentStatus.SENT, PaymentStatus.UNPAID, PaymentStatus.UNPAID),
        (PaymentStatus.UNPAID, PaymentStatus.SENT, PaymentStatus.UNPAID),
        (PaymentStatus.FAILED, PaymentStatus.SENT, PaymentStatus.SENT),
        (PaymentStatus.PAID, PaymentStatus.MARKED_AS_PAID, PaymentStatus.MARKED_AS_PAID),
        (PaymentStatus.PARTIALLY_PAID, PaymentStatus.PAYMENT_PENDING, PaymentStatus.PARTIALLY_PAID),
    ],
)
def test_a_status_only_ever_moves_forward(
    current: PaymentStatus, incoming: PaymentStatus, kept: PaymentStatus
) -> None:
    assert advance_status(current, incoming) is kept


def test_a_late_sent_after_paid_changes_nothing() -> None:
    paid = record(PaymentStatus.PAID, paid_amount=Decimal("100.00"), paid_on=NOW)
    assert changes_for(paid, observe_invoice(Invoice.model_validate(invoice_body("SENT"))), NOW) == {}


def test_applying_the_same_observation_twice_writes_once() -> None:
    seen = observe_invoice(Invoice.model_validate(invoice_body("PAID", paid="100.00")))
    first = changes_for(record(), seen, NOW)
    assert first["status"] is PaymentStatus.PAID
    assert first["paid_amount"] == Decimal("100.00")
    assert first["paid_on"] == datetime(2026, 11, 20, tzinfo=UTC)  # the payment's date, not "now"
    after = PaymentRecord(**{**record().__dict__, **first})
    assert changes_for(after, seen, NOW + timedelta(hours=1)) == {}


def test_amounts_paid_and_refunded_never_shrink() -> None:
    current = record(
        PaymentStatus.PARTIALLY_REFUNDED,
        paid_amount=Decimal("100"),
        refunded_amount=Decimal("40"),
        paid_on=NOW,
    )
    older = Observation(status=PaymentStatus.PAID, paid_amount=Decimal("60"), refunded_amount=Decimal("10"))
    assert changes_for(current, older, NOW) == {}


def test_paid_on_is_set_once_and_kept() -> None:
    first_paid = datetime(2026, 11, 1, tzinfo=UTC)
    current = record(PaymentStatus.PAID, paid_amount=Decimal("100"), paid_on=first_paid)
    refunded = observe_invoice(
        Invoice.model_validate(invoice_body("REFUNDED", paid="100.00", refunded="100.00"))
    )
    changes = changes_for(current, refunded, NOW)
    assert changes["status"] is PaymentStatus.REFUNDED
    assert "paid_on" not in changes


def test_nothing_changed_means_nothing_to_write_not_even_the_sync_time() -> None:
    assert changes_for(record(), Observation(status=PaymentStatus.SENT), NOW) == {}


def test_a_capture_for_part_of_the_invoice_is_a_partial_payment() -> None:
    capture = Capture.model_validate(
        {"id": "3C6", "status": "COMPLETED", "amount": {"currency_code": "EUR", "value": "30.00"}}
    )
    seen = observe_capture(capture, record(), when=NOW)
    assert seen.status is PaymentStatus.PARTIALLY_PAID
    whole = Capture.model_validate(
        {"id": "3C7", "status": "COMPLETED", "amount": {"currency_code": "EUR", "value": "100.00"}}
    )
    assert observe_capture(whole, record(), when=NOW).status is PaymentStatus.PAID


def test_a_declined_capture_leaves_the_invoice_payable_and_says_why() -> None:
    declined = Capture.model_validate({"id": "3C8", "status": "DECLINED"})
    changes = changes_for(record(), observe_capture(declined, record(), when=NOW), NOW)
    assert "status" not in changes
    assert "declined" in changes["error"]


def test_a_refund_event_is_a_lower_bound_completed_by_the_invoice() -> None:
    paid = record(PaymentStatus.PAID, paid_amount=Decimal("100"))
    partial = Refund.model_validate(
        {"id": "R1", "status": "COMPLETED", "amount": {"currency_code": "EUR", "value": "25.00"}}
    )
    assert observe_refund(partial, paid, reversed_=False).status is PaymentStatus.PARTIALLY_REFUNDED
    full = Refund.model_validate(
        {"id": "R2", "status": "COMPLETED", "amount": {"currency_code": "EUR", "value": "100.00"}}
    )
    assert observe_refund(full, paid, reversed_=False).status is PaymentStatus.REFUNDED
    assert observe_refund(partial, paid, reversed_=True).status is PaymentStatus.REFUNDED


def test_request_ids_are_stable_per_step_and_fit_paypal() -> None:
    key = order_key("6F1C2D3E-4B5A-4C6D-8E7F-9A0B1C2D3E4F")
    assert key == "order-6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
    assert request_id(key, "send") == request_id(key, "send") != request_id(key, "create")
    long_key = "k" * 100
    assert len(request_id(long_key, "create:0123456789abcdef")) <= MAX_REQUEST_ID
    assert request_id(long_key, "a") != request_id("j" * 100, "a")

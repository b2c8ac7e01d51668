"""Building the PayPal invoice from an order or a body: currency first, every bad field named."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from functions.common.problems import Problem
from functions.payments.drafts import Customer, InvoiceDefaults, OrderData, OrderLine, build_draft
from functions.payments.models import CreateInvoiceRequest

TODAY = date(2026, 11, 23)
ORDER_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"


def order(currency: str | None = "EUR", **fields: object) -> OrderData:
    values: dict[str, object] = {
        "order_id": ORDER_ID,
        "number": "ORD-01042-K7P2Q",
        "currency": currency,
        "customer": Customer("olena@example.com", "Olena", "Koval", contact_id="c-1"),
        "lines": [
            OrderLine("Widget", Decimal("2"), Decimal("10.50")),
            OrderLine("Gadget", Decimal("1"), Decimal("79")),
        ],
    }
    values.update(fields)
    return OrderData(**values)  # type: ignore[arg-type]


def problem_fields(problem: Problem) -> list[str]:
    return [error["field"] for error in problem.errors]


def test_an_order_becomes_an_invoice_keyed_by_the_order() -> None:
    draft = build_draft(
        CreateInvoiceRequest(order_id=ORDER_ID), order(freight=Decimal("5")), InvoiceDefaults(), TODAY
    )
    assert draft.key == f"order-{ORDER_ID}"
    assert draft.total == Decimal("105.00")  # 2 x 10.50 + 79 + 5 delivery
    wire = draft.request.to_wire()
    assert wire["detail"]["reference"] == draft.key
    assert wire["detail"]["payment_term"] == {"term_type": "DUE_ON_DATE_SPECIFIED", "due_date": "2026-12-07"}
    assert wire["items"][0] == {
        "name": "Widget",
        "quantity": "2",
        "unit_amount": {"currency_code": "EUR", "value": "10.50"},
    }
    assert wire["items"][-1]["name"] == "Delivery"
    assert wire["primary_recipients"][0]["billing_info"]["email_address"] == "olena@example.com"
    assert draft.contact_id == "c-1"


def test_uah_is_refused_naming_the_currency_before_anything_else() -> None:
    broken = order(currency="UAH", customer=None, lines=[])
    with pytest.raises(Problem) as caught:
        build_draft(CreateInvoiceRequest(order_id=ORDER_ID), broken, InvoiceDefaults(), TODAY)
    assert caught.value.status == 422
    assert problem_fields(caught.value) == ["currency"]
    assert "UAH" in caught.value.detail and "EUR" in caught.value.detail


def test_every_missing_piece_is_named_at_once() -> None:
    body = CreateInvoiceRequest(order_id=ORDER_ID, due_date=TODAY - timedelta(days=1))
    with pytest.raises(Problem) as caught:
        build_draft(body, order(customer=Customer(None), lines=[]), InvoiceDefaults(), TODAY)
    assert problem_fields(caught.value) == ["customer.email", "items", "due_date"]


def test_the_body_wins_over_the_order() -> None:
    body = CreateInvoiceRequest.model_validate(
        {
            "order_id": ORDER_ID,
            "currency": "usd",
            "customer": {"email": "buyer@example.org"},
            "items": [{"name": "Consulting", "quantity": "3", "unit_amount": "150.00"}],
            "due_date": "2026-12-31",
        }
    )
    draft = build_draft(body, order(), InvoiceDefaults(due_days=30), TODAY)
    assert (draft.currency, draft.total, draft.payer_email) == ("USD", Decimal("450.00"), "buyer@example.org")
    assert draft.due_date == date(2026, 12, 31)
    assert draft.order_id == ORDER_ID


def test_an_explicit_invoice_needs_its_own_key() -> None:
    with pytest.raises(ValueError, match="idempotency_key"):
        CreateInvoiceRequest.model_validate({"currency": "EUR", "items": [{"name": "x", "unit_amount": "1"}]})


def test_more_decimals_than_the_currency_allows_is_refused_not_rounded() -> None:
    yen = order(currency="JPY", lines=[OrderLine("Tea", Decimal("1"), Decimal("1200.50"))])
    with pytest.raises(Problem) as caught:
        build_draft(CreateInvoiceRequest(order_id=ORDER_ID), yen, InvoiceDefaults(), TODAY)
    assert problem_fields(caught.value) == ["order.lines[0].unit_amount"]
    whole = order(currency="JPY", lines=[OrderLine("Tea", Decimal("2"), Decimal("1200"))])
    draft = build_draft(CreateInvoiceRequest(order_id=ORDER_ID), whole, InvoiceDefaults(), TODAY)
    assert draft.request.to_wire()["items"][0]["unit_amount"] == {"currency_code": "JPY", "value": "1200"}


def test_the_invoicer_comes_from_settings() -> None:
    defaults = InvoiceDefaults(invoicer_business_name="SMART Shop", invoicer_email="billing@smart.example")
    draft = build_draft(CreateInvoiceRequest(order_id=ORDER_ID), order(), defaults, TODAY)
    assert draft.request.to_wire()["invoicer"] == {
        "business_name": "SMART Shop",
        "email_address": "billing@smart.example",
    }

"""Build the PayPal invoice for a request: from a CRM order, an explicit body, or both (the body wins).

Pure: the order has already been read. Every problem is collected and raised as one 422 naming the
fields; a currency PayPal does not accept (UAH among them) is refused first, before anything else is
looked at and before any PayPal call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from connectors.paypal import (
    SUPPORTED_CURRENCIES,
    BillingInfo,
    InvoiceDetail,
    InvoiceItem,
    Invoicer,
    InvoiceRequest,
    Money,
    PaymentTerm,
    PayPalError,
    PersonName,
    Recipient,
    minor_units,
)
from functions.common.problems import Problem
from functions.payments.models import CreateInvoiceRequest
from functions.payments.rules import is_valid_key, order_key

MAX_ITEM_NAME = 200


@dataclass(frozen=True)
class Customer:
    email: str | None
    given_name: str | None = None
    surname: str | None = None
    business_name: str | None = None
    contact_id: str | None = None


@dataclass(frozen=True)
class OrderLine:
    name: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class OrderData:
    """What an invoice needs from a ``salesorder`` and its ``salesorderdetail`` rows."""

    order_id: str
    number: str | None
    currency: str | None
    customer: Customer | None
    lines: list[OrderLine] = field(default_factory=list)
    freight: Decimal | None = None


@dataclass(frozen=True)
class InvoiceDefaults:
    due_days: int = 14
    invoicer_business_name: str | None = None
    invoicer_email: str | None = None


@dataclass(frozen=True)
class InvoiceDraft:
    key: str
    name: str
    order_id: str | None
    contact_id: str | None
    currency: str
    total: Decimal
    due_date: date
    payer_email: str
    request: InvoiceRequest


def unsupported_currency(currency: str, field_name: str = "currency") -> Problem:
    accepted = ", ".join(sorted(SUPPORTED_CURRENCIES))
    return Problem(
        422,
        f"PayPal does not accept {currency}; invoice in one of: {accepted}.",
        errors=[{"field": field_name, "message": f"{currency} is not a PayPal currency"}],
    )


def build_draft(
    body: CreateInvoiceRequest, order: OrderData | None, defaults: InvoiceDefaults, today: date
) -> InvoiceDraft:
    """The invoice to create; raises ``Problem(422)`` naming every field that is missing or wrong."""
    currency = (body.currency or (order.currency if order else None) or "").upper()
    if not currency:
        raise Problem(422, "The currency is unknown.", errors=[_error("currency", "is required")])
    if currency not in SUPPORTED_CURRENCIES:
        raise unsupported_currency(currency)
    errors: list[dict[str, str]] = []
    key = body.idempotency_key or (order_key(order.order_id) if order else "")
    if not key:
        errors.append(_error("idempotency_key", "is required when order_id is not given"))
    elif not is_valid_key(key):
        errors.append(_error("idempotency_key", "use 1-100 letters, digits, '.', '_', ':' or '-'"))
    customer = _customer(body, order)
    if customer is None or not customer.email:
        errors.append(_error("customer.email", "the payer's e-mail address is required"))
    items = _items(body, order, currency, errors)
    due = body.due_date or today + timedelta(days=defaults.due_days)
    if due < today:
        errors.append(_error("due_date", "must not be in the past"))
    if errors:
        raise Problem(
            422, "The invoice cannot be created: " + "; ".join(_text(e) for e in errors) + ".", errors=errors
        )
    assert customer is not None and customer.email
    invoicer = None
    if defaults.invoicer_business_name or defaults.invoicer_email:
        invoicer = Invoicer(
            business_name=defaults.invoicer_business_name, email_address=defaults.invoicer_email
        )
    reference = (order.number if order and order.number else None) or key
    request = InvoiceRequest(
        detail=InvoiceDetail(
            currency_code=currency,
            reference=key[:120],
            invoice_date=today,
            note=body.note,
            memo=body.memo or (f"Order {reference}" if order else None),
            payment_term=PaymentTerm(term_type="DUE_ON_DATE_SPECIFIED", due_date=due),
        ),
        invoicer=invoicer,
        primary_recipients=[Recipient(billing_info=_billing(customer))],
        items=items,
    )
    return InvoiceDraft(
        key=key,
        name=f"Invoice for {reference}"[:200],
        order_id=order.order_id if order else None,
        contact_id=customer.contact_id,
        currency=currency,
        total=request.total().value,
        due_date=due,
        payer_email=customer.email,
        request=request,
    )


def _error(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}


def _text(error: dict[str, str]) -> str:
    return f"{error['field']} {error['message']}"


def _customer(body: CreateInvoiceRequest, order: OrderData | None) -> Customer | None:
    if body.customer is not None:
        given = body.customer
        return Customer(given.email, given.given_name, given.surname, given.business_name)
    return order.customer if order else None


def _billing(customer: Customer) -> BillingInfo:
    name = None
    if customer.given_name or customer.surname:
        name = PersonName(given_name=customer.given_name, surname=customer.surname)
    return BillingInfo(email_address=customer.email, name=name, business_name=customer.business_name)


def _items(
    body: CreateInvoiceRequest, order: OrderData | None, currency: str, errors: list[dict[str, str]]
) -> list[InvoiceItem]:
    if body.items:
        lines = [
            (f"items[{i}]", item.name, item.quantity, item.unit_amount) for i, item in enumerate(body.items)
        ]
    elif order is not None:
        lines = [
            (f"order.lines[{i}]", line.name, line.quantity, line.unit_price)
            for i, line in enumerate(order.lines)
        ]
        if order.freight:
            lines.append(("order.freightamount", "Delivery", Decimal(1), order.freight))
    else:
        lines = []
    if not lines:
        errors.append(_error("items", "at least one item is required (the order has no lines)"))
        return []
    items: list[InvoiceItem] = []
    for path, name, quantity, price in lines:
        try:
            unit = Money.of(price, currency)
        except PayPalError:
            decimals = minor_units(currency)
            errors.append(
                _error(f"{path}.unit_amount", f"{price} has more than {decimals} decimals for {currency}")
            )
            continue
        if unit.value < 0:
            errors.append(_error(f"{path}.unit_amount", "must not be negative"))
            continue
        if quantity <= 0:
            errors.append(_error(f"{path}.quantity", "must be greater than 0"))
            continue
        items.append(InvoiceItem(name=(name or "Item")[:MAX_ITEM_NAME], quantity=quantity, unit_amount=unit))
    return items

"""Request and response models of the payments endpoints (they also build the connector's OpenAPI).

Money is Decimal end to end: amounts go out as exact strings with the currency's minor units
(``"120.50"``, JPY ``"1200"``) and come in as strings (preferred) or JSON numbers.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from connectors.paypal import PaymentState
from dataverse.schema import PaymentStatus

_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerInput(_Input):
    email: str = Field(
        title="Payer e-mail",
        description="Where PayPal sends the invoice.",
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        max_length=254,
        examples=["olena@example.com"],
    )
    given_name: str | None = Field(
        default=None, title="First name", max_length=140, description="Payer's first name."
    )
    surname: str | None = Field(
        default=None, title="Last name", max_length=140, description="Payer's last name."
    )
    business_name: str | None = Field(
        default=None, title="Company", max_length=300, description="Payer's company, if any."
    )


class ItemInput(_Input):
    name: str = Field(
        title="Item", min_length=1, max_length=200, description="What is sold.", examples=["Widget"]
    )
    quantity: Decimal = Field(
        default=Decimal(1), gt=0, title="Quantity", description="How many.", examples=["2"]
    )
    unit_amount: Decimal = Field(
        ge=0,
        title="Unit price",
        description="Price of one, in the invoice currency, with at most its minor units.",
        examples=["10.50"],
    )


class CreateInvoiceRequest(_Input):
    """Invoice a CRM order (``order_id``), or anything (``currency``, ``customer``, ``items`` and
    ``idempotency_key``); with both, the given fields win over what the order says."""

    order_id: uuid.UUID | None = Field(
        default=None,
        title="Order",
        description="Dataverse salesorder id: customer, lines and currency are read from it.",
        examples=["6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"],
    )
    idempotency_key: str | None = Field(
        default=None,
        title="Idempotency key",
        pattern=_KEY_PATTERN,
        description="Repeat-safe key; defaults to order-{order_id}. One invoice per key, ever.",
        examples=["order-6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"],
    )
    currency: str | None = Field(
        default=None,
        title="Currency",
        pattern=r"^[A-Za-z]{3}$",
        description="ISO 4217 code PayPal accepts (UAH is not one); defaults to the order's currency.",
        examples=["EUR"],
    )
    customer: CustomerInput | None = Field(
        default=None, title="Payer", description="Defaults to the order's customer."
    )
    items: list[ItemInput] | None = Field(
        default=None,
        title="Items",
        min_length=1,
        max_length=100,
        description="Defaults to the order's lines.",
    )
    due_date: date | None = Field(
        default=None, title="Due date", description="Defaults to today plus PAYPAL_INVOICE_DUE_DAYS."
    )
    note: str | None = Field(
        default=None, title="Note to payer", max_length=4000, description="Shown on the invoice."
    )
    memo: str | None = Field(
        default=None, title="Memo", max_length=500, description="Private note, not shown to the payer."
    )

    @model_validator(mode="after")
    def _order_or_key(self) -> CreateInvoiceRequest:
        if self.order_id is None and self.idempotency_key is None:
            raise ValueError("give order_id, or idempotency_key with currency, customer and items")
        return self


class InvoiceResult(BaseModel):
    payment_id: str | None = Field(
        default=None,
        title="Payment row",
        description="Dataverse smart_payment id (none: not made by this app).",
    )
    idempotency_key: str | None = Field(
        default=None, title="Idempotency key", description="The key the invoice was created under."
    )
    invoice_id: str | None = Field(
        default=None,
        title="Invoice id",
        description="PayPal invoice id.",
        examples=["INV2-Z56S-5LLA-Q52L-CPZ5"],
    )
    invoice_number: str | None = Field(
        default=None, title="Invoice number", description="PayPal invoice number."
    )
    status: PaymentStatus = Field(
        title="Status", description="PayPal invoice status, lower case.", examples=["sent"]
    )
    state: PaymentState = Field(
        title="Payment state",
        description="Neutral state: awaiting_payment, paid, refunded, ...",
        examples=["paid"],
    )
    amount: Decimal | None = Field(
        default=None, title="Amount", description="Invoice total.", examples=["120.50"]
    )
    currency: str | None = Field(
        default=None, title="Currency", description="ISO 4217 code.", examples=["EUR"]
    )
    paid_amount: Decimal | None = Field(default=None, title="Paid", description="Paid so far.")
    refunded_amount: Decimal | None = Field(default=None, title="Refunded", description="Refunded so far.")
    due_date: date | None = Field(default=None, title="Due date", description="Payment due.")
    payer_link: str | None = Field(default=None, title="Payer link", description="Where the payer pays.")
    order_id: str | None = Field(default=None, title="Order", description="The CRM order invoiced.")
    created: bool = Field(
        default=False, title="Created now", description="False when an earlier call made it."
    )


class InvoiceActionRequest(_Input):
    subject: str | None = Field(default=None, title="Subject", max_length=4000, description="E-mail subject.")
    note: str | None = Field(
        default=None, title="Note", max_length=4000, description="E-mail note to the payer."
    )
    send_to_recipient: bool = Field(
        default=True, title="E-mail the payer", description="PayPal e-mails the payer."
    )


class WebhookAccepted(BaseModel):
    status: str = Field(description="accepted: verified and queued.", examples=["accepted"])
    event_id: str = Field(description="PayPal event id.", examples=["WH-2WR32451HC0233532-67976317FL4543714"])
    event_type: str = Field(description="PayPal event type.", examples=["INVOICING.INVOICE.PAID"])


class AnalyticsQuery(_Input):
    from_: date | None = Field(
        default=None,
        alias="from",
        title="From",
        description="First day (UTC) of invoices counted; default 30 days ago.",
    )
    to: date | None = Field(
        default=None, title="To", description="Last day (UTC) counted, inclusive; default today."
    )

    # ``code`` (the function key) may ride along in the query string: unknown parameters are ignored.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_strip_whitespace=True)


class CurrencySummary(BaseModel):
    currency: str = Field(title="Currency", description="ISO 4217 code.", examples=["EUR"])
    invoices: int = Field(title="Invoices", description="Invoices raised in the period (not cancelled).")
    invoiced: Decimal = Field(title="Invoiced", description="Total of those invoices.", examples=["1200.00"])
    paid: Decimal = Field(title="Paid", description="Paid on those invoices.", examples=["900.00"])
    overdue: Decimal = Field(title="Overdue", description="Still due on open invoices past their due date.")
    refunded: Decimal = Field(title="Refunded", description="Refunded on those invoices.")
    cancelled: int = Field(title="Cancelled", description="Invoices cancelled.")
    median_hours_to_pay: float | None = Field(
        default=None, title="Median hours to pay", description="From invoice to payment, paid invoices only."
    )


class PaymentAnalytics(BaseModel):
    from_: date = Field(alias="from", title="From", description="First day counted.")
    to: date = Field(title="To", description="Last day counted.")
    invoices: int = Field(title="Invoices", description="Invoices raised in the period, all currencies.")
    median_hours_to_pay: float | None = Field(
        default=None, title="Median hours to pay", description="All currencies together."
    )
    currencies: list[CurrencySummary] = Field(title="By currency", description="One entry per currency.")

    model_config = ConfigDict(populate_by_name=True)


class ReconcileReport(BaseModel):
    open_invoices: int = Field(description="Open invoices looked at.")
    paypal_calls: int = Field(description="PayPal search pages read.")
    changed: int = Field(description="Payment rows written.")
    conflicts: int = Field(description="Rows changed by someone else meanwhile (left for the next run).")

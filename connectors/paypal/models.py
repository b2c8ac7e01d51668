"""Wire models for Invoicing v2 and Orders v2 (requests we send, responses we read).

Request models validate before anything is sent (currency, decimals, lengths, item currencies) and
serialise with ``to_wire()``; response models ignore fields they do not name, so a new PayPal field
never breaks parsing. Amounts are ``Money`` (Decimal inside, exact strings on the wire).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

from connectors.paypal.money import Money, check_currency, to_decimal
from connectors.paypal.states import PaymentState, state_from_capture_status, state_from_invoice_status


class InvoiceStatus(StrEnum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    SCHEDULED = "SCHEDULED"
    PAID = "PAID"
    MARKED_AS_PAID = "MARKED_AS_PAID"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    MARKED_AS_REFUNDED = "MARKED_AS_REFUNDED"
    UNPAID = "UNPAID"
    PAYMENT_PENDING = "PAYMENT_PENDING"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Link(_Response):
    href: str
    rel: str = ""
    method: str = "GET"


def find_link(links: list[Link], *rels: str) -> str | None:
    """The href of the first link whose rel is one of ``rels`` (never rely on array positions)."""
    for link in links:
        if link.rel in rels:
            return link.href
    return None


# --- Invoicing v2: request ------------------------------------------------------------------------


class PaymentTerm(_Request):
    term_type: str = "DUE_ON_RECEIPT"  # NET_10 ... NET_90, DUE_ON_DATE_SPECIFIED, NO_DUE_DATE
    due_date: date | None = None


class InvoiceDetail(_Request):
    currency_code: str
    invoice_number: str | None = Field(default=None, min_length=1, max_length=127)
    reference: str | None = Field(default=None, max_length=120)  # e.g. the CRM order number
    invoice_date: date | None = None
    note: str | None = Field(default=None, max_length=4000)
    memo: str | None = Field(default=None, max_length=500)
    payment_term: PaymentTerm | None = None

    @field_validator("currency_code", mode="before")
    @classmethod
    def _currency(cls, currency: object) -> str:
        return check_currency(currency if isinstance(currency, str) else "")


class PersonName(_Request):
    given_name: str | None = Field(default=None, max_length=140)
    surname: str | None = Field(default=None, max_length=140)


class Invoicer(_Request):
    business_name: str | None = Field(default=None, max_length=300)
    name: PersonName | None = None
    email_address: str | None = Field(default=None, max_length=254)
    website: str | None = None


class BillingInfo(_Request):
    business_name: str | None = Field(default=None, max_length=300)
    name: PersonName | None = None
    email_address: str | None = Field(default=None, max_length=254)
    language: str | None = None  # e.g. "uk-UA"


class Recipient(_Request):
    billing_info: BillingInfo


class InvoiceItem(_Request):
    name: str = Field(min_length=1, max_length=200)
    quantity: Decimal = Field(gt=0)
    unit_amount: Money
    description: str | None = Field(default=None, max_length=1000)
    unit_of_measure: str | None = None  # QUANTITY, HOURS, AMOUNT

    @field_validator("quantity", mode="before")
    @classmethod
    def _exact_quantity(cls, quantity: object) -> Decimal:
        if isinstance(quantity, Decimal | int | str) and not isinstance(quantity, bool):
            return to_decimal(quantity)
        raise ValueError("quantity must be Decimal, int or str")

    @field_serializer("quantity", when_used="json")
    def _quantity_text(self, quantity: Decimal) -> str:
        return f"{quantity.normalize():f}"


class InvoiceRequest(_Request):
    """Body of ``POST /v2/invoicing/invoices`` (a draft)."""

    detail: InvoiceDetail
    invoicer: Invoicer | None = None
    primary_recipients: list[Recipient] = Field(min_length=1, max_length=100)
    items: list[InvoiceItem] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one_currency(self) -> InvoiceRequest:
        for index, item in enumerate(self.items):
            if item.unit_amount.currency_code != self.detail.currency_code:
                raise ValueError(f"items[{index}].unit_amount currency differs from detail.currency_code")
        return self

    def total(self) -> Money:
        amount = sum((item.unit_amount.value * item.quantity for item in self.items), Decimal(0))
        return Money.of(amount, self.detail.currency_code)


# --- Invoicing v2: responses ----------------------------------------------------------------------


class InvoiceMetadata(_Response):
    create_time: datetime | None = None
    recipient_view_url: str | None = None
    invoicer_view_url: str | None = None


class InvoiceDetailView(_Response):
    currency_code: str
    invoice_number: str | None = None
    reference: str | None = None
    invoice_date: date | None = None
    metadata: InvoiceMetadata | None = None


class PaymentTransaction(_Response):
    payment_id: str | None = None
    payment_date: str | None = None
    method: str | None = None
    amount: Money | None = None


class InvoicePayments(_Response):
    paid_amount: Money | None = None
    transactions: list[PaymentTransaction] = []


class RefundTransaction(_Response):
    refund_id: str | None = None
    refund_date: str | None = None
    method: str | None = None
    amount: Money | None = None


class InvoiceRefunds(_Response):
    refund_amount: Money | None = None
    transactions: list[RefundTransaction] = []


class Invoice(_Response):
    """An invoice as ``GET /v2/invoicing/invoices/{id}`` (and the search and webhook bodies) show it."""

    id: str
    status: str
    detail: InvoiceDetailView
    amount: Money | None = None
    due_amount: Money | None = None
    payments: InvoicePayments | None = None
    refunds: InvoiceRefunds | None = None
    links: list[Link] = []

    @property
    def payment_state(self) -> PaymentState:
        return state_from_invoice_status(self.status)

    @property
    def payer_view_url(self) -> str | None:
        if self.detail.metadata and self.detail.metadata.recipient_view_url:
            return self.detail.metadata.recipient_view_url
        return find_link(self.links, "payer-view")


class DateRange(_Request):
    start: datetime | date
    end: datetime | date


class SearchCriteria(_Request):
    """Body of ``POST /v2/invoicing/search-invoices``; every field narrows the search."""

    status: list[InvoiceStatus] | None = None
    invoice_number: str | None = None
    reference: str | None = None
    recipient_email: str | None = None
    currency_code: str | None = None
    creation_date_range: DateRange | None = None
    payment_date_range: DateRange | None = None
    archived: bool | None = None

    @field_validator("currency_code", mode="before")
    @classmethod
    def _currency(cls, currency: object) -> str | None:
        return None if currency is None else check_currency(currency if isinstance(currency, str) else "")


class InvoicePage(_Response):
    items: list[Invoice] = []
    total_items: int | None = None
    total_pages: int | None = None
    links: list[Link] = []

    @property
    def next_url(self) -> str | None:
        return find_link(self.links, "next")


# --- Orders v2 ------------------------------------------------------------------------------------


class Capture(_Response):
    """A capture (``purchase_units[].payments.captures[]`` and the PAYMENT.CAPTURE.* webhook resource)."""

    id: str
    status: str
    amount: Money | None = None
    final_capture: bool | None = None
    custom_id: str | None = None
    invoice_id: str | None = None
    supplementary_data: dict[str, Any] = {}
    create_time: datetime | None = None
    links: list[Link] = []

    @property
    def payment_state(self) -> PaymentState:
        return state_from_capture_status(self.status)

    @property
    def order_id(self) -> str | None:
        related = self.supplementary_data.get("related_ids")
        value = related.get("order_id") if isinstance(related, dict) else None
        return value if isinstance(value, str) else None


class OrderPayments(_Response):
    captures: list[Capture] = []


class PurchaseUnit(_Response):
    reference_id: str | None = None
    custom_id: str | None = None
    invoice_id: str | None = None
    amount: Money | None = None
    payments: OrderPayments | None = None


class Order(_Response):
    id: str
    status: str  # CREATED, SAVED, APPROVED, VOIDED, COMPLETED, PAYER_ACTION_REQUIRED
    purchase_units: list[PurchaseUnit] = []
    links: list[Link] = []

    @property
    def captures(self) -> list[Capture]:
        return [c for unit in self.purchase_units if unit.payments for c in unit.payments.captures]

    @property
    def approve_url(self) -> str | None:
        """Where to send the payer: rel ``payer-action`` (experience_context flow) or ``approve``."""
        return find_link(self.links, "payer-action", "approve")


class ExperienceContext(_Request):
    brand_name: str | None = Field(default=None, max_length=127)
    locale: str | None = None
    user_action: str = "PAY_NOW"  # or CONTINUE
    shipping_preference: str = "NO_SHIPPING"  # or GET_FROM_FILE, SET_PROVIDED_ADDRESS
    return_url: str | None = None
    cancel_url: str | None = None


class PurchaseUnitRequest(_Request):
    reference_id: str = Field(min_length=1, max_length=256)
    amount: Money
    custom_id: str | None = Field(default=None, max_length=127)
    invoice_id: str | None = Field(default=None, max_length=127)
    description: str | None = Field(default=None, max_length=127)


class OrderRequest(_Request):
    """Body of ``POST /v2/checkout/orders``."""

    intent: str = "CAPTURE"
    purchase_units: list[PurchaseUnitRequest] = Field(min_length=1, max_length=10)
    payment_source: dict[str, dict[str, ExperienceContext]] | None = None

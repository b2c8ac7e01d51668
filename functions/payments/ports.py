"""The ports the payment use cases need: PayPal invoicing, the payment store, the order source."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from connectors.paypal import Invoice, InvoicePage, InvoiceRequest, Link, SearchCriteria
from functions.payments.drafts import InvoiceDraft, OrderData
from functions.payments.rules import PaymentRecord

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Invoicing(Protocol):
    """The part of ``connectors.paypal.PayPalClient`` the use cases call."""

    def create_draft_invoice(self, invoice: InvoiceRequest, request_id: str) -> Invoice: ...

    def send_invoice(
        self,
        invoice_id: str,
        request_id: str,
        *,
        send_to_recipient: bool = ...,
        send_to_invoicer: bool = ...,
        subject: str | None = ...,
        note: str | None = ...,
    ) -> Link | None: ...

    def get_invoice(self, invoice_id: str) -> Invoice: ...

    def search_invoices(
        self,
        criteria: SearchCriteria | None = ...,
        *,
        page: int = ...,
        page_size: int = ...,
        total_required: bool = ...,
    ) -> InvoicePage: ...

    def cancel_invoice(
        self,
        invoice_id: str,
        request_id: str,
        *,
        subject: str | None = ...,
        note: str | None = ...,
        send_to_recipient: bool = ...,
        send_to_invoicer: bool = ...,
    ) -> None: ...

    def remind_invoice(
        self,
        invoice_id: str,
        request_id: str,
        *,
        subject: str | None = ...,
        note: str | None = ...,
        send_to_recipient: bool = ...,
        send_to_invoicer: bool = ...,
    ) -> None: ...


class PaymentStore(Protocol):
    """Payments as records (``repository.PaymentRepository`` on Dataverse)."""

    def find_by_key(self, key: str) -> PaymentRecord | None: ...

    def find_by_invoice_id(self, invoice_id: str) -> PaymentRecord | None: ...

    def find_by_row_id(self, row_id: str) -> PaymentRecord | None: ...

    def find_by_invoice_number(self, number: str) -> PaymentRecord | None: ...

    def find_by_invoice_ids(self, invoice_ids: Sequence[str]) -> list[PaymentRecord]: ...

    def open_payments(self) -> list[PaymentRecord]: ...

    def created_between(self, start: datetime, end: datetime) -> list[PaymentRecord]: ...

    def create_pending(self, draft: InvoiceDraft) -> PaymentRecord: ...

    def record_failure(self, key: str, order_id: str | None, reason: str) -> None: ...

    def update(
        self, record: PaymentRecord, changes: Mapping[str, Any], *, check_etag: bool = ...
    ) -> None: ...

    def update_many(self, updates: Sequence[tuple[PaymentRecord, Mapping[str, Any]]]) -> tuple[int, int]: ...


class OrderSource(Protocol):
    def read_order(self, order_id: str) -> OrderData: ...

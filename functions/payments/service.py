"""Invoice use cases: create (from an order or a body), get, cancel, remind; invoice an order from the queue.

Creation is idempotent per key (``order-{order id}`` by default). The payment row is claimed first
with a create-only upsert on the key; PayPal's create carries ``PayPal-Request-Id`` derived from the
key and the payload, and a repeated attempt (retry, redelivery, second caller) first looks the
invoice up by its ``reference`` (= the key) so that an invoice PayPal made before a timeout is
adopted, not duplicated, even after PayPal forgot the request id.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from decimal import Decimal
from typing import Any

from connectors.paypal import SUPPORTED_CURRENCIES, Invoice, PayPalError, SearchCriteria, quantize
from dataverse import DuplicateRecordError, NotFoundError
from dataverse.schema import PaymentStatus
from functions.common.errors import PoisonMessageError
from functions.common.problems import Problem
from functions.payments.drafts import InvoiceDefaults, InvoiceDraft, build_draft
from functions.payments.errors import problem_from_paypal, provider_errors
from functions.payments.models import CreateInvoiceRequest, InvoiceActionRequest, InvoiceResult
from functions.payments.ports import Clock, Invoicing, OrderSource, PaymentStore, utc_now
from functions.payments.rules import (
    Observation,
    PaymentRecord,
    fingerprint,
    observe_invoice,
    order_key,
    request_id,
    state_of,
)
from functions.payments.sync import apply_observation

logger = logging.getLogger("smart.payments")

_INVOICE_ID = re.compile(r"^[A-Za-z0-9-]{1,50}$")
_UNFINISHED = (PaymentStatus.DRAFT, PaymentStatus.FAILED)


class InvoiceService:
    def __init__(
        self,
        paypal: Invoicing,
        store: PaymentStore,
        orders: OrderSource,
        defaults: InvoiceDefaults,
        *,
        send_to_recipient: bool = True,
        clock: Clock = utc_now,
    ) -> None:
        self._paypal = paypal
        self._store = store
        self._orders = orders
        self._defaults = defaults
        self._send_to_recipient = send_to_recipient
        self._clock = clock

    # ---- create ----------------------------------------------------------------------------------

    def create(self, body: CreateInvoiceRequest) -> InvoiceResult:
        """Create, send and record the invoice; a repeat answers the invoice made the first time."""
        with provider_errors():
            return self._create(body)

    def _create(self, body: CreateInvoiceRequest) -> InvoiceResult:
        key = body.idempotency_key or order_key(str(body.order_id))
        record = self._store.find_by_key(key)
        if record is not None and _finished(record):
            return result_of(record, created=False)
        order = None
        if body.order_id is not None:
            try:
                order = self._orders.read_order(str(body.order_id))
            except NotFoundError:
                raise Problem(
                    404,
                    f"There is no salesorder {body.order_id}.",
                    errors=[{"field": "order_id", "message": "no such order"}],
                ) from None
        draft = build_draft(body, order, self._defaults, self._clock().date())
        retried = record is not None
        if record is None:
            try:
                record = self._store.create_pending(draft)
            except DuplicateRecordError:  # a concurrent caller claimed the key first
                record = self._store.find_by_key(key)
                if record is None:
                    raise
                if _finished(record):
                    return result_of(record, created=False)
                retried = True
        try:
            invoice = self._find_or_create(record, draft, retried=retried)
            status, link = self._send(invoice, draft.key)
        except PayPalError as error:
            problem = problem_from_paypal(error)
            if problem.status in (409, 422):  # PayPal refused our data: a terminal, visible failure
                failed = {"status": PaymentStatus.FAILED, "error": failure_reason(problem)}
                self._store.update(record, failed, check_etag=False)
            raise problem from error
        changes: dict[str, Any] = {
            "invoice_id": invoice.id,
            "invoice_number": invoice.detail.invoice_number,
            "status": status,
            "amount": draft.total,
            "currency": draft.currency,
            "payer_link": link,
            "payer_email": draft.payer_email,
            "due_date": draft.due_date,
            "error": None,
            "last_synced_on": self._clock(),
        }
        self._store.update(record, changes, check_etag=False)
        logger.info("invoice %s (%s) created for payment %s", invoice.id, status.value, draft.key)
        return result_of(dataclasses.replace(record, **changes), created=True)

    def _find_or_create(self, record: PaymentRecord, draft: InvoiceDraft, *, retried: bool) -> Invoice:
        if record.invoice_id:
            return self._paypal.get_invoice(record.invoice_id)
        reference = draft.key[:120]
        if retried:
            page = self._paypal.search_invoices(
                SearchCriteria(reference=reference), page=1, page_size=20, total_required=False
            )
            for invoice in page.items:
                if invoice.detail.reference == reference:
                    logger.info(
                        "adopting invoice %s made by an earlier attempt for %s", invoice.id, draft.key
                    )
                    return invoice
        step = "create:" + fingerprint(draft.request.to_wire())
        return self._paypal.create_draft_invoice(draft.request, request_id(draft.key, step))

    def _send(self, invoice: Invoice, key: str) -> tuple[PaymentStatus, str | None]:
        if invoice.status != "DRAFT":
            return PaymentStatus.from_paypal(invoice.status), invoice.payer_view_url
        link = self._paypal.send_invoice(
            invoice.id, request_id(key, "send"), send_to_recipient=self._send_to_recipient
        )
        if link is None:  # 202: PayPal scheduled it for its invoice date
            return PaymentStatus.SCHEDULED, invoice.payer_view_url
        return PaymentStatus.SENT, invoice.payer_view_url or link.href

    def invoice_order(self, order_id: str) -> InvoiceResult | None:
        """Queue path: invoice a confirmed order. Bad data ends as a FAILED payment row with the reason;
        an order that does not exist is dead-lettered; an outage raises so the message comes back."""
        try:
            return self.create(CreateInvoiceRequest(order_id=uuid.UUID(order_id)))
        except Problem as problem:
            if problem.status >= 500:
                raise
            if problem.status == 404 and any(e.get("field") == "order_id" for e in problem.errors):
                raise PoisonMessageError(f"salesorder {order_id} does not exist") from problem
            reason = failure_reason(problem)
            key = order_key(order_id)
            with provider_errors():
                existing = self._store.find_by_key(key)
                if existing is not None and existing.invoice_id:
                    logger.warning(
                        "order %s already has invoice %s; not invoicing again", order_id, existing.invoice_id
                    )
                    return result_of(existing, created=False)
                if existing is None or existing.status != PaymentStatus.FAILED or existing.error != reason:
                    self._store.record_failure(key, order_id, reason)
            logger.warning("could not invoice order %s: %s", order_id, reason)
            return None

    # ---- one invoice -----------------------------------------------------------------------------

    def get(self, invoice_id: str) -> InvoiceResult:
        """PayPal's current view; the payment row is brought up to date when it lags behind."""
        _check_invoice_id(invoice_id)
        with provider_errors():
            invoice = self._paypal.get_invoice(invoice_id)
            record = self._store.find_by_invoice_id(invoice_id)
            if record is None:
                return result_of_invoice(invoice)
            record, _ = apply_observation(self._store, record, observe_invoice(invoice), self._clock())
            return result_of(record)

    def cancel(self, invoice_id: str, body: InvoiceActionRequest) -> InvoiceResult:
        _check_invoice_id(invoice_id)
        with provider_errors("Cancelling the invoice"):
            record = self._store.find_by_invoice_id(invoice_id)
            self._paypal.cancel_invoice(
                invoice_id,
                request_id(record.key if record else invoice_id, "cancel"),
                subject=body.subject,
                note=body.note,
                send_to_recipient=body.send_to_recipient,
            )
            if record is None:
                return result_of_invoice(self._paypal.get_invoice(invoice_id))
            seen = Observation(status=PaymentStatus.CANCELLED)
            record, _ = apply_observation(self._store, record, seen, self._clock())
            return result_of(record)

    def remind(
        self, invoice_id: str, body: InvoiceActionRequest, idempotency_key: str | None
    ) -> InvoiceResult:
        """Send a reminder. The same ``Idempotency-Key`` never reminds twice; without one, each call does."""
        _check_invoice_id(invoice_id)
        if idempotency_key is not None and not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", idempotency_key):
            raise Problem(
                422,
                "The Idempotency-Key header is malformed.",
                errors=[
                    {"field": "Idempotency-Key", "message": "use 1-64 letters, digits, '.', '_', ':' or '-'"}
                ],
            )
        step = f"remind:{idempotency_key or uuid.uuid4().hex}"
        with provider_errors("Reminding the payer"):
            self._paypal.remind_invoice(
                invoice_id,
                request_id(f"invoice-{invoice_id}", step),
                subject=body.subject,
                note=body.note,
                send_to_recipient=body.send_to_recipient,
            )
            record = self._store.find_by_invoice_id(invoice_id)
            if record is None:
                return result_of_invoice(self._paypal.get_invoice(invoice_id))
            return result_of(record)


def failure_reason(problem: Problem) -> str:
    """The text recorded on a FAILED payment: the detail and every field problem."""
    fields = (f"{error.get('field')}: {error.get('message')}" for error in problem.errors)
    return "; ".join([problem.detail, *fields])[:1000]


def _finished(record: PaymentRecord) -> bool:
    return bool(record.invoice_id) and record.status not in _UNFINISHED


def _check_invoice_id(invoice_id: str) -> None:
    if not _INVOICE_ID.match(invoice_id or ""):
        raise Problem(
            422,
            "That is not a PayPal invoice id.",
            errors=[
                {"field": "id", "message": "expected letters, digits and '-' (e.g. INV2-Z56S-5LLA-Q52L-CPZ5)"}
            ],
        )


def money_out(amount: Decimal | None, currency: str | None) -> Decimal | None:
    """An amount with exactly its currency's minor units (``21.0`` EUR -> ``21.00``)."""
    if amount is None or currency is None or currency.upper() not in SUPPORTED_CURRENCIES:
        return amount
    return quantize(amount, currency)


def result_of(record: PaymentRecord, *, created: bool = False) -> InvoiceResult:
    return InvoiceResult(
        payment_id=record.row_id,
        idempotency_key=record.key,
        invoice_id=record.invoice_id,
        invoice_number=record.invoice_number,
        status=record.status,
        state=state_of(record.status),
        amount=money_out(record.amount, record.currency),
        currency=record.currency,
        paid_amount=money_out(record.paid_amount, record.currency),
        refunded_amount=money_out(record.refunded_amount, record.currency),
        due_date=record.due_date,
        payer_link=record.payer_link,
        order_id=record.order_id,
        created=created,
    )


def result_of_invoice(invoice: Invoice) -> InvoiceResult:
    """A PayPal invoice the CRM has no payment row for (made outside this app)."""
    seen = observe_invoice(invoice)
    status = seen.status or PaymentStatus.DRAFT
    currency = invoice.detail.currency_code
    return InvoiceResult(
        payment_id=None,
        idempotency_key=None,
        invoice_id=invoice.id,
        invoice_number=seen.invoice_number,
        status=status,
        state=state_of(status),
        amount=money_out(seen.amount, currency),
        currency=currency,
        paid_amount=money_out(seen.paid_amount, currency),
        refunded_amount=money_out(seen.refunded_amount, currency),
        payer_link=seen.payer_link,
    )

"""Pure payment rules: the payment record, status order, and what an observation changes.

Every source of truth about an invoice (the create call, ``GET``, a webhook, the reconcile search) is
turned into an ``Observation``; ``changes_for`` compares it with the stored ``PaymentRecord`` and
returns only what must be written. Statuses only ever move forward (``advance_status``, built on
``connectors.paypal.PaymentState`` ranks), amounts paid and refunded never shrink, and the paid-on
time is set once. So a late, duplicated or out-of-order event, or a sync that read an older state,
changes nothing: applying an observation twice is the same as applying it once.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.paypal import Capture, Invoice, PaymentState, Refund, state_from_invoice_status
from dataverse.schema import PaymentStatus

# Statuses an invoice can still change from without our action (the reconcile set).
OPEN_STATUSES: tuple[PaymentStatus, ...] = (
    PaymentStatus.SCHEDULED,
    PaymentStatus.SENT,
    PaymentStatus.UNPAID,
    PaymentStatus.PAYMENT_PENDING,
    PaymentStatus.PARTIALLY_PAID,
)
PAID_STATES = frozenset({PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED})

# Within one neutral state, a later PayPal status outranks an earlier one (SENT -> UNPAID when due).
_SUB_RANK = {
    PaymentStatus.SENT: 1,
    PaymentStatus.UNPAID: 2,
    PaymentStatus.MARKED_AS_PAID: 1,
    PaymentStatus.MARKED_AS_REFUNDED: 1,
}
MAX_REQUEST_ID = 108
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")


def state_of(status: PaymentStatus) -> PaymentState:
    """The neutral state of a stored status; FAILED (no invoice was made) sits below DRAFT."""
    if status is PaymentStatus.FAILED:
        return PaymentState.DRAFT
    return state_from_invoice_status(status.value)


def status_rank(status: PaymentStatus) -> tuple[int, int]:
    if status is PaymentStatus.FAILED:
        return (-1, 0)
    return (state_of(status).rank(), _SUB_RANK.get(status, 0))


def advance_status(current: PaymentStatus, incoming: PaymentStatus) -> PaymentStatus:
    """The status to keep when ``incoming`` is observed while ``current`` is stored: never backwards."""
    return incoming if status_rank(incoming) > status_rank(current) else current


def is_valid_key(key: str) -> bool:
    return bool(_KEY.match(key))


def order_key(order_id: str) -> str:
    """The idempotency key of "invoice this order": one invoice per order, whoever asks."""
    return f"order-{order_id.lower()}"


def request_id(key: str, step: str) -> str:
    """``PayPal-Request-Id`` of one step (create, send, cancel, ...) of the payment with ``key``.

    Stable for the same (key, step), distinct otherwise; a key too long to fit PayPal's 108
    characters with its step is replaced by its SHA-256 prefix.
    """
    text = f"{key}:{step}"
    if len(text) <= MAX_REQUEST_ID:
        return text
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"{digest}:{step}"[:MAX_REQUEST_ID]


def fingerprint(payload: Any) -> str:
    """A short stable digest of a JSON-able payload (same payload, same digest)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PaymentRecord:
    """A ``smart_payment`` row as the use cases see it."""

    row_id: str
    key: str
    status: PaymentStatus
    etag: str | None = None
    invoice_id: str | None = None
    invoice_number: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    paid_amount: Decimal | None = None
    refunded_amount: Decimal | None = None
    payer_link: str | None = None
    payer_email: str | None = None
    due_date: date | None = None
    paid_on: datetime | None = None
    last_synced_on: datetime | None = None
    error: str | None = None
    order_id: str | None = None
    created_on: datetime | None = None

    @property
    def state(self) -> PaymentState:
        return state_of(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Observation:
    """What one source says about an invoice. Amounts are totals (or lower bounds), never increments."""

    status: PaymentStatus | None = None
    amount: Decimal | None = None
    paid_amount: Decimal | None = None
    refunded_amount: Decimal | None = None
    paid_on: datetime | None = None
    invoice_number: str | None = None
    payer_link: str | None = None
    error: str | None = None


def changes_for(record: PaymentRecord, seen: Observation, now: datetime) -> dict[str, Any]:
    """Fields of ``record`` to write for ``seen`` (empty: nothing changed, write nothing)."""
    changes: dict[str, Any] = {}
    status = record.status
    if seen.status is not None:
        status = advance_status(record.status, seen.status)
        if status != record.status:
            changes["status"] = status
    if seen.amount is not None and record.amount is None:
        changes["amount"] = seen.amount
    paid = seen.paid_amount
    if paid is None and status in (PaymentStatus.PAID, PaymentStatus.MARKED_AS_PAID):
        paid = seen.amount if seen.amount is not None else record.amount
    if paid is not None and (record.paid_amount is None or paid > record.paid_amount):
        changes["paid_amount"] = paid
    refunded = seen.refunded_amount
    if refunded is not None and (record.refunded_amount is None or refunded > record.refunded_amount):
        changes["refunded_amount"] = refunded
    if state_of(status) in PAID_STATES and record.paid_on is None:
        changes["paid_on"] = seen.paid_on or now
    for name in ("invoice_number", "payer_link"):
        value = getattr(seen, name)
        if value and getattr(record, name) != value:
            changes[name] = value
    if seen.error and seen.error != record.error:
        changes["error"] = seen.error
    if changes:
        changes["last_synced_on"] = now
    return changes


def observe_invoice(invoice: Invoice, *, paid_on: datetime | None = None) -> Observation:
    """An invoice as PayPal shows it (GET, search page, INVOICING.INVOICE.* webhook)."""
    payments = invoice.payments
    refunds = invoice.refunds
    if paid_on is None and payments is not None and payments.transactions:
        paid_on = _payment_date(payments.transactions[-1].payment_date)
    return Observation(
        status=PaymentStatus.from_paypal(invoice.status),
        amount=invoice.amount.value if invoice.amount is not None else None,
        paid_amount=payments.paid_amount.value if payments and payments.paid_amount else None,
        refunded_amount=refunds.refund_amount.value if refunds and refunds.refund_amount else None,
        paid_on=paid_on,
        invoice_number=invoice.detail.invoice_number,
        payer_link=invoice.payer_view_url,
    )


def observe_capture(capture: Capture, record: PaymentRecord, *, when: datetime) -> Observation:
    """PAYMENT.CAPTURE.COMPLETED / PENDING / DENIED / DECLINED for an invoice's payment.

    A capture can pay part of an invoice, so COMPLETED means PAID only when it covers the total.
    A declined capture leaves the invoice payable: no status change, the reason is recorded.
    """
    status = capture.status.upper()
    amount = capture.amount.value if capture.amount is not None else None
    if status == "COMPLETED":
        whole = amount is None or record.amount is None or amount >= record.amount
        return Observation(
            status=PaymentStatus.PAID if whole else PaymentStatus.PARTIALLY_PAID,
            paid_amount=amount,
            paid_on=capture.create_time or when,
        )
    if status == "PENDING":
        return Observation(status=PaymentStatus.PAYMENT_PENDING)
    if status in ("DECLINED", "DENIED", "FAILED"):
        return Observation(
            error=f"PayPal declined a payment (capture {capture.id}); the invoice stays payable."
        )
    if status in ("REFUNDED", "PARTIALLY_REFUNDED"):
        full = status == "REFUNDED"
        return Observation(status=PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED)
    return Observation()


def observe_refund(refund: Refund, record: PaymentRecord, *, reversed_: bool) -> Observation:
    """PAYMENT.CAPTURE.REFUNDED / REVERSED: a lower bound the invoice event or the sync completes."""
    amount = refund.amount.value if refund.amount is not None else None
    paid = record.paid_amount if record.paid_amount is not None else record.amount
    full = reversed_ or (amount is not None and paid is not None and amount >= paid)
    return Observation(
        status=PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED,
        refunded_amount=amount,
    )


def _payment_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

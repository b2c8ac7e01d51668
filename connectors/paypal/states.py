"""Neutral payment states for the CRM, mapped from PayPal invoice and capture statuses.

Webhooks arrive late, twice or out of order, and the status sync timer may read an older state than
a webhook already delivered. Each state has a rank; ``PaymentState.advance`` only ever moves forward,
so a late ``SENT`` can never overwrite ``PAID``.
"""

from __future__ import annotations

from enum import StrEnum

from connectors.paypal.errors import UnknownStatusError


class PaymentState(StrEnum):
    DRAFT = "draft"
    AWAITING_PAYMENT = "awaiting_payment"
    PAYMENT_PENDING = "payment_pending"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"

    def rank(self) -> int:
        return _RANK[self]

    @property
    def is_final(self) -> bool:
        """No further change expected in the normal life cycle (a payment can still beat CANCELLED)."""
        return self in (PaymentState.CANCELLED, PaymentState.REFUNDED)

    @property
    def is_paid(self) -> bool:
        return self in (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED)

    def advance(self, incoming: PaymentState) -> PaymentState:
        """The state to keep when ``incoming`` arrives while ``self`` is recorded: never backwards."""
        return incoming if incoming.rank() > self.rank() else self


# Money that arrived outranks a cancellation; refunds outrank payments. FAILED (a declined capture)
# sits above PENDING because a pending capture can later be declined, and below PAID because the
# payer can try again.
_RANK: dict[PaymentState, int] = {
    PaymentState.DRAFT: 0,
    PaymentState.AWAITING_PAYMENT: 10,
    PaymentState.PAYMENT_PENDING: 20,
    PaymentState.FAILED: 25,
    PaymentState.CANCELLED: 30,
    PaymentState.PARTIALLY_PAID: 40,
    PaymentState.PAID: 50,
    PaymentState.PARTIALLY_REFUNDED: 60,
    PaymentState.REFUNDED: 70,
}

_INVOICE_STATUS: dict[str, PaymentState] = {
    "DRAFT": PaymentState.DRAFT,
    "SENT": PaymentState.AWAITING_PAYMENT,
    "SCHEDULED": PaymentState.AWAITING_PAYMENT,
    "UNPAID": PaymentState.AWAITING_PAYMENT,
    "PAYMENT_PENDING": PaymentState.PAYMENT_PENDING,
    "PARTIALLY_PAID": PaymentState.PARTIALLY_PAID,
    "PAID": PaymentState.PAID,
    "MARKED_AS_PAID": PaymentState.PAID,
    "CANCELLED": PaymentState.CANCELLED,
    "PARTIALLY_REFUNDED": PaymentState.PARTIALLY_REFUNDED,
    "REFUNDED": PaymentState.REFUNDED,
    "MARKED_AS_REFUNDED": PaymentState.REFUNDED,
}

_CAPTURE_STATUS: dict[str, PaymentState] = {
    "PENDING": PaymentState.PAYMENT_PENDING,
    "COMPLETED": PaymentState.PAID,
    "DECLINED": PaymentState.FAILED,
    "FAILED": PaymentState.FAILED,
    "PARTIALLY_REFUNDED": PaymentState.PARTIALLY_REFUNDED,
    "REFUNDED": PaymentState.REFUNDED,
}


def state_from_invoice_status(status: str) -> PaymentState:
    try:
        return _INVOICE_STATUS[status.upper()]
    except KeyError:
        raise UnknownStatusError(f"unknown PayPal invoice status {status!r}") from None


def state_from_capture_status(status: str) -> PaymentState:
    try:
        return _CAPTURE_STATUS[status.upper()]
    except KeyError:
        raise UnknownStatusError(f"unknown PayPal capture status {status!r}") from None

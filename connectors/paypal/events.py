"""Parse a (verified) webhook body into a ``WebhookEvent`` with typed views of its resource.

Handlers must be idempotent on ``event.id`` (duplicates happen) and must not move a payment
backwards (out-of-order delivery happens): combine ``event.payment_state()`` with
``PaymentState.advance``.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from connectors.paypal.errors import PayPalError
from connectors.paypal.models import Capture, Invoice, Link, find_link
from connectors.paypal.money import Money
from connectors.paypal.states import PaymentState

_M = TypeVar("_M", bound=BaseModel)


class EventType(StrEnum):
    INVOICE_PAID = "INVOICING.INVOICE.PAID"
    INVOICE_CANCELLED = "INVOICING.INVOICE.CANCELLED"
    INVOICE_REFUNDED = "INVOICING.INVOICE.REFUNDED"
    CAPTURE_COMPLETED = "PAYMENT.CAPTURE.COMPLETED"
    CAPTURE_PENDING = "PAYMENT.CAPTURE.PENDING"
    CAPTURE_DENIED = "PAYMENT.CAPTURE.DENIED"
    CAPTURE_DECLINED = "PAYMENT.CAPTURE.DECLINED"
    CAPTURE_REFUNDED = "PAYMENT.CAPTURE.REFUNDED"
    CAPTURE_REVERSED = "PAYMENT.CAPTURE.REVERSED"
    ORDER_APPROVED = "CHECKOUT.ORDER.APPROVED"
    ORDER_COMPLETED = "CHECKOUT.ORDER.COMPLETED"


class WebhookEventError(PayPalError):
    """The body is not a PayPal event, or the resource is not what the event type promises."""


class Refund(BaseModel):
    """The resource of PAYMENT.CAPTURE.REFUNDED / REVERSED: a refund, linked ``up`` to its capture."""

    model_config = ConfigDict(extra="ignore")

    id: str
    status: str
    amount: Money | None = None
    custom_id: str | None = None
    invoice_id: str | None = None
    links: list[Link] = []

    @property
    def capture_id(self) -> str | None:
        href = find_link(self.links, "up")
        return href.rstrip("/").rsplit("/", 1)[-1] if href and "/captures/" in href else None


_CAPTURE_EVENT_STATE = {
    EventType.CAPTURE_COMPLETED: PaymentState.PAID,
    EventType.CAPTURE_PENDING: PaymentState.PAYMENT_PENDING,
    EventType.CAPTURE_DENIED: PaymentState.FAILED,
    EventType.CAPTURE_DECLINED: PaymentState.FAILED,
    # A refund resource does not say whether the whole capture went back: a lower bound that the
    # invoice event or the capture status (sync) raises to REFUNDED.
    EventType.CAPTURE_REFUNDED: PaymentState.PARTIALLY_REFUNDED,
    EventType.CAPTURE_REVERSED: PaymentState.REFUNDED,
}


class WebhookEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    event_type: str
    resource_type: str | None = None
    resource: dict[str, Any]
    create_time: datetime
    summary: str | None = None
    event_version: str | None = None
    resource_version: str | None = None

    @property
    def is_invoice_event(self) -> bool:
        return self.event_type.startswith("INVOICING.INVOICE.")

    @property
    def is_capture_event(self) -> bool:
        return self.event_type.startswith("PAYMENT.CAPTURE.")

    def invoice(self) -> Invoice:
        """The invoice of an INVOICING.INVOICE.* event (PayPal nests it under ``resource.invoice``)."""
        if not self.is_invoice_event:
            raise WebhookEventError(f"{self.event_type} is not an invoice event")
        nested = self.resource.get("invoice")
        return self._view(Invoice, nested if isinstance(nested, dict) else self.resource)

    def capture(self) -> Capture:
        """The capture of PAYMENT.CAPTURE.COMPLETED / PENDING / DENIED / DECLINED."""
        if self.event_type not in _CAPTURE_EVENT_STATE or self.is_refund_event:
            raise WebhookEventError(f"{self.event_type} does not carry a capture")
        return self._view(Capture, self.resource)

    @property
    def is_refund_event(self) -> bool:
        return self.event_type in (EventType.CAPTURE_REFUNDED, EventType.CAPTURE_REVERSED)

    def refund(self) -> Refund:
        if not self.is_refund_event:
            raise WebhookEventError(f"{self.event_type} does not carry a refund")
        return self._view(Refund, self.resource)

    def payment_state(self) -> PaymentState:
        """The neutral state this event reports (the invoice's own status for invoice events)."""
        if self.is_invoice_event:
            return self.invoice().payment_state
        if self.event_type in (EventType.CAPTURE_COMPLETED, EventType.CAPTURE_PENDING):
            return self.capture().payment_state
        try:
            return _CAPTURE_EVENT_STATE[EventType(self.event_type)]
        except (KeyError, ValueError):
            raise WebhookEventError(f"{self.event_type} does not report a payment state") from None

    @staticmethod
    def _view(model: type[_M], data: dict[str, Any]) -> _M:
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise WebhookEventError(f"resource is not a valid {model.__name__}") from error


def parse_event(raw_body: bytes) -> WebhookEvent:
    """Parse the raw body (after verification); raise ``WebhookEventError`` when it is not an event."""
    try:
        data = json.loads(raw_body)
        return WebhookEvent.model_validate(data)
    except (ValueError, ValidationError, RecursionError) as error:  # RecursionError: nested too deep
        raise WebhookEventError("body is not a PayPal webhook event") from error

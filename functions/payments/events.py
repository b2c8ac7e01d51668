"""Dataverse order events -> the ``payments`` queue: a confirmed order gets a PayPal invoice.

``register_event_handlers`` is wired into the event intake (functions/events). A ``salesorder``
Create in a confirmed state, or an Update that moves it into one (``PAYPAL_INVOICE_ORDER_STATES``,
statecode 1 = Submitted by default), enqueues ``{"order_id": ...}`` with the order's idempotency key
as message id; the queue handler creates the invoice (``InvoiceService.invoice_order``), which is
itself idempotent per order, so a redelivered event never makes a second invoice.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable

from pydantic import BaseModel, ValidationError

from dataverse.events import DataverseEvent, EventRouter, OptionSetValue
from functions.common.bus import MessageBus, OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.common.ports import get_bus
from functions.common.queues import PAYMENTS
from functions.payments.rules import order_key
from functions.payments.wiring import get_settings

logger = logging.getLogger("smart.payments.events")

ORDER_TABLE = "salesorder"


class OrderMessage(BaseModel):
    """Body of a ``payments`` queue message."""

    order_id: uuid.UUID


def register_event_handlers(router: EventRouter) -> None:
    router.register(ORDER_TABLE, "Create", on_order_event)
    router.register(ORDER_TABLE, "Update", on_order_event)


def on_order_event(event: DataverseEvent) -> bool:
    """Queue an invoice when the order is (now) confirmed; returns whether it did."""
    if not order_confirmed(event, get_settings().invoice_order_states):
        return False
    enqueue_invoice(str(event.record_id), get_bus(), correlation_id=_text(event.correlation_id))
    return True


def order_confirmed(event: DataverseEvent, confirmed_states: Iterable[int]) -> bool:
    """Created confirmed, or updated with a state or status change that leaves it confirmed."""
    if event.message.lower() == "update" and not (event.changed("statecode") or event.changed("statuscode")):
        return False
    state = event.value("statecode")
    value = state.value if isinstance(state, OptionSetValue) else state
    return isinstance(value, int) and not isinstance(value, bool) and value in set(confirmed_states)


def enqueue_invoice(order_id: str, bus: MessageBus, *, correlation_id: str | None = None) -> None:
    key = order_key(order_id)
    message = OutboundMessage.of_json(
        {"order_id": order_id},
        message_id=f"invoice:{key}",
        correlation_id=correlation_id,
        subject="invoice-order",
    )
    bus.send(PAYMENTS.name, message)
    logger.info("queued an invoice for order %s", order_id)


def parse_order_message(body: bytes) -> str:
    """The order id of a ``payments`` message; a malformed one is dead-lettered with the reason."""
    try:
        return str(OrderMessage.model_validate(json.loads(body)).order_id)
    except (ValueError, ValidationError) as error:
        raise PoisonMessageError(f"malformed payments message: {error}") from error


def _text(value: object) -> str | None:
    return None if value is None else str(value)

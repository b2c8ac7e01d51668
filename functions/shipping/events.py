"""Dataverse events for shipping: an order moved to a "ship" status -> queue its primary waybill.

The statuses are ``SHIPPING_SHIP_ON_STATUSCODES`` (salesorder ``statuscode`` values, default 3,
"In Progress"). The queue message is deduplicated on order and sequence, and creation is idempotent on
the shipment's alternate key, so a redelivered event never makes a second waybill.
"""

from __future__ import annotations

import logging
from typing import Any

from dataverse.events import DataverseEvent, EventRouter
from functions.common.ports import get_bus
from functions.common.queues import SHIPMENTS
from functions.shipping.jobs import create_message
from functions.shipping.wiring import get_settings

_logger = logging.getLogger("smart.shipping")


def register_event_handlers(router: EventRouter) -> None:
    router.register("salesorder", "Create", on_order_changed)
    router.register("salesorder", "Update", on_order_changed)


def on_order_changed(event: DataverseEvent) -> None:
    status = option_value(event.value("statuscode"))
    if status is None or status not in get_settings().ship_on_statuscodes:
        return
    if event.message.lower() == "update" and not event.changed("statuscode"):
        return
    correlation = str(event.correlation_id) if event.correlation_id else None
    get_bus().send(SHIPMENTS.name, create_message(event.record_id, 1, correlation))
    _logger.info("order %s reached status %s: waybill queued", event.record_id, status)


def option_value(value: Any) -> int | None:
    """An option set value as the event carries it: an OptionSetValue, a dict or a bare int."""
    raw = getattr(value, "value", value)
    if isinstance(raw, dict):
        raw = raw.get("Value", raw.get("value"))
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None

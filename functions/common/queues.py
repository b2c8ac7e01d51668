"""Every queue the app binds, with the Service Bus properties it needs. One list, read by the
local runtime (to create its queues), by the Bicep consistency test and by the CLI."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueueSpec:
    """Queue properties as Service Bus names them (seconds instead of ISO 8601 durations)."""

    name: str
    lock_duration: float = 60.0
    max_delivery_count: int = 10
    duplicate_detection_window: float = 600.0
    default_time_to_live: float = 14 * 24 * 3600.0
    dead_letter_on_expiration: bool = True
    description: str = ""


DATAVERSE_EVENTS = QueueSpec(
    "dataverse-events",
    max_delivery_count=5,
    description="Dataverse service endpoint (JSON RemoteExecutionContext) -> event router.",
)

MESSAGES_OUTBOUND = QueueSpec(
    "messages-outbound",
    description="One message each: send through GMS, record the provider id.",
)
MESSAGE_BATCHES = QueueSpec(
    "message-batches",
    lock_duration=300.0,
    max_delivery_count=5,
    description="Bulk sends: expand a batch (inline recipients or a Dataverse selection) and send in bulk.",
)
DELIVERY_REPORTS = QueueSpec(
    "delivery-reports",
    description="GMS delivery reports accepted by the callback, written back to Dataverse in batches.",
)
SHIPMENTS = QueueSpec(
    "shipments",
    max_delivery_count=5,
    description="Waybills to create from CRM orders.",
)
PAYMENTS = QueueSpec(
    "payments",
    max_delivery_count=5,
    description="PayPal invoices to create from CRM orders.",
)
PAYPAL_EVENTS = QueueSpec(
    "paypal-events",
    description="Verified PayPal webhook events to apply to payments.",
)
COUNTERPARTY_CHECKS = QueueSpec(
    "counterparty-checks",
    lock_duration=300.0,
    description="Counterparty checks (manual ones that were not ready, scheduled and on-creation ones).",
)

QUEUES: tuple[QueueSpec, ...] = (
    DATAVERSE_EVENTS,
    MESSAGES_OUTBOUND,
    MESSAGE_BATCHES,
    DELIVERY_REPORTS,
    SHIPMENTS,
    PAYMENTS,
    PAYPAL_EVENTS,
    COUNTERPARTY_CHECKS,
)


def queue_spec(name: str) -> QueueSpec:
    for spec in QUEUES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown queue {name!r}; declare it in functions/common/queues.py")

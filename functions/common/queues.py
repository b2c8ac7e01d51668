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

QUEUES: tuple[QueueSpec, ...] = (DATAVERSE_EVENTS,)


def queue_spec(name: str) -> QueueSpec:
    for spec in QUEUES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown queue {name!r}; declare it in functions/common/queues.py")

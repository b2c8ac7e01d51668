"""The Bus port: put a message on a queue; the QueueStats port: how many messages a queue holds.

Adapters of both: Azure Service Bus (``servicebus``) and the local queue (``local_runtime.queue``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from functions.common.logging import correlation_id as current_correlation_id


@dataclass(frozen=True)
class OutboundMessage:
    """One message to enqueue. ``message_id`` doubles as the duplicate-detection key.

    ``of_json`` carries the current correlation id (the HTTP request's or the message being handled)
    onto the message, so an item keeps one correlation id across every queue hop.
    """

    body: bytes
    message_id: str
    application_properties: Mapping[str, str | int | float | bool] = field(default_factory=dict)
    scheduled_enqueue_time_utc: datetime | None = None
    correlation_id: str | None = None
    content_type: str = "application/json"
    subject: str | None = None

    @classmethod
    def of_json(
        cls,
        payload: Any,
        *,
        message_id: str,
        correlation_id: str | None = None,
        scheduled_enqueue_time_utc: datetime | None = None,
        application_properties: Mapping[str, str | int | float | bool] | None = None,
        subject: str | None = None,
    ) -> OutboundMessage:
        body = json.dumps(payload, separators=(",", ":"), default=str).encode("utf-8")
        return cls(
            body=body,
            message_id=message_id,
            application_properties=dict(application_properties or {}),
            scheduled_enqueue_time_utc=scheduled_enqueue_time_utc,
            correlation_id=correlation_id or current_correlation_id.get(),
            subject=subject,
        )


class MessageBus(Protocol):
    """Sends messages to named queues. Implementations must be thread-safe."""

    backend: str

    def send(self, queue: str, message: OutboundMessage) -> None: ...

    def send_many(self, queue: str, messages: Sequence[OutboundMessage]) -> None: ...


@runtime_checkable
class QueueStats(Protocol):
    """Message counts of one queue: at least ``active``, ``scheduled`` and ``dead_letter``.

    ``local_runtime.queue.LocalQueue`` satisfies it as it is; ``servicebus.ServiceBusQueueStats`` reads
    Service Bus's runtime properties and raises ``QueueStatsError`` when it cannot.
    """

    def counts(self, queue: str) -> Mapping[str, int]: ...


class QueueStatsError(RuntimeError):
    """The queue statistics could not be read (no rights, unknown queue, backend unreachable)."""

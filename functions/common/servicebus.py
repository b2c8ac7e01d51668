"""The Bus and QueueStats ports on Azure Service Bus (azure-servicebus), by connection string or identity."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any

from functions.common.bus import OutboundMessage, QueueStatsError

if TYPE_CHECKING:
    from azure.servicebus import ServiceBusClient, ServiceBusMessage
    from azure.servicebus.management import ServiceBusAdministrationClient


class ServiceBusBus:
    """Sends with one ``ServiceBusClient`` per process and one sender per queue (both thread-safe
    enough when guarded by a lock per sender, as azure-servicebus senders are not thread-safe)."""

    backend = "azure-servicebus"

    def __init__(self, client: ServiceBusClient) -> None:
        self._client = client
        self._senders: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @classmethod
    def from_connection_string(cls, connection_string: str) -> ServiceBusBus:
        from azure.servicebus import ServiceBusClient

        return cls(ServiceBusClient.from_connection_string(connection_string))

    @classmethod
    def from_namespace(cls, fully_qualified_namespace: str) -> ServiceBusBus:
        from azure.identity import DefaultAzureCredential
        from azure.servicebus import ServiceBusClient

        return cls(ServiceBusClient(fully_qualified_namespace, credential=DefaultAzureCredential()))

    def send(self, queue: str, message: OutboundMessage) -> None:
        self.send_many(queue, [message])

    def send_many(self, queue: str, messages: Sequence[OutboundMessage]) -> None:
        sender, lock = self._sender(queue)
        with lock:
            immediate = [to_servicebus(m) for m in messages if m.scheduled_enqueue_time_utc is None]
            scheduled = [m for m in messages if m.scheduled_enqueue_time_utc is not None]
            if immediate:
                batch = sender.create_message_batch()
                for item in immediate:
                    try:
                        batch.add_message(item)
                    except ValueError:  # MessageSizeExceededError: this batch is full
                        sender.send_messages(batch)
                        batch = sender.create_message_batch()
                        batch.add_message(item)
                sender.send_messages(batch)
            for message in scheduled:
                when = message.scheduled_enqueue_time_utc
                assert when is not None
                sender.schedule_messages(to_servicebus(message), when.astimezone(UTC))

    def close(self) -> None:
        with self._guard:
            for sender in self._senders.values():
                sender.close()
            self._senders.clear()
        self._client.close()

    def _sender(self, queue: str) -> tuple[Any, threading.Lock]:
        with self._guard:
            if queue not in self._senders:
                self._senders[queue] = self._client.get_queue_sender(queue_name=queue)
                self._locks[queue] = threading.Lock()
            return self._senders[queue], self._locks[queue]


class ServiceBusQueueStats:
    """Queue counts from Service Bus's runtime properties (``get_queue_runtime_properties``).

    Reading them needs the Manage claim (a SAS policy with Manage) or, by identity, the "Azure Service
    Bus Data Owner" role; a refusal or an unknown queue raises ``QueueStatsError`` naming the queue.
    """

    backend = "azure-servicebus"

    def __init__(self, client: ServiceBusAdministrationClient) -> None:
        self._client = client

    @classmethod
    def from_connection_string(cls, connection_string: str, **options: Any) -> ServiceBusQueueStats:
        """``options`` go to the administration client (e.g. ``transport`` in tests)."""
        from azure.servicebus.management import ServiceBusAdministrationClient

        return cls(ServiceBusAdministrationClient.from_connection_string(connection_string, **options))

    @classmethod
    def from_namespace(cls, fully_qualified_namespace: str) -> ServiceBusQueueStats:
        from azure.identity import DefaultAzureCredential
        from azure.servicebus.management import ServiceBusAdministrationClient

        return cls(ServiceBusAdministrationClient(fully_qualified_namespace, DefaultAzureCredential()))

    def counts(self, queue: str) -> dict[str, int]:
        from azure.core.exceptions import AzureError

        try:
            properties = self._client.get_queue_runtime_properties(queue)
        except AzureError as error:
            status = getattr(error, "status_code", None)
            why = f"HTTP {status}" if status else type(error).__name__
            raise QueueStatsError(f"cannot read the counts of queue {queue!r} ({why})") from error
        return {
            "active": properties.active_message_count or 0,
            "scheduled": properties.scheduled_message_count or 0,
            "dead_letter": properties.dead_letter_message_count or 0,
            "transfer_dead_letter": properties.transfer_dead_letter_message_count or 0,
        }

    def close(self) -> None:
        self._client.close()


def to_servicebus(message: OutboundMessage) -> ServiceBusMessage:
    from azure.servicebus import ServiceBusMessage

    return ServiceBusMessage(
        message.body,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        content_type=message.content_type,
        subject=message.subject,
        application_properties=dict(message.application_properties),  # type: ignore[arg-type]
    )

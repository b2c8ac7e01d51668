"""Which QueueStats the dashboard gets: the bus itself when it counts (local queue), else Service Bus."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from functions.common import container
from functions.common.bus import OutboundMessage
from functions.common.servicebus import ServiceBusQueueStats
from functions.common.settings import SettingsError
from functions.dashboard.wiring import get_queue_stats
from local_runtime.queue import LocalQueue

CONNECTION = (
    "Endpoint=sb://contoso-smart.servicebus.windows.net/;SharedAccessKeyName=dash;SharedAccessKey=a2V5"
)


class _SendOnlyBus:
    """A bus that cannot count, as ``ServiceBusBus`` is."""

    backend = "azure-servicebus"

    def send(self, queue: str, message: OutboundMessage) -> None: ...

    def send_many(self, queue: str, messages: Sequence[OutboundMessage]) -> None: ...


@pytest.fixture(autouse=True)
def _fresh_container(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("SERVICEBUS_CONNECTION", "SERVICEBUS_CONNECTION__fullyQualifiedNamespace"):
        monkeypatch.delenv(name, raising=False)
    container.reset()
    yield
    container.reset()


def test_the_local_queue_counts_its_own_messages(tmp_path: Path) -> None:
    queue = LocalQueue(tmp_path / "queue.db")
    container.provide("bus", queue)

    assert get_queue_stats() is queue


def test_with_a_send_only_bus_the_counts_come_from_service_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICEBUS_CONNECTION", CONNECTION)
    container.provide("bus", _SendOnlyBus())

    stats = get_queue_stats()

    assert isinstance(stats, ServiceBusQueueStats)


def test_without_service_bus_settings_the_problem_names_the_setting() -> None:
    container.provide("bus", _SendOnlyBus())

    with pytest.raises(SettingsError, match="SERVICEBUS_CONNECTION"):
        get_queue_stats()

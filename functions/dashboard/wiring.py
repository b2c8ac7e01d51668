"""Composition of the dashboard from settings, built lazily on first use (see ``container``)."""

from __future__ import annotations

from functions.common import container
from functions.common.bus import QueueStats
from functions.common.ports import get_bus, get_dataverse
from functions.common.queues import QUEUES
from functions.common.servicebus import ServiceBusQueueStats
from functions.common.settings import BusSettings, SettingsError, load_settings
from functions.dashboard.repository import DashboardRepository
from functions.dashboard.service import DashboardService
from functions.dashboard.settings import DashboardSettings
from functions.payments.analytics import PaymentAnalyticsService
from functions.payments.repository import PaymentRepository


def get_queue_stats() -> QueueStats:
    """The bus itself when it can count (the local queue), else Service Bus's administration API."""
    return container.resolve("queue_stats", _build_queue_stats)


def _build_queue_stats() -> QueueStats:
    bus = get_bus()
    if isinstance(bus, QueueStats):
        return bus
    settings = load_settings(BusSettings)
    if settings.servicebus_connection is not None:
        return ServiceBusQueueStats.from_connection_string(settings.servicebus_connection.get_secret_value())
    if settings.servicebus_namespace:
        return ServiceBusQueueStats.from_namespace(settings.servicebus_namespace)
    raise SettingsError("BusSettings", [("SERVICEBUS_CONNECTION", "is required to count the queues")])


def get_dashboard() -> DashboardService:
    def build() -> DashboardService:
        settings = load_settings(DashboardSettings)
        dataverse = get_dataverse()
        return DashboardService(
            DashboardRepository(dataverse),
            PaymentAnalyticsService(PaymentRepository(dataverse)),
            get_queue_stats(),
            [queue.name for queue in QUEUES],
            default_days=settings.days,
            recent_changes=settings.recent_changes,
            cache_seconds=settings.cache_seconds,
        )

    return container.resolve("dashboard.service", build)

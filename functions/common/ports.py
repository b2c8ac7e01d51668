"""Getters for the shared ports, built from settings on first use (see ``container``)."""

from __future__ import annotations

from functions.common import container
from functions.common.bus import MessageBus
from functions.common.servicebus import ServiceBusBus
from functions.common.settings import BusSettings, SettingsError, load_settings


def get_bus() -> MessageBus:
    return container.resolve("bus", _build_bus)


def _build_bus() -> MessageBus:
    settings = load_settings(BusSettings)
    if settings.servicebus_connection is not None:
        container.describe("bus", "azure-servicebus (connection string)")
        return ServiceBusBus.from_connection_string(settings.servicebus_connection.get_secret_value())
    if settings.servicebus_namespace:
        container.describe("bus", f"azure-servicebus ({settings.servicebus_namespace}, managed identity)")
        return ServiceBusBus.from_namespace(settings.servicebus_namespace)
    raise SettingsError(
        "BusSettings",
        [("SERVICEBUS_CONNECTION", "is required (or SERVICEBUS_CONNECTION__fullyQualifiedNamespace)")],
    )

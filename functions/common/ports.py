"""Getters for the shared ports, built from settings on first use (see ``container``)."""

from __future__ import annotations

import re
from pathlib import Path

from dataverse import (
    ClientCertificateAuth,
    ClientSecretAuth,
    DataverseClient,
    ManagedIdentityAuth,
    StaticTokenAuth,
    TokenCredential,
)
from functions.common import container
from functions.common.bus import MessageBus
from functions.common.logging import register_secrets
from functions.common.servicebus import ServiceBusBus
from functions.common.settings import BusSettings, CoreSettings, SettingsError, load_settings
from functions.common.telemetry import instrumented_session


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


def get_core_settings() -> CoreSettings:
    return container.resolve("settings.core", _load_core_settings)


def _load_core_settings() -> CoreSettings:
    s = load_settings(CoreSettings)
    held = [s.dataverse_webhook_secret, s.dataverse_client_secret, s.dataverse_access_token]
    register_secrets(secret.get_secret_value() for secret in held if secret is not None)
    return s


def get_dataverse() -> DataverseClient:
    return container.resolve("dataverse", _build_dataverse)


def dataverse_credential(settings: CoreSettings) -> TokenCredential:
    """The Dataverse credential the settings describe: token, secret, certificate or managed identity."""
    register_secrets(
        secret.get_secret_value()
        for secret in (settings.dataverse_client_secret, settings.dataverse_access_token)
        if secret is not None
    )
    if settings.dataverse_access_token is not None:
        return StaticTokenAuth(settings.dataverse_access_token.get_secret_value())
    if settings.dataverse_client_id and settings.dataverse_tenant_id:
        if settings.dataverse_client_secret is not None:
            return ClientSecretAuth(
                settings.dataverse_tenant_id,
                settings.dataverse_client_id,
                settings.dataverse_client_secret.get_secret_value(),
            )
        if settings.dataverse_certificate_path:
            pem = Path(settings.dataverse_certificate_path).read_text()
            certificate = _PEM_CERTIFICATE.search(pem)
            return ClientCertificateAuth(
                settings.dataverse_tenant_id,
                settings.dataverse_client_id,
                private_key_pem=_PEM_CERTIFICATE.sub("", pem).strip(),
                certificate_pem=certificate.group(0) if certificate else None,
            )
    return ManagedIdentityAuth(settings.dataverse_client_id)


def _build_dataverse() -> DataverseClient:
    settings = get_core_settings()
    credential = dataverse_credential(settings)
    container.describe("dataverse", f"{settings.dataverse_url} ({type(credential).__name__})")
    return DataverseClient(
        settings.dataverse_url.rstrip("/"),
        credential,
        session=instrumented_session("dataverse"),
        max_concurrency=settings.dataverse_max_concurrency,
    )


_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)

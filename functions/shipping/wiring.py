"""Composition of the shipping use cases from settings, built lazily on first use (see ``container``)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from connectors.novaposhta import NovaPoshtaClient
from functions.common import container
from functions.common.bus import OutboundMessage
from functions.common.logging import register_secrets
from functions.common.ports import get_bus, get_dataverse
from functions.common.queues import SHIPMENTS
from functions.common.settings import load_settings
from functions.common.telemetry import instrumented_session
from functions.shipping.lookups import ReferenceData
from functions.shipping.profiles import SenderDirectory, SenderProfileConfig
from functions.shipping.repository import ShippingRepository
from functions.shipping.rules import ChangePlanner
from functions.shipping.settings import DEFAULT_PROFILE, ShippingSettings
from functions.shipping.shipments import KYIV, ShipmentService, create_lease
from functions.shipping.sync import SyncOptions, SyncState, TrackingSync


def get_settings() -> ShippingSettings:
    return container.resolve("shipping.settings", _load_settings)


def _load_settings() -> ShippingSettings:
    settings = load_settings(ShippingSettings)
    register_secrets(
        [settings.novaposhta_api_key.get_secret_value()]
        + [p.api_key.get_secret_value() for p in settings.sender_profiles.values() if p.api_key is not None]
    )
    return settings


def novaposhta_client(api_key: str) -> NovaPoshtaClient:
    """One client (one HTTP session) per API key, kept for the life of the process."""
    settings = get_settings()
    name = "shipping.novaposhta." + hashlib.sha256(api_key.encode()).hexdigest()[:16]
    return container.resolve(
        name,
        lambda: NovaPoshtaClient(
            settings.novaposhta_base_url,
            api_key,
            session=instrumented_session("novaposhta"),
            timeout=settings.novaposhta_timeout_seconds,
            print_base_url=settings.novaposhta_print_base_url,
        ),
    )


def sender_profiles(settings: ShippingSettings) -> dict[str, SenderProfileConfig]:
    """The default profile (NOVAPOSHTA_SENDER_*) plus NOVAPOSHTA_SENDER_PROFILES (which may refine it)."""
    default = SenderProfileConfig(
        counterparty_ref=settings.sender_counterparty_ref,
        contact_ref=settings.sender_contact_ref,
        phone=settings.sender_phone,
        city_ref=settings.sender_city_ref,
        address_ref=settings.sender_address_ref,
    )
    profiles = dict(settings.sender_profiles)
    if DEFAULT_PROFILE in profiles:
        given = profiles[DEFAULT_PROFILE].model_dump(exclude_unset=True)
        profiles[DEFAULT_PROFILE] = default.model_copy(update=given)
    else:
        profiles[DEFAULT_PROFILE] = default
    return profiles


def get_senders() -> SenderDirectory:
    def build() -> SenderDirectory:
        settings = get_settings()
        return SenderDirectory(
            sender_profiles(settings),
            settings.default_sender_profile,
            settings.novaposhta_api_key.get_secret_value(),
            novaposhta_client,
        )

    return container.resolve("shipping.senders", build)


def get_refdata() -> ReferenceData:
    return container.resolve(
        "shipping.refdata",
        lambda: ReferenceData(lambda: get_senders().client(), get_settings().lookup_cache_seconds),
    )


def get_repository() -> ShippingRepository:
    return container.resolve(
        "shipping.repository", lambda: ShippingRepository(get_dataverse(), get_settings().order_type_column)
    )


def get_shipments() -> ShipmentService:
    def build() -> ShipmentService:
        settings = get_settings()
        return ShipmentService(
            get_repository(),
            get_senders(),
            get_refdata(),
            default_weight=settings.default_weight_kg,
            default_dimensions=settings.default_dimensions_cm,
            create_lease=create_lease(settings.novaposhta_timeout_seconds),
        )

    return container.resolve("shipping.shipments", build)


def get_sync() -> TrackingSync:
    def build() -> TrackingSync:
        settings = get_settings()
        options = SyncOptions(
            concurrency=settings.sync_concurrency,
            flush_size=settings.sync_flush_size,
            backoff_seconds=settings.sync_backoff_seconds,
            max_backoff_seconds=settings.sync_max_backoff_seconds,
            not_found_give_up=timedelta(hours=settings.not_found_give_up_hours),
        )
        return TrackingSync(
            get_repository(),
            lambda: get_senders().client(),
            ChangePlanner(settings.order_status_map),
            container.resolve("shipping.sync.state", SyncState),
            schedule_resume,
            options,
        )

    return container.resolve("shipping.sync", build)


def schedule_resume(after: str | None, failures: int, when: datetime) -> None:
    """Put a resume message on the shipments queue, due when the pause ends."""
    payload = {"kind": "sync-resume", "after": after, "failures": failures}
    message = OutboundMessage.of_json(
        payload,
        message_id=f"shipping-sync-resume:{after or ''}:{failures}",
        scheduled_enqueue_time_utc=when.astimezone(UTC),
    )
    get_bus().send(SHIPMENTS.name, message)


def requeue(message: OutboundMessage) -> None:
    """Put a (scheduled) message back on the shipments queue."""
    get_bus().send(SHIPMENTS.name, message)


def today_in_kyiv() -> datetime:
    return datetime.now(KYIV)

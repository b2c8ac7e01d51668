"""Composition of the messaging use cases from settings, built lazily on first use (see ``container``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from connectors.common.retry import RetryPolicy
from connectors.gms import DeliveryReport, GmsClient, GmsCredential
from functions.common import container
from functions.common.logging import register_secrets
from functions.common.ports import get_bus, get_dataverse
from functions.common.settings import load_settings
from functions.common.telemetry import instrumented_session
from functions.messaging.batch_store import BatchStore
from functions.messaging.batches import BatchService
from functions.messaging.coalescer import Coalescer
from functions.messaging.directory import ContactDirectory
from functions.messaging.journeys import JourneysChannel, JourneysNotifier
from functions.messaging.orphans import OrphanReconciler, OrphanStore
from functions.messaging.policy import SendPolicy
from functions.messaging.reports import ReportApplier, ReportIntake
from functions.messaging.repository import MessageRepository
from functions.messaging.sending import MessageService
from functions.messaging.settings import MessagingSettings
from functions.messaging.stale import StaleSweeper


def get_settings() -> MessagingSettings:
    return container.resolve("messaging.settings", _load_settings)


def _load_settings() -> MessagingSettings:
    settings = load_settings(MessagingSettings)
    register_secrets(
        [settings.gms_password.get_secret_value(), settings.gms_callback_token.get_secret_value()]
    )
    return settings


def get_policy() -> SendPolicy:
    return container.resolve("messaging.policy", lambda: SendPolicy.from_settings(get_settings()))


def _gms(timeout: tuple[float, float], retry: RetryPolicy) -> GmsClient:
    settings = get_settings()
    credential = GmsCredential(
        settings.gms_login, settings.gms_password.get_secret_value(), settings.gms_client_id
    )
    return GmsClient(
        settings.gms_base_url,
        credential,
        session=instrumented_session("gms"),
        timeout=timeout,
        retry=retry,
        batch_base_url=settings.gms_batch_base_url,
        report_base_url=settings.gms_report_base_url,
    )


def get_gms() -> GmsClient:
    return container.resolve(
        "messaging.gms", lambda: _gms((5.0, get_settings().gms_timeout_seconds), RetryPolicy())
    )


def get_bulk_gms() -> GmsClient:
    """Mass sends carry up to 50,000 recipients, so they may wait longer than single sends."""
    return container.resolve(
        "messaging.gms.bulk", lambda: _gms((5.0, get_settings().gms_bulk_timeout_seconds), RetryPolicy())
    )


def get_journeys_gms() -> GmsClient:
    """Inside the plug-in's 20 s: short timeouts, one quick retry, Retry-After capped at 1 s."""

    def build() -> GmsClient:
        budget = get_settings().journeys_timeout_seconds
        retry = RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=0.5, max_retry_after=1.0)
        return _gms((min(2.0, budget), budget), retry)

    return container.resolve("messaging.gms.journeys", build)


def get_repository() -> MessageRepository:
    return container.resolve("messaging.repository", lambda: MessageRepository(get_dataverse()))


def get_directory() -> ContactDirectory:
    return container.resolve("messaging.directory", lambda: ContactDirectory(get_dataverse()))


def get_messages() -> MessageService:
    return container.resolve(
        "messaging.service",
        lambda: MessageService(get_repository(), get_directory(), get_bus(), get_gms(), get_policy()),
    )


def get_batches() -> BatchService:
    def build() -> BatchService:
        store = BatchStore(get_dataverse())
        chunk = get_settings().batch_chunk_size
        policy = get_policy()
        return BatchService(
            get_repository(), store, get_directory(), get_bus(), get_bulk_gms(), policy, chunk_size=chunk
        )

    return container.resolve("messaging.batches", build)


def get_journeys() -> JourneysChannel:
    return container.resolve(
        "messaging.journeys", lambda: JourneysChannel(get_repository(), get_journeys_gms(), get_policy())
    )


def get_intake() -> ReportIntake:
    return container.resolve(
        "messaging.intake",
        lambda: ReportIntake(get_bus(), get_settings().gms_callback_token.get_secret_value()),
    )


def get_applier() -> ReportApplier:
    def build() -> ReportApplier:
        settings = get_settings()
        notifier = JourneysNotifier(
            get_dataverse(),
            channel_definition_id=settings.journeys_channel_definition_id,
            sender=settings.default_sender,
        )
        return ReportApplier(get_repository(), OrphanStore(get_dataverse()), notifier, get_policy().prices)

    return container.resolve("messaging.applier", build)


def get_coalescer() -> Coalescer[DeliveryReport]:
    def build() -> Coalescer[DeliveryReport]:
        settings = get_settings()
        applier = get_applier()

        def apply(reports: Sequence[DeliveryReport]) -> object:
            return applier.apply(reports)

        return Coalescer(apply, window=settings.report_flush_ms / 1000.0, max_items=settings.report_flush_max)

    return container.resolve("messaging.coalescer", build)


def get_reconciler() -> OrphanReconciler:
    def build() -> OrphanReconciler:
        settings = get_settings()
        sweeper = StaleSweeper(
            get_dataverse(),
            get_repository(),
            get_gms(),
            get_applier(),
            stale_after=timedelta(seconds=settings.stale_after()),
            batch_size=settings.stale_batch_size,
        )
        return OrphanReconciler(OrphanStore(get_dataverse()), get_applier(), sweeper=sweeper)

    return container.resolve("messaging.reconciler", build)

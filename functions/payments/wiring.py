"""Builds the payment use cases lazily from settings (see ``functions.common.container``)."""

from __future__ import annotations

from datetime import timedelta

from connectors.paypal import CertificateCache, PayPalClient, PayPalCredential, requests_certificate_fetcher
from functions.common import container
from functions.common.logging import register_secrets
from functions.common.ports import get_dataverse
from functions.common.settings import load_settings
from functions.common.telemetry import instrumented_session
from functions.payments.analytics import PaymentAnalyticsService
from functions.payments.drafts import InvoiceDefaults
from functions.payments.orders import OrderReader
from functions.payments.reconcile import Reconciler
from functions.payments.repository import PaymentRepository
from functions.payments.service import InvoiceService
from functions.payments.settings import PaymentSettings
from functions.payments.webhooks import ApiVerifier, EventApplier, OfflineVerifier, WebhookVerifier


def get_settings() -> PaymentSettings:
    return container.resolve("payments.settings", _load_settings)


def _load_settings() -> PaymentSettings:
    settings = load_settings(PaymentSettings)
    register_secrets([settings.paypal_client_secret.get_secret_value()])
    return settings


def get_paypal() -> PayPalClient:
    return container.resolve("payments.paypal", _build_paypal)


def _build_paypal() -> PayPalClient:
    settings = get_settings()
    credential = PayPalCredential(settings.paypal_client_id, settings.paypal_client_secret.get_secret_value())
    return PayPalClient(
        settings.paypal_base_url.rstrip("/"), credential, session=instrumented_session("paypal")
    )


def get_repository() -> PaymentRepository:
    return container.resolve("payments.repository", lambda: PaymentRepository(get_dataverse()))


def get_invoice_service() -> InvoiceService:
    return container.resolve("payments.invoices", _build_invoice_service)


def _build_invoice_service() -> InvoiceService:
    settings = get_settings()
    defaults = InvoiceDefaults(
        due_days=settings.invoice_due_days,
        invoicer_business_name=settings.invoicer_business_name,
        invoicer_email=settings.invoicer_email,
    )
    orders = OrderReader(get_dataverse())
    return InvoiceService(
        get_paypal(), get_repository(), orders, defaults, send_to_recipient=settings.send_to_recipient
    )


def get_verifier() -> WebhookVerifier:
    return container.resolve("payments.verifier", _build_verifier)


def _build_verifier() -> WebhookVerifier:
    settings = get_settings()
    if settings.webhook_verification == "api":
        return ApiVerifier(get_paypal(), settings.paypal_webhook_id)
    max_age = settings.webhook_max_age_seconds
    return OfflineVerifier(
        settings.paypal_webhook_id,
        CertificateCache(requests_certificate_fetcher()),
        allowed_cert_hosts=settings.cert_hosts,
        allow_http_hosts=settings.cert_http_hosts,
        cert_name_suffixes=settings.cert_name_suffixes,
        max_age=timedelta(seconds=max_age) if max_age else None,
    )


def get_event_applier() -> EventApplier:
    return container.resolve("payments.events", lambda: EventApplier(get_repository()))


def get_reconciler() -> Reconciler:
    return container.resolve("payments.reconciler", _build_reconciler)


def _build_reconciler() -> Reconciler:
    settings = get_settings()
    return Reconciler(
        get_paypal(),
        get_repository(),
        margin=timedelta(days=settings.reconcile_margin_days),
        refund_window=timedelta(days=settings.reconcile_refund_days),
    )


def get_analytics() -> PaymentAnalyticsService:
    return container.resolve("payments.analytics", lambda: PaymentAnalyticsService(get_repository()))

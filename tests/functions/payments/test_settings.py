"""Payment settings: production defaults for webhook verification, lists from comma-separated values."""

from __future__ import annotations

import pytest

from connectors.paypal import PAYPAL_CERT_HOSTS
from functions.common.settings import SettingsError, load_settings
from functions.payments.settings import DEFAULT_RECONCILE_SCHEDULE, PaymentSettings, reconcile_schedule

REQUIRED = {
    "PAYPAL_BASE_URL": "https://api-m.sandbox.paypal.com",
    "PAYPAL_CLIENT_ID": "client",
    "PAYPAL_CLIENT_SECRET": "paypal-secret-value",
    "PAYPAL_WEBHOOK_ID": "WH-1",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "PAYPAL_CERT_HOSTS",
        "PAYPAL_CERT_HTTP_HOSTS",
        "PAYPAL_CERT_NAME_SUFFIXES",
        "PAYPAL_WEBHOOK_VERIFICATION",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_production_defaults_trust_only_paypal_over_https(env: pytest.MonkeyPatch) -> None:
    settings = load_settings(PaymentSettings)
    assert settings.cert_hosts == PAYPAL_CERT_HOSTS
    assert settings.cert_http_hosts == ()
    assert settings.cert_name_suffixes == (".paypal.com",)
    assert settings.webhook_verification == "offline"
    assert "paypal-secret-value" not in repr(settings)


def test_local_overrides_are_comma_separated(env: pytest.MonkeyPatch) -> None:
    env.setenv("PAYPAL_CERT_HOSTS", "127.0.0.1, localhost")
    env.setenv("PAYPAL_CERT_HTTP_HOSTS", "127.0.0.1")
    env.setenv("PAYPAL_CERT_NAME_SUFFIXES", ".simulator.invalid")
    env.setenv("PAYPAL_INVOICE_ORDER_STATES", "1,3")
    settings = load_settings(PaymentSettings)
    assert settings.cert_hosts == ("127.0.0.1", "localhost")
    assert settings.cert_http_hosts == ("127.0.0.1",)
    assert settings.cert_name_suffixes == (".simulator.invalid",)
    assert settings.invoice_order_states == (1, 3)


def test_missing_credentials_are_named(env: pytest.MonkeyPatch) -> None:
    env.delenv("PAYPAL_CLIENT_SECRET")
    env.setenv("PAYPAL_WEBHOOK_VERIFICATION", "maybe")
    with pytest.raises(SettingsError) as caught:
        load_settings(PaymentSettings)
    assert [name for name, _ in caught.value.problems] == [
        "PAYPAL_CLIENT_SECRET",
        "PAYPAL_WEBHOOK_VERIFICATION",
    ]


def test_the_reconcile_schedule_is_a_setting_with_a_default() -> None:
    assert reconcile_schedule({}) == DEFAULT_RECONCILE_SCHEDULE
    assert reconcile_schedule({"PAYPAL_RECONCILE_SCHEDULE": "0 0 * * * *"}) == "0 0 * * * *"

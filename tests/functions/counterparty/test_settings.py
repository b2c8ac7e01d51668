"""Counterparty settings: keys per module, optional modules, rate-limit windows."""

from __future__ import annotations

import pytest

from connectors.youcontrol import YouScoreModule
from functions.common.settings import SettingsError, load_settings
from functions.counterparty.settings import CounterpartySettings, parse_windows

_NAMES = [
    "YOUSCORE_API_KEY",
    "YOUSCORE_BASE_URL",
    "YOUSCORE_RATE_LIMITS",
    "YOUSCORE_VAT_ENABLED",
    *(f"YOUSCORE_{m.value.upper()}_API_KEY" for m in YouScoreModule),
]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir("/")  # no stray .env


def test_one_shared_key_serves_every_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOUSCORE_API_KEY", "shared-key-123")
    settings = load_settings(CounterpartySettings)
    assert settings.keys().configured() == frozenset(YouScoreModule)
    assert "shared-key-123" not in repr(settings) and "shared-key-123" not in repr(settings.keys())
    assert settings.rate_windows == ((200, 60.0), (50, 5.0))


def test_a_module_key_overrides_the_shared_one_and_vat_can_be_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YOUSCORE_API_KEY", "data-key-123")
    monkeypatch.setenv("YOUSCORE_SANCTIONS_API_KEY", "analytics-key-456")
    monkeypatch.setenv("YOUSCORE_VAT_ENABLED", "false")
    keys = load_settings(CounterpartySettings).keys()
    assert keys.key_for(YouScoreModule.SANCTIONS) == "analytics-key-456"
    assert keys.key_for(YouScoreModule.REGISTRY) == "data-key-123"
    assert YouScoreModule.VAT not in keys.configured()


def test_missing_keys_fail_at_start_naming_the_setting() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(CounterpartySettings)
    assert "YOUSCORE_API_KEY" in str(raised.value) and "registry" in str(raised.value)


def test_malformed_rate_limits_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOUSCORE_API_KEY", "k-123456")
    monkeypatch.setenv("YOUSCORE_RATE_LIMITS", "200 per minute")
    with pytest.raises(SettingsError) as raised:
        load_settings(CounterpartySettings)
    assert raised.value.problems[0][0] == "YOUSCORE_RATE_LIMITS"


def test_rate_limit_windows_parse_and_can_be_switched_off() -> None:
    assert parse_windows("200/2, 50/0.25") == ((200, 2.0), (50, 0.25))
    assert parse_windows("off") == ()
    with pytest.raises(ValueError, match="requests must be"):
        parse_windows("0/60")

from __future__ import annotations

import pytest

from functions.common.settings import CoreSettings, SettingsError, load_settings


def test_every_bad_setting_is_reported_at_once_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATAVERSE_URL", raising=False)
    monkeypatch.setenv("DATAVERSE_MAX_CONCURRENCY", "500")
    monkeypatch.setenv("SMART_DEFAULT_REGION", "Ukraine")
    with pytest.raises(SettingsError) as caught:
        load_settings(CoreSettings)
    names = [name for name, _ in caught.value.problems]
    assert names == ["DATAVERSE_URL", "DATAVERSE_MAX_CONCURRENCY", "SMART_DEFAULT_REGION"]
    assert "DATAVERSE_URL: is required but not set" in str(caught.value)


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAVERSE_URL", "https://contoso.crm4.dynamics.com")
    monkeypatch.setenv("DATAVERSE_CLIENT_SECRET", "very-secret-value")
    settings = load_settings(CoreSettings)
    assert "very-secret-value" not in repr(settings)
    assert settings.dataverse_client_secret is not None
    assert settings.dataverse_client_secret.get_secret_value() == "very-secret-value"

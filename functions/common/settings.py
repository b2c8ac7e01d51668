"""Configuration from environment variables (app settings in Azure), one class per capability.

``load_settings(SomeSettings)`` validates everything at once and raises ``SettingsError`` listing every
problem by setting name, so a missing or malformed setting fails at start-up with one message instead
of a KeyError deep inside a request. Secrets are ``SecretStr``: they never print.
"""

from __future__ import annotations

import os
from typing import TypeVar

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

S = TypeVar("S", bound=BaseSettings)


class SettingsError(RuntimeError):
    """One or more settings are missing or malformed; ``problems`` holds (name, why) pairs."""

    def __init__(self, owner: str, problems: list[tuple[str, str]]) -> None:
        self.owner = owner
        self.problems = problems
        lines = "\n".join(f"  - {name}: {why}" for name, why in problems)
        super().__init__(f"{owner}: {len(problems)} setting problem(s):\n{lines}")


class AppSettings(BaseSettings):
    """Base class: reads environment variables (and a local, git-ignored ``.env``)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )


class CoreSettings(AppSettings):
    """What every capability shares: Dataverse, Service Bus and the event webhook."""

    dataverse_url: str = Field(validation_alias="DATAVERSE_URL", pattern=r"^https?://[^\s/]+/?$")
    dataverse_tenant_id: str | None = Field(default=None, validation_alias="DATAVERSE_TENANT_ID")
    dataverse_client_id: str | None = Field(default=None, validation_alias="DATAVERSE_CLIENT_ID")
    dataverse_client_secret: SecretStr | None = Field(
        default=None, validation_alias="DATAVERSE_CLIENT_SECRET"
    )
    dataverse_certificate_path: str | None = Field(
        default=None, validation_alias="DATAVERSE_CERTIFICATE_PATH"
    )
    dataverse_access_token: SecretStr | None = Field(
        default=None,
        validation_alias="DATAVERSE_ACCESS_TOKEN",
        description="A fixed bearer token; only for the local emulator or a short manual test.",
    )
    dataverse_max_concurrency: int = Field(
        default=16, ge=1, le=52, validation_alias="DATAVERSE_MAX_CONCURRENCY"
    )
    dataverse_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias="DATAVERSE_WEBHOOK_SECRET"
    )
    default_region: str = Field(
        default="UA", min_length=2, max_length=2, validation_alias="SMART_DEFAULT_REGION"
    )


class BusSettings(AppSettings):
    """Service Bus, by connection string or by identity (the Functions connection convention)."""

    servicebus_connection: SecretStr | None = Field(default=None, validation_alias="SERVICEBUS_CONNECTION")
    servicebus_namespace: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "SERVICEBUS_CONNECTION__fullyQualifiedNamespace", "SERVICEBUS_CONNECTION__FULLYQUALIFIEDNAMESPACE"
        ),
    )


def load_settings(cls: type[S]) -> S:
    """Build ``cls`` from the environment or raise ``SettingsError`` naming every bad setting."""
    try:
        return cls()
    except ValidationError as error:
        problems: list[tuple[str, str]] = []
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else cls.__name__
            why = "is required but not set" if item["type"] == "missing" else item["msg"]
            problems.append((name.upper() if "__" not in name else name, why))
        raise SettingsError(cls.__name__, problems) from None


def timer_schedule(setting: str, default: str) -> str:
    """A timer binding's schedule: ``%SETTING%`` when that app setting exists (the host resolves it, so
    operators change the schedule without a deployment), else ``default`` (six-field NCRONTAB, UTC).

    Read while the host indexes the functions, which is when app settings are already in the
    environment; the Functions host refuses to load a function whose ``%SETTING%`` is missing.
    """
    return f"%{setting}%" if os.environ.get(setting) else default

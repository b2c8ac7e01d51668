"""Messaging configuration: GMS credentials, the callback token, defaults and the sending rules."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator

from functions.common.settings import AppSettings

_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class MessagingSettings(AppSettings):
    """Environment variables of the messaging capability (see README, "Messaging")."""

    gms_base_url: str = Field(validation_alias="GMS_BASE_URL", pattern=r"^https?://\S+$")
    gms_batch_base_url: str | None = Field(default=None, validation_alias="GMS_BATCH_BASE_URL")
    gms_report_base_url: str | None = Field(default=None, validation_alias="GMS_REPORT_BASE_URL")
    gms_login: str = Field(validation_alias="GMS_LOGIN", min_length=1)
    gms_password: SecretStr = Field(validation_alias="GMS_PASSWORD")
    gms_client_id: str = Field(validation_alias="GMS_CLIENT_ID", min_length=1)
    gms_callback_token: SecretStr = Field(validation_alias="GMS_CALLBACK_TOKEN")
    public_base_url: str | None = Field(
        default=None,
        validation_alias="SMART_PUBLIC_BASE_URL",
        description="The app's public base URL; GMS posts delivery reports to {base}/api/gms/reports.",
    )
    default_region: str = Field(
        default="UA", min_length=2, max_length=2, validation_alias="SMART_DEFAULT_REGION"
    )
    default_sender: str | None = Field(
        default=None, max_length=11, validation_alias="MESSAGING_DEFAULT_SENDER"
    )
    viber_ttl: int = Field(default=600, ge=40, le=86_400, validation_alias="MESSAGING_VIBER_TTL")
    sms_ttl: int = Field(default=86_400, ge=300, le=259_200, validation_alias="MESSAGING_SMS_TTL")
    timezone: str = Field(default="Europe/Kyiv", validation_alias="MESSAGING_TIMEZONE")
    quiet_hours: str = Field(
        default="21:00-09:00",
        validation_alias="MESSAGING_QUIET_HOURS",
        description="HH:MM-HH:MM in MESSAGING_TIMEZONE when commercial messages outside journeys wait; "
        "empty disables.",
    )
    commercial_consent: Literal["opt_in", "opt_out"] = Field(
        default="opt_out",
        validation_alias="MESSAGING_COMMERCIAL_CONSENT",
        description="opt_in: commercial messages need an opt-in; opt_out: sent unless opted out.",
    )
    frequency_cap: int | None = Field(default=None, ge=1, validation_alias="MESSAGING_FREQUENCY_CAP")
    frequency_period_hours: int = Field(
        default=24, ge=1, le=24 * 90, validation_alias="MESSAGING_FREQUENCY_PERIOD_HOURS"
    )
    report_flush_ms: int = Field(default=300, ge=0, le=10_000, validation_alias="MESSAGING_REPORT_FLUSH_MS")
    report_flush_max: int = Field(default=1000, ge=1, le=5000, validation_alias="MESSAGING_REPORT_FLUSH_MAX")
    batch_chunk_size: int = Field(
        default=10_000, ge=100, le=50_000, validation_alias="MESSAGING_BATCH_CHUNK_SIZE"
    )
    gms_timeout_seconds: float = Field(
        default=30.0, gt=0, le=300, validation_alias="MESSAGING_GMS_TIMEOUT_SECONDS"
    )
    gms_bulk_timeout_seconds: float = Field(
        default=120.0, gt=0, le=600, validation_alias="MESSAGING_GMS_BULK_TIMEOUT_SECONDS"
    )
    journeys_timeout_seconds: float = Field(
        default=5.0, gt=0, le=15, validation_alias="MESSAGING_JOURNEYS_TIMEOUT_SECONDS"
    )
    stale_after_seconds: int | None = Field(
        default=None,
        ge=1,
        le=30 * 86_400,
        validation_alias="MESSAGING_STALE_AFTER_SECONDS",
        description="A message still 'sent' this long after sending has its report pulled from GMS by the "
        "reconcile timer (its callback was lost). Default: Viber TTL + SMS TTL + 15 minutes.",
    )
    stale_batch_size: int = Field(default=200, ge=1, le=5000, validation_alias="MESSAGING_STALE_BATCH_SIZE")
    journeys_channel_definition_id: str | None = Field(
        default=None, validation_alias="JOURNEYS_CHANNEL_DEFINITION_ID"
    )
    cost_per_sms_segment: Decimal | None = Field(
        default=None, ge=0, validation_alias="MESSAGING_COST_SMS_SEGMENT"
    )
    cost_per_viber: Decimal | None = Field(default=None, ge=0, validation_alias="MESSAGING_COST_VIBER")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _window(cls, value: str) -> str:
        if value.strip() and not _WINDOW.match(value.strip()):
            raise ValueError("quiet hours must look like 21:00-09:00 (or be empty)")
        return value.strip()

    @field_validator("default_region")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    def quiet_window(self) -> tuple[time, time] | None:
        match = _WINDOW.match(self.quiet_hours)
        if match is None:
            return None
        start = time(int(match.group(1)), int(match.group(2)))
        end = time(int(match.group(3)), int(match.group(4)))
        return None if start == end else (start, end)

    def stale_after(self) -> int:
        """Seconds after sending when a message without a final report is pulled from GMS."""
        if self.stale_after_seconds is not None:
            return self.stale_after_seconds
        return self.viber_ttl + self.sms_ttl + 900

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

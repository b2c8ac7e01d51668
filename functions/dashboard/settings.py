"""``DASHBOARD_*`` app settings: the default window, how many recent changes to list, the cache."""

from __future__ import annotations

from pydantic import Field

from functions.common.settings import AppSettings


class DashboardSettings(AppSettings):
    days: int = Field(
        default=14,
        ge=1,
        le=366,
        validation_alias="DASHBOARD_DAYS",
        description="Days shown when the caller gives no 'from' (up to and including 'to').",
    )
    recent_changes: int = Field(
        default=10,
        ge=1,
        le=100,
        validation_alias="DASHBOARD_RECENT_CHANGES",
        description="Counterparty changes listed, newest first.",
    )
    cache_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        validation_alias="DASHBOARD_CACHE_SECONDS",
        description="The same window asked again within this time is answered from memory; 0 = off.",
    )

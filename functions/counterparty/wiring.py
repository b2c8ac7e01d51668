"""Builds the counterparty use cases lazily: settings, then ONE YouScore client per process, then the rest.

The client's rate limiter and cache are per process and shared by every HTTP request, timer run and
queue worker of it, so concurrent checks together stay under YouScore's limits and share one cache.
With several instances, give each a share of the limits (``YOUSCORE_RATE_LIMITS``) or cap the
instance count: the limiter does not coordinate processes.
"""

from __future__ import annotations

import time

from connectors.youcontrol import (
    MemoryResponseCache,
    NoRateLimit,
    RateLimiter,
    SlidingWindowRateLimiter,
    YouScoreClient,
)
from functions.common import container
from functions.common.logging import register_secrets
from functions.common.ports import get_bus, get_dataverse
from functions.common.settings import load_settings
from functions.common.telemetry import instrumented_session
from functions.counterparty.freshness import FreshnessCache
from functions.counterparty.repository import DataverseCheckStore
from functions.counterparty.service import CounterpartyChecks
from functions.counterparty.settings import CounterpartySettings


def get_settings() -> CounterpartySettings:
    return container.resolve("settings.counterparty", lambda: load_settings(CounterpartySettings))


def get_youscore() -> YouScoreClient:
    return container.resolve("counterparty.youscore", _build_client)


def get_store() -> DataverseCheckStore:
    return container.resolve("counterparty.store", lambda: DataverseCheckStore(get_dataverse()))


def get_checks() -> CounterpartyChecks:
    return container.resolve("counterparty.checks", _build_checks)


def _build_client() -> YouScoreClient:
    settings = get_settings()
    register_secrets(settings.secrets())
    windows = settings.rate_windows
    limiter: RateLimiter = (
        SlidingWindowRateLimiter(windows, margin=settings.youscore_rate_limit_margin)
        if windows
        else NoRateLimit()
    )
    cache = MemoryResponseCache(
        settings.youscore_cache_ttl_seconds, max_entries=settings.youscore_cache_max_entries, clock=time.time
    )
    return YouScoreClient(
        settings.youscore_base_url,
        settings.keys(),
        session=instrumented_session("youscore"),
        timeout=settings.youscore_timeout_seconds,
        rate_limiter=limiter,
        cache=FreshnessCache(cache),
    )


def _build_checks() -> CounterpartyChecks:
    settings = get_settings()
    return CounterpartyChecks(
        get_youscore(),
        get_store(),
        get_bus(),
        court_pages=settings.court_case_pages,
        not_ready_max_attempts=settings.not_ready_max_attempts,
        retry_delay=settings.retry_delay_seconds,
    )

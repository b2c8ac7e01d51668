"""Counterparty-check settings: YouScore keys per module, cache lifetime, rate-limit windows, switches.

Keys: ``YOUSCORE_API_KEY`` serves every module unless a module has its own
``YOUSCORE_<MODULE>_API_KEY`` (``REGISTRY``, ``SANCTIONS``, ``TAX_DEBT``, ``COURTS``, ``EXPRESS``,
``VAT``, ``SCORING``). VAT status and financial scoring are extras of a contract: the shared key is
used for them only while ``YOUSCORE_VAT_ENABLED`` / ``YOUSCORE_SCORING_ENABLED`` are true (default).

The check schedule is not here: the timer binding reads ``%COUNTERPARTY_CHECK_SCHEDULE%`` (see
``blueprint.py``), because the Functions host, not this code, evaluates it.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator

from connectors.youcontrol import DEFAULT_BASE_URL, YOUSCORE_WINDOWS, YouScoreKeys, YouScoreModule
from functions.common.settings import AppSettings

REQUIRED_MODULES: tuple[YouScoreModule, ...] = (
    YouScoreModule.REGISTRY,
    YouScoreModule.SANCTIONS,
    YouScoreModule.TAX_DEBT,
    YouScoreModule.COURTS,
    YouScoreModule.EXPRESS,
)
OPTIONAL_MODULES: tuple[YouScoreModule, ...] = (YouScoreModule.VAT, YouScoreModule.SCORING)
DEFAULT_CHECK_SCHEDULE = "0 0 3 * * 1"
"""Mondays 03:00 UTC: the weekly monitoring run when ``COUNTERPARTY_CHECK_SCHEDULE`` is not set."""


def _key(module: str) -> SecretStr | None:
    return Field(default=None, validation_alias=f"YOUSCORE_{module}_API_KEY")


def parse_windows(text: str) -> tuple[tuple[int, float], ...]:
    """``"200/60,50/5"`` -> ((200, 60.0), (50, 5.0)); ``""`` or ``"off"`` -> () (no client-side limit)."""
    cleaned = text.strip().lower()
    if cleaned in ("", "off", "none"):
        return ()
    windows = []
    for part in cleaned.split(","):
        limit, slash, period = part.strip().partition("/")
        if not slash:
            raise ValueError(f"{part.strip()!r} is not requests/seconds (e.g. 200/60)")
        count, seconds = int(limit), float(period)
        if count < 1 or seconds <= 0:
            raise ValueError(f"{part.strip()!r}: requests must be >= 1 and seconds > 0")
        windows.append((count, seconds))
    return tuple(windows)


class CounterpartySettings(AppSettings):
    youscore_base_url: str = Field(
        default=DEFAULT_BASE_URL, validation_alias="YOUSCORE_BASE_URL", pattern=r"^https?://[^\s]+$"
    )
    youscore_api_key: SecretStr | None = Field(default=None, validation_alias="YOUSCORE_API_KEY")
    youscore_registry_api_key: SecretStr | None = _key("REGISTRY")
    youscore_sanctions_api_key: SecretStr | None = _key("SANCTIONS")
    youscore_tax_debt_api_key: SecretStr | None = _key("TAX_DEBT")
    youscore_courts_api_key: SecretStr | None = _key("COURTS")
    youscore_express_api_key: SecretStr | None = _key("EXPRESS")
    youscore_vat_api_key: SecretStr | None = _key("VAT")
    youscore_scoring_api_key: SecretStr | None = _key("SCORING")
    youscore_vat_enabled: bool = Field(default=True, validation_alias="YOUSCORE_VAT_ENABLED")
    youscore_scoring_enabled: bool = Field(default=True, validation_alias="YOUSCORE_SCORING_ENABLED")
    youscore_timeout_seconds: float = Field(default=20.0, gt=0, validation_alias="YOUSCORE_TIMEOUT_SECONDS")
    youscore_cache_ttl_seconds: float = Field(
        default=24 * 3600.0,
        gt=0,
        validation_alias="YOUSCORE_CACHE_TTL_SECONDS",
        description="How long a paid answer is reused; keep it shorter than the monitoring interval.",
    )
    youscore_cache_max_entries: int = Field(
        default=50_000, ge=1, validation_alias="YOUSCORE_CACHE_MAX_ENTRIES"
    )
    youscore_rate_limits: str = Field(
        default=",".join(f"{limit}/{period:g}" for limit, period in YOUSCORE_WINDOWS),
        validation_alias="YOUSCORE_RATE_LIMITS",
        description="requests/seconds windows per key for this process, e.g. 200/60,50/5; off = none.",
    )
    youscore_rate_limit_margin: float = Field(
        default=0.5, ge=0, validation_alias="YOUSCORE_RATE_LIMIT_MARGIN"
    )
    check_on_create: bool = Field(default=True, validation_alias="COUNTERPARTY_CHECK_ON_CREATE")
    court_case_pages: int = Field(default=1, ge=1, le=10, validation_alias="COUNTERPARTY_COURT_CASE_PAGES")
    retry_delay_seconds: float | None = Field(
        default=None,
        gt=0,
        validation_alias="COUNTERPARTY_RETRY_DELAY_SECONDS",
        description="Wait before retrying a check YouScore was not ready for or did not answer; "
        "default: YouScore's hint (about 20 s) or 30 s.",
    )
    not_ready_max_attempts: int = Field(
        default=15, ge=1, le=100, validation_alias="COUNTERPARTY_NOT_READY_MAX_ATTEMPTS"
    )

    @field_validator("youscore_rate_limits")
    @classmethod
    def _windows_parse(cls, value: str) -> str:
        parse_windows(value)
        return value

    @model_validator(mode="after")
    def _required_modules_have_keys(self) -> Self:
        missing = [module.value for module in REQUIRED_MODULES if self._secret(module) is None]
        if missing:
            raise ValueError(
                "YOUSCORE_API_KEY is required unless every one of these modules has its own "
                f"YOUSCORE_<MODULE>_API_KEY: {', '.join(missing)}"
            )
        return self

    @property
    def rate_windows(self) -> tuple[tuple[int, float], ...]:
        return parse_windows(self.youscore_rate_limits)

    def keys(self) -> YouScoreKeys:
        values = {module.value: self._plain(module) for module in YouScoreModule}
        return YouScoreKeys(**values)

    def secrets(self) -> list[str]:
        return [value for module in YouScoreModule if (value := self._plain(module))]

    def _plain(self, module: YouScoreModule) -> str | None:
        secret = self._secret(module)
        return secret.get_secret_value() if secret is not None else None

    def _secret(self, module: YouScoreModule) -> SecretStr | None:
        own: SecretStr | None = getattr(self, f"youscore_{module.value}_api_key")
        if own is not None and own.get_secret_value():
            return own
        shared = self.youscore_api_key
        if shared is None or not shared.get_secret_value():
            return None
        if module is YouScoreModule.VAT and not self.youscore_vat_enabled:
            return None
        if module is YouScoreModule.SCORING and not self.youscore_scoring_enabled:
            return None
        return shared

"""The YouScore ("API by YouControl") client: counterparty card, sanctions, tax debt, courts, risk factors.

Every call is a GET, so every transient failure (timeout, connection error, 429, 5xx) is retried here,
in one place, under ``retry``. A 202 ("Update in progress") is NOT retried in-process: it raises
``NotReadyError`` so the caller can re-queue the check (do not sleep inside an HTTP trigger). Each
attempt first takes a slot from the rate limiter, partitioned by API key, so concurrent work of one
client (or of all clients sharing the limiter) stays under YouScore's limits. Paid 200 answers go into
the optional cache; a repeat within its lifetime makes no HTTP call.

The key travels in the ``Authorization: bearer`` header (the spec allows ``?apiKey=`` too), so URLs and
logs never hold it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final, TypeVar

import requests
from pydantic import ValidationError
from requests.adapters import HTTPAdapter

from connectors.common.retry import RetryPolicy
from connectors.youcontrol.cache import CacheKey, ResponseCache
from connectors.youcontrol.codes import CounterpartyCode, parse_code
from connectors.youcontrol.courts import CourtCasesPage
from connectors.youcontrol.errors import (
    UnexpectedResponseError,
    YouScoreApiError,
    YouScoreConnectionError,
    error_from_response,
)
from connectors.youcontrol.keys import YouScoreKeys, YouScoreModule, key_fingerprint
from connectors.youcontrol.models import KeyBalance, NotFound, RegistryCard
from connectors.youcontrol.ratelimit import RateLimiter, SlidingWindowRateLimiter
from connectors.youcontrol.reports import (
    ExpressAnalysis,
    FinancialScoring,
    SanctionsReport,
    TaxDebtReport,
    VatStatus,
)

DEFAULT_BASE_URL = "https://api.youscore.com.ua"
MAX_PAGE_SIZE = 100

_log = logging.getLogger(__name__)
_T = TypeVar("_T")
_M = TypeVar("_M")
_Params = dict[str, str]


class _NotFoundMarker:
    pass


_NOT_FOUND: Final = _NotFoundMarker()
_TRANSIENT_TRANSPORT_ERRORS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def _flag(value: bool) -> str:
    return "true" if value else "false"


class YouScoreClient:
    """``YouScoreClient(base_url, keys, *, session=None, timeout=20.0, retry=RetryPolicy(), ...)``.

    ``rate_limiter=None`` means a private ``SlidingWindowRateLimiter`` with YouScore's standard limits
    (200/60 s and 50/5 s per key); pass one shared limiter to several clients of the same keys, or
    ``NoRateLimit()`` to switch limiting off. ``cache=None`` means no caching.
    """

    def __init__(
        self,
        base_url: str,
        keys: YouScoreKeys,
        *,
        session: requests.Session | None = None,
        timeout: float = 20.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe as a default
        rate_limiter: RateLimiter | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._keys = keys
        self._owns_session = session is None
        self._session = session if session is not None else _new_session()
        self._timeout = timeout
        self._retry = retry
        self.rate_limiter: RateLimiter = (
            rate_limiter if rate_limiter is not None else SlidingWindowRateLimiter()
        )
        self.cache = cache

    def __repr__(self) -> str:
        return f"YouScoreClient(base_url={self.base_url!r}, keys={self._keys!r})"

    def __enter__(self) -> YouScoreClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    @property
    def configured_modules(self) -> frozenset[YouScoreModule]:
        return self._keys.configured()

    # -- operations ---------------------------------------------------------------------------------

    def get_registry_card(
        self, code: str | CounterpartyCode, *, show_current_data: bool = False
    ) -> RegistryCard | NotFound:
        """The ЄДР card (name, status, address, signers, founders/UBOs, КВЕД, capital). Paid."""
        checked = parse_code(code)
        return self._call(
            YouScoreModule.REGISTRY,
            checked,
            f"/v1/usr/{checked}",
            options={"showCurrentData": _flag(show_current_data)},
            parse=RegistryCard.from_payload,
            missing=_not_found(YouScoreModule.REGISTRY, checked),
        )

    def get_sanctions(self, code: str | CounterpartyCode) -> SanctionsReport:
        """Sanctions on the company, its director, founders or signers, or the sole trader. Paid."""
        checked = parse_code(code)
        return self._call(
            YouScoreModule.SANCTIONS,
            checked,
            "/v1/sanctions",
            identity={"contractorCode": checked.value},
            parse=SanctionsReport.from_payload,
            missing=lambda: SanctionsReport(code=checked.value, found=False),
        )

    def get_tax_debt(self, code: str | CounterpartyCode) -> TaxDebtReport:
        """Tax debt in UAH (a dataset YouScore no longer updates). Paid."""
        checked = parse_code(code)
        return self._call(
            YouScoreModule.TAX_DEBT,
            checked,
            f"/v1/taxDebt/{checked}",
            parse=TaxDebtReport.from_payload,
            missing=lambda: TaxDebtReport(code=checked.value, found=False),
        )

    def get_court_cases(
        self,
        code: str | CounterpartyCode,
        *,
        top: int = MAX_PAGE_SIZE,
        skip: int = 0,
        show_current_data: bool = False,
    ) -> CourtCasesPage:
        """One page (newest first, up to 100) of court cases. Each page is one paid transaction."""
        checked = parse_code(code)
        if not 1 <= top <= MAX_PAGE_SIZE or skip < 0:
            raise ValueError(f"top must be 1..{MAX_PAGE_SIZE} and skip >= 0")
        return self._call(
            YouScoreModule.COURTS,
            checked,
            f"/v1/courtCaseGroup/{checked}",
            options={"Top": str(top), "Skip": str(skip), "showCurrentData": _flag(show_current_data)},
            parse=CourtCasesPage.from_payload,
            missing=lambda: CourtCasesPage(code=checked.value, found=False),
        )

    def get_express_analysis(
        self, code: str | CounterpartyCode, *, show_current_data: bool = False, show_prompt: bool = False
    ) -> ExpressAnalysis | NotFound:
        """Express Analysis: risk index A-D, caution counters and factors. Paid."""
        checked = parse_code(code)
        return self._call(
            YouScoreModule.EXPRESS,
            checked,
            f"/v1/expressAnalysis/{checked}",
            options={"showCurrentData": _flag(show_current_data), "showPrompt": _flag(show_prompt)},
            parse=ExpressAnalysis.from_payload,
            missing=_not_found(YouScoreModule.EXPRESS, checked),
        )

    def get_vat_status(self, code: str | CounterpartyCode, *, show_current_data: bool = False) -> VatStatus:
        """VAT-payer registration; needs the ``vat`` key. Paid."""
        checked = parse_code(code)
        return self._call(
            YouScoreModule.VAT,
            checked,
            f"/v1/vat/{checked}",
            options={"showCurrentData": _flag(show_current_data)},
            parse=VatStatus.from_payload,
            missing=lambda: VatStatus(code=checked.value, found=False),
        )

    def get_financial_scoring(self, code: str | CounterpartyCode) -> FinancialScoring | NotFound:
        """FinScore per year; needs the ``scoring`` key. Paid."""
        checked = parse_code(code)
        return self._call(
            YouScoreModule.SCORING,
            checked,
            f"/v1/financialScoring/{checked}",
            parse=FinancialScoring.from_payload,
            missing=_not_found(YouScoreModule.SCORING, checked),
        )

    def get_key_balance(self, module: YouScoreModule = YouScoreModule.REGISTRY) -> KeyBalance:
        """The module key's remaining paid transactions (free; a cheap connection test). Never cached."""
        payload = self._request(module, "/v1/rateLimits", {}, label="-")
        if isinstance(payload, _NotFoundMarker):
            raise YouScoreApiError(f"YouScore {module}: /v1/rateLimits not found", module=module, status=404)
        return self._parse(module, 200, lambda: KeyBalance.model_validate(payload or {}))

    # -- plumbing -----------------------------------------------------------------------------------

    def _call(
        self,
        module: YouScoreModule,
        code: CounterpartyCode,
        path: str,
        *,
        identity: _Params | None = None,
        options: _Params | None = None,
        parse: Callable[[str, Any], _T],
        missing: Callable[[], _M],
    ) -> _T | _M:
        """Cache, then HTTP; ``identity`` params name the code, ``options`` also key the cache."""
        self._keys.key_for(module)  # ModuleNotConfiguredError before touching the cache
        options = options or {}
        cache_key = CacheKey(module.value, code.value, tuple(sorted(options.items())))
        if self.cache is not None:
            entry = self.cache.get(cache_key)
            if entry is not None:
                _log.debug("youscore %s for %s served from cache", module, code.masked)
                return self._parse(module, 200, lambda: parse(code.value, entry.payload))
        payload = self._request(module, path, {**(identity or {}), **options}, label=code.masked)
        if isinstance(payload, _NotFoundMarker):
            _log.info("youscore %s has no record for %s (404)", module, code.masked)
            return missing()
        result = self._parse(module, 200, lambda: parse(code.value, payload))
        if self.cache is not None:
            self.cache.put(cache_key, payload)
        return result

    def _parse(self, module: YouScoreModule, status: int, build: Callable[[], _T]) -> _T:
        try:
            return build()
        except ValidationError as error:
            raise UnexpectedResponseError(
                f"YouScore {module}: the answer does not have the documented shape "
                f"({error.error_count()} problems, first at {_first_location(error)})",
                module=module.value,
                status=status,
            ) from error

    def _request(self, module: YouScoreModule, path: str, params: _Params, *, label: str) -> Any:
        key = self._keys.key_for(module)
        headers = {"Authorization": f"bearer {key}", "Accept": "application/json"}
        partition = key_fingerprint(key)
        attempt = 0
        while True:
            attempt += 1
            try:
                with self.rate_limiter.slot(partition):
                    response = self._session.get(
                        self.base_url + path, params=params, headers=headers, timeout=self._timeout,
                        allow_redirects=False,  # only the configured host gets our requests
                    )
            except requests.RequestException as exc:
                transient = isinstance(exc, _TRANSIENT_TRANSPORT_ERRORS)
                if transient and self._retry.should_retry(attempt):
                    self._retry.pause(attempt)
                    continue
                failure = YouScoreConnectionError(
                    f"YouScore {module}: no response ({type(exc).__name__})", module=module.value
                )
                failure.is_transient = transient
                raise failure from exc
            status = response.status_code
            if status == 404:
                return _NOT_FOUND
            if 200 <= status < 300 and status != 202:
                return self._decode(module, response)
            error = error_from_response(response, module.value)
            if status == 202:
                _log.info("youscore %s for %s not ready yet (202)", module, label)
                raise error
            if error.is_transient and self._retry.should_retry(attempt, error.retry_after):
                _log.info("youscore %s for %s: HTTP %s, retrying", module, label, status)
                self._retry.pause(attempt, error.retry_after)
                continue
            raise error

    def _decode(self, module: YouScoreModule, response: requests.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as error:
            raise UnexpectedResponseError(
                f"YouScore {module}: HTTP {response.status_code} body is not JSON",
                module=module.value,
                status=response.status_code,
            ) from error


def _not_found(module: YouScoreModule, code: CounterpartyCode) -> Callable[[], NotFound]:
    return lambda: NotFound(module=module.value, code=code.value)


def _first_location(error: ValidationError) -> str:
    errors = error.errors()
    return ".".join(str(part) for part in errors[0]["loc"]) if errors else "?"


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session

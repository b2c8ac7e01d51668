"""The one place that talks HTTP to Nova Poshta: envelope in, envelope out, errors mapped, retries.

Every call is ``POST {base_url}/v2.0/json/`` with ``{"apiKey", "modelName", "calledMethod",
"methodProperties"}``. The answer is HTTP 200 with ``success``; anything else is mapped by
``errors.error_from_envelope`` / ``errors.error_from_http``. Retries happen only here and only when the
caller says the call is safe to repeat.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from connectors.common.retry import RetryPolicy, parse_retry_after
from connectors.novaposhta.errors import (
    NovaPoshtaApiError,
    NovaPoshtaConnectionError,
    NovaPoshtaError,
    error_from_envelope,
    error_from_http,
)

_logger = logging.getLogger("connectors.novaposhta")


@dataclass(frozen=True)
class Envelope:
    """A successful answer: ``data`` rows plus the side channels Nova Poshta fills in."""

    data: list[Any]
    info: Any = None
    warnings: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def total_count(self) -> int | None:
        info = self.info
        if isinstance(info, Mapping):
            for key in ("totalCount", "TotalCount"):
                if key in info:
                    return int(info[key])
        return None

    def first(self) -> Mapping[str, Any]:
        if not self.data or not isinstance(self.data[0], Mapping):
            raise NovaPoshtaApiError(called="response", messages=["success without a data row"])
        return self.data[0]


class Transport:
    def __init__(
        self, base_url: str, api_key: str, session: requests.Session, timeout: float, retry: RetryPolicy
    ) -> None:
        base = base_url.rstrip("/")
        self.url = base if base.endswith("/v2.0/json") else base + "/v2.0/json"
        self.url += "/"
        self._api_key = api_key
        self.session = session
        self.timeout = timeout
        self.retry = retry

    def call(
        self, model: str, method: str, properties: Mapping[str, Any] | None = None, *, safe: bool = True
    ) -> Envelope:
        """One logical call; repeated on transient failure only when ``safe``."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._call_once(model, method, properties or {})
            except NovaPoshtaError as error:
                if not (safe and error.is_transient):
                    raise
                retry_after = error.retry_after
                if not self.retry.should_retry(attempt, retry_after):
                    raise
                _logger.info(
                    "%s.%s failed transiently (attempt %d), retrying: %s", model, method, attempt, error
                )
                self.retry.pause(attempt, retry_after)

    def _call_once(self, model: str, method: str, properties: Mapping[str, Any]) -> Envelope:
        called = f"{model}.{method}"
        body = {
            "apiKey": self._api_key,
            "modelName": model,
            "calledMethod": method,
            "methodProperties": properties,
        }
        try:
            response = self.session.post(
                self.url,
                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"Content-Type": "application/json", "Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,  # a 307 would re-send the body, API key included, to another host
            )
        except requests.Timeout as error:
            raise NovaPoshtaConnectionError("timed out", called=called, timed_out=True) from error
        except requests.RequestException as error:
            raise NovaPoshtaConnectionError(type(error).__name__, called=called) from error
        text = self._scrub(response.text)
        if response.status_code != 200:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise error_from_http(called, response.status_code, retry_after, text)
        try:
            payload = json.loads(text)
        except ValueError as error:
            raise error_from_http(called, 200, None, text) from error
        if isinstance(payload, list) and payload and isinstance(payload[0], dict):
            payload = payload[0]  # answers without apiKey can come wrapped in an array (pitfall 2)
        if not isinstance(payload, dict):
            raise error_from_http(called, 200, None, text)
        if payload.get("success") is not True:
            raise error_from_envelope(called, payload)
        data = payload.get("data")
        warnings = payload.get("warnings") or []
        return Envelope(
            data=list(data) if isinstance(data, list) else ([] if data is None else [data]),
            info=payload.get("info"),
            warnings=tuple(str(w) for w in warnings) if isinstance(warnings, list) else (str(warnings),),
            raw=payload,
        )

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def __repr__(self) -> str:
        return f"Transport(url={self.url!r}, timeout={self.timeout})"

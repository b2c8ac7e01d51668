"""The one place where PayPal calls are sent, authenticated and retried."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import requests

from connectors.common.retry import RetryPolicy
from connectors.paypal.auth import TOKEN_PATH, AccessToken, PayPalCredential, TokenCache
from connectors.paypal.errors import PayPalApiError, PayPalConnectionError, PayPalError, error_from_response

logger = logging.getLogger("connectors.paypal")


def parse_json(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise PayPalApiError(response.status_code, "INVALID_RESPONSE", "response is not JSON") from error


class Transport:
    """Session, token cache and retry loop shared by every ``PayPalClient`` call.

    Retries transient failures (connection errors, timeouts, 429, 5xx) for GETs and for POSTs, which
    always carry a ``PayPal-Request-Id`` (the caller's stable key for unsafe calls, a fresh one for
    safe ones). A 401 drops the cached token and retries once with a new one.
    """

    def __init__(
        self,
        base_url: str,
        credential: PayPalCredential,
        *,
        session: requests.Session | None,
        timeout: float,
        retry: RetryPolicy,
        token_cache: TokenCache | None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credential = credential
        self._session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self._timeout = timeout
        self._retry = retry
        self._tokens = token_cache if token_cache is not None else TokenCache()

    @property
    def client_id(self) -> str:
        return self._credential.client_id

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def _exchange(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> requests.Response:
        try:
            return self._session.request(
                method,
                self.base_url + path,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
                **kwargs,
            )
        except (requests.Timeout, requests.ConnectionError) as error:
            raise PayPalConnectionError(f"{method} {path}: no response ({type(error).__name__})") from error
        except requests.RequestException as error:
            raise PayPalError(f"{method} {path}: request failed ({type(error).__name__})") from error

    def call(
        self,
        method: str,
        path: str,
        *,
        payload: Any = None,
        raw_body: bytes | None = None,
        params: Mapping[str, str] | None = None,
        request_id: str | None = None,
        prefer: str | None = None,
        form: Mapping[str, str] | None = None,
    ) -> requests.Response:
        authenticated = form is None
        headers = {"Accept": "application/json"}
        if method == "POST":
            headers["PayPal-Request-Id"] = request_id or str(uuid.uuid4())
        if prefer:
            headers["Prefer"] = prefer
        kwargs: dict[str, Any] = {"params": params}
        if form is not None:
            headers["Authorization"] = self._credential.basic_authorization()
            kwargs["data"] = dict(form)
        elif raw_body is not None or payload is not None:
            headers["Content-Type"] = "application/json"
            kwargs["data"] = (
                raw_body if raw_body is not None else json.dumps(payload, ensure_ascii=False).encode()
            )
        attempt, refreshed = 0, False
        while True:
            attempt += 1
            token = self._tokens.get(self._fetch_token) if authenticated else ""
            if authenticated:
                headers["Authorization"] = f"Bearer {token}"
            try:
                response = self._exchange(method, path, headers, **kwargs)
            except PayPalConnectionError:
                if not self._retry.should_retry(attempt):
                    raise
                self._retry.pause(attempt)
                continue
            if response.status_code < 400:
                return response
            error = error_from_response(response)
            if error.status == 401 and authenticated and not refreshed:
                self._tokens.invalidate(token)  # expired or revoked: fetch a new one, once
                refreshed, attempt = True, attempt - 1
                continue
            if error.is_transient and self._retry.should_retry(attempt, error.retry_after):
                self._retry.pause(attempt, error.retry_after)
                continue
            logger.warning(
                "PayPal %s %s failed: %s %s debug_id=%s issues=%s",
                method,
                path,
                error.status,
                error.name,
                error.debug_id,
                ",".join(error.issues),
            )
            raise error

    def _fetch_token(self) -> AccessToken:
        now = self._tokens.clock()
        response = self.call("POST", TOKEN_PATH, form={"grant_type": "client_credentials"})
        return AccessToken.from_response(parse_json(response), now=now)

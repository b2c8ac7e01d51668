"""PayPal OAuth2 client credentials: the credential, the token, and a thread-safe cache.

The token request itself goes through the client's single retry loop (``PayPalClient``); this
module only knows what a credential is, what a token looks like and when to fetch a new one.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.paypal.errors import PayPalAuthError

SANDBOX_BASE_URL = "https://api-m.sandbox.paypal.com"
LIVE_BASE_URL = "https://api-m.paypal.com"
TOKEN_PATH = "/v1/oauth2/token"  # noqa: S105 - a URL path, not a secret

DEFAULT_REFRESH_MARGIN = 300.0  # seconds before expiry at which the cached token is replaced


@dataclass(frozen=True)
class PayPalCredential:
    """A REST app's client id and secret. The secret never appears in repr or str."""

    client_id: str
    client_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ValueError("PayPal client_id and client_secret are both required")

    def basic_authorization(self) -> str:
        """The ``Authorization`` header value for the token request."""
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def __str__(self) -> str:
        return f"PayPalCredential(client_id={self.client_id!r})"


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: float  # on the cache's clock (monotonic seconds)
    scope: str = ""
    app_id: str = ""

    @classmethod
    def from_response(cls, body: Any, *, now: float) -> AccessToken:
        """Parse ``{scope, access_token, token_type, app_id, expires_in, nonce}``."""
        if not isinstance(body, Mapping) or not isinstance(body.get("access_token"), str):
            raise PayPalAuthError(200, "INVALID_TOKEN_RESPONSE", "token response has no access_token")
        token_type = str(body.get("token_type") or "Bearer")
        if token_type.lower() != "bearer":
            raise PayPalAuthError(200, "INVALID_TOKEN_RESPONSE", f"unexpected token_type {token_type!r}")
        try:
            expires_in = float(body.get("expires_in") or 0)
        except (TypeError, ValueError):
            expires_in = 0.0
        return cls(
            value=body["access_token"],
            expires_at=now + max(0.0, expires_in),
            scope=str(body.get("scope") or ""),
            app_id=str(body.get("app_id") or ""),
        )


class TokenCache:
    """One token per client, fetched once and replaced ``refresh_margin`` seconds before expiry.

    ``get(fetch)`` is thread-safe: concurrent callers wait for one fetch instead of each asking
    PayPal. For short-lived tokens the margin shrinks to half the lifetime so a token is still used.
    """

    def __init__(
        self, *, refresh_margin: float = DEFAULT_REFRESH_MARGIN, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self._fetched_at = 0.0

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    def _fresh(self, token: AccessToken) -> bool:
        lifetime = token.expires_at - self._fetched_at
        margin = min(self._refresh_margin, lifetime / 2)
        return self._clock() < token.expires_at - margin

    def get(self, fetch: Callable[[], AccessToken]) -> str:
        with self._lock:
            if self._token is None or not self._fresh(self._token):
                fetched_at = self._clock()
                self._token = fetch()
                self._fetched_at = fetched_at
            return self._token.value

    def invalidate(self, value: str) -> None:
        """Drop the cached token if it is still ``value`` (another thread may already have replaced it)."""
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None

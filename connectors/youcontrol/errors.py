"""The YouScore error tree and the one function that maps a response to its error class.

``YouScoreError`` is the base. ``YouScoreConnectionError``: no answer (timeout, refused or dropped
connection). ``YouScoreApiError``: YouScore answered and did not give data; it carries the HTTP status,
the provider's ``code``/``error`` text, the request id, ``retry_after`` and ``is_transient``.

The spec (see reference/providers.md §4.5) documents 200, 202, 400 and 404 and no error body, except the
429 body ``{"code": "Too Many Requests", "error": "..."}``; 401/403 are NOT documented and treated as a
key problem. Messages name the module (``registry``, ``sanctions``...), never a key or a URL.
"""

from __future__ import annotations

from typing import Any

import requests

from connectors.common.retry import parse_retry_after

NOT_READY_DEFAULT_DELAY = 20.0
"""Seconds to wait after a 202 when YouScore gives no Retry-After: a production client saw the repeat
after about 20 s succeed (reference §4.4). Inferred, not documented."""

_REQUEST_ID_HEADERS = ("X-Request-Id", "X-Correlation-Id", "Request-Id")
_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class YouScoreError(Exception):
    """Base of every error raised by ``connectors.youcontrol``."""

    is_transient: bool = False
    retry_after: float | None = None


class InvalidCodeError(YouScoreError, ValueError):
    """The counterparty code is malformed or fails its check digit; raised before any HTTP call.

    ``code`` holds the input as given. The message names it, masking 10-digit (personal) numbers.
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class ModuleNotConfiguredError(YouScoreError):
    """No API key is configured for the module (for example ``vat`` or ``scoring``)."""

    def __init__(self, module: str) -> None:
        super().__init__(f"YouScore module {module!r} has no API key configured")
        self.module = module


class YouScoreConnectionError(YouScoreError):
    """No response: timeout or connection failure. Safe to retry (every YouScore call is a GET)."""

    is_transient = True

    def __init__(self, message: str, *, module: str) -> None:
        super().__init__(message)
        self.module = module


class YouScoreApiError(YouScoreError):
    """YouScore answered without data: status, provider code and text as given, request id."""

    def __init__(
        self,
        message: str,
        *,
        module: str,
        status: int,
        code: str | None = None,
        text: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        is_transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.module = module
        self.status = status
        self.code = code
        self.text = text
        self.request_id = request_id
        self.retry_after = retry_after
        self.is_transient = is_transient


class YouScoreAuthError(YouScoreApiError):
    """401/403: the module's key is missing, wrong, not allowed for this endpoint or this IP."""


class RateLimitedError(YouScoreApiError):
    """429: over 200 requests/min or 50 per 5 s for the key. Transient; honour ``retry_after``."""


class NotReadyError(YouScoreApiError):
    """202 "Update in progress": YouScore is refreshing the registry data. Ask again later.

    Transient and never cached. ``retry_after`` is the server's hint or ``NOT_READY_DEFAULT_DELAY``;
    ``current_data_url`` is set when the body carries one (seen in production, not in the spec).
    """

    def __init__(self, message: str, *, current_data_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.current_data_url = current_data_url


class UnexpectedResponseError(YouScoreApiError):
    """A 200 whose body is not JSON or does not have the documented shape. Not transient."""


def _body_of(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return str(value)[:300] if value not in (None, "") else None


def error_from_response(response: requests.Response, module: str) -> YouScoreApiError:
    """Map a response that carries no data (202, 4xx, 5xx) to its error class."""
    status = response.status_code
    body = _body_of(response)
    fields = body if isinstance(body, dict) else {}
    code = _text(fields.get("code"))
    text = _text(fields.get("error") or fields.get("message") or fields.get("title"))
    request_id = next((response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    common: dict[str, Any] = {
        "module": module,
        "status": status,
        "code": code,
        "text": text,
        "request_id": request_id,
    }
    if status == 202:
        url = fields.get("currentDataUrl")
        return NotReadyError(
            f"YouScore {module}: data update in progress (HTTP 202); ask again later",
            current_data_url=str(url) if url else None,
            retry_after=retry_after if retry_after is not None else NOT_READY_DEFAULT_DELAY,
            is_transient=True,
            **common,
        )
    summary = f"YouScore {module} refused the request: HTTP {status}"
    if text:
        summary += f" ({text})"
    if status in (401, 403):
        return YouScoreAuthError(
            f"YouScore {module}: the module's API key was refused (HTTP {status})", **common
        )
    if status == 429:
        return RateLimitedError(summary, retry_after=retry_after, is_transient=True, **common)
    return YouScoreApiError(
        summary, retry_after=retry_after, is_transient=status in _TRANSIENT_STATUSES, **common
    )

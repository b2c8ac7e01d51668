"""The GMS error tree and the one function that maps a response to its error class.

``GmsError`` is the base. ``GmsConnectionError`` means no answer came back (timeout, refused or
dropped connection), so whether GMS acted on the request is unknown. ``GmsApiError`` means GMS
answered and said no: a 4xx/5xx status, or an ``{"error_code": ..., "error_text": ...}`` body, which
GMS also sends with HTTP 200. Messages never contain credentials or the request body.
"""

from __future__ import annotations

from typing import Any

import requests

from connectors.common.retry import parse_retry_after

# Provider error codes known to be temporary. GMS does not publish which of its codes are transient
# (its "Statuses" section is not public); none is known, so every error body counts as permanent.
# Add a code here once GMS confirms it may succeed when retried.
_TRANSIENT_ERROR_CODES: frozenset[int] = frozenset()

_REQUEST_ID_HEADERS = ("X-Request-Id", "X-Request-ID", "Request-Id")


class GmsError(Exception):
    """Base of every error raised by the GMS connector."""

    is_transient: bool = False


class GmsConnectionError(GmsError):
    """No response: timeout or connection failure. GMS may or may not have acted on the request."""

    is_transient = True


class GmsApiError(GmsError):
    """GMS answered and refused: HTTP status, provider ``code`` and ``text`` as GMS gave them."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | None = None,
        text: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        is_transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.text = text
        self.request_id = request_id
        self.retry_after = retry_after
        self.is_transient = is_transient


class GmsAuthenticationError(GmsApiError):
    """401/403: the login, password or client id is wrong. Never transient."""


class GmsNotFoundError(GmsApiError):
    """404: GMS does not know the message id or extra_id asked about."""


class GmsBatchError(GmsError):
    """A chunk of a mass send failed after earlier chunks were accepted.

    ``completed`` holds the results of the chunks GMS accepted, in input order; ``pending_count``
    is how many requests (from the failed chunk on) were not confirmed. The cause is chained.
    """

    def __init__(self, message: str, *, completed: list[Any], pending_count: int, is_transient: bool):
        super().__init__(message)
        self.completed = completed
        self.pending_count = pending_count
        self.is_transient = is_transient


class InvalidDeliveryReportError(GmsError, ValueError):
    """A delivery-report callback body that cannot be parsed; ``field`` names the offending field."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def error_code_of(body: Any) -> int | None:
    """The provider ``error_code`` of a decoded body, or None when the body is not an error body."""
    if isinstance(body, dict) and body.get("error_code") not in (None, 0, "0"):
        try:
            return int(body["error_code"])
        except (TypeError, ValueError):
            return -1
    return None


def error_from_response(response: requests.Response, body: Any = None) -> GmsApiError:
    """Map a refusing response (non-2xx, or 2xx with ``error_code``) to its error class."""
    status = response.status_code
    code = error_code_of(body)
    text = body.get("error_text") if isinstance(body, dict) else None
    text = str(text)[:300] if text is not None else None
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    request_id = next((response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None)
    transient = status == 429 or status >= 500 or (code is not None and code in _TRANSIENT_ERROR_CODES)
    summary = f"GMS refused the request: HTTP {status}"
    if code is not None:
        summary += f", error {code}"
    if text:
        summary += f" ({text})"
    kind: type[GmsApiError] = GmsApiError
    if status in (401, 403):
        kind = GmsAuthenticationError
    elif status == 404:
        kind = GmsNotFoundError
    return kind(
        summary,
        status=status,
        code=code,
        text=text,
        request_id=request_id,
        retry_after=retry_after,
        is_transient=transient,
    )

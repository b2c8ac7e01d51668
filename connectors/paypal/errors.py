"""PayPal error tree and the one function that maps a response to its error class.

PayPal REST errors look like ``{"name", "message", "debug_id", "information_link", "details": [...]}``;
the OAuth endpoint answers ``{"error", "error_description"}`` instead. Branch on ``details[].issue``
(stable), never on descriptions (the spec says they may change).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from connectors.common.retry import parse_retry_after

_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class PayPalError(Exception):
    """Base of every error raised by ``connectors.paypal``."""


class PayPalConnectionError(PayPalError):
    """No usable response: timeout, refused connection, TLS failure, dropped connection.

    For a keyed POST the request may still have taken effect; retry with the same PayPal-Request-Id.
    """

    is_transient = True
    retry_after: float | None = None


class UnsupportedCurrencyError(PayPalError):
    """The currency is not one PayPal accepts (UAH is the common case). Raised before any call."""

    def __init__(self, currency: str) -> None:
        super().__init__(f"currency {currency!r} is not supported by PayPal")
        self.currency = currency


class AmountPrecisionError(PayPalError):
    """The amount has more decimals than the currency allows (e.g. JPY 10.5), or is not a number."""


class UnknownStatusError(PayPalError):
    """PayPal sent a status this code does not know; better to stop than to guess a payment state."""


class WebhookVerificationError(PayPalError):
    """A webhook delivery failed verification; the message says why (and never contains secrets)."""


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of PayPal's ``details[]``: ``issue`` is the stable machine code."""

    issue: str
    field: str | None = None
    value: str | None = None
    location: str | None = None
    description: str | None = None


class PayPalApiError(PayPalError):
    """PayPal answered and said no. ``name`` is PayPal's error name (or the OAuth ``error`` code)."""

    def __init__(
        self,
        status: int,
        name: str,
        message: str,
        *,
        debug_id: str | None = None,
        details: tuple[ErrorDetail, ...] = (),
        information_link: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.name = name
        self.message = message
        self.debug_id = debug_id
        self.details = details
        self.information_link = information_link
        self.retry_after = retry_after
        issues = ", ".join(_describe(detail) for detail in details)
        text = f"PayPal {status} {name}: {message}"
        if issues:
            text += f" [{issues}]"
        if debug_id:
            text += f" (debug_id={debug_id})"
        super().__init__(text)

    @property
    def is_transient(self) -> bool:
        return self.status in _TRANSIENT_STATUSES

    @property
    def issues(self) -> tuple[str, ...]:
        return tuple(detail.issue for detail in self.details)

    def has_issue(self, issue: str) -> bool:
        return issue in self.issues


class PayPalAuthError(PayPalApiError):
    """401/403 or an OAuth refusal (bad client id/secret, expired or insufficient token)."""


class PayPalValidationError(PayPalApiError):
    """400 INVALID_REQUEST or 422 UNPROCESSABLE_ENTITY: our data was refused; see ``details``."""


class PayPalNotFoundError(PayPalApiError):
    """404 RESOURCE_NOT_FOUND (unknown invoice or order id)."""


class PayPalConflictError(PayPalApiError):
    """409: the resource is in a state that forbids the call."""


class PayPalRateLimitError(PayPalApiError):
    """429 RATE_LIMIT_REACHED; ``retry_after`` holds the server's hint when it sent one."""


class PayPalServerError(PayPalApiError):
    """5xx: PayPal's side failed. A keyed call may still have taken effect; retry with the same key."""


def _describe(detail: ErrorDetail) -> str:
    return f"{detail.field}: {detail.issue}" if detail.field else detail.issue


def _error_class(status: int) -> type[PayPalApiError]:
    if status in (401, 403):
        return PayPalAuthError
    if status in (400, 422):
        return PayPalValidationError
    if status == 404:
        return PayPalNotFoundError
    if status == 409:
        return PayPalConflictError
    if status == 429:
        return PayPalRateLimitError
    if status >= 500:
        return PayPalServerError
    return PayPalApiError


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _details(raw: Any) -> tuple[ErrorDetail, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        ErrorDetail(
            issue=str(item.get("issue") or "UNKNOWN"),
            field=_text(item.get("field")),
            value=_text(item.get("value")),
            location=_text(item.get("location")),
            description=_text(item.get("description")),
        )
        for item in raw
        if isinstance(item, Mapping)
    )


def error_from_response(response: requests.Response) -> PayPalApiError:
    """Build the typed error for a non-2xx PayPal response (REST or OAuth body, or no JSON at all)."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    debug_id = response.headers.get("PayPal-Debug-Id")
    try:
        body: Any = json.loads(response.content.decode("utf-8")) if response.content else None
    except (UnicodeDecodeError, ValueError):
        body = None
    cls = _error_class(status)
    if isinstance(body, Mapping) and "name" in body:
        return cls(
            status,
            str(body["name"]),
            str(body.get("message") or ""),
            debug_id=_text(body.get("debug_id")) or debug_id,
            details=_details(body.get("details")),
            information_link=_text(body.get("information_link")),
            retry_after=retry_after,
        )
    if isinstance(body, Mapping) and "error" in body:  # OAuth shape
        oauth_cls = PayPalAuthError if status in (400, 401, 403) else cls
        return oauth_cls(
            status,
            str(body["error"]),
            str(body.get("error_description") or ""),
            debug_id=debug_id,
            retry_after=retry_after,
        )
    reason = response.reason or "no error body"
    return cls(status, f"HTTP_{status}", str(reason), debug_id=debug_id, retry_after=retry_after)

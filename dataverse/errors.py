"""The Dataverse client's error tree and the one function that maps a response to it.

``DataverseConnectionError`` means no response arrived (timeout, refused, reset); ``DataverseApiError``
means Dataverse answered and said no. The API error carries the HTTP status, the Dataverse error code
(a hex string such as ``0x80040237``, often empty), its message, the request id, ``retry_after`` and
``is_transient``. Messages never contain tokens or secrets: they come from Dataverse's error body only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connectors.common.retry import parse_retry_after

__all__ = [
    "AlreadyExistsError",
    "AuthError",
    "ConcurrencyError",
    "CredentialError",
    "DataverseApiError",
    "DataverseConnectionError",
    "DataverseError",
    "DuplicateRecordError",
    "NotFoundError",
    "PreconditionFailedError",
    "ThrottledError",
    "ValidationError",
    "error_from_parts",
]

DUPLICATE_RECORD_CODE = "0x80040237"
CONCURRENCY_VERSION_MISMATCH_CODE = "0x80060882"
THROTTLE_CODES = frozenset(
    {
        "0x80072322",  # number of requests
        "0x80072321",  # combined execution time
        "0x80072326",  # concurrent requests
        "-2147015902",
        "-2147015903",
        "-2147015898",
    }
)
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_MESSAGE = 500


class DataverseError(Exception):
    """Base of every error the Dataverse client raises."""


class CredentialError(DataverseError):
    """No access token could be obtained (Entra answered with an error or could not be reached)."""


class DataverseConnectionError(DataverseError):
    """No response from Dataverse: timeout, refused or reset connection. Always transient."""

    is_transient = True
    retry_after: float | None = None


class DataverseApiError(DataverseError):
    """Dataverse answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str = "",
        request_id: str | None = None,
        retry_after: float | None = None,
        is_transient: bool | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after
        self.is_transient = status in TRANSIENT_STATUSES if is_transient is None else is_transient
        super().__init__(f"{status} {code or '-'}: {message}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r}, "
            f"request_id={self.request_id!r})"
        )


class ValidationError(DataverseApiError):
    """400: the request or its data was refused (unknown column, wrong type, bad query)."""


class AuthError(DataverseApiError):
    """401/403: the token was refused or the application user lacks a privilege."""


class NotFoundError(DataverseApiError):
    """404: the row (or the entity set, or the action) does not exist."""


class DuplicateRecordError(DataverseApiError):
    """A row with the same primary or alternate key already exists (412 on create-only upsert)."""


class PreconditionFailedError(DataverseApiError):
    """412 on an ETag check: the row changed since it was read (optimistic concurrency)."""


class ThrottledError(DataverseApiError):
    """429 service protection limit; ``retry_after`` says how long to pause all work."""


AlreadyExistsError = DuplicateRecordError
ConcurrencyError = PreconditionFailedError


def error_from_parts(status: int, headers: Mapping[str, str], body: bytes | str | Any) -> DataverseApiError:
    """Map an error response (status, headers, raw or parsed body) to its error class."""
    code, message = _code_and_message(body)
    lowered = {name.lower(): value for name, value in headers.items()}
    request_id = lowered.get("x-ms-service-request-id") or lowered.get("req_id") or lowered.get("request-id")
    retry_after = parse_retry_after(lowered.get("retry-after"))
    message = message or _default_message(status)
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "request_id": request_id,
        "retry_after": retry_after,
    }
    if status == 429 or code in THROTTLE_CODES:
        return ThrottledError(message, is_transient=True, **kwargs)
    if code == DUPLICATE_RECORD_CODE or (status == 412 and "already exists" in message.lower()):
        return DuplicateRecordError(message, **kwargs)
    if status == 412:
        return PreconditionFailedError(message, **kwargs)
    if status == 404:
        return NotFoundError(message, **kwargs)
    if status in (401, 403):
        return AuthError(message, **kwargs)
    if status == 400:
        return ValidationError(message, **kwargs)
    return DataverseApiError(message, **kwargs)


def _code_and_message(body: bytes | str | Any) -> tuple[str, str]:
    payload: Any = body
    if isinstance(body, bytes | str):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            payload = json.loads(text) if text.strip() else None
        except ValueError:
            return "", text.strip()[:_MAX_MESSAGE]
    if isinstance(payload, Mapping):
        error = payload.get("error")
        if isinstance(error, Mapping):
            code = str(error.get("code") or "")
            message = str(error.get("message") or "")
            return code, message[:_MAX_MESSAGE]
        if isinstance(error, str):
            return "", error[:_MAX_MESSAGE]
    return "", ""


def _default_message(status: int) -> str:
    return {
        400: "Bad request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        412: "Precondition failed",
        429: "Too many requests",
    }.get(status, f"HTTP {status}")

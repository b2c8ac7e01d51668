"""RFC 9457 problem details, the single error shape every endpoint answers with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal error",
    502: "Bad gateway",
    503: "Service unavailable",
}


@dataclass
class Problem(Exception):
    """An error that maps to one HTTP response. Raise it from a use case or an adapter."""

    status: int
    detail: str
    title: str | None = None
    type: str = "about:blank"
    errors: list[dict[str, Any]] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title or _TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extensions)
        return body

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str).encode("utf-8")

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": PROBLEM_JSON}
        if self.retry_after is not None:
            headers["Retry-After"] = str(max(1, round(self.retry_after)))
        return headers


def field_path(location: tuple[int | str, ...]) -> str:
    """('recipients', 3, 'to') -> 'recipients[3].to'."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def validation_problem(error: ValidationError, *, status: int = 422, prefix: str = "") -> Problem:
    """A pydantic error as a problem whose ``errors`` name each field (JSON path) and why."""
    errors = [
        {
            "field": (prefix + field_path(tuple(item["loc"])))
            if item["loc"]
            else (prefix.rstrip(".") or "body"),
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_url=False)
    ]
    names = ", ".join(dict.fromkeys(entry["field"] for entry in errors))
    return Problem(status, f"Invalid value for {names}.", errors=errors)

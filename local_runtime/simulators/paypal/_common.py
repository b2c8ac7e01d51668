"""Shared pieces of the PayPal simulator: ids, PayPal-shaped errors, money rules, clock."""

from __future__ import annotations

import random
import string
import threading
import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from local_runtime.loopback import Response

# The provider's own rules (kept here, not imported from the client, so a client mistake is caught).
SUPPORTED_CURRENCIES = frozenset(
    "AUD BRL CAD CNY CZK DKK EUR HKD HUF ILS JPY MYR MXN TWD NZD NOK PHP PLN GBP SGD SEK CHF THB USD".split()  # noqa: SIM905
)
ZERO_DECIMAL_CURRENCIES = frozenset({"HUF", "JPY", "TWD"})

_ALPHANUMERIC = string.ascii_uppercase + string.digits


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decimals(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


def money(amount: Decimal, currency: str) -> dict[str, str]:
    exponent = Decimal(1).scaleb(-decimals(currency))
    return {"currency_code": currency, "value": f"{amount.quantize(exponent):f}"}


class Ids:
    """Seeded, thread-safe id source so a run with the same seed produces the same ids."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def text(self, length: int, alphabet: str = _ALPHANUMERIC) -> str:
        with self._lock:
            return "".join(self._random.choice(alphabet) for _ in range(length))

    def uuid(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def invoice(self) -> str:
        return "INV2-" + "-".join(self.text(4) for _ in range(4))

    def resource(self) -> str:  # orders, captures, refunds: 17 upper-case alphanumerics
        return self.text(17)

    def event(self) -> str:
        return f"WH-{self.text(17)}-{self.text(17)}"

    def debug_id(self) -> str:
        return self.text(13, "0123456789abcdef")

    def token(self) -> str:
        return "A21AA" + self.text(60, string.ascii_letters + string.digits + "-_")


class ApiError(Exception):
    """A PayPal-shaped refusal raised by the simulator's handlers and turned into a response."""

    def __init__(self, status: int, name: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(f"{status} {name}")
        self.status = status
        self.name = name
        self.message = message
        self.details = details or []

    def response(self, debug_id: str, headers: dict[str, str] | None = None) -> Response:
        body: dict[str, Any] = {"name": self.name, "message": self.message, "debug_id": debug_id}
        if self.details:
            body["details"] = self.details
        body["links"] = [
            {"href": "https://developer.paypal.com/docs/api/overview/#error", "rel": "information_link"}
        ]
        return Response.json(body, self.status, {"PayPal-Debug-Id": debug_id, **(headers or {})})


def detail(
    field: str, issue: str, description: str, value: Any = None, location: str = "body"
) -> dict[str, Any]:
    item: dict[str, Any] = {"field": field, "location": location, "issue": issue, "description": description}
    if value is not None:
        item["value"] = str(value)
    return item


def missing(field: str) -> dict[str, Any]:
    return detail(field, "MISSING_REQUIRED_PARAMETER", "A required field / parameter is missing.")


def invalid_request(details: list[dict[str, Any]]) -> ApiError:
    return ApiError(
        400,
        "INVALID_REQUEST",
        "Request is not well-formed, syntactically incorrect, or violates schema.",
        details,
    )


def unprocessable(field: str, issue: str, description: str, value: Any = None) -> ApiError:
    return ApiError(
        422,
        "UNPROCESSABLE_ENTITY",
        "The requested action could not be performed, semantically incorrect, or failed business validation.",
        [detail(field, issue, description, value)],
    )


def not_found(resource_id: str) -> ApiError:
    return ApiError(
        404,
        "RESOURCE_NOT_FOUND",
        "The specified resource does not exist.",
        [detail("id", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.", resource_id, "path")],
    )


def parse_money(raw: Any, field: str) -> tuple[str, Decimal]:
    """Validate a ``money`` object like PayPal: 400 for shape, 422 for currency and decimals."""
    if not isinstance(raw, dict):
        raise invalid_request([missing(field)])
    errors = [missing(f"{field}/{name}") for name in ("currency_code", "value") if not raw.get(name)]
    if errors:
        raise invalid_request(errors)
    currency, text = raw["currency_code"], raw["value"]
    value = _decimal(text)
    if value is None:
        raise invalid_request([detail(f"{field}/value", "INVALID_PARAMETER_SYNTAX", _SYNTAX, text)])
    if currency not in SUPPORTED_CURRENCIES:
        raise unprocessable(f"{field}/currency_code", "CURRENCY_NOT_SUPPORTED", _CURRENCY, currency)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals(currency):
        raise unprocessable(f"{field}/value", "DECIMAL_PRECISION", _PRECISION, text)
    return currency, value


_SYNTAX = "The value of a field does not conform to the expected format."
_CURRENCY = "Currency code is not supported."
_PRECISION = "The value of the field should not be more than allowed decimals for the currency."


def _decimal(text: Any) -> Decimal | None:
    if not isinstance(text, str):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


class OAuthError(ApiError):
    """The OAuth error shape: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(status, error, description)

    def response(self, debug_id: str, headers: dict[str, str] | None = None) -> Response:
        body = {"error": self.name, "error_description": self.message}
        return Response.json(body, self.status, {"PayPal-Debug-Id": debug_id, **(headers or {})})

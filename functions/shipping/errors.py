"""Nova Poshta failures and waybill-model validation errors as problem+json.

- Nova Poshta refused our data (``success: false``): 422 with its codes and texts.
- It refused to delete a waybill: 409 with its reason.
- Our API key was refused: 502 (the app's configuration, not the caller's input).
- No answer, 5xx, 429 or a rate-limit envelope: 503 (502 for no answer at all) with Retry-After.
"""

from __future__ import annotations

from pydantic import ValidationError

from connectors.novaposhta import (
    NovaPoshtaApiError,
    NovaPoshtaAuthenticationError,
    NovaPoshtaConnectionError,
    NovaPoshtaError,
    WaybillNotDeletableError,
)
from functions.common.problems import Problem, validation_problem

DEFAULT_RETRY_AFTER = 30.0
# WaybillRequest field -> the request field the caller sent it in.
_FIELDS = {
    "weight": "parcel.weight",
    "seats": "parcel",
    "seats_amount": "parcel.seats_amount",
    "volume": "parcel",
    "description": "parcel.description",
    "declared_value": "parcel.declared_value",
    "payment_method": "parcel.payment_method",
    "cash_on_delivery": "parcel.cash_on_delivery",
    "recipient": "recipient",
    "destination": "destination",
    "sender": "sender_profile",
    "send_date": "send_date",
}


def provider_problem(error: NovaPoshtaError) -> Problem:
    if isinstance(error, NovaPoshtaConnectionError):
        return Problem(502, "Nova Poshta did not answer; try again later.", retry_after=DEFAULT_RETRY_AFTER)
    if error.is_transient:
        return Problem(
            503,
            f"Nova Poshta is unavailable: {_text(error)}",
            retry_after=error.retry_after or DEFAULT_RETRY_AFTER,
            extensions=_provider_details(error),
        )
    if isinstance(error, NovaPoshtaAuthenticationError):
        return Problem(
            502, "Nova Poshta refused the configured API key.", extensions=_provider_details(error)
        )
    if isinstance(error, WaybillNotDeletableError):
        return Problem(
            409,
            f"Nova Poshta will not delete this waybill: {_text(error)}",
            extensions=_provider_details(error),
        )
    return Problem(
        422,
        f"Nova Poshta refused the request: {_text(error)}",
        errors=[{"field": "novaposhta", "message": message, "code": code} for code, message in _pairs(error)],
        extensions=_provider_details(error),
    )


def waybill_problem(error: ValidationError) -> Problem:
    """A ``WaybillRequest`` validation failure, with fields named as the caller sent them."""
    problem = validation_problem(error)
    for item in problem.errors:
        head, _, rest = str(item["field"]).partition(".")
        mapped = _FIELDS.get(head, head)
        item["field"] = f"{mapped}.{rest}" if rest and mapped == head else mapped
    names = ", ".join(dict.fromkeys(str(item["field"]) for item in problem.errors))
    problem.detail = f"Invalid value for {names}."
    return problem


def _text(error: NovaPoshtaError) -> str:
    if isinstance(error, NovaPoshtaApiError):
        return error.message
    return str(error)


def _pairs(error: NovaPoshtaError) -> list[tuple[str | None, str]]:
    if not isinstance(error, NovaPoshtaApiError):
        return [(None, str(error))]
    codes = list(error.codes)
    return [
        (codes[i] if i < len(codes) else None, text)
        for i, text in enumerate(error.messages or [error.message])
    ]


def _provider_details(error: NovaPoshtaError) -> dict[str, object]:
    if not isinstance(error, NovaPoshtaApiError):
        return {"provider": "novaposhta"}
    return {
        "provider": "novaposhta",
        "provider_codes": list(error.codes),
        "provider_errors": list(error.messages),
    }

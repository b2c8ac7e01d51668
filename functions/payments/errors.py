"""Provider and Dataverse failures as problems: PayPal's refusal of our data is 422 with its issues, a
state conflict 409, an outage 503 (with Retry-After where known), our own credentials refused 502."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from connectors.paypal import (
    PayPalApiError,
    PayPalAuthError,
    PayPalConflictError,
    PayPalConnectionError,
    PayPalError,
    PayPalNotFoundError,
    PayPalValidationError,
    UnsupportedCurrencyError,
)
from dataverse import DataverseApiError, DataverseConnectionError, DataverseError
from functions.common.problems import Problem

logger = logging.getLogger("smart.payments")

STATUS_CONFLICT_ISSUES = frozenset({"INVALID_INVOICE_STATUS", "CANNOT_CANCEL_INVOICE", "INVALID_STATUS"})


def problem_from_paypal(error: PayPalError, *, what: str = "PayPal") -> Problem:
    """The problem a caller gets for a PayPal failure (never a 500, never PayPal's secrets)."""
    if isinstance(error, UnsupportedCurrencyError):
        return Problem(422, str(error), errors=[{"field": "currency", "message": "not a PayPal currency"}])
    if isinstance(error, PayPalConnectionError):
        return Problem(503, f"{what} did not answer; try again later.", retry_after=30)
    if not isinstance(error, PayPalApiError):
        return Problem(502, f"{what} answered something unexpected: {error}.")
    extensions = {k: v for k, v in (("provider_code", error.name), ("debug_id", error.debug_id)) if v}
    issues = [
        {
            "field": detail.field or "paypal",
            "message": detail.description or detail.issue,
            "issue": detail.issue,
        }
        for detail in error.details
    ]
    if isinstance(error, PayPalNotFoundError):
        return Problem(404, f"{what}: PayPal does not know this invoice.", extensions=extensions)
    if isinstance(error, PayPalConflictError) or STATUS_CONFLICT_ISSUES.intersection(error.issues):
        return Problem(409, f"{what}: {error.message}", errors=issues, extensions=extensions)
    if isinstance(error, PayPalValidationError):
        return Problem(
            422, f"PayPal refused the invoice: {error.message}", errors=issues, extensions=extensions
        )
    if isinstance(error, PayPalAuthError):
        logger.error("PayPal refused our credentials (%s, debug_id %s)", error.name, error.debug_id)
        return Problem(502, "PayPal refused this app's credentials; check the PAYPAL_* settings.")
    if error.is_transient:
        return Problem(
            503,
            f"{what} is unavailable ({error.status}); try again later.",
            retry_after=error.retry_after or 30,
        )
    return Problem(502, f"{what} failed: {error.status} {error.name}.", extensions=extensions)


def problem_from_dataverse(error: DataverseError) -> Problem:
    if isinstance(error, DataverseConnectionError) or (
        isinstance(error, DataverseApiError) and error.is_transient
    ):
        retry_after = getattr(error, "retry_after", None) or 30
        return Problem(
            503, "Dataverse is unavailable or throttling; try again later.", retry_after=retry_after
        )
    logger.error("Dataverse refused a payments request: %s", error)
    return Problem(502, "Dataverse refused the request; see the log for details.")


@contextmanager
def provider_errors(what: str = "PayPal") -> Iterator[None]:
    """Turn PayPal and Dataverse exceptions raised inside the block into problems."""
    try:
        yield
    except PayPalError as error:
        raise problem_from_paypal(error, what=what) from error
    except DataverseError as error:
        raise problem_from_dataverse(error) from error

import json
from typing import Any

import requests

from connectors.paypal import (
    PayPalApiError,
    PayPalAuthError,
    PayPalRateLimitError,
    PayPalServerError,
    PayPalValidationError,
    error_from_response,
)


def _response(status: int, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers.update(headers or {})
    return response


def test_rest_error_body_becomes_a_typed_error_with_details() -> None:
    body = {
        "name": "UNPROCESSABLE_ENTITY",
        "message": "The requested action could not be performed.",
        "debug_id": "b1d1f06c7246c",
        "information_link": "https://developer.paypal.com/docs/api/orders/v2/#error-DUPLICATE_INVOICE_ID",
        "details": [
            {
                "field": "/purchase_units/0/invoice_id",
                "value": "SO-10045",
                "location": "body",
                "issue": "DUPLICATE_INVOICE_ID",
                "description": "Duplicate Invoice ID detected.",
            }
        ],
    }

    error = error_from_response(_response(422, body))

    assert isinstance(error, PayPalValidationError)
    assert (error.status, error.name, error.debug_id) == (422, "UNPROCESSABLE_ENTITY", "b1d1f06c7246c")
    assert error.issues == ("DUPLICATE_INVOICE_ID",)
    assert error.details[0].field == "/purchase_units/0/invoice_id"
    assert "DUPLICATE_INVOICE_ID" in str(error) and "b1d1f06c7246c" in str(error)


def test_oauth_error_body_becomes_an_auth_error() -> None:
    body = {"error": "invalid_client", "error_description": "Client Authentication failed"}

    error = error_from_response(_response(401, body, {"PayPal-Debug-Id": "f00ba4"}))

    assert isinstance(error, PayPalAuthError)
    assert (error.name, error.message, error.debug_id) == (
        "invalid_client",
        "Client Authentication failed",
        "f00ba4",
    )
    assert not error.is_transient


def test_throttling_is_transient_and_keeps_retry_after() -> None:
    body = {"name": "RATE_LIMIT_REACHED", "message": "Too many requests.", "debug_id": "abc"}

    error = error_from_response(_response(429, body, {"Retry-After": "7"}))

    assert isinstance(error, PayPalRateLimitError)
    assert error.is_transient and error.retry_after == 7.0


def test_a_gateway_page_without_json_is_still_a_typed_server_error() -> None:
    error = error_from_response(_response(502, b"<html>Bad Gateway</html>"))

    assert isinstance(error, PayPalServerError)
    assert error.name == "HTTP_502" and error.is_transient


def test_other_client_errors_are_api_errors_and_not_transient() -> None:
    error = error_from_response(_response(415, {"name": "UNSUPPORTED_MEDIA_TYPE", "message": "x"}))

    assert type(error) is PayPalApiError
    assert not error.is_transient

from __future__ import annotations

import json

import pytest

from dataverse import (
    AuthError,
    DataverseApiError,
    DuplicateRecordError,
    NotFoundError,
    PreconditionFailedError,
    ThrottledError,
    ValidationError,
    error_from_parts,
)


def _body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (
            429,
            "0x80072322",
            "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
            ThrottledError,
        ),
        (429, "0x80072326", "Number of concurrent requests exceeded the limit of 52.", ThrottledError),
        (400, "-2147015903", "Combined execution time of incoming requests exceeded limit", ThrottledError),
        (412, "0x80040237", "A record with matching key values already exists.", DuplicateRecordError),
        (412, "", "A record with matching key values already exists.", DuplicateRecordError),
        (
            412,
            "0x80060882",
            "The version of the existing record doesn't match the RowVersion property provided.",
            PreconditionFailedError,
        ),
        (404, "0x80040217", "contact With Id = 0f0c... Does Not Exist", NotFoundError),
        (
            400,
            "0x80048d19",
            "The property 'citty' does not exist on type 'Microsoft.Dynamics.CRM.account'.",
            ValidationError,
        ),
        (401, "", "", AuthError),
        (403, "0x80040220", "Principal user is missing prvReadContact privilege", AuthError),
        (503, "", "Service unavailable", DataverseApiError),
    ],
)
def test_each_dataverse_refusal_maps_to_its_error_class(
    status: int, code: str, message: str, expected: type[DataverseApiError]
) -> None:
    error = error_from_parts(status, {"x-ms-service-request-id": "req-1"}, _body(code, message))
    assert type(error) is expected
    assert (error.status, error.code, error.request_id) == (status, code, "req-1")
    assert error.message == (message or error.message)


def test_throttle_carries_retry_after_and_is_transient() -> None:
    error = error_from_parts(429, {"Retry-After": "7"}, _body("0x80072322", "Number of requests exceeded"))
    assert isinstance(error, ThrottledError)
    assert error.retry_after == 7.0
    assert error.is_transient


def test_server_errors_are_transient_and_client_errors_are_not() -> None:
    assert error_from_parts(503, {}, b"").is_transient
    assert error_from_parts(502, {}, b"<html>bad gateway</html>").is_transient
    assert not error_from_parts(400, {}, _body("", "bad")).is_transient
    assert not error_from_parts(412, {}, _body("0x80060882", "version")).is_transient


def test_a_non_json_error_body_still_gives_a_message() -> None:
    error = error_from_parts(500, {}, b"upstream exploded")
    assert error.message == "upstream exploded"
    assert "500" in str(error)

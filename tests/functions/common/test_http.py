"""Input parsing: every bad body is a 4xx problem naming what is wrong."""

from __future__ import annotations

import azure.functions as func
import pytest
from pydantic import BaseModel, Field

from functions.common.http import endpoint, json_response, parse_json
from functions.common.problems import Problem


class Recipient(BaseModel):
    to: str = Field(min_length=5)


class Send(BaseModel):
    text: str
    recipients: list[Recipient]


def _request(body: bytes, content_type: str = "application/json") -> func.HttpRequest:
    return func.HttpRequest("POST", "http://x/api/send", headers={"content-type": content_type}, body=body)


def _problem(body: bytes, content_type: str = "application/json") -> Problem:
    with pytest.raises(Problem) as caught:
        parse_json(_request(body, content_type), Send)
    return caught.value


def test_wrong_content_type_is_415() -> None:
    assert _problem(b"{}", "text/plain").status == 415


def test_malformed_json_is_400_with_position() -> None:
    problem = _problem(b'{"text": ')
    assert problem.status == 400
    assert "line 1" in problem.detail


def test_invalid_utf8_is_400() -> None:
    assert _problem(b'{"text": "\xff"}').status == 400


def test_empty_body_is_400() -> None:
    assert _problem(b"").status == 400


def test_validation_errors_are_422_naming_each_field_path() -> None:
    problem = _problem(b'{"recipients": [{"to": "+380501234567"}, {"to": "1"}]}')
    assert problem.status == 422
    assert [e["field"] for e in problem.errors] == ["text", "recipients[1].to"]


def test_endpoint_turns_problems_into_problem_json_and_bugs_into_500() -> None:
    @endpoint
    def handler(req: func.HttpRequest) -> func.HttpResponse:
        return json_response(parse_json(req, Send))

    bad = handler(_request(b'{"recipients": []}'))
    assert bad.status_code == 422
    assert bad.headers["Content-Type"] == "application/problem+json"

    @endpoint
    def buggy(req: func.HttpRequest) -> func.HttpResponse:
        raise KeyError("secret-internal-detail")

    response = buggy(_request(b"{}"))
    assert response.status_code == 500
    assert b"secret-internal-detail" not in response.get_body()


def test_a_dataverse_outage_is_a_503_with_retry_after_not_a_500() -> None:
    from dataverse import DataverseApiError, DataverseConnectionError, ThrottledError

    def failing(error: Exception) -> func.HttpResponse:
        @endpoint
        def handler(req: func.HttpRequest) -> func.HttpResponse:
            raise error

        return handler(_request(b"{}"))

    throttled = failing(ThrottledError("429 -: throttled", status=429, retry_after=2.0, is_transient=True))
    assert throttled.status_code == 503
    assert throttled.headers["Retry-After"] == "2"
    assert failing(DataverseConnectionError("no response")).status_code == 503
    refused = failing(DataverseApiError("0x80040237: duplicate key", status=412, is_transient=False))
    assert refused.status_code == 500  # Dataverse refused what we sent: a bug, not an outage

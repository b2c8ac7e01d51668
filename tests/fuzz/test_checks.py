"""The fuzzer's own parts can fail: the answer checks flag each broken property, and the "valid"
generator really produces bodies the documented schemas accept (else the fuzzing would only ever
exercise validation errors)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz._checks import PROBLEM_JSON, answer_problems
from tests.fuzz.test_endpoints import DOCUMENT, OPERATIONS, SCHEMAS, VALIDATOR

HEALTH = next(op for op in OPERATIONS if op.operation_id == "GetHealth")
GOOD_PROBLEM = {"type": "about:blank", "title": "Bad request", "status": 400, "detail": "No."}


def _check(status: int, body: Any, content_type: str = PROBLEM_JSON) -> list[str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return answer_problems(status, {"Content-Type": content_type}, raw, HEALTH.responses, VALIDATOR)


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (500, {**GOOD_PROBLEM, "status": 500}, PROBLEM_JSON),
        (502, {**GOOD_PROBLEM, "status": 502}, PROBLEM_JSON),
        (400, b"Bad request", "text/plain"),
        (400, GOOD_PROBLEM, "application/json"),
        (400, b"{not json", PROBLEM_JSON),
        (400, [GOOD_PROBLEM], PROBLEM_JSON),
        (400, {k: v for k, v in GOOD_PROBLEM.items() if k != "detail"}, PROBLEM_JSON),
        (400, {**GOOD_PROBLEM, "title": ""}, PROBLEM_JSON),
        (404, GOOD_PROBLEM, PROBLEM_JSON),  # status 400 in a 404 answer
        (422, {**GOOD_PROBLEM, "status": 422}, PROBLEM_JSON),  # validation naming no field
        (400, {**GOOD_PROBLEM, "errors": [{"message": "bad"}]}, PROBLEM_JSON),
        (200, {"version": 1}, "application/json"),  # health without status/backends, version not a string
        (200, b"ok", "text/plain"),
    ],
)
def test_each_broken_property_is_flagged(status: int, body: Any, content_type: str) -> None:
    assert _check(status, body, content_type)


def test_answers_that_keep_the_contract_pass() -> None:
    assert _check(400, GOOD_PROBLEM) == []
    errors = [{"field": "recipients[3].phone", "message": "not a phone", "type": "value_error"}]
    assert _check(422, {**GOOD_PROBLEM, "status": 422, "errors": errors}) == []
    health = {"status": "ok", "version": "0.1.0", "backends": {"bus": "local-queue"}}
    assert _check(200, health, "application/json; charset=utf-8") == []


BODIES = [(op.operation_id, op.body) for op in OPERATIONS if op.body is not None]


@pytest.mark.parametrize(("operation_id", "schema"), BODIES, ids=[b[0] for b in BODIES])
@settings(
    max_examples=10, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)
@given(data=st.data())
def test_valid_bodies_conform_to_their_schema(
    operation_id: str, schema: dict[str, Any], data: st.DataObject
) -> None:
    instance = data.draw(SCHEMAS.valid(schema))
    assert VALIDATOR.errors(schema, json.loads(json.dumps(instance))) == [], operation_id


def test_the_document_has_the_definitions_the_checks_need() -> None:
    assert "Problem" in DOCUMENT["definitions"]
    assert HEALTH.responses["200"]["schema"]

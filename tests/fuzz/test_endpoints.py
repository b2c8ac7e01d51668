"""Every HTTP endpoint, fuzzed from its OpenAPI definition through the local runtime.

The definition is generated from the routes and @operation models (``_openapi.build_document``),
so a new endpoint is fuzzed as soon as it exists. For each operation, a fixed number of requests
(derandomized: the same requests on every run): conforming ones that reach the use cases, and
hostile ones (a body broken in one place or replaced by any JSON, any text in path and query
parameters, a wrong content type). Webhooks get their credentials (Dataverse secret header, GMS
URL token, a PayPal signature over the fuzzed body) so the fuzzing reaches their parsers.
Deeper local runs: ``SMART_FUZZ_EXAMPLES=200 SMART_FUZZ_EXPLORE=1 pytest tests/fuzz``.
Properties: ``_checks.answer_problems`` (no 5xx, problem+json errors, 2xx bodies match the schema).
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from function_app import app
from local_runtime.simulators.youcontrol import FIXTURE_CODES
from local_runtime.stack import LocalStack
from tests.fuzz._checks import answer_problems
from tests.fuzz._openapi import FuzzOperation, ResponseValidator, build_document, http_endpoints, operations
from tests.fuzz._strategies import JSON, Schemas, mutated, parameter
from tests.fuzz.conftest import CALLBACK_TOKEN, FUNCTION_KEY, WEBHOOK_SECRET

EXAMPLES_PER_ENDPOINT = int(os.environ.get("SMART_FUZZ_EXAMPLES", "20"))
DERANDOMIZE = not os.environ.get("SMART_FUZZ_EXPLORE")  # set it to explore new inputs, never in CI

ENDPOINTS = http_endpoints(app)
DOCUMENT = build_document(ENDPOINTS)
OPERATIONS = operations(DOCUMENT, ENDPOINTS)
SCHEMAS = Schemas(DOCUMENT["definitions"])
VALIDATOR = ResponseValidator(DOCUMENT)
CONTENT_TYPES = ("application/json",) * 4 + ("text/plain", "application/x-www-form-urlencoded")
# Real values by parameter name (the simulators know them), so some requests get past validation.
KNOWN: dict[str, tuple[str, ...]] = {
    "code": tuple(FIXTURE_CODES.values()),
    "number": ("20450000000001", "59000000000000"),
    "settlement": ("8d5a980d-391c-11dd-90d9-001a92567626", "db5c88f5-391c-11dd-90d9-001a92567626"),
    "q": ("Київ", "Львів", "1"),
    "id": ("INV2-Z56S-5LLA-Q52L-CPZ5",),
}
# Real bodies by operation: drawn as they are or broken in one place (next to the generated ones).
KNOWN_BODIES: dict[str, tuple[dict[str, Any], ...]] = {
    "CreateInvoice": (
        {
            "idempotency_key": "fuzz-invoice-1",
            "currency": "EUR",
            "customer": {"email": "buyer@example.org"},
            "items": [{"name": "Consulting", "unit_amount": "300.00"}],
        },
    ),
    "GetShippingQuote": ({"recipient_city_ref": "db5c88f5-391c-11dd-90d9-001a92567626", "weight": "1.5"},),
    "SendMessageBatch": (
        {"text": "Hello", "purpose": "transactional", "recipients": [{"to": "+380671234567"}]},
    ),
    "SendMessage": ({"to": "+380671234567", "text": "Your parcel is ready.", "purpose": "transactional"},),
    "TrackShipment": ({"number": "20450000000001", "order_id": "7b2c9d4e-5f60-4a1b-8c2d-3e4f5a6b7c8d"},),
}


def test_the_document_covers_every_http_function() -> None:
    documented = {op.operation_id for op in OPERATIONS}
    assert documented == {e.operation.operation_id for e in ENDPOINTS}
    assert len(OPERATIONS) >= 30  # every capability's endpoints are in, webhooks and internal ones too


def _request(data: st.DataObject, op: FuzzOperation, stack: LocalStack) -> dict[str, Any]:
    hostile = data.draw(st.sampled_from([False, False, True]), label="hostile")
    path = op.path
    for p in op.parameters_in("path"):
        path = path.replace("{" + p["name"] + "}", quote(_parameter(data, p, hostile), safe=""))
    params = {
        p["name"]: _parameter(data, p, hostile)
        for p in op.parameters_in("query")
        if p.get("required") or data.draw(st.booleans(), label=f"send {p['name']}")
    }
    headers = {"x-functions-key": FUNCTION_KEY} if op.auth_level != "anonymous" else {}
    body = _body(data, op, hostile)
    if body is not None:
        kinds = CONTENT_TYPES if hostile else CONTENT_TYPES[:1]
        headers["Content-Type"] = data.draw(st.sampled_from(kinds), label="content type")
    _authenticate_webhook(op, headers, params, body or b"", stack)
    url = f"{stack.url}/api{path}"
    return {"method": op.method, "url": url, "params": params, "headers": headers, "data": body}


def _parameter(data: st.DataObject, p: dict[str, Any], hostile: bool) -> str:
    known = KNOWN.get(p["name"], ())
    return data.draw(parameter(p, SCHEMAS, hostile=hostile, known=known), label=p["name"])


def _body(data: st.DataObject, op: FuzzOperation, hostile: bool) -> bytes | None:
    if op.body is None:
        if op.method not in ("POST", "PUT", "PATCH"):
            return None
        document = data.draw(st.none() | JSON, label="body")
        return None if document is None else json.dumps(document, ensure_ascii=False).encode()
    kind = data.draw(st.sampled_from(["valid", "mutant", "json"] if hostile else ["valid"]), label="body")
    valid = SCHEMAS.valid(op.body)
    examples = KNOWN_BODIES.get(op.operation_id, ())
    if examples:
        valid = st.sampled_from(examples).map(copy.deepcopy) | valid
    strategy = {"valid": valid, "mutant": mutated(valid), "json": JSON}[kind]
    return json.dumps(data.draw(strategy, label="body"), ensure_ascii=False).encode()


def _authenticate_webhook(
    op: FuzzOperation, headers: dict[str, str], params: dict[str, str], body: bytes, stack: LocalStack
) -> None:
    if op.operation_id == "ReceiveDataverseEvent":
        headers["X-Webhook-Secret"] = WEBHOOK_SECRET
    elif op.operation_id == "ReceiveGmsReports":
        params["token"] = CALLBACK_TOKEN
    elif op.operation_id == "ReceivePayPalWebhook":
        headers.update(stack.stand_ins["paypal"].sign(body))


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
@settings(
    max_examples=EXAMPLES_PER_ENDPOINT,
    derandomize=DERANDOMIZE,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_every_answer_keeps_the_contract(
    op: FuzzOperation, stack: LocalStack, http: requests.Session, data: st.DataObject
) -> None:
    request = _request(data, op, stack)
    response = http.request(timeout=30, **request)
    found = answer_problems(response.status_code, response.headers, response.content, op.responses, VALIDATOR)
    sent = (request["data"] or b"")[:300]
    assert not found, f"{op.method} {response.url} body={sent!r}: " + "; ".join(found)


JSON_BODY_OPERATIONS = [op for op in OPERATIONS if op.body is not None]
DEEP = b"[" * 10_000 + b"]" * 10_000


@pytest.mark.parametrize("op", JSON_BODY_OPERATIONS, ids=lambda op: op.operation_id)
def test_a_deeply_nested_body_is_a_4xx_problem_on_every_json_endpoint(
    op: FuzzOperation, stack: LocalStack, http: requests.Session
) -> None:
    path = op.path
    for p in op.parameters_in("path"):
        path = path.replace("{" + p["name"] + "}", "00000000-0000-0000-0000-000000000001")
    headers = {"x-functions-key": FUNCTION_KEY, "Content-Type": "application/json"}
    response = http.request(op.method, f"{stack.url}/api{path}", data=DEEP, headers=headers, timeout=30)
    found = answer_problems(response.status_code, response.headers, response.content, op.responses, VALIDATOR)
    assert 400 <= response.status_code < 500 and not found, (response.status_code, found)

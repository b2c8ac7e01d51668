"""Hostile payloads on the three webhooks, each sent WITH valid credentials (so it reaches the parser):
huge, deeply nested, wrongly typed, invalid UTF-8, empty, not JSON. Every one is refused with a 4xx
problem+json and nothing is queued. Replays are in ``test_webhooks_replay``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_runtime.host import DEFAULT_MAX_BODY_BYTES
from local_runtime.stack import LocalStack
from tests.fuzz._checks import PROBLEM_JSON, problem_details_problems
from tests.fuzz._webhooks import WEBHOOKS, Webhook, queued, settle

DATAVERSE_EVENT = Path(__file__).resolve().parents[1] / "dataverse" / "fixtures" / "create_account.json"
DEPTH = 10_000

HOSTILE: dict[str, bytes] = {
    "empty": b"",
    "whitespace": b"  \r\n\t ",
    "not-json": b"<event>hello</event>",
    "truncated-json": b'{"id": "WH-1", "event_type": ',
    "nan": b'{"value": NaN}',
    "string": b'"just a string"',
    "number": b"42",
    "null": b"null",
    "list-of-numbers": b"[1, 2, 3]",
    "empty-object": b"{}",
    "empty-list": b"[]",
    "deep-arrays": b"[" * DEPTH + b"]" * DEPTH,
    "deep-objects": b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    "deep-inside-a-field": b'{"id": "x", "resource": ' + b"[" * DEPTH + b"]" * DEPTH + b"}",
    "invalid-utf8": b'{"id": "\xff\xfe\xfd", "event_type": "\xc0\xaf"}',
    "lone-surrogate-escape": b'{"id": "\\ud800", "number": "\\udfff"}',
    "bom-then-garbage": b"\xef\xbb\xbf\xff",
    "big-string": b'{"id": "' + b"A" * (4 * 1024 * 1024) + b'"}',
    "many-items": json.dumps([{"k": i} for i in range(50_000)]).encode(),
}

WRONG_TYPES: dict[str, list[dict[str, object]]] = {
    "dataverse": [
        {"PrimaryEntityId": 123},
        {"MessageName": ["Create"], "PrimaryEntityName": {"x": 1}},
        {"InputParameters": "Target"},
        {"InputParameters": [{"key": "Target", "value": {"__type": "Entity", "Attributes": []}}]},
        {"PostEntityImages": 7, "PreEntityImages": "no"},
        {"OperationCreatedOn": True, "Depth": "deep"},
    ],
    "gms": [
        {"number": {}, "time": "yesterday", "status": "delivered", "message_id": 5},
        {"number": "380501234567", "time": 1.5e308, "status": 2, "message_id": "m"},
        {"number": "380501234567", "time": -(10**30), "status": 2, "message_id": "m"},
        {"number": True, "time": 1, "status": [], "message_id": None},
        {"number": "+380 50 123", "time": 1, "status": 2**70, "message_id": "m"},
    ],
    "paypal": [
        {"id": 5, "event_type": [], "resource": "x"},
        {"id": "WH-1", "event_type": "INVOICING.INVOICE.PAID", "resource": []},
        {"id": "WH-1", "event_type": "INVOICING.INVOICE.PAID", "resource_type": 3, "resource": {"id": {}}},
        {"id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED", "create_time": "soon", "resource": {}},
    ],
}


def _dataverse_event_with(changes: dict[str, object]) -> bytes:
    event = json.loads(DATAVERSE_EVENT.read_text())
    event.update(changes)
    return json.dumps(event).encode()


def _refused(webhook: Webhook, stack: LocalStack, body: bytes, allowed: tuple[int, ...]) -> None:
    before = queued(stack, webhook.queue)
    response = webhook.post(stack, body)
    media = response.headers.get("Content-Type", "").split(";")[0]
    problems = problem_details_problems(response.status_code, media, response.content)
    assert response.status_code in allowed and not problems, (
        response.status_code,
        problems,
        response.text[:300],
    )
    settle(stack)
    assert queued(stack, webhook.queue) == before, "a refused delivery must queue nothing"


@pytest.mark.parametrize("webhook", WEBHOOKS, ids=lambda w: w.name)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_body_is_a_4xx_problem_and_queues_nothing(
    webhook: Webhook, case: str, stack: LocalStack
) -> None:
    body = HOSTILE[case]
    if case == "empty-list" and webhook.name == "gms":  # an empty batch is a valid, empty callback
        response = webhook.post(stack, body)
        assert response.status_code == 200 and response.json() == {"accepted": 0}
        return
    _refused(webhook, stack, body, (400, 413, 415, 422))


@pytest.mark.parametrize(
    ("webhook", "document"),
    [(w, d) for w in WEBHOOKS for d in WRONG_TYPES[w.name]],
    ids=lambda v: v.name if isinstance(v, Webhook) else ",".join(v),
)
def test_wrongly_typed_fields_are_a_4xx_problem(
    webhook: Webhook, document: dict[str, object], stack: LocalStack
) -> None:
    body = _dataverse_event_with(document) if webhook.name == "dataverse" else json.dumps(document).encode()
    _refused(webhook, stack, body, (400, 422))


@pytest.mark.parametrize("webhook", WEBHOOKS, ids=lambda w: w.name)
def test_a_body_over_the_host_limit_is_413_problem_json(webhook: Webhook, stack: LocalStack) -> None:
    before = queued(stack, webhook.queue)
    status, content_type, body = webhook.post_declaring(stack, DEFAULT_MAX_BODY_BYTES + 1, b"[" * 1024)
    assert status == 413
    assert content_type.split(";")[0] == PROBLEM_JSON
    assert problem_details_problems(413, PROBLEM_JSON, body) == []
    assert queued(stack, webhook.queue) == before


@pytest.mark.parametrize("webhook", WEBHOOKS, ids=lambda w: w.name)
def test_a_non_json_content_type_is_refused_or_parsed_never_a_5xx(
    webhook: Webhook, stack: LocalStack
) -> None:
    response = webhook.post(stack, b"a=1&b=2", content_type="application/x-www-form-urlencoded")
    media = response.headers.get("Content-Type", "").split(";")[0]
    assert 400 <= response.status_code < 500
    assert problem_details_problems(response.status_code, media, response.content) == []


def test_an_unsigned_paypal_body_is_401_before_any_parsing(stack: LocalStack) -> None:
    paypal = next(w for w in WEBHOOKS if w.name == "paypal")
    for body in (HOSTILE["deep-arrays"], HOSTILE["invalid-utf8"], b""):
        response = paypal.post(stack, body, signed=False)
        assert response.status_code == 401
        assert response.headers["Content-Type"].startswith(PROBLEM_JSON)

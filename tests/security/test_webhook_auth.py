"""Each webhook authenticates its sender its own way, and anything short of that is a 401 that queues
nothing: Dataverse by the X-Webhook-Secret header, GMS by the token in the callback URL, PayPal by
the RSA signature over the exact body (with a vetted certificate URL)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.gms import verify_callback_token
from functions.common.problems import Problem
from functions.events.service import check_webhook_secret
from local_runtime.stack import LocalStack
from tests.fuzz._webhooks import queued, settle
from tests.security.conftest import SECRETS

ACCOUNT_EVENT = Path(__file__).resolve().parents[1] / "dataverse" / "fixtures" / "create_account.json"


def _event() -> bytes:
    event = json.loads(ACCOUNT_EVENT.read_text())
    event["PrimaryEntityId"] = str(uuid.uuid4())
    return json.dumps(event).encode()


def _report() -> bytes:
    return json.dumps(
        {"number": "380671234501", "time": 1, "status": 2, "message_id": str(uuid.uuid4())}
    ).encode()


def _refused(stack: LocalStack, queue: str, path: str, body: bytes, **kwargs: Any) -> None:
    before = queued(stack, queue)
    answer = requests.post(f"{stack.url}{path}", data=body, timeout=30, **kwargs)
    assert answer.status_code == 401, (kwargs, answer.status_code, answer.text[:200])
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert not any(value in answer.text for value in SECRETS.values())
    settle(stack)
    assert queued(stack, queue) == before


SECRET = SECRETS["DATAVERSE_WEBHOOK_SECRET"]
DATAVERSE_WRONG: list[dict[str, Any]] = [
    {},
    {"headers": {"X-Webhook-Secret": ""}},
    {"headers": {"X-Webhook-Secret": "wrong"}},
    {"headers": {"X-Webhook-Secret": SECRET[:-1]}},
    {"headers": {"X-Webhook-Secret": SECRET + "x"}},
    {"headers": {"X-Webhook-Secret": SECRET.upper()}},
    {"headers": {"X-Webhook-Secret": SECRETS["SMART_FUNCTION_KEY"]}},
    {"headers": {"x-functions-key": SECRETS["SMART_FUNCTION_KEY"]}},  # a function key is not the secret
    {"headers": {"Authorization": SECRET}},
    {"params": {"code": SECRET}},
]


@pytest.mark.parametrize("attempt", DATAVERSE_WRONG, ids=lambda a: json.dumps(a)[:60])
def test_dataverse_webhook_needs_its_header_secret(attempt: dict[str, Any], stack: LocalStack) -> None:
    _refused(stack, "dataverse-events", "/api/dataverse/events", _event(), **attempt)


def test_dataverse_webhook_accepts_its_secret(stack: LocalStack) -> None:
    answer = requests.post(
        f"{stack.url}/api/dataverse/events", data=_event(), headers={"X-Webhook-Secret": SECRET}, timeout=30
    )
    assert answer.status_code == 202


TOKEN = SECRETS["GMS_CALLBACK_TOKEN"]
GMS_WRONG: list[dict[str, Any]] = [
    {},
    {"params": {"token": ""}},
    {"params": {"token": "wrong"}},
    {"params": {"token": TOKEN[:-1]}},
    {"params": {"token": TOKEN + "x"}},
    {"params": {"token": TOKEN.lower()}},
    {"params": {"token": SECRETS["SMART_FUNCTION_KEY"]}},
    {"headers": {"X-Token": TOKEN}},  # the token goes in the URL GMS calls, nowhere else
    {"headers": {"x-functions-key": SECRETS["SMART_FUNCTION_KEY"]}},
    {"params": {"code": TOKEN}},
]


@pytest.mark.parametrize("attempt", GMS_WRONG, ids=lambda a: json.dumps(a)[:60])
def test_gms_reports_need_the_url_token(attempt: dict[str, Any], stack: LocalStack) -> None:
    _refused(stack, "delivery-reports", "/api/gms/reports", _report(), **attempt)


def test_gms_reports_accept_the_url_token(stack: LocalStack) -> None:
    answer = requests.post(
        f"{stack.url}/api/gms/reports", params={"token": TOKEN}, data=_report(), timeout=30
    )
    assert answer.status_code == 200 and answer.json() == {"accepted": 1}


def _paypal_event() -> bytes:
    event = {
        "id": f"WH-{uuid.uuid4().hex[:12].upper()}",
        "event_version": "1.0",
        "create_time": "2026-11-23T10:00:00Z",
        "resource_type": "invoices",
        "event_type": "INVOICING.INVOICE.PAID",
        "summary": "An invoice was paid",
        "resource": {"invoice": {"id": "INV2-NOT-OURS-0000-0000"}},
    }
    return json.dumps(event).encode()


def test_paypal_webhook_needs_a_valid_signature(stack: LocalStack) -> None:
    sim = stack.stand_ins["paypal"]
    body = _paypal_event()
    signed = dict(sim.sign(body))
    path, queue = "/api/paypal/webhook", "paypal-events"
    _refused(stack, queue, path, body)  # unsigned
    _refused(stack, queue, path, body.replace(b"PAID", b"SENT"), headers=signed)  # tampered after signing
    _refused(stack, queue, path, body + b" ", headers=signed)  # one byte more
    _refused(stack, queue, path, body, headers=dict(sim.sign(body, webhook_id="WH-SOMEONE-ELSE")))
    _refused(
        stack, queue, path, body, headers={**signed, "PAYPAL-CERT-URL": "https://evil.example.com/c.pem"}
    )
    _refused(stack, queue, path, body, headers={**signed, "PAYPAL-AUTH-ALGO": "SHA1withRSA"})
    _refused(stack, queue, path, body, headers={**signed, "PAYPAL-TRANSMISSION-SIG": "AAAA"})
    _refused(stack, queue, path, body, headers={**signed, "PAYPAL-TRANSMISSION-ID": str(uuid.uuid4())})
    accepted = requests.post(f"{stack.url}{path}", data=body, headers=signed, timeout=30)
    assert accepted.status_code == 200


def test_the_checks_refuse_when_nothing_is_configured() -> None:
    with pytest.raises(Problem) as refused:
        check_webhook_secret("anything", None)
    assert refused.value.status == 401
    with pytest.raises(Problem):
        check_webhook_secret("", "")
    assert verify_callback_token("", "") is False
    assert verify_callback_token(None, "token") is False
    assert verify_callback_token("token", "") is False

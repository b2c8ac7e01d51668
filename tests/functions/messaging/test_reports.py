"""POST /api/gms/reports and the delivery-reports queue: token, parsing, coalesced writes, orphans."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests

from local_runtime.stack import LocalStack
from tests.functions.messaging.support import (
    MASTER_KEY,
    dataverse,
    gms_report,
    idle,
    session,
    unique_phone,
    wait_until,
)

T0 = int(time.time() * 1000)


def callback(
    stack: LocalStack, body: Any, token: str | None = None, raw: bytes | None = None
) -> requests.Response:
    given = stack.env["GMS_CALLBACK_TOKEN"] if token is None else token
    url = f"{stack.url}/api/gms/reports" + (f"?token={given}" if given else "")
    if raw is not None:
        return requests.post(url, data=raw, headers={"Content-Type": "application/json"}, timeout=10)
    return requests.post(url, json=body, timeout=10)


def sent_message(stack: LocalStack) -> dict[str, Any]:
    """A transactional message GMS accepted (its reports are left to the test)."""
    http = session()
    key = f"dlr-{uuid.uuid4().hex[:8]}"
    body = {"to": unique_phone(), "text": "Parcel 20450000000001 is ready.", "purpose": "transactional"}
    accepted = http.post(
        f"{stack.url}/api/messages", json={**body, "idempotency_key": key}, timeout=10
    ).json()

    def view() -> dict[str, Any] | None:
        found: dict[str, Any] = http.get(f"{stack.url}/api/messages/{accepted['id']}", timeout=10).json()
        return found if found["status"] == "sent" else None

    return wait_until(view, what="message sent")


def row_updates(stack: LocalStack) -> int:
    return int(stack.stand_ins["dataverse"].counters.operations["update"])


def view_of(stack: LocalStack, message_id: str) -> dict[str, Any]:
    found: dict[str, Any] = session().get(f"{stack.url}/api/messages/{message_id}", timeout=10).json()
    return found


def test_reports_need_the_callback_token(stack: LocalStack) -> None:
    body = gms_report("m-1", "x", status=2, substatus=23, hyber=23011, via="sms", time_ms=T0)
    for token in ("", "wrong-token"):
        response = callback(stack, body, token=token)
        assert response.status_code == 401
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert stack.env["GMS_CALLBACK_TOKEN"] not in callback(stack, body, token="wrong-token").text


def test_a_malformed_report_is_400_naming_the_field(stack: LocalStack) -> None:
    good = gms_report("m-1", "x", status=2, substatus=23, hyber=23011, via="sms", time_ms=T0)
    bad = {**good, "time": "yesterday"}
    response = callback(stack, [good, bad])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "[1].time"
    assert callback(stack, None, raw=b"not json").status_code == 400


def test_reports_arriving_together_cost_one_write_and_never_move_back(stack: LocalStack) -> None:
    message = sent_message(stack)
    provider, key = message["provider_message_id"], message["idempotency_key"]
    delivered = gms_report(provider, key, status=2, substatus=23, hyber=23033, via="viber", time_ms=T0 + 1000)
    read = gms_report(provider, key, status=2, substatus=24, hyber=24033, via="viber", time_ms=T0 + 5000)
    wait_until(lambda: idle(stack), what="queues idle")
    before = row_updates(stack)
    batched = [read, {**delivered, "number": "380501234567"}, delivered]  # out of order, duplicated
    assert callback(stack, batched).json() == {"accepted": 3}
    wait_until(lambda: view_of(stack, message["id"])["status"] == "read", what="read")
    wait_until(lambda: idle(stack), what="reports applied")
    assert row_updates(stack) - before == 1
    view = view_of(stack, message["id"])
    assert view["channel"] == "viber" and view["delivered_on"] and view["read_on"]

    late = callback(stack, {**delivered, "time": T0 + 9000})  # a single object this time, and late
    assert late.status_code == 200
    wait_until(lambda: idle(stack), what="late report applied")
    assert view_of(stack, message["id"])["status"] == "read"
    assert row_updates(stack) - before == 1  # nothing changed, nothing written


def test_a_report_for_an_unknown_message_is_kept_and_reconciled_once_the_message_exists(
    stack: LocalStack,
) -> None:
    key = f"late-{uuid.uuid4().hex[:8]}"
    provider = str(uuid.uuid4())
    report = gms_report(provider, key, status=2, substatus=23, hyber=23011, via="sms", time_ms=T0)
    assert callback(stack, [report]).status_code == 200
    wait_until(lambda: idle(stack), what="report applied")
    with dataverse(stack) as crm:
        orphans = list(crm.query("smart_deliveryreports", filter=f"smart_externalid eq '{key}'"))
        assert len(orphans) == 1 and orphans[0]["smart_providermessageid"] == provider
        assert orphans[0]["smart_reconciliation"] == 100000000  # pending
        assert callback(stack, [report]).status_code == 200  # GMS repeats itself: still one row
        wait_until(lambda: idle(stack), what="repeat applied")
        assert len(list(crm.query("smart_deliveryreports", filter=f"smart_externalid eq '{key}'"))) == 1

        http = session()
        body = {
            "to": unique_phone(),
            "text": "Restored message",
            "purpose": "transactional",
            "idempotency_key": key,
        }
        accepted = http.post(f"{stack.url}/api/messages", json=body, timeout=10).json()
        wait_until(lambda: view_of(stack, accepted["id"])["status"] == "sent", what="sent")
        fired = requests.post(
            f"{stack.url}/admin/functions/messaging_reconcile_reports",
            headers={"x-functions-key": MASTER_KEY},
            timeout=10,
        )
        assert fired.status_code == 202

        def matched() -> bool:
            row = next(iter(crm.query("smart_deliveryreports", filter=f"smart_externalid eq '{key}'")))
            return bool(
                row["smart_reconciliation"] == 100000001 and row["_smart_messageid_value"] == accepted["id"]
            )

        wait_until(matched, what="orphan matched")
        assert view_of(stack, accepted["id"])["status"] == "delivered"

"""The reconcile timer pulls the report of a message whose callback was lost (still ``sent`` past its
time to live) and applies it like a callback; a message still within its time to live is left alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from local_runtime.stack import LocalStack
from tests.functions.messaging.conftest import STALE_AFTER_SECONDS
from tests.functions.messaging.support import dataverse, gms, idle, session, unique_phone, wait_until


def _send(stack: LocalStack, outcome: str) -> dict[str, Any]:
    key = f"stale-{uuid.uuid4().hex[:8]}"
    gms(stack).plan_outcome(key, outcome)
    body = {"to": unique_phone(), "text": "Order 1042 is on its way.", "purpose": "transactional"}
    http = session()
    accepted: dict[str, Any] = http.post(
        f"{stack.url}/api/messages", json={**body, "idempotency_key": key}, timeout=10
    ).json()
    wait_until(lambda: _view(stack, accepted["id"])["status"] == "sent", what="message sent")
    return accepted


def _view(stack: LocalStack, message_id: str) -> dict[str, Any]:
    found: dict[str, Any] = session().get(f"{stack.url}/api/messages/{message_id}", timeout=10).json()
    return found


def _fire_reconcile(stack: LocalStack) -> None:
    assert stack.host is not None
    invocation_id = stack.host.fire_timer("messaging_reconcile_reports")

    def finished() -> bool:
        assert stack.host is not None
        done = [i for i in stack.host.invocations if i.id == invocation_id and i.outcome != "running"]
        if done:
            assert done[0].outcome == "succeeded", done[0].error
        return bool(done)

    wait_until(finished, what="the reconcile timer")


def test_a_message_whose_callback_was_lost_gets_the_status_gms_decided_from_the_reconcile_timer(
    stack: LocalStack,
) -> None:
    stale = _send(stack, "sms_delivered")
    fresh = _send(stack, "viber_delivered")
    wait_until(lambda: idle(stack), what="queues idle")
    lost = gms(stack).store.take(None)  # GMS decides every outcome, but no callback ever reaches the app
    assert lost
    sent_long_ago = datetime.now(UTC) - timedelta(seconds=2 * STALE_AFTER_SECONDS)
    with dataverse(stack) as crm:
        crm.update(
            "smart_messages", stale["id"], {"smart_senton": sent_long_ago.strftime("%Y-%m-%dT%H:%M:%SZ")}
        )

    _fire_reconcile(stack)

    pulled = _view(stack, stale["id"])
    assert pulled["status"] == "delivered" and pulled["channel"] == "sms" and pulled["delivered_on"]
    assert _view(stack, fresh["id"])["status"] == "sent"  # within its time to live: not pulled yet


def test_a_stale_message_already_final_is_not_written_again(stack: LocalStack) -> None:
    message = _send(stack, "viber_delivered")
    wait_until(lambda: idle(stack), what="queues idle")
    gms(stack).store.take(None)
    sent_long_ago = datetime.now(UTC) - timedelta(seconds=2 * STALE_AFTER_SECONDS)
    with dataverse(stack) as crm:
        crm.update(
            "smart_messages", message["id"], {"smart_senton": sent_long_ago.strftime("%Y-%m-%dT%H:%M:%SZ")}
        )
    _fire_reconcile(stack)
    assert _view(stack, message["id"])["status"] == "delivered"
    updates = int(stack.stand_ins["dataverse"].counters.operations["update"])
    _fire_reconcile(stack)  # no longer "sent": not swept, nothing written
    assert int(stack.stand_ins["dataverse"].counters.operations["update"]) == updates

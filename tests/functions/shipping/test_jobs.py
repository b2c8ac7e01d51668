"""The shipments queue's create job when another request holds the same waybill's claim."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from functions.common.bus import OutboundMessage
from functions.common.problems import Problem
from functions.shipping import jobs
from functions.shipping.shipments import CREATE_IN_PROGRESS

ORDER = uuid.UUID("7aa41fe9-bc8a-483a-a799-805336e16bac")


class Busy:
    """A ShipmentService whose create always finds the claim held by another request."""

    def create(self, request: Any) -> Any:
        raise Problem(503, "in progress", type=CREATE_IN_PROGRESS, retry_after=3.0)


def body(**fields: Any) -> bytes:
    return json.dumps({"kind": "create", "order_id": str(ORDER), **fields}).encode()


def test_a_held_claim_sends_a_scheduled_copy_with_the_next_attempt_and_completes() -> None:
    sent: list[OutboundMessage] = []
    result = jobs.handle_message(body(attempt=4), Busy(), None, sent.append)  # type: ignore[arg-type]
    assert result == {"status": "waiting", "idempotency_key": f"{ORDER}:1", "attempt": 5}
    [copy] = sent
    assert json.loads(copy.body) == {"kind": "create", "order_id": str(ORDER), "sequence": 1, "attempt": 5}
    assert copy.message_id == f"shipment-create:{ORDER}:1:wait-5"  # not swallowed by duplicate detection
    assert copy.scheduled_enqueue_time_utc is not None


def test_after_max_waits_the_message_fails_so_it_is_delivered_again_and_then_dead_lettered() -> None:
    sent: list[OutboundMessage] = []
    with pytest.raises(Problem, match="in progress"):
        jobs.handle_message(body(attempt=jobs.MAX_WAITS), Busy(), None, sent.append)  # type: ignore[arg-type]
    assert sent == []

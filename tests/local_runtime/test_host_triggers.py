"""Timer and queue triggers through the local host: fire on demand, complete, abandon, dead-letter."""

from __future__ import annotations

import json

import requests

from functions.common.bus import OutboundMessage
from local_runtime.host import LocalHost
from local_runtime.queue import LocalQueue
from tests.local_runtime.conftest import FUNCTION_KEY, MASTER_KEY, Records


def test_timer_fires_on_demand_through_the_admin_endpoint(host: LocalHost, records: Records) -> None:
    response = requests.post(
        f"{host.url}/admin/functions/yearly", json={"input": ""}, headers={"x-functions-key": MASTER_KEY}
    )
    assert response.status_code == 202
    records.wait_for(lambda items: {"timer": "yearly", "past_due": False} in items)


def test_timer_admin_endpoint_needs_the_master_key(host: LocalHost) -> None:
    response = requests.post(f"{host.url}/admin/functions/yearly", headers={"x-functions-key": FUNCTION_KEY})
    assert response.status_code == 401


def test_queue_message_is_processed_completed_and_output_binding_sent(
    host: LocalHost, local_queue: LocalQueue, records: Records
) -> None:
    local_queue.send(
        "work", OutboundMessage.of_json({"action": "ok"}, message_id="m-1", application_properties={"k": "v"})
    )
    items = records.wait_for(lambda items: any(i.get("queue") == "results" for i in items))
    assert {"queue": "work", "id": "m-1", "action": "ok", "delivery": 1, "props": {"k": "v"}} in items
    assert {"queue": "results", "body": {"done": "m-1"}} in items
    assert local_queue.counts("work") == {"active": 0, "scheduled": 0, "locked": 0, "dead_letter": 0}


def test_failing_message_is_abandoned_then_dead_lettered_with_the_exception_text(
    host: LocalHost, local_queue: LocalQueue, records: Records
) -> None:
    local_queue.send("work", OutboundMessage.of_json({"action": "fail", "n": 42}, message_id="m-fail"))
    records.wait_for(lambda items: sum(1 for i in items if i.get("id") == "m-fail") == 3)
    deliveries = [i["delivery"] for i in records.all() if i.get("id") == "m-fail"]
    assert deliveries == [1, 2, 3]  # max delivery count of the "work" queue is 3
    for _ in range(200):
        dead = local_queue.list_dead_letters("work")
        if dead:
            break
        host._stop.wait(0.02)
    assert [m.message_id for m in dead] == ["m-fail"]
    assert dead[0].dead_letter_reason == "ValueError: boom on 42"
    assert "MaxDeliveryCountExceeded" in (dead[0].dead_letter_description or "")


def test_poison_message_is_dead_lettered_at_once(
    host: LocalHost, local_queue: LocalQueue, records: Records
) -> None:
    local_queue.send("work", OutboundMessage.of_json({"action": "poison"}, message_id="m-poison"))
    records.wait_for(lambda items: any(i.get("id") == "m-poison" for i in items))
    for _ in range(200):
        if local_queue.list_dead_letters("work"):
            break
        host._stop.wait(0.02)
    dead = local_queue.list_dead_letters("work")
    assert dead[0].dead_letter_reason == "payload refers to nothing"
    assert dead[0].delivery_count == 1


def test_local_enqueue_endpoint_feeds_queue_triggers(host: LocalHost, records: Records) -> None:
    response = requests.post(
        f"{host.url}/_local/queues/work/messages",
        data=json.dumps({"action": "ok"}),
        headers={
            "x-functions-key": MASTER_KEY,
            "x-message-id": "via-http",
            "content-type": "application/json",
        },
    )
    assert response.status_code == 201
    records.wait_for(lambda items: any(i.get("id") == "via-http" and i.get("completed") for i in items))


def test_long_handler_keeps_its_lock_by_renewal(
    host: LocalHost, local_queue: LocalQueue, records: Records, tmp_path
) -> None:
    release = tmp_path / "release"
    local_queue.send(
        "work", OutboundMessage.of_json({"action": "block", "release": str(release)}, message_id="slow")
    )
    records.wait_for(lambda items: any(i.get("id") == "slow" for i in items))
    host._stop.wait(3.5)  # longer than the 2 s lock: renewal must keep other workers off it
    release.touch()
    items = records.wait_for(lambda items: any(i.get("id") == "slow" and i.get("completed") for i in items))
    assert [i["delivery"] for i in items if i.get("id") == "slow" and "delivery" in i] == [1]


def _enqueue(host: LocalHost, message_id: str, body: dict[str, object], **headers: str) -> requests.Response:
    return requests.post(
        f"{host.url}/_local/queues/work/messages",
        data=json.dumps(body),
        headers={"x-functions-key": MASTER_KEY, "x-message-id": message_id, **headers},
        timeout=10,
    )


def test_duplicate_message_id_is_processed_once_through_the_runtime(
    host: LocalHost, records: Records
) -> None:
    first = _enqueue(host, "dup-1", {"action": "ok"})
    second = _enqueue(host, "dup-1", {"action": "ok"})
    assert (first.json()["accepted"], second.json()["accepted"]) == (True, False)
    records.wait_for(lambda items: any(i.get("id") == "dup-1" and i.get("completed") for i in items))
    host._stop.wait(0.3)
    assert sum(1 for i in records.all() if i.get("id") == "dup-1" and "delivery" in i) == 1


def test_scheduled_message_runs_only_after_its_enqueue_time(host: LocalHost, records: Records) -> None:
    from datetime import UTC, datetime, timedelta

    when = datetime.now(UTC) + timedelta(seconds=1.5)
    _enqueue(host, "later-1", {"action": "ok"}, **{"x-scheduled-enqueue-time-utc": when.isoformat()})
    host._stop.wait(0.8)
    assert not any(i.get("id") == "later-1" for i in records.all())
    records.wait_for(lambda items: any(i.get("id") == "later-1" and i.get("completed") for i in items))
    assert datetime.now(UTC) >= when

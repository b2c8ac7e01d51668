"""Dataverse event intake through the local runtime: webhook auth, validation, queue, routing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dataverse import DataverseClient, StaticTokenAuth
from dataverse.events import DataverseEvent, EventRouter
from functions.common import container
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

FIXTURES = Path(__file__).resolve().parents[2] / "dataverse" / "fixtures"
SECRET = "webhook-secret-for-tests"
MASTER = "events-master"


class Recorder:
    def __init__(self) -> None:
        self.events: list[DataverseEvent] = []
        self.failures_left = 0
        self.lock = threading.Lock()

    def __call__(self, event: DataverseEvent) -> None:
        with self.lock:
            if self.failures_left > 0:
                self.failures_left -= 1
                raise ConnectionError("downstream is briefly unavailable")
            self.events.append(event)

    def wait(self, count: int, timeout: float = 10.0) -> list[DataverseEvent]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.events) >= count:
                    return list(self.events)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} events, got {len(self.events)}")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    env = {"SMART_FUNCTION_KEY": "events-key", "SMART_MASTER_KEY": MASTER, "DATAVERSE_WEBHOOK_SECRET": SECRET}
    with LocalStack(port=0, data_dir=tmp_path, env=env, run_timers=False) as running:
        yield running


@pytest.fixture
def recorder(stack: LocalStack) -> Recorder:
    recorder = Recorder()
    router = EventRouter()
    router.register("account", "Create", recorder)
    router.register("salesorder", "Update", recorder)
    container.provide("events.router", router)
    return recorder


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _post(stack: LocalStack, body: bytes, **headers: str) -> requests.Response:
    return requests.post(f"{stack.url}/api/dataverse/events", data=body, headers=headers, timeout=10)


def test_webhook_without_or_with_a_wrong_secret_is_401_and_queues_nothing(stack: LocalStack) -> None:
    assert _post(stack, _fixture("create_account.json")).status_code == 401
    wrong = _post(stack, _fixture("create_account.json"), **{"X-Webhook-Secret": "nope"})
    assert wrong.status_code == 401
    assert wrong.headers["Content-Type"] == "application/problem+json"
    assert stack.queue is not None
    assert stack.queue.counts("dataverse-events")["active"] == 0


def test_malformed_payload_is_400_naming_the_field(stack: LocalStack) -> None:
    payload: dict[str, Any] = json.loads(_fixture("create_account.json"))
    payload["PrimaryEntityId"] = "not-a-guid"
    response = _post(stack, json.dumps(payload).encode(), **{"X-Webhook-Secret": SECRET})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "PrimaryEntityId"


def test_event_is_queued_then_routed_to_the_registered_handler(stack: LocalStack, recorder: Recorder) -> None:
    response = _post(stack, _fixture("create_account.json"), **{"X-Webhook-Secret": SECRET})
    assert response.status_code == 202
    (event,) = recorder.wait(1)
    assert (event.table, event.message) == ("account", "Create")
    assert str(event.record_id) == "c0ffee00-1234-ef11-8a69-000d3a4b5c6d"
    assert event.value("name")


def test_redelivered_webhook_is_dropped_by_duplicate_detection(stack: LocalStack, recorder: Recorder) -> None:
    for _ in range(3):
        assert (
            _post(stack, _fixture("create_account.json"), **{"X-Webhook-Secret": SECRET}).status_code == 202
        )
    recorder.wait(1)
    time.sleep(0.3)
    assert len(recorder.events) == 1


def test_trimmed_event_is_completed_by_re_reading_the_row(stack: LocalStack, recorder: Recorder) -> None:
    order_id = "5a1e5a1e-0000-ef11-8a69-000d3a4b5c6d"
    with DataverseClient(stack.env["DATAVERSE_URL"], StaticTokenAuth(EMULATOR_TOKEN)) as client:
        client.create(
            "salesorders", {"salesorderid": order_id, "name": "Order re-read", "description": "full"}
        )
    response = _post(
        stack,
        _fixture("trimmed_update_salesorder.json"),
        **{"X-Webhook-Secret": SECRET, "x-ms-dynamics-msg-size-exceeded": "true"},
    )
    assert response.status_code == 202
    (event,) = recorder.wait(1)
    assert not event.trimmed
    assert event.value("name") == "Order re-read"


def test_handler_failure_is_retried_until_it_succeeds(stack: LocalStack, recorder: Recorder) -> None:
    recorder.failures_left = 2
    _post(stack, _fixture("create_account.json"), **{"X-Webhook-Secret": SECRET})
    recorder.wait(1)
    host = stack.host
    assert host is not None

    def outcomes() -> list[str]:
        return [i.outcome for i in host.invocations if i.function == "dataverse_events"]

    deadline = time.monotonic() + 10  # the handler has returned; the host records its outcome just after
    while "running" in outcomes() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert outcomes() == ["failed", "failed", "succeeded"]


def test_malformed_servicebus_message_is_dead_lettered_with_the_reason(stack: LocalStack) -> None:
    response = requests.post(
        f"{stack.url}/_local/queues/dataverse-events/messages",
        data=b'{"MessageName": "Create"}',
        headers={"x-functions-key": MASTER, "x-message-id": "bad-1"},
        timeout=10,
    )
    assert response.status_code == 201
    assert stack.queue is not None
    deadline = time.monotonic() + 10
    while not stack.queue.list_dead_letters("dataverse-events") and time.monotonic() < deadline:
        time.sleep(0.02)
    (dead,) = stack.queue.list_dead_letters("dataverse-events")
    assert dead.message_id == "bad-1"
    assert "malformed Dataverse event" in (dead.dead_letter_reason or "")
    assert dead.delivery_count == 1

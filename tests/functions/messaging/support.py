"""Helpers shared by the messaging endpoint tests: the stack, CRM contacts, polling, GMS-shaped reports."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import requests

from dataverse import DataverseClient, StaticTokenAuth
from local_runtime.simulators.gms import GmsSimulator
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

T = TypeVar("T")

FUNCTION_KEY = "messaging-key"
MASTER_KEY = "messaging-master"
CHANNEL_DEFINITION_ID = "6f1c7a52-3c0e-4d7b-9a40-5b1e2c9d8a11"
QUEUES = ("messages-outbound", "message-batches", "delivery-reports")


@contextmanager
def messaging_stack(
    data_dir: Path, *, gms_options: dict[str, Any] | None = None, **env: str
) -> Iterator[LocalStack]:
    """The local runtime; by default GMS posts reports only on ``flush`` (deterministic tests)."""
    settings = {
        "SMART_FUNCTION_KEY": FUNCTION_KEY,
        "SMART_MASTER_KEY": MASTER_KEY,
        "MESSAGING_DEFAULT_SENDER": "MyBrand",
        "MESSAGING_QUIET_HOURS": "",
        "MESSAGING_REPORT_FLUSH_MS": "50",
        "MESSAGING_GMS_TIMEOUT_SECONDS": "1",
        "MESSAGING_GMS_BULK_TIMEOUT_SECONDS": "1",
        "JOURNEYS_CHANNEL_DEFINITION_ID": CHANNEL_DEFINITION_ID,
        **env,
    }
    options = {"gms": gms_options if gms_options is not None else {"report_delay_ms": None}}
    with LocalStack(
        port=0, data_dir=data_dir, env=settings, run_timers=False, stand_in_options=options
    ) as stack:
        yield stack


def session() -> requests.Session:
    http = requests.Session()
    http.headers["x-functions-key"] = FUNCTION_KEY
    return http


def dataverse(stack: LocalStack) -> DataverseClient:
    return DataverseClient(stack.env["DATAVERSE_URL"], StaticTokenAuth(EMULATOR_TOKEN))


def gms(stack: LocalStack) -> GmsSimulator:
    simulator: GmsSimulator = stack.stand_ins["gms"]
    return simulator


def wait_until(probe: Callable[[], T | None], *, timeout: float = 15.0, what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy (short sleeps and a deadline, never a fixed wait)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def idle(stack: LocalStack) -> bool:
    assert stack.queue is not None
    for name in QUEUES:
        counts = stack.queue.counts(name)
        if counts["active"] or counts["locked"]:
            return False
    return True


def settle(stack: LocalStack) -> None:
    """Wait for queued work, let GMS report everything pending, and wait for the reports' work."""
    wait_until(lambda: idle(stack), what="messaging queues to drain")
    gms(stack).flush()
    wait_until(lambda: idle(stack), what="delivery reports to be applied")


def create_contact(client: DataverseClient, **columns: Any) -> str:
    data = {"firstname": "Olena", "lastname": "Koval", "mobilephone": "+380501234567", **columns}
    return client.create("contacts", data)


def unique_phone() -> str:
    """A valid Ukrainian mobile number not used by another test."""
    return f"+38067{uuid.uuid4().int % 10_000_000:07d}"


def gms_report(
    message_id: str,
    extra_id: str | None,
    *,
    status: int,
    substatus: int,
    hyber: int | None,
    via: str,
    time_ms: int,
    number: int | str = 380501234567,
) -> dict[str, Any]:
    """A delivery report shaped as GMS pushes it (``number`` may be a JSON number or a string)."""
    payload: dict[str, Any] = {
        "number": number,
        "time": time_ms,
        "status": status,
        "substatus": substatus,
        "message_id": message_id,
        "sent_via": via,
    }
    if hyber is not None:
        payload["hyber_status"] = hyber
    if extra_id is not None:
        payload["extra_id"] = extra_id
    return payload

"""Helpers for counterparty tests through the local runtime: a stack, a CRM-side client, polling."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests

from dataverse import DataverseClient, StaticTokenAuth
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

T = TypeVar("T")
FUNCTION_KEY = "counterparty-test-key"
ENV = {
    "SMART_FUNCTION_KEY": FUNCTION_KEY,
    "COUNTERPARTY_RETRY_DELAY_SECONDS": "0.2",  # background retries after a 202 without YouScore's ~20 s
    "YOUSCORE_RATE_LIMITS": "5000/60",  # limits are the benchmark's subject; keep tests fast
    "YOUSCORE_RATE_LIMIT_MARGIN": "0",
}
STAND_IN_OPTIONS: dict[str, dict[str, Any]] = {"youscore": {"rate_limits": ((5000, 60.0),)}}


def start_stack(data_dir: Path, **env: str) -> LocalStack:
    return LocalStack(
        port=0, data_dir=data_dir, env=ENV | env, stand_in_options=STAND_IN_OPTIONS, run_timers=False
    ).start()


def api_session() -> requests.Session:
    session = requests.Session()
    session.headers["x-functions-key"] = FUNCTION_KEY
    return session


def crm(stack: LocalStack) -> DataverseClient:
    """What a CRM user or a flow does in Dataverse, through the emulator's Web API."""
    return DataverseClient(stack.stand_ins["dataverse"].url, StaticTokenAuth(EMULATOR_TOKEN))


def create_user(client: DataverseClient, first: str, last: str) -> uuid.UUID:
    return uuid.UUID(client.create("systemusers", {"firstname": first, "lastname": last}))


def create_account(
    client: DataverseClient,
    name: str | None,
    code: str | None,
    *,
    monitor: bool = False,
    owner: uuid.UUID | None = None,
    **columns: Any,
) -> uuid.UUID:
    data: dict[str, Any] = {"smart_monitor": monitor, **columns}
    if name is not None:
        data["name"] = name
    if code is not None:
        data["smart_edrpou"] = code
    if owner is not None:
        data["ownerid@odata.bind"] = f"/systemusers({owner})"
    return uuid.UUID(client.create("accounts", data))


def wait_for(probe: Callable[[], T | None], timeout: float = 20.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout} s")


def poll(session: requests.Session, url: str, timeout: float = 20.0) -> requests.Response:
    """Follow a status URL as Power Automate does: until it stops answering 202."""

    def done() -> requests.Response | None:
        response = session.get(url, timeout=10)
        return response if response.status_code != 202 else None

    return wait_for(done, timeout, f"{url} to finish")


def rows(stack: LocalStack, table: str, **where: Any) -> list[dict[str, Any]]:
    found = stack.stand_ins["dataverse"].rows(table)
    return [row for row in found if all(row.get(name) == value for name, value in where.items())]


def idle(stack: LocalStack, queue: str = "counterparty-checks") -> bool:
    assert stack.queue is not None
    counts = stack.queue.counts(queue)
    return counts.get("active", 0) == 0 and counts.get("scheduled", 0) == 0 and counts.get("locked", 0) == 0

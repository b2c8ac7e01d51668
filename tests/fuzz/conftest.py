"""One local runtime for the fuzz package: the real app, the Dataverse emulator and every provider
simulator on loopback. Mutating requests reach simulators only: the stack refuses to run when any
provider URL points elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local_runtime.stack import STAND_INS, LocalStack

FUNCTION_KEY = "fuzz-function-key-5d1c"
MASTER_KEY = "fuzz-master-key-77a0"
WEBHOOK_SECRET = "fuzz-dataverse-webhook-secret-0b9e"
CALLBACK_TOKEN = "fuzz-gms-callback-token-3f2a"

ENV = {
    "SMART_FUNCTION_KEY": FUNCTION_KEY,
    "SMART_MASTER_KEY": MASTER_KEY,
    "DATAVERSE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "GMS_CALLBACK_TOKEN": CALLBACK_TOKEN,
    "MESSAGING_DEFAULT_SENDER": "MyBrand",
    "MESSAGING_QUIET_HOURS": "",
    "MESSAGING_GMS_TIMEOUT_SECONDS": "1",
    "MESSAGING_GMS_BULK_TIMEOUT_SECONDS": "1",
    "JOURNEYS_CHANNEL_DEFINITION_ID": "6f1c7a52-3c0e-4d7b-9a40-5b1e2c9d8a11",
    "NOVAPOSHTA_TIMEOUT_SECONDS": "2",
    "COUNTERPARTY_RETRY_DELAY_SECONDS": "0.2",
    "YOUSCORE_RATE_LIMITS": "5000/60",
    "YOUSCORE_RATE_LIMIT_MARGIN": "0",
}
STAND_IN_OPTIONS: dict[str, dict[str, Any]] = {
    "gms": {"report_delay_ms": None},  # reports only when a test flushes them
    "youscore": {"rate_limits": ((5000, 60.0),)},
}


def start_local_stack(data_dir: Any, **env: str) -> LocalStack:
    stack = LocalStack(
        port=0, data_dir=data_dir, env=ENV | env, stand_in_options=STAND_IN_OPTIONS, run_timers=False
    ).start()
    every = {stand_in.name for stand_in in STAND_INS}
    if set(stack.stand_ins) != every:
        stack.stop()
        pytest.fail(
            f"fuzzing runs against simulators only; configured elsewhere: {every - set(stack.stand_ins)}"
        )
    return stack


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    running = start_local_stack(tmp_path_factory.mktemp("fuzz"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session

"""Health and connection-check endpoints through the local runtime."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from local_runtime.stack import LocalStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {"SMART_FUNCTION_KEY": "health-key"}
    data_dir: Path = tmp_path_factory.mktemp("health")
    with LocalStack(port=0, data_dir=data_dir, env=env, run_timers=False) as running:
        yield running


def test_health_is_anonymous_and_lists_backends(stack: LocalStack) -> None:
    body = requests.get(f"{stack.url}/api/health", timeout=10).json()
    assert body["status"] == "ok"
    assert body["backends"]["bus"].startswith("local-queue")


def test_connection_check_needs_the_function_key(stack: LocalStack) -> None:
    assert requests.get(f"{stack.url}/api/connection", timeout=10).status_code == 401
    ok = requests.get(f"{stack.url}/api/connection", headers={"x-functions-key": "health-key"}, timeout=10)
    assert ok.json()["status"] == "ok"
    assert ok.headers["x-correlation-id"]

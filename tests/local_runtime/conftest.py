from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local_runtime.app_index import load_app
from local_runtime.host import HostOptions, LocalHost
from local_runtime.queue import LocalQueue
from tests.local_runtime import sample_app

FUNCTION_KEY = "test-function-key"
MASTER_KEY = "test-master-key"


class Records:
    def __init__(self, path: Path) -> None:
        self.path = path

    def all(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = self.all()
            if predicate(items):
                return items
            time.sleep(0.02)
        raise AssertionError(f"condition not met within {timeout}s; records: {self.all()}")


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Records:
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("SAMPLE_RECORD_PATH", str(path))
    monkeypatch.setenv("SAMPLE_QUEUE", "work")
    return Records(path)


@pytest.fixture
def local_queue(tmp_path: Path) -> Iterator[LocalQueue]:
    queue = LocalQueue(tmp_path / "queue.db", sample_app.QUEUES)
    yield queue
    queue.close()


@pytest.fixture
def host(local_queue: LocalQueue, records: Records) -> Iterator[LocalHost]:
    options = HostOptions(port=0, max_concurrent_calls=2, max_body_bytes=64 * 1024, idle_poll_seconds=0.05)
    app = load_app("tests.local_runtime.sample_app:app")
    with LocalHost(
        app, local_queue, function_key=FUNCTION_KEY, master_key=MASTER_KEY, options=options
    ) as running:
        yield running


@pytest.fixture
def client() -> requests.Session:
    return requests.Session()

"""A message whose worker process is SIGKILLed mid-message comes back after its lock expires."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.local_runtime.conftest import Records

ROOT = Path(__file__).resolve().parents[2]


def _start_runtime(data_dir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "dev",
            "--port",
            "0",
            "--app",
            "tests.local_runtime.sample_app:app",
            "--data-dir",
            str(data_dir),
            "--no-timers",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith('{"ready"'):
            return process, json.loads(line)["ready"]
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError("local runtime did not start")


def test_message_redelivered_after_worker_process_is_killed(tmp_path: Path) -> None:
    records = Records(tmp_path / "records.jsonl")
    env = {
        **os.environ,
        "SAMPLE_RECORD_PATH": str(records.path),
        "SAMPLE_QUEUE": "work",
        "SMART_FUNCTION_KEY": "k",
        "SMART_MASTER_KEY": "m",
        "DATAVERSE_URL": "http://127.0.0.1:9",
    }
    release = tmp_path / "release"
    first, url = _start_runtime(tmp_path / "data", env)
    try:
        response = requests.post(
            f"{url}/_local/queues/work/messages",
            data=json.dumps({"action": "block", "release": str(release)}),
            headers={"x-functions-key": "m", "x-message-id": "crash-1"},
            timeout=10,
        )
        assert response.status_code == 201
        records.wait_for(lambda items: any(i.get("id") == "crash-1" for i in items))
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    release.touch()
    second, _ = _start_runtime(tmp_path / "data", env)
    try:
        items = records.wait_for(
            lambda items: any(i.get("id") == "crash-1" and i.get("completed") for i in items), timeout=20
        )
    finally:
        second.terminate()
        second.wait(timeout=10)
    deliveries = [i["delivery"] for i in items if i.get("id") == "crash-1" and "delivery" in i]
    assert deliveries == [1, 2]  # the killed attempt, then the redelivery after the 2 s lock expired

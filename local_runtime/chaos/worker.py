"""The worker: ``smart-connectors dev`` as a child process that the chaos run SIGKILLs and restarts.

It serves the real app (``local_runtime.chaos.app:app``: production queue specs with short locks) on a
fixed loopback port, so the simulators' callbacks find it again after each restart, and shares the
local queue's SQLite file with the supervisor, which reads counts and dead letters from it. Timers
run only when the supervisor fires them. The child's output goes to ``worker.log`` in the data dir.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

logger = logging.getLogger("smart.chaos")

ROOT = Path(__file__).resolve().parents[2]
APP_SPEC = "local_runtime.chaos.app:app"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WorkerProcess:
    def __init__(self, data_dir: Path, env: Mapping[str, str], *, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.env = dict(env)
        self.port = port or free_port()
        self.log_path = data_dir / "worker.log"
        self.kills = 0
        self.starts = 0
        self.startup_seconds: list[float] = []
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 90.0) -> None:
        with self._lock:
            if self.alive:
                return
            if self._log is None:
                self._log = self.log_path.open("a", encoding="utf-8")
            started = time.monotonic()
            self._log.write(f"--- start {self.starts + 1} ---\n")
            self._log.flush()
            process = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "dev", "--port", str(self.port), "--app", APP_SPEC,
                 "--data-dir", str(self.data_dir), "--no-timers"],
                cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=self._log, text=True,
            )  # fmt: skip
            self._process = process
            self._await_ready(process, timeout)
            self.starts += 1
            self.startup_seconds.append(time.monotonic() - started)
            assert process.stdout is not None
            threading.Thread(
                target=self._copy, args=(process.stdout,), name="worker-out", daemon=True
            ).start()

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs; locked queue messages come back when their locks expire."""
        with self._lock:
            process = self._process
            if process is None or process.poll() is not None:
                return
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            self.kills += 1
            logger.info("worker killed (pid %s)", process.pid)

    def stop(self) -> None:
        with self._lock:
            process = self._process
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            if self._log is not None:
                self._log.close()
                self._log = None

    def _await_ready(self, process: subprocess.Popen[str], timeout: float) -> None:
        assert process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith('{"ready"'):
                ready = json.loads(line)["ready"]
                if ready != self.url:
                    raise RuntimeError(f"worker answered on {ready}, expected {self.url}")
                return
            if not line and process.poll() is not None:
                raise RuntimeError(f"the worker exited with code {process.returncode}; see {self.log_path}")
            if self._log is not None and line:
                self._log.write(line)
        process.kill()
        raise RuntimeError(f"the worker did not start within {timeout:g} s; see {self.log_path}")

    def _copy(self, stream: IO[str]) -> None:
        for line in stream:
            log = self._log
            if log is not None and not log.closed:
                log.write(line)


def worker_environment(settings: Mapping[str, str]) -> dict[str, str]:
    """The child's environment: this process's, the stand-ins' settings, telemetry off."""
    return {**os.environ, "SMART_TELEMETRY": "none", **settings}

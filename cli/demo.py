"""The end-to-end demo: starts the embedded default and walks each capability's real flow over HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from local_runtime.stack import LocalStack


def run_demo(*, port: int = 0, keep_running: bool = False, as_json: bool = False) -> int:
    results: dict[str, Any] = {}
    with LocalStack(port=port, run_timers=False) as stack:
        session = requests.Session()
        session.headers["x-functions-key"] = stack.function_key
        health = session.get(f"{stack.url}/api/health", timeout=10).json()
        results["health"] = health
        print(f"local runtime on {stack.url} — backends: {json.dumps(health['backends'])}", flush=True)
        if as_json:
            print(json.dumps(results, indent=2, default=str))
        if keep_running:
            print("serving until Ctrl-C", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0

"""The end-to-end demo: starts the embedded default and walks each capability's real flow over HTTP.

Each capability contributes ``cli/demo_steps/<capability>.py`` with ``run(stack, session) -> dict``;
the demo runs them in the order below, prints what each one did, and exits non-zero when one fails.
"""

from __future__ import annotations

import importlib
import json
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import requests

from local_runtime.stack import LocalStack

STEPS = ("messaging", "shipping", "payments", "counterparty")
DEMO_SETTINGS = {
    # the demo's stand-in for a Journeys custom channel, so delivery notifications are sent too
    "JOURNEYS_CHANNEL_DEFINITION_ID": "6f1c7a52-3c0e-4d7b-9a40-5b1e2c9d8a11",
    # ask the YouScore simulator again after 2 s instead of its ~20 s "refreshing" hint
    "COUNTERPARTY_RETRY_DELAY_SECONDS": "2",
}


def run_demo(*, port: int = 0, keep_running: bool = False, as_json: bool = False) -> int:
    results: dict[str, Any] = {}
    failed = False
    with (
        tempfile.TemporaryDirectory(prefix="smart-demo-") as data_dir,
        LocalStack(port=port, data_dir=Path(data_dir), run_timers=False, env=DEMO_SETTINGS) as stack,
    ):
        session = requests.Session()
        session.headers["x-functions-key"] = stack.function_key
        health = session.get(f"{stack.url}/api/health", timeout=10).json()
        results["health"] = health
        _say(f"local runtime on {stack.url}", as_json)
        for name, backend in health["backends"].items():
            _say(f"  {name:12} {backend}", as_json)
        for step in STEPS:
            module = importlib.import_module(f"cli.demo_steps.{step}")
            _say(f"\n== {step}", as_json)
            started = time.perf_counter()
            try:
                summary = module.run(stack, session)
            except Exception:  # noqa: BLE001 - one failing step is reported, the others still run
                failed = True
                results[step] = {"error": traceback.format_exc(limit=3)}
                _say(f"  FAILED\n{results[step]['error']}", as_json)
                continue
            results[step] = summary
            for key, value in summary.items():
                _say(f"  {key}: {json.dumps(value, default=str, ensure_ascii=False)}", as_json)
            _say(f"  ({time.perf_counter() - started:.1f} s)", as_json)
        if as_json:
            print(json.dumps(results, indent=2, default=str, ensure_ascii=False))
        if keep_running:
            print(f"serving on {stack.url} until Ctrl-C (function key {stack.function_key})", flush=True)
            print(f"results dashboard: {stack.url}/api/dashboard?code={stack.function_key}", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 1 if failed else 0


def _say(text: str, quiet: bool) -> None:
    if not quiet:
        print(text, flush=True)

"""Scheduled counterparty checks against YouScore's rate limits, and the cache on a repeat run.

The whole pipeline runs: the real timer function queues one message per monitored account, the queue
workers (``maxConcurrentCalls`` from host.json) run the checks with ONE YouScore client per process, and
every check writes to the Dataverse emulator. The YouScore simulator enforces the limits with real 429s.

What is scaled, and only that: TIME. YouScore's limits are 200 requests per 60 s and 50 per 5 s per
key; at those limits 2,000 accounts (about 14,000 requests) need about 70 minutes. The benchmark
divides every window's period by a time scale (full run 10: 200 per 6 s and 50 per 0.5 s; quick run
15: 200 per 4 s and 50 per 1/3 s; or ``BENCH_COUNTERPARTY_TIME_SCALE``), on the simulator and in the
app's limiter alike (``YOUSCORE_RATE_LIMITS``), keeping every request count and the ratio of the two
windows. The limiter's safety margin (0.5 s per window in production) is scaled the same way (0.05 s
at 1/10). That is safe because the limiter counts a slot until the response arrives, so scheduling
jitter between grant and arrival cannot make it send early. The simulator's "202 on the
first request" is off: YouScore's refresh delay is not a rate limit; the 202 path is in the tests.

The bound: the earliest moment the last request can be sent when every request goes out as soon as
all windows allow it (an ideal client with zero margin), computed for the requests the run actually
made. Baselines in the same run: that bound; the same pipeline with the client-side limiter switched
off (it meets the limits only through 429s and retries); and the first run's paid calls for the cache.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

from bench.harness import Check, Metric, Result, Scenario
from connectors.youcontrol import YOUSCORE_WINDOWS, generate_codes
from dataverse import DataverseClient, StaticTokenAuth
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

_SCALE_SETTING = os.environ.get("BENCH_COUNTERPARTY_TIME_SCALE")
PRODUCTION_MARGIN = 0.5  # YOUSCORE_RATE_LIMIT_MARGIN's default, seconds per window
TIMER = "counterparty_monitoring"
_KEY = "bench-counterparty-key"


def time_scale(quick: bool) -> float:
    """10 for the full run; 15 for the quick one (small, so the pipeline keeps up at the faster pace)."""
    return float(_SCALE_SETTING) if _SCALE_SETTING else (15.0 if quick else 10.0)


def scaled_windows(
    scale: float, windows: Sequence[tuple[int, float]] = YOUSCORE_WINDOWS
) -> tuple[tuple[int, float], ...]:
    return tuple((limit, period / scale) for limit, period in windows)


def earliest_last_send(requests_made: int, windows: Sequence[tuple[int, float]]) -> float:
    """When the last of ``requests_made`` requests can go out at the soonest under sliding ``windows``."""
    sent: deque[float] = deque(maxlen=max(limit for limit, _ in windows))
    moment = 0.0
    for _ in range(requests_made):
        moment = max(
            [moment] + [sent[len(sent) - limit] + period for limit, period in windows if len(sent) >= limit]
        )
        sent.append(moment)
    return moment


def _stack(data_dir: Path, limiter: str, windows: tuple[tuple[int, float], ...], margin: float) -> LocalStack:
    return LocalStack(
        port=0,
        data_dir=data_dir,
        env={
            "SMART_FUNCTION_KEY": _KEY,
            "YOUSCORE_RATE_LIMITS": limiter,
            "YOUSCORE_RATE_LIMIT_MARGIN": f"{margin:.4f}",
            "COUNTERPARTY_RETRY_DELAY_SECONDS": "0.2",
        },
        stand_in_options={"youscore": {"rate_limits": windows, "not_ready_first": False}},
        run_timers=False,
    ).start()


def _accounts(stack: LocalStack, count: int) -> None:
    with DataverseClient(stack.stand_ins["dataverse"].url, StaticTokenAuth(EMULATOR_TOKEN)) as client:
        rows = [
            {
                "accountid": str(uuid.uuid4()),
                "name": f"Контрагент {n}",
                "smart_edrpou": code,
                "smart_monitor": True,
            }
            for n, code in enumerate(generate_codes(count, seed=2026))
        ]
        client.create_multiple("accounts", "account", rows)


def _checks(stack: LocalStack) -> int:
    return int(stack.stand_ins["dataverse"].count("smart_counterpartycheck"))


def _wait_for_checks(stack: LocalStack, target: int, deadline: float) -> float | None:
    """Seconds until ``target`` check rows exist (polled every 20 ms), or None at the deadline."""
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        if _checks(stack) >= target:
            return time.perf_counter() - started
        time.sleep(0.02)
    return None


def _api_requests(stack: LocalStack) -> int:
    return int(stack.stand_ins["youscore"].server.counts["GET /v1"])


def _scheduled_run(stack: LocalStack, count: int, timeout: float) -> dict[str, Any]:
    sim = stack.stand_ins["youscore"]
    before = (_checks(stack), _api_requests(stack), sim.paid_calls(), sim.throttled)
    assert stack.host is not None
    started = time.perf_counter()
    stack.host.fire_timer(TIMER)
    elapsed = _wait_for_checks(stack, before[0] + count, started + timeout)
    return {
        "elapsed": elapsed if elapsed is not None else time.perf_counter() - started,
        "finished": elapsed is not None,
        "completed": _checks(stack) - before[0],
        "requests": _api_requests(stack) - before[1],
        "paid": sim.paid_calls() - before[2],
        "throttled": sim.throttled - before[3],
    }


def _repeat_run(stack: LocalStack, count: int, timeout: float) -> dict[str, Any]:
    """The same accounts again within the cache lifetime (a new slot, as a re-run or the next firing)."""
    sim = stack.stand_ins["youscore"]
    before = (_checks(stack), sim.paid_calls())
    started = time.perf_counter()
    response = requests.post(
        f"{stack.url}/api/counterparties/monitoring",
        json={"run_id": "bench-repeat"},
        headers={"x-functions-key": _KEY},
        timeout=60,
    )
    response.raise_for_status()
    elapsed = _wait_for_checks(stack, before[0] + count, started + timeout)
    return {"elapsed": elapsed, "paid": sim.paid_calls() - before[1]}


def run(quick: bool) -> Result:
    count = 120 if quick else 2000
    baseline_count = 40 if quick else 300
    scale = time_scale(quick)
    windows = scaled_windows(scale)
    margin = PRODUCTION_MARGIN / scale
    limiter = ",".join(f"{limit}/{period:.6f}" for limit, period in windows)
    result = Result(
        "counterparty", f"scheduled check of {count:,} accounts under YouScore's limits (time/{scale:g})"
    )
    with tempfile.TemporaryDirectory() as folder:
        stack = _stack(Path(folder) / "ours", limiter, windows, margin)
        try:
            _accounts(stack, count)
            ours = _scheduled_run(stack, count, timeout=600)
            repeat = _repeat_run(stack, count, timeout=900)
        finally:
            stack.stop()
        bound = earliest_last_send(ours["requests"], windows)
        stack = _stack(Path(folder) / "baseline", "off", windows, margin)
        try:
            _accounts(stack, baseline_count)
            naive = _scheduled_run(
                stack, baseline_count, timeout=max(30.0, 4 * bound * baseline_count / count)
            )
        finally:
            stack.stop()
    naive_bound = earliest_last_send(naive["requests"] - naive["throttled"], windows)
    result.metrics += [
        Metric(f"time for {count:,} accounts vs bound", ours["elapsed"], bound, "s", higher_is_better=False),
        Metric("429s received (vs no client limiter)", ours["throttled"], naive["throttled"], "429s", False),
        Metric(
            f"no limiter, {baseline_count} accounts: time vs bound", naive["elapsed"], naive_bound, "s", False
        ),
        Metric("paid calls: repeat run vs first run", repeat["paid"], ours["paid"], "calls", False),
    ]
    result.checks += [
        Check(
            "all scheduled checks completed",
            ours["finished"] and ours["completed"] == count,
            f"{ours['completed']:,}/{count:,}",
        ),
        Check(
            "finishes within 10% of the bound the limits set",
            ours["finished"] and ours["elapsed"] <= 1.10 * bound,
            f"{ours['elapsed']:.1f} s vs {bound:.1f} s ({ours['elapsed'] / bound - 1:+.1%}) "
            f"for {ours['requests']:,} requests",
        ),
        Check("zero 429s received", ours["throttled"] == 0, f"{ours['throttled']} 429s"),
        Check(
            "repeat within the cache lifetime makes ≥ 90% fewer paid calls",
            repeat["elapsed"] is not None and repeat["paid"] <= 0.10 * ours["paid"],
            f"{repeat['paid']:,} vs {ours['paid']:,} paid calls",
        ),
    ]
    result.notes += [
        f"time scaled 1/{scale:g}: windows {windows[0][0]}/{windows[0][1]:g} s and "
        f"{windows[1][0]}/{windows[1][1]:.4f} s (real: 200/60 s, 50/5 s); request counts unchanged; "
        f"limiter margin {margin:.3f} s (0.5 s scaled); simulator 202-on-first-request off",
        f"no-limiter baseline: {naive['completed']}/{baseline_count} checks, {naive['throttled']:,} 429s, "
        f"{naive['requests']:,} requests",
        f"repeat run took {repeat['elapsed'] or float('nan'):.1f} s",
    ]
    return result


SCENARIO = Scenario("counterparty", "counterparty checks: rate limits and cache", run)

"""Scenario registry, runner, table printer and JSON results writer."""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Metric:
    name: str
    ours: float
    baseline: float | None
    unit: str
    higher_is_better: bool = True

    @property
    def ratio(self) -> float | None:
        """How many times better ours is than the baseline (>1 = better)."""
        if self.baseline in (None, 0) or self.ours == 0:
            return None
        assert self.baseline is not None
        return self.ours / self.baseline if self.higher_is_better else self.baseline / self.ours


@dataclass
class Check:
    description: str
    passed: bool
    measured: str


@dataclass
class Result:
    scenario: str
    description: str
    metrics: list[Metric] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    run: Callable[[bool], Result]  # run(quick) -> Result


def discover() -> dict[str, Scenario]:
    from bench import scenarios

    found: dict[str, Scenario] = {}
    for module_info in pkgutil.iter_modules(scenarios.__path__):
        module = importlib.import_module(f"bench.scenarios.{module_info.name}")
        scenario = getattr(module, "SCENARIO", None)
        if isinstance(scenario, Scenario):
            found[scenario.name] = scenario
    return dict(sorted(found.items()))


def run(names: list[str] | None, *, quick: bool, out: Path | None = None) -> list[Result]:
    available = discover()
    unknown = [n for n in names or [] if n not in available]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(available)}")
    results = []
    for name in names or list(available):
        print(f"== {name}: {available[name].description}", flush=True)
        started = time.perf_counter()
        result = available[name].run(quick)
        result.seconds = time.perf_counter() - started
        results.append(result)
        print(format_table([result]), flush=True)
    write_json(results, out)
    return results


def format_table(results: list[Result]) -> str:
    lines = [f"{'scenario':24} {'metric':34} {'ours':>12} {'baseline':>12} {'unit':10} {'ratio':>8}"]
    for result in results:
        for metric in result.metrics:
            ratio = f"{metric.ratio:.1f}x" if metric.ratio is not None else "-"
            baseline = f"{metric.baseline:,.1f}" if metric.baseline is not None else "-"
            ours = f"{metric.ours:>12,.1f}"
            row = f"{result.scenario:24} {metric.name:34} {ours} {baseline:>12}"
            lines.append(f"{row} {metric.unit:10} {ratio:>8}")
        for check in result.checks:
            mark = "PASS" if check.passed else "FAIL"
            lines.append(f"{'':24} [{mark}] {check.description}: {check.measured}")
        for note in result.notes:
            lines.append(f"{'':24} note: {note}")
    return "\n".join(lines)


def write_json(results: list[Result], out: Path | None) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = out or RESULTS_DIR / f"bench-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    payload: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "results": [
            {**asdict(r), "metrics": [{**asdict(m), "ratio": m.ratio} for m in r.metrics]} for r in results
        ],
    }
    path.write_text(json.dumps(payload, indent=2))
    print(f"results written to {path}", flush=True)
    return path


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

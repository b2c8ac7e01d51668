"""Smoke test of the ``dataverse`` benchmark scenario at tiny sizes (no peer, no throttling part).

Timing and memory figures are not asserted (that is what the benchmark itself reports); only that
the scenario runs end to end against the emulator and its counting checks hold.
"""

from __future__ import annotations

from bench.harness import Result
from bench.scenarios.dataverse import Sizes, measure

TINY = Sizes(upsert_rows=600, baseline_rows=10, stream_rows=1_000, page_size=100, repeats=1, throttle=False)


def _checks(result: Result) -> dict[str, bool]:
    return {check.description: check.passed for check in result.checks}


def test_dataverse_scenario_runs_end_to_end_and_counts_requests_and_rows() -> None:
    result = measure(TINY, None, "not installed in this test")

    names = [metric.name for metric in result.metrics]
    assert names == [
        "upsert 600: rows/s vs per-row",
        "upsert 600: wall time",
        "upsert 600: requests/100 rows",
        "read 1,000 rows: RSS growth",
        "read 200 rows: RSS growth",
    ]
    requests_per_100 = next(m for m in result.metrics if m.name == "upsert 600: requests/100 rows")
    assert requests_per_100.ours == 2 * 100 / 600  # two UpsertMultiple calls of at most 500 rows
    assert requests_per_100.baseline == 100.0  # one PATCH a row
    checks = _checks(result)
    assert checks["≤ 1 Dataverse request per 100 rows"]
    assert checks["every row written once"]
    assert checks["every row read (streamed and listed)"]
    assert any(
        "peer PowerPlatform-Dataverse-Client not measured: not installed" in note for note in result.notes
    )

"""Smoke test of the ``shipping`` benchmark scenario at its quick size (1,000 shipments).

Wall times are not asserted (the benchmark reports them, and checks the 1.5x bound at full size only);
the counting checks are: one tracking call per 100 shipments, one write request per 100 changed.
"""

from __future__ import annotations

from bench.scenarios.shipping import run


def test_shipping_scenario_tracks_100_a_call_and_writes_100_changes_a_request() -> None:
    result = run(quick=True)

    checks = {check.description: check for check in result.checks}
    assert set(checks) == {
        "typical: ≤ 1 tracking call per 100 shipments",
        "typical: ≤ 1 write request per 100 changed",
        "all moved: ≤ 1 tracking call per 100 shipments",
        "all moved: ≤ 1 write request per 100 changed",
    }
    assert all(check.passed for check in checks.values()), [c.measured for c in checks.values()]
    metrics = {metric.name: metric for metric in result.metrics}
    assert metrics["typical run: tracking calls"].ours == 10
    assert round(metrics["typical run: tracking calls"].baseline) == 1_000  # one call per shipment
    writes = metrics["typical run: Dataverse writes"]
    assert writes.baseline is not None and 0 < writes.ours < writes.baseline
    assert any("the 1.5x check runs at the full size only" in note for note in result.notes)

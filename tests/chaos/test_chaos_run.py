"""The chaos run, small enough for CI: faults in every stand-in, three SIGKILLs of the worker, and
nothing lost, duplicated at a provider or moved backwards.

It is the whole product under test (real app in a child process, real clients, loopback stand-ins),
so a regression in any capability's idempotency or ordering makes it fail with the items named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_runtime.chaos import ChaosConfig, ChaosReport, run_chaos

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ChaosReport:
    data_dir = Path(tmp_path_factory.mktemp("chaos")) / "run"
    return run_chaos(ChaosConfig.tiny(seed=3, data_dir=data_dir))


def test_nothing_is_lost_duplicated_or_regressed(report: ChaosReport) -> None:
    figures = report.to_json()
    assert figures["lost"] == 0, figures["items"]
    assert figures["duplicates"] == 0, figures["duplicate_details"]
    assert figures["regressions"] == 0, figures["regression_details"]
    assert report.ok and report.settled


def test_every_item_ends_terminal_or_dead_lettered_with_a_reason(report: ChaosReport) -> None:
    for kind, tally in report.reconciliation.tallies.items():
        assert tally.submitted > 0, kind
        assert tally.terminal + len(tally.dead_lettered) == tally.submitted, (kind, tally)
    for letter in report.reconciliation.dead_letters:
        assert letter.reason, letter


def test_the_worker_was_killed_three_times_and_came_back(report: ChaosReport) -> None:
    assert report.crashes == 3
    assert report.unexpected_exits == 0
    assert len(report.worker_restart_seconds) == 4  # the first start and three restarts


def test_faults_of_every_kind_were_injected(report: ChaosReport) -> None:
    kinds = report.faults_by_kind()
    for kind in ("http_5xx", "throttle_429", "drop", "not_ready_202"):
        assert kinds.get(kind, 0) > 0, kinds
    assert kinds.get("timeout", 0) + kinds.get("accepted_then_timeout", 0) > 0, kinds
    callbacks = kinds.get("duplicate_callback", 0) + kinds.get("out_of_order_callback", 0)
    assert callbacks + kinds.get("duplicate_webhook", 0) > 0, kinds
    assert set(report.faults_injected) == {"dataverse", "gms", "novaposhta", "paypal", "youscore"}
    assert all(sum(per_target.values()) > 0 for per_target in report.faults_injected.values())


def test_no_request_was_answered_with_a_500(report: ChaosReport) -> None:
    assert not [route for route in report.app_requests if route.endswith(" 500")], report.app_requests


def test_the_json_figures_carry_what_the_readme_quotes(report: ChaosReport) -> None:
    figures = report.to_json()
    for name in ("faults_injected", "crashes", "lost", "duplicates", "regressions"):
        assert name in figures
    assert figures["requests"]["app_total"] > 0
    assert "items LOST" in report.table()


def test_the_secrets_the_worker_ran_with_are_kept_but_never_printed(report: ChaosReport) -> None:
    assert len(report.secret_values) >= 6  # function and master keys, GMS, PayPal, Nova Poshta, YouScore
    printed = report.table() + json.dumps(report.to_json(), default=str) + repr(report)
    assert [secret for secret in report.secret_values if secret in printed] == []

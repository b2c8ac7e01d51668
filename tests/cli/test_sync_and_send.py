"""``sync`` and ``send-bulk`` against the local runtime, and ``bench --json`` with a stand-in scenario."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import harness
from cli.main import main
from local_runtime.stack import LocalStack

KEY = "cli-sync-send-key"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    data_dir: Path = tmp_path_factory.mktemp("cli-sync-send")
    # Quiet hours off: a CSV campaign is commercial, and during Kyiv's night it would (rightly) wait.
    env = {"SMART_FUNCTION_KEY": KEY, "MESSAGING_QUIET_HOURS": ""}
    with LocalStack(port=0, data_dir=data_dir, env=env, run_timers=False) as running:
        yield running


def _last_json(out: str) -> dict[str, object]:
    parsed: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return parsed


def test_sync_shipments_runs_the_timer_use_case_and_prints_the_report(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "shipments", "--json"])
    report = _last_json(capsys.readouterr().out)
    assert code == 0
    assert report["target"] == "shipments"
    assert report["status"] == "completed"
    assert report["failed"] is False
    assert {"shipments", "tracking_calls", "changed", "write_requests"} <= report.keys()


def test_sync_payments_reports_the_reconciliation(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "payments", "--json"]) == 0
    report = _last_json(capsys.readouterr().out)
    assert report["target"] == "payments" and report["conflicts"] == 0


def test_sync_prints_a_one_line_summary_without_json(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "messaging-reports"]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("messaging-reports: 0 orphan report(s) retried")


def test_send_bulk_sends_a_csv_and_ends_with_counts_by_status(
    stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = tmp_path / "recipients.csv"
    csv_file.write_text("to,first_name\n+380501234567,Olena\n+380501234568,Taras\n+380501234569,Iryna\n")
    args = ["send-bulk", str(csv_file), "--app", stack.url, "--key", KEY, "--text", "Hi {first_name}"]
    options = ["--campaign", "spring", "--sender", "MyBrand", "--timeout", "30", "--poll", "0.2", "--json"]
    code = main([*args, *options])
    result = _last_json(capsys.readouterr().out)
    assert result["timed_out"] is False
    batches = result["batches"]
    assert isinstance(batches, list) and len(batches) == 1
    assert batches[0]["total"] == 3 and batches[0]["status"] == "completed"
    assert result["counts"] == {"sent": 3}
    assert code == 0


def test_send_bulk_without_a_to_column_is_bad_input(tmp_path: Path) -> None:
    csv_file = tmp_path / "recipients.csv"
    csv_file.write_text("phone,first_name\n+380501234567,Olena\n")
    args = ["send-bulk", str(csv_file), "--app", "http://127.0.0.1:9", "--text", "Hi", "--campaign", "c"]
    assert main(args) == 2


def test_send_bulk_exits_3_when_the_app_cannot_be_reached(tmp_path: Path) -> None:
    jsonl = tmp_path / "recipients.jsonl"
    jsonl.write_text('{"to": "+380501234567", "variables": {"first_name": "Olena"}}\n')
    args = ["send-bulk", str(jsonl), "--app", "http://127.0.0.1:9", "--text", "Hi", "--campaign", "c"]
    assert main([*args, "--key", "k"]) == 3


def test_bench_json_prints_results_on_stdout_and_the_table_on_stderr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def fake(quick: bool) -> harness.Result:
        metric = harness.Metric("messages/s", 200.0, 50.0, "msg/s")
        check = harness.Check("nothing lost", False, "1 lost")
        return harness.Result("fake", "a stand-in", metrics=[metric], checks=[check])

    scenarios = {"fake": harness.Scenario("fake", "a stand-in", fake)}
    monkeypatch.setattr(harness, "discover", lambda: scenarios)
    code = main(["bench", "fake", "--quick", "--out", str(tmp_path / "bench.json"), "--json"])
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert code == 1  # the failed check still sets the exit code
    assert payload["passed"] is False
    assert payload["results"][0]["metrics"][0]["ratio"] == 4.0
    assert "messages/s" in captured.err and "[FAIL] nothing lost" in captured.err

"""End to end: auto-fill a new card, check it by hand (202 then done), monitor it, and see the owner told."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dataverse.schema import RiskLevel
from local_runtime.simulators.youcontrol import FIXTURE_CODES
from local_runtime.stack import LocalStack
from tests.functions.counterparty._stack import (
    api_session,
    create_user,
    crm,
    idle,
    poll,
    rows,
    start_stack,
    wait_for,
)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    running = start_stack(tmp_path)  # the simulator as started by default: 202 on the first request
    try:
        yield running
    finally:
        running.stop()


def test_counterparty_card_check_and_monitoring(stack: LocalStack) -> None:
    api, base, code = api_session(), f"{stack.url}/api/counterparties", FIXTURE_CODES["clean"]
    sim = stack.stand_ins["youscore"]

    lookup = api.get(f"{base}/lookup", params={"code": code}, timeout=30)
    assert lookup.status_code == 200
    with crm(stack) as dataverse:
        owner = create_user(dataverse, "Андрій", "Менеджер")
        card = {k: v for k, v in lookup.json()["account"].items() if v} | {"smart_monitor": True}
        card["ownerid@odata.bind"] = f"/systemusers({owner})"
        account = dataverse.create("accounts", card)

        accepted = api.post(f"{base}/{code}/check", json={"account_id": account}, timeout=30)
        assert accepted.status_code == 202  # YouScore refreshes its data on the first request
        first = poll(api, accepted.headers["Location"]).json()
        assert (first["status"], first["risk_level"], first["changes"]) == ("completed", "low", [])
        assert dataverse.retrieve("accounts", account)["smart_risklevel"] == RiskLevel.LOW.option_value

        applied = [sim.evolve()["name"] for _ in range(3)]
        assert applied == ["director_replaced", "sanction_added", "court_case_added"]
        run = api.post(f"{base}/monitoring", json={"run_id": "e2e", "refresh": True}, timeout=30)
        assert run.status_code == 202 and run.json()["queued"] == 1
        [task] = wait_for(lambda: rows(stack, "task", _regardingobjectid_value=account), what="owner task")
        wait_for(lambda: idle(stack), what="queue drained")

    latest = api.get(f"{base}/{code}", timeout=10).json()
    assert latest["trigger"] == "scheduled" and latest["check_id"] != first["check_id"]
    changes = {change["field"]: change for change in latest["changes"]}
    assert changes["director"]["new"] == "ШЕВЧЕНКО ОЛЕНА ВАСИЛІВНА"
    assert changes["court_cases[910/9999/26]"].get("old") is None  # absent before (nulls are omitted)
    assert "new court case 910/9999/26" in task["description"] and task["_ownerid_value"] == str(owner)
    stored = rows(stack, "smart_counterpartychange", _smart_checkid_value=latest["check_id"])
    assert {row["smart_field"] for row in stored} == set(changes)
    assert stack.queue is not None and stack.queue.counts("counterparty-checks")["dead_letter"] == 0

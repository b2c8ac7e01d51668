"""Demo of counterparty checks: auto-fill a card, check it by hand, then a scheduled check finds a change.

Walks the real flow over HTTP against a running stack. With the YouScore simulator (``YOUSCORE_BASE_URL``
unset) the manual check first answers 202 (YouScore refreshes its data) and finishes in the background;
the simulator then replaces the company's director and adds a court case, and the monitoring run (the
use case the weekly timer runs, with fresh data as a week later would have) records the changes and
creates a task for the account's owner.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from dataverse import DataverseClient, StaticTokenAuth
from local_runtime.simulators.youcontrol import FIXTURE_CODES
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

_DEADLINE = 90.0


def _follow(session: requests.Session, response: requests.Response) -> requests.Response:
    """Follow a 202's Location as Power Automate does, honouring Retry-After."""
    deadline = time.monotonic() + _DEADLINE
    while response.status_code == 202 and time.monotonic() < deadline:
        time.sleep(min(float(response.headers.get("Retry-After", "1")), 2.0))
        response = session.get(response.headers["Location"], timeout=30)
    response.raise_for_status()
    return response


def _create_account(stack: LocalStack, fields: dict[str, Any]) -> str | None:
    """The account a sales user creates from the looked-up fields (only against the local emulator)."""
    emulator = stack.stand_ins.get("dataverse")
    if emulator is None:
        return None
    with DataverseClient(emulator.url, StaticTokenAuth(EMULATOR_TOKEN)) as client:
        return client.create("accounts", {k: v for k, v in fields.items() if v} | {"smart_monitor": True})


def _scheduled_result(session: requests.Session, url: str, before: str) -> dict[str, Any]:
    deadline = time.monotonic() + _DEADLINE
    while time.monotonic() < deadline:
        latest = session.get(url, timeout=30)
        if latest.status_code == 200 and latest.json()["check_id"] != before:
            result: dict[str, Any] = latest.json()
            return result
        time.sleep(0.5)
    raise TimeoutError("the scheduled check did not finish in time")


def run(stack: LocalStack, session: requests.Session) -> dict[str, Any]:
    base = f"{stack.url}/api/counterparties"
    code = FIXTURE_CODES["clean"]
    lookup = session.get(f"{base}/lookup", params={"code": code}, timeout=30)
    lookup.raise_for_status()
    account = _create_account(stack, lookup.json()["account"])
    started = time.monotonic()
    first_answer = session.post(f"{base}/{code}/check", json={"account_id": account}, timeout=60)
    manual = _follow(session, first_answer).json()
    summary: dict[str, Any] = {
        "lookup": lookup.json()["registry"]["short_name"],
        "manual_check": {
            "first_answer": first_answer.status_code,
            "status": manual["status"],
            "risk_level": manual["risk_level"],
            "seconds": round(time.monotonic() - started, 1),
        },
    }
    simulator = stack.stand_ins.get("youscore")
    if simulator is None:
        return summary | {"scheduled_check": "skipped: YOUSCORE_BASE_URL points at a real service"}
    applied = []
    while (step := simulator.evolve()) is not None:
        applied.append(step["name"])
        if step["name"] == "court_case_added":
            break
    run_answer = session.post(f"{base}/monitoring", json={"run_id": "demo", "refresh": True}, timeout=60)
    run_answer.raise_for_status()
    scheduled = _scheduled_result(session, f"{base}/{code}", manual["check_id"])
    tasks = 0
    if account is not None:
        with DataverseClient(stack.stand_ins["dataverse"].url, StaticTokenAuth(EMULATOR_TOKEN)) as client:
            tasks = len(list(client.query("tasks", filter=f"_regardingobjectid_value eq {account}")))
    summary["scheduled_check"] = {
        "simulated_changes": applied,
        "queued": run_answer.json()["queued"],
        "trigger": scheduled["trigger"],
        "risk_level": scheduled["risk_level"],
        "changes": [f"{c['field']}: {c.get('old')} -> {c.get('new')}" for c in scheduled["changes"]],
        "owner_tasks": tasks,
    }
    return summary

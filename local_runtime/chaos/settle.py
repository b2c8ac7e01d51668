"""After the chaos: let the queues drain, run the sync and reconcile timers once, read what is left.

"Settled" means, for ``QUIET_SECONDS`` in a row: no queue message active, scheduled or locked in any
queue, no GMS status change waiting to happen, no new delivery-report callback and no new status
written to the emulator. The wait is bounded by the run's ``drain_timeout``.
"""

from __future__ import annotations

import time
from typing import Any

from local_runtime.chaos.deadletters import DeadLetter
from local_runtime.chaos.driver import ApiClient
from local_runtime.chaos.history import StatusHistory
from local_runtime.chaos.reconcile import Snapshot
from local_runtime.chaos.standins import StandIns
from local_runtime.queue import LocalQueue

QUIET_SECONDS = 3.0
FINAL_HOURS = 400.0  # every simulated parcel's journey has ended by then (the longest is under 220 h)
TABLES = ("smart_message", "smart_messagebatch", "smart_shipment", "smart_payment", "smart_counterpartycheck")


def settle(queue: LocalQueue, stand_ins: StandIns, history: StatusHistory, deadline: float) -> bool:
    gms = stand_ins["gms"]
    previous: tuple[Any, ...] | None = None
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        busy = sum(
            counts["active"] + counts["scheduled"] + counts["locked"]
            for counts in (queue.counts(name) for name in queue.queue_names)
        )
        stats = gms.stats()
        marker = (busy, gms.store.pending_count(), stats.get("callback_posts", 0),
                  stats.get("callback_failures", 0), history.writes)  # fmt: skip
        now = time.monotonic()
        if busy or marker[1] or marker != previous:
            quiet_since = now
        elif now - quiet_since >= QUIET_SECONDS:
            return True
        previous = marker
        time.sleep(0.25)
    return False


def final_round(api: ApiClient, admin: ApiClient, stand_ins: StandIns) -> list[str]:
    """Parcels reach their journeys' ends; the shipping sync, payments reconcile and messaging
    reconcile run once each (the sync through its HTTP endpoint, which answers with its report)."""
    notes: list[str] = []
    stand_ins["novaposhta"].advance(FINAL_HOURS)
    sync = api.call("POST", "/api/shipping/sync", {})
    notes.append(f"final shipping sync: {sync.status} {_summary(sync.body)}")
    for name in ("reconcile_payments", "messaging_reconcile_reports"):
        notes.append(f"final {name}: {_run_timer(admin, name)}")
    return notes


def _run_timer(admin: ApiClient, name: str) -> str:
    answer = admin.call("POST", f"/admin/functions/{name}")
    invocation = str(answer.body.get("invocationId") or "")
    if not invocation:
        return f"not fired ({answer.status} {answer.last_problem})"
    while time.monotonic() < admin.deadline:
        listed = admin.call("GET", f"/_local/invocations?function={name}")
        found = next((i for i in listed.body.get("items", []) if i.get("id") == invocation), None)
        if found is not None and found.get("outcome") != "running":
            return str(found.get("outcome")) + (f": {found.get('error')}" if found.get("error") else "")
        time.sleep(0.2)
    return "still running at the deadline"


def _summary(body: dict[str, Any]) -> str:
    keys = ("status", "shipments", "changed", "detail")
    return ", ".join(f"{k}={body[k]}" for k in keys if body.get(k) is not None)


def snapshot(queue: LocalQueue, stand_ins: StandIns, history: StatusHistory) -> Snapshot:
    emulator, gms = stand_ins["dataverse"], stand_ins["gms"]
    letters = [
        DeadLetter(m.queue, m.message_id, m.dead_letter_reason or "", m.dead_letter_description or "", m.body)
        for name in queue.queue_names
        for m in queue.list_dead_letters(name, limit=100_000)
    ]
    return Snapshot(
        rows={table: emulator.rows(table) for table in TABLES},
        dead_letters=letters,
        gms_messages=gms.messages(),
        gms_duplicates=gms.duplicates_by_extra_id(),
        novaposhta_duplicates=stand_ins["novaposhta"].duplicates_by_client_barcode(),
        novaposhta_waybills=stand_ins["novaposhta"].waybills(),
        paypal_invoices=stand_ins["paypal"].state()["invoices"],
        regressions=history.regressions,
    )

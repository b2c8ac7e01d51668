"""Delivery reports for messages we could not find, kept in ``smart_deliveryreport`` for reconciliation.

Each raw report is stored once (create-only upsert on ``provider:message id:status codes``). The
reconciliation timer tries them again (a row may have been recorded late, or restored); a match is
applied like any report and marked ``matched``; after ``max_attempts`` tries a report is ``abandoned``
(kept, never deleted, for an operator to look at).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from connectors.gms import DeliveryReport
from dataverse import (
    AlternateKey,
    BatchOperation,
    DataverseClient,
    DuplicateRecordError,
    PreconditionFailedError,
)
from dataverse.schema import ReconciliationStatus
from functions.messaging.reports import ReportApplier
from functions.messaging.stale import StaleSweeper
from functions.messaging.statuses import OUTCOME_STATUS, MergedReport, channel_of, report_key

log = logging.getLogger(__name__)

ORPHANS, KEY = "smart_deliveryreports", "smart_reportkey"
_EXISTS = (DuplicateRecordError, PreconditionFailedError)


def orphan_key(report: DeliveryReport) -> str:
    codes = ":".join(str(c) for c in (report.status, report.substatus, report.hyber_status) if c is not None)
    return f"gms:{report.message_id}:{codes}"[:200]


class OrphanStore:
    def __init__(self, client: DataverseClient) -> None:
        self.client = client

    def keep(self, reports: Sequence[MergedReport]) -> int:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        operations: list[BatchOperation] = []
        for entry in reports:
            for raw in entry.raw:
                status = OUTCOME_STATUS.get(raw.outcome)
                channel = channel_of(raw.sent_via)
                row: dict[str, Any] = {
                    "smart_name": f"GMS report for {raw.message_id}"[:200],
                    "smart_provider": "gms",
                    "smart_providermessageid": raw.message_id[:100],
                    "smart_externalid": (raw.extra_id or "")[:100] or None,
                    "smart_status": status.option_value if status else None,
                    "smart_channel": channel.option_value if channel else None,
                    "smart_phone": f"+{raw.number}"[:20],
                    "smart_payload": raw.model_dump_json(exclude_none=True),
                    "smart_receivedon": now,
                    "smart_reconciliation": ReconciliationStatus.PENDING.option_value,
                    "smart_attempts": 0,
                    "smart_applied": False,
                }
                data = {name: value for name, value in row.items() if value is not None}
                key = AlternateKey({KEY: orphan_key(raw)})
                operations.append(BatchOperation.upsert(ORPHANS, key, data, mode="create_only"))
        stored = 0
        for result in self.client.execute_batch(operations, atomic=False, continue_on_error=True):
            if result.ok:
                stored += 1
            elif result.error is not None and not isinstance(result.error, _EXISTS):
                raise result.error
        log.warning("kept %d delivery report(s) for unknown messages for reconciliation", stored)
        return stored

    def pending(self, limit: int) -> list[tuple[str, int, DeliveryReport]]:
        condition = f"smart_reconciliation eq {ReconciliationStatus.PENDING.option_value}"
        columns = ["smart_deliveryreportid", "smart_attempts", "smart_payload"]
        found: list[tuple[str, int, DeliveryReport]] = []
        for row in self.client.query(ORPHANS, filter=condition, select=columns, top=limit):
            try:
                report = DeliveryReport.model_validate(json.loads(row.get("smart_payload") or "{}"))
            except ValueError:
                log.warning(
                    "orphan delivery report %s has an unreadable payload", row["smart_deliveryreportid"]
                )
                continue
            found.append((str(row["smart_deliveryreportid"]), int(row.get("smart_attempts") or 0), report))
        return found

    def settle(self, updates: Sequence[tuple[str, dict[str, Any]]]) -> None:
        operations = [BatchOperation.update(ORPHANS, row_id, data) for row_id, data in updates]
        for result in self.client.execute_batch(operations, atomic=False, continue_on_error=True):
            if result.error is not None:
                raise result.error


class OrphanReconciler:
    """Retries kept orphan reports, then (with a ``sweeper``) pulls the reports of stale ``sent`` messages."""

    def __init__(
        self,
        store: OrphanStore,
        applier: ReportApplier,
        *,
        max_attempts: int = 48,
        sweeper: StaleSweeper | None = None,
    ) -> None:
        self.store, self.applier, self.max_attempts, self.sweeper = store, applier, max_attempts, sweeper

    def run(self, *, limit: int = 1000) -> dict[str, int]:
        result = self._orphans(limit)
        if self.sweeper is not None:
            result.update({f"stale_{name}": count for name, count in self.sweeper.run().items()})
        return result

    def _orphans(self, limit: int) -> dict[str, int]:
        pending = self.store.pending(limit)
        if not pending:
            return {"pending": 0, "matched": 0, "abandoned": 0}
        outcome = self.applier.apply([report for _, _, report in pending], keep_orphans=False)
        updates: list[tuple[str, dict[str, Any]]] = []
        matched = abandoned = 0
        for row_id, attempts, report in pending:
            message_id = outcome.matched.get(report_key(report))
            if message_id is not None:
                matched += 1
                settled = {
                    "smart_reconciliation": ReconciliationStatus.MATCHED.option_value,
                    "smart_applied": True,
                    "smart_attempts": attempts + 1,
                    "smart_messageid@odata.bind": f"/smart_messages({message_id})",
                }
                updates.append((row_id, settled))
                continue
            give_up = attempts + 1 >= self.max_attempts
            abandoned += give_up
            status = ReconciliationStatus.ABANDONED if give_up else ReconciliationStatus.PENDING
            updates.append(
                (row_id, {"smart_attempts": attempts + 1, "smart_reconciliation": status.option_value})
            )
        self.store.settle(updates)
        return {"pending": len(pending), "matched": matched, "abandoned": abandoned}

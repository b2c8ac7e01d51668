"""Checks, findings, changes, account fields and owner tasks in Dataverse.

A completed check is written in ONE atomic ``$batch`` change set: the check row, the finding rows that
differ from what is stored, the change rows, the account columns that differ and the owner's tasks.
The check row is written create-only (or, when a pending row exists, with its ETag), so when two
workers finish the same check only the first change set commits and the second fails as a whole: a
redelivered check never writes a second task or a second set of changes.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from dataverse import (
    AlternateKey,
    BatchOperation,
    DataverseApiError,
    DataverseClient,
    DuplicateRecordError,
    NotFoundError,
    PreconditionFailedError,
    bind,
    odata_literal,
)
from dataverse.schema import CheckStatus, CheckTrigger, RiskLevel
from functions.counterparty.changes import Change
from functions.counterparty.findings import differs, key_prefix
from functions.counterparty.records import (
    AccountRow,
    CheckOrder,
    ConcurrentCheckError,
    Outcome,
    OwnerTask,
    StoredCheck,
)
from functions.counterparty.report import CounterpartyReport

CHECKS = "smart_counterpartychecks"
FINDINGS = "smart_counterpartyfindings"
CHANGES = "smart_counterpartychanges"
ACCOUNTS = "accounts"
TASKS = "tasks"
FILLABLE = (
    "name", "telephone1", "emailaddress1", "websiteurl",
    "address1_line1", "address1_city", "address1_postalcode", "address1_country",
)  # fmt: skip
_ACCOUNT_COLUMNS = ("accountid", "smart_edrpou", "smart_risklevel", "_ownerid_value", *FILLABLE)
_LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname"
_CHECK_COLUMNS = (
    "smart_counterpartycheckid", "smart_idempotencykey", "smart_code", "smart_status", "smart_trigger",
    "smart_risklevel", "smart_expressindex", "smart_checkedon", "smart_summary", "smart_error",
    "smart_snapshot", "_smart_accountid_value",
)  # fmt: skip


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def _stored(row: dict[str, Any]) -> StoredCheck:
    snapshot = row.get("smart_snapshot")
    checked = row.get("smart_checkedon")
    return StoredCheck(
        id=uuid.UUID(str(row["smart_counterpartycheckid"])),
        key=str(row.get("smart_idempotencykey") or ""),
        code=str(row.get("smart_code") or ""),
        status=CheckStatus.from_option_value(
            int(row.get("smart_status") or CheckStatus.PENDING.option_value)
        ),
        etag=row.get("@odata.etag"),
        account_id=_uuid(row.get("_smart_accountid_value")),
        trigger=CheckTrigger.from_option_value(row["smart_trigger"]) if row.get("smart_trigger") else None,
        risk_level=RiskLevel.from_option_value(row["smart_risklevel"])
        if row.get("smart_risklevel")
        else None,
        express_index=row.get("smart_expressindex"),
        checked_on=datetime.fromisoformat(str(checked).replace("Z", "+00:00")) if checked else None,
        summary=row.get("smart_summary"),
        error=row.get("smart_error"),
        report=CounterpartyReport.model_validate_json(snapshot) if snapshot else None,
    )


def _account(row: dict[str, Any]) -> AccountRow:
    risk = row.get("smart_risklevel")
    return AccountRow(
        id=uuid.UUID(str(row["accountid"])),
        code=row.get("smart_edrpou") or None,
        name=row.get("name"),
        owner_id=_uuid(row.get("_ownerid_value")),
        owner_table=row.get("_ownerid_value" + _LOOKUP_TABLE),
        risk_level=RiskLevel.from_option_value(int(risk)) if risk else None,
        values={column: row.get(column) for column in FILLABLE},
    )


class DataverseCheckStore:
    def __init__(self, client: DataverseClient) -> None:
        self.client = client

    # -- reads ----------------------------------------------------------------------------------------

    def get_check(self, check_id: uuid.UUID) -> StoredCheck | None:
        try:
            return _stored(self.client.retrieve(CHECKS, check_id, select=_CHECK_COLUMNS))
        except NotFoundError:
            return None

    def latest_checks(self, code: str, *, completed: bool, top: int = 1) -> list[StoredCheck]:
        condition = f"smart_code eq {odata_literal(code)}"
        if completed:
            condition += f" and smart_status eq {CheckStatus.COMPLETED.option_value}"
        # Dataverse keeps whole seconds; the name ends with the microsecond and orders same-second checks.
        order = (
            ("smart_checkedon desc", "smart_name desc")
            if completed
            else ("createdon desc", "smart_name desc")
        )
        rows = self.client.query(CHECKS, filter=condition, select=_CHECK_COLUMNS, orderby=order, top=top)
        return [_stored(row) for row in rows]

    def account(self, account_id: uuid.UUID) -> AccountRow | None:
        try:
            return _account(self._read_account(account_id))
        except NotFoundError:
            return None

    def accounts_with_code(self, code: str) -> list[AccountRow]:
        rows = self.client.query(
            ACCOUNTS, filter=f"smart_edrpou eq {odata_literal(code)}", select=("accountid",), top=50
        )
        return [_account(self._read_account(uuid.UUID(str(row["accountid"])))) for row in rows]

    def changes(self, check_id: uuid.UUID) -> list[Change]:
        rows = self.client.query(
            CHANGES,
            filter=f"_smart_checkid_value eq {odata_literal(check_id)}",
            select=("smart_field", "smart_oldvalue", "smart_newvalue"),
            orderby="smart_field asc",
        )
        return [
            Change(field=r["smart_field"], old=r.get("smart_oldvalue"), new=r.get("smart_newvalue"))
            for r in rows
        ]

    def monitored_accounts(self) -> Iterator[tuple[uuid.UUID, str | None]]:
        rows = self.client.query(
            ACCOUNTS, filter="smart_monitor eq true and statecode eq 0", select=("accountid", "smart_edrpou")
        )
        for row in rows:
            yield uuid.UUID(str(row["accountid"])), row.get("smart_edrpou")

    def _read_account(self, account_id: uuid.UUID) -> dict[str, Any]:
        path = f"{ACCOUNTS}({account_id})"
        params = {"$select": ",".join(_ACCOUNT_COLUMNS)}
        headers = {"Prefer": f'odata.include-annotations="{_LOOKUP_TABLE[1:]}"'}
        return dict(self.client.request("GET", path, params=params, headers=headers) or {})

    def _findings(self, code: str) -> dict[str, dict[str, Any]]:
        rows = self.client.query(
            FINDINGS, filter=f"startswith(smart_findingkey,{odata_literal(key_prefix(code))})"
        )
        return {str(row["smart_findingkey"]): row for row in rows}

    # -- writes ---------------------------------------------------------------------------------------

    def save_pending(self, order: CheckOrder, reason: str) -> None:
        """Record that the check waits for YouScore (create-only: an existing row is left alone)."""
        columns = self._check_columns(order, CheckStatus.PENDING) | {"smart_error": reason[:1000]}
        with contextlib.suppress(DuplicateRecordError):  # already recorded: nothing to change
            self.client.upsert(CHECKS, order.check_id, columns, mode="create_only")

    def save_failed(self, order: CheckOrder, stored: StoredCheck | None, reason: str) -> None:
        columns = self._check_columns(order, CheckStatus.FAILED) | {"smart_error": reason[:1000]}
        operation = self._check_write(order, stored, columns)
        self._commit([operation])

    def save_outcome(self, outcome: Outcome) -> None:
        order, report = outcome.order, outcome.report
        columns = self._check_columns(
            order, CheckStatus.COMPLETED, outcome.account_id, outcome.checked_on
        ) | {
            "smart_risklevel": outcome.risk.option_value,
            "smart_expressindex": (report.express_index or "")[:1] or None,
            "smart_summary": outcome.summary[:4000],
            "smart_sanctionscount": len(report.sanctions),
            "smart_courtcasescount": report.courts.total,
            "smart_riskfactorscount": report.max_caution_count,
            "smart_checkedon": _iso(outcome.checked_on),
            "smart_snapshot": report.model_dump_json(),
            "smart_error": None,
        }
        operations = [self._check_write(order, outcome.stored, columns)]
        operations += self._finding_writes(outcome)
        operations += [self._change_write(outcome, change) for change in outcome.changes]
        for account_id, updates in outcome.account_updates.items():
            if updates:
                operations.append(BatchOperation.update(ACCOUNTS, account_id, updates))
        operations += [self._task_write(outcome, task) for task in outcome.tasks]
        self._commit(operations)

    def _check_columns(
        self,
        order: CheckOrder,
        status: CheckStatus,
        account_id: uuid.UUID | None = None,
        moment: datetime | None = None,
    ) -> dict[str, Any]:
        columns: dict[str, Any] = {
            "smart_name": f"{order.code.value} {moment or datetime.now(UTC):%Y-%m-%d %H:%M:%S.%f}",
            "smart_idempotencykey": order.key,
            "smart_code": order.code.value,
            "smart_status": status.option_value,
            "smart_trigger": order.trigger.option_value,
        }
        account = account_id or order.account_id
        if account is not None:
            columns["smart_accountid@odata.bind"] = bind(ACCOUNTS, account)
        return columns

    def _check_write(
        self, order: CheckOrder, stored: StoredCheck | None, columns: dict[str, Any]
    ) -> BatchOperation:
        if stored is None:
            return BatchOperation.upsert(CHECKS, order.check_id, columns, mode="create_only")
        return BatchOperation.update(CHECKS, order.check_id, columns, etag=stored.etag)

    def _finding_writes(self, outcome: Outcome) -> list[BatchOperation]:
        code = outcome.report.code
        if not outcome.findings and not outcome.previous_had_findings:
            return []
        existing = self._findings(code)
        links = {"smart_checkid@odata.bind": bind(CHECKS, outcome.order.check_id)}
        if outcome.account_id is not None:
            links["smart_accountid@odata.bind"] = bind(ACCOUNTS, outcome.account_id)
        writes = []
        for finding in outcome.findings:
            row = existing.pop(finding.key, None)
            if row is None or differs(finding, row):
                key = AlternateKey({"smart_findingkey": finding.key})
                writes.append(BatchOperation.upsert(FINDINGS, key, finding.columns() | links))
        for gone in existing:  # no longer found: the change rows keep the history
            writes.append(BatchOperation.delete(FINDINGS, AlternateKey({"smart_findingkey": gone})))
        return writes

    def _change_write(self, outcome: Outcome, change: Change) -> BatchOperation:
        key = f"{outcome.order.check_id}:{change.field}"
        if len(key) > 200:
            key = key[:190] + ":" + str(uuid.uuid5(outcome.order.check_id, change.field))[:8]
        columns: dict[str, Any] = {
            "smart_name": f"{change.field} {outcome.checked_on:%Y-%m-%d}"[:200],
            "smart_changekey": key,
            "smart_checkid@odata.bind": bind(CHECKS, outcome.order.check_id),
            "smart_field": change.field[:200],
            "smart_oldvalue": change.old,
            "smart_newvalue": change.new,
            "smart_detectedon": _iso(outcome.checked_on),
        }
        if outcome.account_id is not None:
            columns["smart_accountid@odata.bind"] = bind(ACCOUNTS, outcome.account_id)
        return BatchOperation.upsert(
            CHANGES, AlternateKey({"smart_changekey": key}), columns, mode="create_only"
        )

    def _task_write(self, outcome: Outcome, task: OwnerTask) -> BatchOperation:
        columns: dict[str, Any] = {
            "subject": task.subject[:200],
            "description": task.description[:2000],
            "regardingobjectid_account_task@odata.bind": bind(ACCOUNTS, task.account.id),
            "prioritycode": 2 if task.urgent else 1,
            "scheduledend": _iso(outcome.checked_on + timedelta(days=1 if task.urgent else 3)),
        }
        if task.account.owner_id is not None and task.account.owner_table in ("systemuser", "team"):
            columns["ownerid@odata.bind"] = f"/{task.account.owner_table}s({task.account.owner_id})"
        return BatchOperation.create(TASKS, columns)

    def _commit(self, operations: list[BatchOperation]) -> None:
        results = self.client.execute_batch(operations, atomic=True)
        failed = next((result for result in results if not result.ok), None)
        if failed is None:
            return
        error = failed.error
        if isinstance(error, DuplicateRecordError | PreconditionFailedError):
            raise ConcurrentCheckError("another worker completed this check first") from error
        if isinstance(error, DataverseApiError):
            raise error
        raise DataverseApiError(
            f"batch operation {failed.operation.method} not executed", status=failed.status
        )

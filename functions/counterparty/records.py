"""Plain records passed between the check use cases and the Dataverse store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from connectors.youcontrol import CounterpartyCode
from dataverse.schema import CheckStatus, CheckTrigger, RiskLevel
from functions.counterparty.changes import Change
from functions.counterparty.findings import Finding
from functions.counterparty.keys import Origin, check_id
from functions.counterparty.report import CounterpartyReport

FINAL_STATUSES = frozenset({CheckStatus.COMPLETED, CheckStatus.FAILED})


class ConcurrentCheckError(Exception):
    """Another worker wrote this check first; re-read it."""


@dataclass(frozen=True)
class CheckOrder:
    """One check to run: from an HTTP request, the timer or an account-created event."""

    key: str
    code: CounterpartyCode
    account_id: uuid.UUID | None
    origin: Origin
    attempt: int = 1
    fresh_after: float | None = None  # epoch seconds; cached answers older than this are not used

    @property
    def check_id(self) -> uuid.UUID:
        return check_id(self.key)

    @property
    def trigger(self) -> CheckTrigger:
        return CheckTrigger.MANUAL if self.origin is Origin.MANUAL else CheckTrigger.SCHEDULED


@dataclass(frozen=True)
class StoredCheck:
    id: uuid.UUID
    key: str
    code: str
    status: CheckStatus
    etag: str | None = None
    account_id: uuid.UUID | None = None
    trigger: CheckTrigger | None = None
    risk_level: RiskLevel | None = None
    express_index: str | None = None
    checked_on: datetime | None = None
    summary: str | None = None
    error: str | None = None
    report: CounterpartyReport | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclass(frozen=True)
class AccountRow:
    id: uuid.UUID
    code: str | None
    name: str | None = None
    owner_id: uuid.UUID | None = None
    owner_table: str | None = None  # systemuser or team
    risk_level: RiskLevel | None = None
    values: dict[str, object] = field(default_factory=dict)  # current values of the fillable columns


@dataclass(frozen=True)
class OwnerTask:
    account: AccountRow
    subject: str
    description: str
    urgent: bool


@dataclass(frozen=True)
class Outcome:
    """Everything one completed check writes, in one transaction."""

    order: CheckOrder
    stored: StoredCheck | None  # the pending row, if one was written earlier
    report: CounterpartyReport
    risk: RiskLevel
    checked_on: datetime
    summary: str
    account_id: uuid.UUID | None
    changes: list[Change]
    findings: list[Finding]
    previous_had_findings: bool  # False only when the previous snapshot proves no finding rows exist
    account_updates: dict[uuid.UUID, dict[str, object]]
    tasks: list[OwnerTask]

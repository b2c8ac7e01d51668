"""What a check shows and writes besides its rows: summary, account auto-fill, owner task, result."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from dataverse.schema import CheckStatus, RiskLevel
from functions.counterparty.changes import Change
from functions.counterparty.models import AccountFields, CheckResult
from functions.counterparty.records import AccountRow, OwnerTask, StoredCheck
from functions.counterparty.report import CounterpartyReport, RegistryInfo

_COUNTRY = "Україна"
_FIELD_LENGTHS = {
    "name": 160, "telephone1": 50, "emailaddress1": 100, "websiteurl": 200, "address1_line1": 250,
    "address1_city": 80, "address1_postalcode": 20, "address1_country": 80,
}  # fmt: skip


def account_fields(card: RegistryInfo) -> AccountFields:
    values = {
        "name": card.short_name or card.name,
        "telephone1": card.phone,
        "emailaddress1": card.email,
        "websiteurl": card.website,
        "address1_line1": card.street or card.address,
        "address1_city": card.city,
        "address1_postalcode": card.zip,
        "address1_country": _COUNTRY if card.address or card.city else None,
    }
    trimmed = {name: value[: _FIELD_LENGTHS[name]] if value else None for name, value in values.items()}
    return AccountFields(smart_edrpou=card.code, **trimmed)


def account_updates(
    account: AccountRow, report: CounterpartyReport, risk: RiskLevel, checked_on: datetime
) -> dict[str, object]:
    """Only what differs: the code when empty, risk, last-checked date, and empty fillable columns."""
    updates: dict[str, object] = {
        "smart_lastcheckedon": checked_on.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    }
    if not account.code:
        updates["smart_edrpou"] = report.code
    if account.risk_level is not risk:
        updates["smart_risklevel"] = risk.option_value
    suggested = account_fields(report.registry).model_dump(exclude={"smart_edrpou"})
    for column, value in suggested.items():
        if value and not account.values.get(column):
            updates[column] = value
    return updates


def summary_text(report: CounterpartyReport, risk: RiskLevel, changes: list[Change]) -> str:
    card = report.registry
    parts = [f"{card.short_name or card.name or card.code}: risk {risk.value}"]
    if report.express_index:
        parts[0] += f" (index {report.express_index})"
    if card.terminated:
        parts.append("termination registered")
    parts.append(f"sanctions {len(report.sanctions)}")
    parts.append(
        f"tax debt {report.tax_debt.amount:,.2f} UAH".replace(",", " ") if report.tax_debt else "no tax debt"
    )
    parts.append(f"court cases {report.courts.total} ({report.courts.open} open)")
    if changes:
        parts.append("changed: " + ", ".join(change.field for change in changes[:10]))
    return "; ".join(parts) + "."


def owner_task(
    account: AccountRow, report: CounterpartyReport, risk: RiskLevel, reasons: list[str]
) -> OwnerTask:
    name = report.registry.short_name or report.registry.name or report.code
    return OwnerTask(
        account=account,
        subject=f"Counterparty check: {name} needs attention ({risk.value} risk)",
        description="\n".join(["The scheduled YouControl check found:", *[f"- {r}" for r in reasons]]),
        urgent=risk in (RiskLevel.HIGH, RiskLevel.CRITICAL),
    )


def completed_result(
    check_id: uuid.UUID,
    trigger: str,
    account_id: uuid.UUID | None,
    report: CounterpartyReport,
    risk: RiskLevel,
    checked_on: datetime | None,
    changes: list[Change],
    summary: str | None,
) -> CheckResult:
    return CheckResult(
        check_id=check_id,
        code=report.code,
        status=CheckStatus.COMPLETED.value,
        trigger=trigger,
        account_id=account_id,
        checked_on=checked_on,
        name=report.registry.short_name or report.registry.name,
        risk_level=risk.value,
        express_index=report.express_index,
        sanctions=report.sanctions,
        tax_debt=report.tax_debt,
        open_court_cases=report.courts.open,
        court_cases=report.courts.total,
        changes=changes,
        summary=summary,
        report=report,
    )


def stored_result(stored: StoredCheck, changes: list[Change]) -> CheckResult:
    trigger = stored.trigger.value if stored.trigger else None
    if stored.status is CheckStatus.COMPLETED and stored.report is not None:
        risk = stored.risk_level or RiskLevel.UNKNOWN
        return completed_result(
            stored.id, trigger or "", stored.account_id, stored.report, risk, stored.checked_on, changes,
            stored.summary,
        )  # fmt: skip
    return CheckResult(
        check_id=stored.id,
        code=stored.code,
        status=stored.status.value,
        trigger=trigger,
        account_id=stored.account_id,
        error=stored.error if stored.status is CheckStatus.FAILED else None,
        reason=stored.error if stored.status is not CheckStatus.FAILED else None,
    )

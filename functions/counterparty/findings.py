"""Findings: the sanctions, tax debt, court cases, risk factors and termination a report holds, as rows.

A finding's key is ``{code}:{kind}:{item id}``, stable across checks, so the finding rows of a code
are the counterparty's current findings: a repeat check with unchanged data writes none of them, a
new item is created, a changed one updated and one that disappeared deleted (its history stays in
the change rows). ``smart_checkid`` points at the check that last wrote the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dataverse.schema import FindingKind, FindingSeverity
from functions.counterparty.report import CounterpartyReport, short_hash

_NAME_LENGTH = 200
_DETAILS_LENGTH = 4000


@dataclass(frozen=True)
class Finding:
    key: str
    kind: FindingKind
    severity: FindingSeverity
    name: str
    source: str | None
    details: str | None
    dated: datetime | None

    def columns(self) -> dict[str, object]:
        """The finding's own columns (the lookups are added by the writer)."""
        return {
            "smart_name": self.name,
            "smart_findingkey": self.key,
            "smart_kind": self.kind.option_value,
            "smart_severity": self.severity.option_value,
            "smart_source": self.source,
            "smart_details": self.details,
            "smart_foundon": _utc(self.dated) if self.dated else None,
        }


def _utc(value: datetime) -> str:
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def key_prefix(code: str) -> str:
    return f"{code}:"


def _join(*parts: str | None, length: int = _DETAILS_LENGTH) -> str | None:
    text = "\n".join(part for part in parts if part)
    return text[:length] if text else None


def _finding(
    code: str,
    kind: FindingKind,
    item: str,
    severity: FindingSeverity,
    name: str,
    *,
    source: str | None = None,
    details: str | None = None,
    dated: datetime | None = None,
) -> Finding:
    return Finding(
        key=f"{key_prefix(code)}{kind.value}:{item}"[:200],
        kind=kind,
        severity=severity,
        name=name[:_NAME_LENGTH],
        source=source[:_NAME_LENGTH] if source else None,
        details=details,
        dated=dated,
    )


def findings_of(report: CounterpartyReport) -> list[Finding]:
    code = report.code
    found: list[Finding] = []
    card = report.registry
    for flag, item, label in (
        (card.terminated, "terminated", "Termination registered"),
        (card.in_termination, "in_termination", "Termination in progress"),
        (card.in_bankruptcy, "bankruptcy", "Bankruptcy proceedings"),
    ):
        if flag:
            found.append(
                _finding(code, FindingKind.BANKRUPTCY, item, FindingSeverity.HIGH, label,
                         source="ЄДР", details=card.status)
            )  # fmt: skip
    for sanction in report.sanctions:
        found.append(
            _finding(
                code, FindingKind.SANCTION, sanction.item_id, FindingSeverity.HIGH,
                f"Sanction: {sanction.source or 'unknown list'}", source=sanction.source,
                details=_join(sanction.description, sanction.details), dated=sanction.date,
            )
        )  # fmt: skip
    if report.tax_debt is not None:
        amount = f"{report.tax_debt.amount:,.2f} UAH".replace(",", " ")
        found.append(
            _finding(code, FindingKind.TAX_DEBT, "tax_debt", FindingSeverity.HIGH, f"Tax debt {amount}",
                     source="ДПС", details=f"Tax debt {amount}", dated=report.tax_debt.actual_date)
        )  # fmt: skip
    for case in report.courts.cases:
        severity = FindingSeverity.INFO
        if case.is_open:
            severity = FindingSeverity.MEDIUM if case.side == "defendant" else FindingSeverity.LOW
        claim = f"claim {case.claim_sum:,.2f} UAH".replace(",", " ") if case.claim_sum else None
        found.append(
            _finding(
                code, FindingKind.COURT_CASE, case.item_id, severity,
                f"Court case {case.number or ''}: {case.subject or ''}".strip(" :"), source=case.court,
                details=_join(f"stage: {case.stage}; side: {case.side}", case.subject, claim, case.decision),
                dated=case.registered_on,
            )
        )  # fmt: skip
    for factor in report.risk_factors:
        item = str(factor.feature_id) if factor.feature_id is not None else short_hash(factor.name)
        severity = FindingSeverity.HIGH if factor.caution == "max" else FindingSeverity.MEDIUM
        found.append(
            _finding(code, FindingKind.RISK_FACTOR, item, severity, factor.name, source=factor.group,
                     details=f"caution: {factor.caution}")
        )  # fmt: skip
    return found


def differs(finding: Finding, row: dict[str, object]) -> bool:
    """True when the stored row does not already hold the finding's values."""
    for column, value in finding.columns().items():
        stored = row.get(column)
        if column == "smart_foundon" and stored:
            stored = _utc(datetime.fromisoformat(str(stored).replace("Z", "+00:00")))
        if stored != value:
            return True
    return False

"""The risk level a report implies, and when a change is worth telling the account owner about.

Rules, first match wins:

- critical: on a sanctions list, termination registered, or in bankruptcy;
- high: Express Analysis index D, tax debt, or termination in progress;
- medium: index C, any factor needing special attention, or at least ``OPEN_CASES_FOR_MEDIUM`` open
  court cases as defendant;
- low: index A or B and none of the above;
- unknown: no index (Express Analysis not available) and none of the above.
"""

from __future__ import annotations

from dataverse.schema import RiskLevel
from functions.counterparty.report import CounterpartyReport

OPEN_CASES_FOR_MEDIUM = 3

_RANK = {
    RiskLevel.UNKNOWN: 0,
    RiskLevel.LOW: 1,
    RiskLevel.MEDIUM: 2,
    RiskLevel.HIGH: 3,
    RiskLevel.CRITICAL: 4,
}


def rank(level: RiskLevel) -> int:
    return _RANK[level]


def assess_risk(report: CounterpartyReport) -> RiskLevel:
    card = report.registry
    index = (report.express_index or "").upper()
    if report.sanctions or card.terminated or card.in_bankruptcy:
        return RiskLevel.CRITICAL
    if index == "D" or report.tax_debt is not None or card.in_termination:
        return RiskLevel.HIGH
    open_as_defendant = sum(1 for case in report.courts.cases if case.is_open and case.side == "defendant")
    if index == "C" or report.max_caution_count > 0 or open_as_defendant >= OPEN_CASES_FOR_MEDIUM:
        return RiskLevel.MEDIUM
    if index in ("A", "B"):
        return RiskLevel.LOW
    return RiskLevel.UNKNOWN


def risk_rose(before: RiskLevel | None, after: RiskLevel) -> bool:
    """Up a level, to medium or worse (unknown -> low is not news)."""
    return rank(after) > rank(before or RiskLevel.UNKNOWN) and rank(after) >= rank(RiskLevel.MEDIUM)


def alert_reasons(previous: CounterpartyReport | None, current: CounterpartyReport) -> list[str]:
    """Why the owner should look: risk rose, new sanctions, new court cases (none = no task)."""
    before = assess_risk(previous) if previous is not None else None
    after = assess_risk(current)
    reasons = []
    if risk_rose(before, after):
        reasons.append(f"risk rose from {(before or RiskLevel.UNKNOWN).value} to {after.value}")
    if previous is None:
        return reasons
    known_sanctions = {entry.item_id for entry in previous.sanctions}
    for entry in current.sanctions:
        if entry.item_id not in known_sanctions:
            reasons.append(
                f"new sanction: {entry.source or 'unknown list'} — {entry.description or ''}".strip()
            )
    known_cases = {case.item_id for case in previous.courts.cases}
    new_cases = [case for case in current.courts.cases if case.item_id not in known_cases]
    if previous.courts.complete and new_cases:
        for case in new_cases:
            reasons.append(f"new court case {case.number or ''}: {case.subject or 'subject not given'}")
    elif current.courts.total > previous.courts.total:
        reasons.append(f"court cases: {previous.courts.total} -> {current.courts.total}")
    return reasons

"""Change detection: two snapshots compared field by field, each difference as (field, old -> new).

A snapshot is flattened into ``{field path: readable value}``; list items get a stable id in the path
(``sanctions[2022-10-19 #3f2a1c]``, ``court_cases[910/1200/20]``) so an added or removed item is one
change, not a shifted list. A missing value is ``None``: an item that appears is ``None -> value``.
Parts the two checks cannot both see are left out, so a configuration change is not reported as a
change of the counterparty: modules unavailable to either check (VAT, scoring), and individual court
cases when either check could not list all of them (only the total is compared then).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from functions.counterparty.report import CounterpartyReport, day
from functions.counterparty.risk import assess_risk

MAX_VALUE_LENGTH = 4000
_COURT_ITEM = "court_cases["
_MODULE_PREFIXES = {"vat": ("vat",), "scoring": ("financial_score",)}


class Change(BaseModel):
    """One field that differs from the previous check."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="Path of the changed value.", examples=["director"], title="Field")
    old: str | None = Field(default=None, description="Value at the previous check; null = absent.")
    new: str | None = Field(default=None, description="Value now; null = no longer present.")


def _money(value: float) -> str:
    return f"{value:,.2f} UAH".replace(",", " ")


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _text(*parts: str | None) -> str | None:
    joined = "; ".join(part for part in parts if part)
    return joined[:MAX_VALUE_LENGTH] if joined else None


def flatten(report: CounterpartyReport) -> dict[str, str]:
    """The snapshot as ``{field: value}`` (with the risk level it implies); absent values are left out."""
    card = report.registry
    values: dict[str, str | None] = {
        "name": card.name,
        "short_name": card.short_name,
        "status": card.status,
        "legal_form": card.legal_form,
        "address": card.address,
        "director": card.director,
        "founders": "; ".join(card.founders) or None,
        "beneficiaries": "; ".join(card.beneficiaries) or None,
        "main_activity": card.main_activity,
        "capital": _money(card.capital) if card.capital is not None else None,
        "phone": card.phone,
        "terminated": _yes_no(card.terminated),
        "in_termination": _yes_no(card.in_termination),
        "in_bankruptcy": _yes_no(card.in_bankruptcy),
        "tax_debt": _money(report.tax_debt.amount) if report.tax_debt else "none",
        "court_cases.total": str(report.courts.total),
        "court_cases.open": str(report.courts.open),
        "express_index": report.express_index,
        "risk_level": assess_risk(report).value,
    }
    for sanction in report.sanctions:
        values[f"sanctions[{sanction.item_id}]"] = _text(sanction.source, sanction.description)
    if report.courts.complete:
        for case in report.courts.cases:
            summary = _text(case.stage, case.side, case.subject, case.court, case.decision)
            values[f"{_COURT_ITEM}{case.item_id}]"] = summary
    for factor in report.risk_factors:
        values[f"risk_factors[{factor.feature_id or factor.name}]"] = f"{factor.name}: {factor.caution}"
    if report.vat is not None:
        vat = report.vat
        values["vat"] = _text("payer", vat.vat_number, f"since {day(vat.registration_date)}")
        if not vat.payer:
            values["vat"] = "not a VAT payer"
    if report.scoring is not None:
        score = report.scoring
        values["financial_score"] = _text(
            str(score.year), score.mark, f"{score.value}" if score.value else None
        )
    return {field: value for field, value in values.items() if value is not None}


def _comparable(
    values: dict[str, str], previous: CounterpartyReport, current: CounterpartyReport
) -> dict[str, str]:
    hidden = {module for report in (previous, current) for module in report.unavailable}
    prefixes = tuple(prefix for module in hidden for prefix in _MODULE_PREFIXES.get(module, ()))
    if not (previous.courts.complete and current.courts.complete):
        prefixes += (_COURT_ITEM,)
    return {field: value for field, value in values.items() if not field.startswith(prefixes or ("\0",))}


def detect_changes(previous: CounterpartyReport | None, current: CounterpartyReport) -> list[Change]:
    """What changed since ``previous`` (none for a first check), sorted by field."""
    if previous is None:
        return []
    before = _comparable(flatten(previous), previous, current)
    after = _comparable(flatten(current), previous, current)
    return [
        Change(field=field, old=before.get(field), new=after.get(field))
        for field in sorted(before.keys() | after.keys())
        if before.get(field) != after.get(field)
    ]

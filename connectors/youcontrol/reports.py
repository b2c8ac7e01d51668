"""Check results: sanctions, tax debt, VAT status, Express Analysis risk factors, financial scoring.

Each report carries the ``code`` it was asked for. Where YouScore answers 404 for "nothing on record"
(sanctions, tax debt, VAT), the client returns the report with ``found=False`` and nothing listed: the
reference (§4.3) notes a 404 on sanctions may mean "no sanctions", the tax-debt register lists only
debtors, and a counterparty missing from the VAT register is not a VAT payer [infer]. Whether the
counterparty exists at all is the registry card's question.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from connectors.youcontrol._base import LenientDatetime, WireModel, as_list


class Sanction(WireModel):
    """One sanctions-list entry on the company, its director, founders or signers, or the ФОП."""

    date: LenientDatetime = None
    source: str | None = None
    description: str | None = None
    details: str | None = None


class SanctionsReport(WireModel):
    """``GET /v1/sanctions``: the spec declares one object but describes a list; both parse."""

    code: str
    found: bool = True
    sanctions: list[Sanction] = Field(default_factory=list)

    @classmethod
    def from_payload(cls, code: str, payload: Any) -> SanctionsReport:
        entries = [entry for entry in as_list(payload) if isinstance(entry, dict) and any(entry.values())]
        return cls.model_validate({"code": code, "sanctions": entries})

    @property
    def is_sanctioned(self) -> bool:
        return bool(self.sanctions)


class TaxDebtReport(WireModel):
    """``GET /v1/taxDebt/{code}``: debt in UAH. The spec says this dataset is no longer updated."""

    code: str
    found: bool = True
    debt: float | None = None
    actual_date: LenientDatetime = None

    @classmethod
    def from_payload(cls, code: str, payload: Any) -> TaxDebtReport:
        body = payload if isinstance(payload, dict) else {}
        return cls.model_validate({**body, "code": code})

    @property
    def has_debt(self) -> bool:
        return (self.debt or 0) > 0


class VatStatus(WireModel):
    """``GET /v1/vat/{code}``: ``vat_number`` is the VAT payer's ІПН (YouScore's ``code`` field)."""

    code: str
    found: bool = True
    vat_number: str | None = None
    registration_date: LenientDatetime = None
    note: str | None = None
    actual_date: LenientDatetime = None

    @classmethod
    def from_payload(cls, code: str, payload: Any) -> VatStatus:
        body = dict(payload) if isinstance(payload, dict) else {}
        body["vatNumber"] = body.pop("code", None)
        return cls.model_validate({**body, "code": code})

    @property
    def is_vat_payer(self) -> bool:
        return self.found


class ExpressFeature(WireModel):
    """One Express Analysis factor; ``caution`` is max / average / min / empty (valueCode 2 / 1 / 0 / -1)."""

    feature_id: int | None = None
    feature_name: str | None = None
    group: str | None = None
    group_id: int | None = None
    caution: str | None = None
    value_code: int | None = None
    value: str | None = None
    prompt: str | None = None
    data: Any = None
    actual_date: LenientDatetime = None


class ExpressAnalysis(WireModel):
    """``GET /v1/expressAnalysis/{code}``: the risk index (A-D or None), counters and factors."""

    code: str
    actual_date: LenientDatetime = None
    url: str | None = None
    express_analysis_index: str | None = None
    total_max_caution: int = 0
    total_average_caution: int = 0
    total_min_caution: int = 0
    total_empty_caution: int = 0
    features: list[ExpressFeature] = Field(default_factory=list)

    @classmethod
    def from_payload(cls, code: str, payload: Any) -> ExpressAnalysis:
        body = dict(payload) if isinstance(payload, dict) else {}
        body["features"] = as_list(body.get("features"))
        return cls.model_validate({**body, "code": body.get("code") or code})

    @property
    def risk_factors(self) -> list[ExpressFeature]:
        """Factors needing special attention (``caution == "max"``): what the CRM records as findings."""
        return [feature for feature in self.features if feature.caution == "max"]

    @property
    def attention_factors(self) -> list[ExpressFeature]:
        return [feature for feature in self.features if feature.caution == "average"]


class FinancialScore(WireModel):
    """FinScore for one year: ``mark`` A-D (or None) and ``value`` 1.0-4.0 (or None)."""

    year: int
    mark: str | None = None
    value: float | None = None
    url: str | None = None


class FinancialScoring(WireModel):
    """``GET /v1/financialScoring/{code}``: one entry per year with financial statements."""

    code: str
    years: list[FinancialScore] = Field(default_factory=list)

    @classmethod
    def from_payload(cls, code: str, payload: Any) -> FinancialScoring:
        years = []
        for entry in as_list(payload):
            if not isinstance(entry, dict) or entry.get("year") is None:
                continue
            score = entry.get("score")
            score = score if isinstance(score, dict) else {}
            years.append({"year": entry["year"], "url": entry.get("url"), **score})
        return cls.model_validate({"code": code, "years": sorted(years, key=lambda y: int(y["year"]))})

    @property
    def latest(self) -> FinancialScore | None:
        return self.years[-1] if self.years else None

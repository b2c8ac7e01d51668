"""What one check found, normalised from the YouScore answers: the snapshot the next check compares with.

``CounterpartyReport`` is stored as JSON in ``smart_counterpartycheck.smart_snapshot`` and is also the
body of a check result, so its fields are documented for the custom connector.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from connectors.youcontrol import (
    CourtCase,
    CourtCaseStage,
    ExpressAnalysis,
    FinancialScoring,
    RegistryCard,
    SanctionsReport,
    TaxDebtReport,
    VatStatus,
)

SNAPSHOT_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


def short_hash(*parts: str | None) -> str:
    return hashlib.sha256("|".join(part or "" for part in parts).encode("utf-8")).hexdigest()[:6]


def day(value: datetime | None) -> str:
    return value.date().isoformat() if value is not None else "?"


class RegistryInfo(_Model):
    """The state-register (ЄДР) card, as the account card uses it."""

    code: str = Field(description="ЄДРПОУ (8 digits) or РНОКПП of a sole trader (10 digits).", title="Code")
    kind: str = Field(description="company or sole_trader.", examples=["company"], title="Kind")
    name: str | None = Field(default=None, description="Full registered name.", title="Name")
    short_name: str | None = Field(default=None, description="Short name.", title="Short name")
    legal_form: str | None = Field(default=None, description="Organisational legal form.", title="Legal form")
    status: str | None = Field(default=None, description="Registration status as the register states it.")
    registration_date: datetime | None = Field(default=None, description="Date of state registration.")
    address: str | None = Field(default=None, description="Registered address, one line.", title="Address")
    zip: str | None = Field(default=None, description="Postal code.")
    region: str | None = Field(default=None, description="Region (oblast).")
    city: str | None = Field(default=None, description="City or settlement.")
    street: str | None = Field(default=None, description="Street and building.")
    director: str | None = Field(default=None, description="Head of the company (signer with role керівник).")
    director_appointed: datetime | None = Field(default=None, description="When the director was appointed.")
    founders: list[str] = Field(default_factory=list, description="Founders' names.")
    beneficiaries: list[str] = Field(default_factory=list, description="Ultimate beneficial owners' names.")
    main_activity: str | None = Field(default=None, description="Main КВЕД (NACE) code and description.")
    capital: float | None = Field(default=None, description="Authorised capital, UAH.")
    phone: str | None = Field(default=None, description="Registered phone.")
    email: str | None = Field(default=None, description="Registered e-mail.")
    website: str | None = Field(default=None, description="Registered web site.")
    terminated: bool = Field(default=False, description="Termination registered: the counterparty is gone.")
    in_termination: bool = Field(default=False, description="Termination is in progress.")
    in_bankruptcy: bool = Field(default=False, description="Bankruptcy proceedings registered.")


class SanctionEntry(_Model):
    date: datetime | None = Field(default=None, description="When the sanction was imposed.")
    source: str | None = Field(default=None, description="Sanctions list (РНБО, OFAC, EU...).")
    description: str | None = Field(default=None, description="Who is listed and how they are related.")
    details: str | None = Field(default=None, description="Legal basis or other details.")

    @property
    def item_id(self) -> str:
        """Stable across checks: the date and a hash of the list and the text."""
        return f"{day(self.date)} #{short_hash(self.source, self.description)}"


class TaxDebt(_Model):
    amount: float = Field(description="Tax debt, UAH.", examples=[184325.17])
    actual_date: datetime | None = Field(default=None, description="Date of the register's data.")


class CourtCaseEntry(_Model):
    number: str | None = Field(default=None, description="Case number.", examples=["910/1200/20"])
    side: str = Field(description="plaintiff, defendant, third_party or unknown.")
    stage: str = Field(description="scheduled, in_progress, decided or unknown.")
    subject: str | None = Field(default=None, description="What the case is about.")
    court: str | None = Field(default=None, description="Court.")
    registered_on: datetime | None = Field(default=None, description="When the case was registered.")
    claim_sum: float | None = Field(default=None, description="Claim amount, UAH.")
    decision: str | None = Field(default=None, description="Latest decision: form and operative part.")
    decision_date: datetime | None = Field(default=None, description="Date of the latest decision.")

    @property
    def item_id(self) -> str:
        return self.number or f"#{short_hash(self.subject, self.court, day(self.registered_on))}"

    @property
    def is_open(self) -> bool:
        return self.stage != CourtCaseStage.DECIDED.value


class CourtSummary(_Model):
    total: int = Field(default=0, description="All court cases YouScore knows of.")
    open: int = Field(default=0, description="Listed cases without a decision in force.")
    cases: list[CourtCaseEntry] = Field(default_factory=list, description="Newest cases first.")

    @property
    def complete(self) -> bool:
        """Every case is listed (so a case missing from the list really disappeared)."""
        return len(self.cases) >= self.total


class RiskFactor(_Model):
    feature_id: int | None = Field(default=None, description="YouScore factor id.")
    name: str = Field(description="Risk factor.", examples=["Податковий борг"])
    group: str | None = Field(default=None, description="Factor group.")
    caution: str = Field(description="max (special attention) or average (worth attention).")


class VatInfo(_Model):
    payer: bool = Field(description="Registered VAT payer.")
    vat_number: str | None = Field(default=None, description="VAT payer's individual tax number (ІПН).")
    registration_date: datetime | None = Field(default=None, description="VAT registration date.")


class ScoreInfo(_Model):
    year: int = Field(description="Year of the financial statements.")
    mark: str | None = Field(default=None, description="FinScore A (best) to D.")
    value: float | None = Field(default=None, description="FinScore value 1.0-4.0.")


class CounterpartyReport(_Model):
    version: int = Field(default=SNAPSHOT_VERSION, description="Snapshot format version.")
    registry: RegistryInfo
    sanctions: list[SanctionEntry] = Field(default_factory=list, description="Sanctions found.")
    tax_debt: TaxDebt | None = Field(default=None, description="Tax debt; null when there is none.")
    courts: CourtSummary = Field(default_factory=CourtSummary, description="Court cases.")
    express_index: str | None = Field(default=None, description="Express Analysis risk index A-D.")
    max_caution_count: int = Field(default=0, description="Factors needing special attention.")
    risk_factors: list[RiskFactor] = Field(
        default_factory=list, description="Factors of max/average caution."
    )
    vat: VatInfo | None = Field(default=None, description="VAT status; null when the key does not allow it.")
    scoring: ScoreInfo | None = Field(default=None, description="Latest financial score, where available.")
    unavailable: list[str] = Field(
        default_factory=list, description="Modules the configured keys do not allow (vat, scoring)."
    )

    @property
    def code(self) -> str:
        return self.registry.code


def registry_info(card: RegistryCard) -> RegistryInfo:
    parts = card.address_parts
    director = card.director
    street = " ".join(part for part in (parts.street, parts.building) if part) if parts else ""
    activity = card.main_activity
    return RegistryInfo(
        code=card.code,
        kind=card.kind.value,
        name=card.full_name,
        short_name=card.short_name,
        legal_form=card.legal_form,
        status=card.status,
        registration_date=card.registration_date,
        address=card.address,
        zip=parts.zip if parts else None,
        region=parts.region if parts else None,
        city=parts.city if parts else None,
        street=street or None,
        director=director.name if director else None,
        director_appointed=director.appoint_date if director else None,
        founders=sorted(f.name for f in card.founders if f.name),
        beneficiaries=sorted(f.name for f in card.beneficiaries if f.name),
        main_activity=_activity_text(activity.code, activity.description) if activity else None,
        capital=card.authorised_capital,
        phone=card.contacts.phone if card.contacts else None,
        email=card.contacts.email if card.contacts else None,
        website=card.contacts.web_site if card.contacts else None,
        terminated=card.is_terminated,
        in_termination=card.in_termination,
        in_bankruptcy=card.in_bankruptcy,
    )


def _activity_text(code: str | None, description: str | None) -> str | None:
    return " ".join(part for part in (code, description) if part) or None


def court_entry(case: CourtCase) -> CourtCaseEntry:
    decision = case.latest_decision
    decision_text = None
    if decision is not None:
        decision_text = " — ".join(p for p in (decision.decision_form, decision.resolution_part) if p) or None
    claims = [auto.sum for auto in case.auto_cases if auto.sum is not None]
    return CourtCaseEntry(
        number=case.case_number,
        side=case.side.value,
        stage=case.stage.value,
        subject=case.subject,
        court=case.court_name,
        registered_on=case.registered_at,
        claim_sum=claims[0] if claims else None,
        decision=decision_text,
        decision_date=decision.decision_date if decision else None,
    )


def build_report(
    card: RegistryCard,
    sanctions: SanctionsReport,
    tax_debt: TaxDebtReport,
    courts: list[CourtCase],
    court_total: int,
    express: ExpressAnalysis | None,
    vat: VatStatus | None,
    scoring: FinancialScoring | None,
    unavailable: list[str],
) -> CounterpartyReport:
    entries = [court_entry(case) for case in courts]
    factors = []
    if express is not None:
        for feature in express.risk_factors + express.attention_factors:
            factors.append(
                RiskFactor(
                    feature_id=feature.feature_id,
                    name=feature.feature_name or f"factor {feature.feature_id}",
                    group=feature.group,
                    caution=feature.caution or "max",
                )
            )
    latest = scoring.latest if scoring is not None else None
    return CounterpartyReport(
        registry=registry_info(card),
        sanctions=[SanctionEntry.model_validate(entry.model_dump()) for entry in sanctions.sanctions],
        tax_debt=TaxDebt(amount=tax_debt.debt or 0.0, actual_date=tax_debt.actual_date)
        if tax_debt.has_debt
        else None,
        courts=CourtSummary(
            total=max(court_total, len(entries)), open=sum(1 for e in entries if e.is_open), cases=entries
        ),
        express_index=express.express_analysis_index if express is not None else None,
        max_caution_count=express.total_max_caution if express is not None else 0,
        risk_factors=factors,
        vat=VatInfo(
            payer=vat.is_vat_payer, vat_number=vat.vat_number, registration_date=vat.registration_date
        )
        if vat is not None
        else None,
        scoring=ScoreInfo(year=latest.year, mark=latest.mark, value=latest.value) if latest else None,
        unavailable=sorted(unavailable),
    )

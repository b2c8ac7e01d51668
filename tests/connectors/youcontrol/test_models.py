"""Parsing of YouScore bodies shaped like the spec's examples (reference/providers.md §4.3)."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.youcontrol import (
    CounterpartyKind,
    CourtCaseSide,
    CourtCasesPage,
    CourtCaseStage,
    ExpressAnalysis,
    FinancialScoring,
    RegistryCard,
    SanctionsReport,
    TaxDebtReport,
    VatStatus,
)

# The trimmed legal-entity card from the reference, plus fields from the spec schema.
LEGAL_ENTITY_CARD = {
    "name": {"fullName": 'ТОВ "Ю-КОНТРОЛ"', "shortName": 'ТОВ "Ю-КОНТРОЛ"'},
    "code": "39404434",
    "contractorType": "Юридична особа (ЮО)",
    "status": "Не перебуває в процесі припинення",
    "actualDate": "2021-05-27T18:49:06Z",
    "address": "Україна, 02098, місто Київ, …",
    "mainEconomicActivity": {"code": "58.29", "description": "Видання іншого програмного забезпечення"},
    "economicActivities": [
        {"code": "58.29", "description": "Видання іншого програмного забезпечення", "isMain": True},
        {"code": "62.01", "description": "Комп'ютерне програмування", "isMain": False},
    ],
    "signers": [{"name": "ІВАНЕНКО ІВАН ІВАНОВИЧ", "role": "керівник", "appointDate": "2015-01-20T00:00:00"}],
    "founders": [
        {"name": "ІВАНЕНКО ІВАН ІВАНОВИЧ", "capital": 1000.0, "ownershipType": None, "type": 1},
        {
            "name": "ПЕТРЕНКО ПЕТРО",
            "capital": 0,
            "ownershipType": "Прямий вирішальний вплив",
            "ownershipPercent": 75.0,
            "interest": 75.0,
            "type": 2,
        },
    ],
    "foundingCapital": {"sum": 1000.0, "date": None},
    "registrationBeforeLaw": None,
    "registrationAfterLaw": {"entryDate": "2014-09-26T00:00:00Z", "entryNumber": "10701020000063236"},
    "terminationStatus": None,
    "bankruptcyStatus": None,
    "someFieldAddedLater": {"anything": [1, 2, 3]},
}


def test_legal_entity_card_parses_with_its_people_activities_and_capital() -> None:
    card = RegistryCard.from_payload("39404434", LEGAL_ENTITY_CARD)
    assert card.kind is CounterpartyKind.COMPANY
    assert card.full_name == card.short_name == 'ТОВ "Ю-КОНТРОЛ"'
    assert card.actual_date == datetime(2021, 5, 27, 18, 49, 6, tzinfo=UTC)
    assert card.registration_date == datetime(2014, 9, 26, tzinfo=UTC)
    assert card.director is not None and card.director.name == "ІВАНЕНКО ІВАН ІВАНОВИЧ"
    assert [f.name for f in card.beneficiaries] == ["ПЕТРЕНКО ПЕТРО"]
    assert card.main_activity is not None and card.main_activity.code == "58.29"
    assert [a.code for a in card.activities] == ["58.29", "62.01"]
    assert card.authorised_capital == 1000.0
    assert not card.is_terminated and not card.in_termination and not card.in_bankruptcy


def test_sole_trader_card_has_a_string_name_and_takes_the_code_from_the_request() -> None:
    payload = {
        "name": "МЕЛЬНИК ІРИНА ОЛЕГІВНА",
        "contractorType": "Фізична особа-підприємець (ФОП)",
        "status": "зареєстровано",
        "registrationAfterLaw": {"entryDate": "2017-08-09T00:00:00Z"},
    }
    card = RegistryCard.from_payload("3124501589", payload)
    assert card.code == "3124501589"
    assert card.full_name == "МЕЛЬНИК ІРИНА ОЛЕГІВНА"
    assert card.kind is CounterpartyKind.SOLE_TRADER
    assert card.signers == [] and card.director is None


def test_bad_dates_and_odd_fields_do_not_fail_the_card() -> None:
    payload = {**LEGAL_ENTITY_CARD, "actualDate": "not a date", "address": {"raw": "?"}, "signers": None}
    card = RegistryCard.from_payload("39404434", payload)
    assert card.actual_date is None and card.address is None and card.signers == []


def test_terminated_company_is_recognised() -> None:
    payload = {
        **LEGAL_ENTITY_CARD,
        "status": "припинено",
        "registrationOfTermination": {"entryDate": "2022-03-30T00:00:00Z", "status": "припинено"},
    }
    assert RegistryCard.from_payload("39404434", payload).is_terminated


def test_sanctions_accept_a_list_a_single_object_or_nothing() -> None:
    entry = {
        "date": "2018-01-26T00:00:00+02:00",
        "source": "OFAC",
        "description": "Засновник у списку",
        "details": None,
    }
    assert len(SanctionsReport.from_payload("39404434", [entry, entry]).sanctions) == 2
    single = SanctionsReport.from_payload("39404434", entry)
    assert single.is_sanctioned and single.sanctions[0].source == "OFAC"
    assert not SanctionsReport.from_payload("39404434", None).is_sanctioned
    assert not SanctionsReport.from_payload("39404434", []).is_sanctioned


def test_tax_debt_and_vat_reports() -> None:
    debt = TaxDebtReport.from_payload("39404434", {"debt": 1500.5, "actualDate": "2024-01-01T00:00:00Z"})
    assert debt.has_debt and debt.debt == 1500.5
    assert not TaxDebtReport.from_payload("39404434", {"debt": 0}).has_debt
    vat = VatStatus.from_payload(
        "39404434", {"code": "394044326591", "registrationDate": "2015-01-01T00:00:00"}
    )
    assert vat.code == "39404434" and vat.vat_number == "394044326591" and vat.is_vat_payer


def test_express_analysis_exposes_factors_needing_special_attention() -> None:
    payload = {
        "actualDate": "2024-03-01T10:00:00Z",
        "code": "39404434",
        "expressAnalysisIndex": "C",
        "totalMaxCaution": 1,
        "totalAverageCaution": 1,
        "totalMinCaution": 1,
        "totalEmptyCaution": 0,
        "features": [
            {"featureId": 1, "featureName": "Санкції", "caution": "max", "valueCode": 2, "data": [1, 2]},
            {"featureId": 2, "featureName": "Суди", "caution": "average", "valueCode": 1, "data": {"n": 3}},
            {"featureId": 3, "featureName": "Борг", "caution": "min", "valueCode": 0, "data": None},
        ],
    }
    analysis = ExpressAnalysis.from_payload("39404434", payload)
    assert analysis.express_analysis_index == "C"
    assert [f.feature_name for f in analysis.risk_factors] == ["Санкції"]
    assert [f.feature_id for f in analysis.attention_factors] == [2]


def test_financial_scoring_accepts_an_object_or_a_list_and_orders_years() -> None:
    year = {"year": 2023, "score": {"mark": "B", "value": 2.2}, "url": "u"}
    assert FinancialScoring.from_payload("39404434", year).latest is not None
    scoring = FinancialScoring.from_payload("39404434", [{**year, "year": 2024}, year])
    assert [y.year for y in scoring.years] == [2023, 2024]
    assert scoring.latest is not None and scoring.latest.mark == "B"


def test_court_case_summary_properties() -> None:
    payload = {
        "totalResults": 1,
        "results": [
            {
                "caseNumber": "910/1/24",
                "sideType": 2,
                "autoCases": [
                    {
                        "courtName": "Господарський суд міста Києва",
                        "description": "Стягнення боргу",
                        "registrationDate": "2024-01-10T00:00:00Z",
                        "sum": 1000.0,
                    }
                ],
                "considerationDocuments": [{"courtDate": "2024-03-01T10:00:00Z"}],
                "documents": [
                    {"id": 1, "decisionDate": "2024-02-01T00:00:00Z", "decisionForm": "Ухвала"},
                    {
                        "id": 2,
                        "decisionDate": "2024-04-01T00:00:00Z",
                        "decisionForm": "Рішення",
                        "lawDate": "2024-05-01T00:00:00Z",
                        "resolutionPart": "Позов задовольнити",
                    },
                ],
            }
        ],
    }
    page = CourtCasesPage.from_payload("39404434", payload)
    case = page.cases[0]
    assert page.total_results == 1
    assert case.side is CourtCaseSide.DEFENDANT
    assert case.subject == "Стягнення боргу"
    assert case.court_name == "Господарський суд міста Києва"
    assert case.latest_decision is not None and case.latest_decision.decision_form == "Рішення"
    assert case.stage is CourtCaseStage.DECIDED
    assert case.next_hearing == datetime(2024, 3, 1, 10, tzinfo=UTC)

"""YouScore answers shaped like the real API (reference/providers.md §4.3), folded into reports."""

from __future__ import annotations

from typing import Any

from connectors.youcontrol import (
    CourtCasesPage,
    ExpressAnalysis,
    FinancialScoring,
    RegistryCard,
    SanctionsReport,
    TaxDebtReport,
    VatStatus,
    make_edrpou,
)
from functions.counterparty.report import CounterpartyReport, build_report

CODE = make_edrpou("3940443")
ACTIVE = "Не перебуває в процесі припинення"


def card_payload(
    *,
    director: str = "КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ",
    status: str = ACTIVE,
    terminated_on: str | None = None,
    address: str = "Україна, 02098, місто Київ, вул. Тестова, буд. 5",
) -> dict[str, Any]:
    return {
        "name": {
            "fullName": 'ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ "Ю-КОНТРОЛ"',
            "shortName": 'ТОВ "Ю-КОНТРОЛ"',
        },
        "code": CODE,
        "contractorType": "Юридична особа (ЮО)",
        "status": status,
        "actualDate": "2021-05-27T18:49:06Z",
        "address": address,
        "addressParts": {
            "zip": "02098",
            "region": "м. Київ",
            "city": "Київ",
            "street": "вул. Тестова",
            "building": "5",
        },
        "mainEconomicActivity": {"code": "58.29", "description": "Видання іншого програмного забезпечення"},
        "signers": [{"name": director, "role": "керівник", "appointDate": "2019-06-01T00:00:00Z"}],
        "founders": [
            {"name": director, "capital": 1000.0, "ownershipPercent": 100.0, "ownershipType": "Прямий"}
        ],
        "foundingCapital": {"sum": 1000.0},
        "contacts": {"phone": "+380441234567", "email": "office@example.ua", "webSite": None},
        "terminationStatus": None,
        "registrationOfTermination": {"entryDate": terminated_on, "status": "припинено"}
        if terminated_on
        else None,
        "bankruptcyStatus": None,
    }


def sanction(date: str, source: str, description: str) -> dict[str, Any]:
    return {"date": date, "source": source, "description": description, "details": None}


RNBO = sanction(
    "2022-10-19T00:00:00+03:00",
    "Санкційний список РНБО України",
    "Засновник організації входить до санкційного списку РНБО України",
)
OFAC = sanction("2023-02-24T00:00:00+02:00", "OFAC SDN", "Компанія входить до санкційного списку OFAC")


def court_case(
    number: str, *, side: int = 2, decided: bool = False, subject: str = "Стягнення боргу"
) -> dict[str, Any]:
    documents = (
        [
            {
                "decisionDate": "2024-03-01T00:00:00Z",
                "lawDate": "2024-04-01T00:00:00Z",
                "decisionForm": "Рішення",
                "resolutionPart": "Позов задовольнити.",
            }
        ]
        if decided
        else []
    )
    return {
        "group": f"g-{number}",
        "caseNumber": number,
        "sideType": side,
        "autoCases": [
            {
                "courtName": "Господарський суд міста Києва",
                "registrationDate": "2024-01-10T00:00:00Z",
                "description": subject,
                "sum": 25000.0,
            }
        ],
        "considerationDocuments": [],
        "documents": documents,
    }


def express_payload(index: str | None, *, max_factors: int = 0, average_factors: int = 0) -> dict[str, Any]:
    features = [
        {"featureId": 10 + n, "featureName": f"Фактор {n}", "group": "Суди", "caution": "max", "valueCode": 2}
        for n in range(max_factors)
    ] + [
        {
            "featureId": 50 + n,
            "featureName": f"Увага {n}",
            "group": "Реєстр",
            "caution": "average",
            "valueCode": 1,
        }
        for n in range(average_factors)
    ]
    return {
        "actualDate": "2026-11-01T00:00:00Z",
        "code": CODE,
        "expressAnalysisIndex": index,
        "totalMaxCaution": max_factors,
        "totalAverageCaution": average_factors,
        "features": features,
    }


def report(
    *,
    director: str = "КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ",
    terminated_on: str | None = None,
    sanctions: list[dict[str, Any]] | None = None,
    tax_debt: float | None = None,
    cases: list[dict[str, Any]] | None = None,
    total_cases: int | None = None,
    index: str | None = "A",
    max_factors: int = 0,
    average_factors: int = 0,
    vat: bool | None = True,
    unavailable: list[str] | None = None,
) -> CounterpartyReport:
    """A report built the way a check builds it: from parsed YouScore answers."""
    listed = cases or []
    page = CourtCasesPage.from_payload(CODE, {"totalResults": total_cases or len(listed), "results": listed})
    vat_status = None
    if vat is not None:
        vat_status = VatStatus.from_payload(CODE, {"code": "394044326591", "registrationDate": "2016-01-01"})
        if not vat:
            vat_status = VatStatus(code=CODE, found=False)
    return build_report(
        RegistryCard.from_payload(CODE, card_payload(director=director, terminated_on=terminated_on)),
        SanctionsReport.from_payload(CODE, sanctions or []),
        TaxDebtReport.from_payload(CODE, {"debt": tax_debt})
        if tax_debt
        else TaxDebtReport(code=CODE, found=False),
        page.cases,
        page.total_results,
        ExpressAnalysis.from_payload(
            CODE, express_payload(index, max_factors=max_factors, average_factors=average_factors)
        ),
        vat_status,
        FinancialScoring.from_payload(CODE, [{"year": 2024, "score": {"mark": "A", "value": 1.2}}]),
        unavailable or [],
    )

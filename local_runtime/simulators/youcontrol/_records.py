"""What the simulator knows about one counterparty, and how each YouScore endpoint renders it.

Shapes follow the YouScore OpenAPI spec (reference/providers.md §4.3; the spec copy in GitHub
``fritzkeyzer/goyouscore``). Inferred where the spec is silent (marked [infer]): a sole trader's card
beyond ``name`` being a string with no ``code``; "nothing on record" answered as 404 for sanctions, tax
debt and VAT; the Express Analysis factor ids, names and the index rule; the 202 body.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

COMPANY_TYPE = "Юридична особа (ЮО)"
SOLE_TRADER_TYPE = "Фізична особа-підприємець (ФОП)"
ACTIVE_COMPANY_STATUS = "Не перебуває в процесі припинення"
ACTIVE_SOLE_TRADER_STATUS = "зареєстровано"
TERMINATED_STATUS = "припинено"
HEAD_ROLE = "керівник"

_CAUTION_CODES = {"max": 2, "average": 1, "min": 0, "empty": -1}
_SIDE_NAMES = {0: "Невизначено", 1: "Позивач", 2: "Відповідач", 3: "Третя особа"}


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class CourtCaseRecord:
    number: str
    side: int  # 0 unknown, 1 plaintiff, 2 defendant, 3 third party
    subject: str
    court: str
    registered: str  # ISO date
    claim_sum: float | None
    stage: str  # scheduled | in_progress | decided
    opponent: str
    decision: str = ""


@dataclass
class CounterpartyRecord:
    code: str
    sole_trader: bool
    full_name: str
    short_name: str
    legal_form: str | None
    registration_date: str
    address: str
    region: str
    city: str
    activities: list[tuple[str, str]]  # (КВЕД code, description); the first is the main one
    signers: list[dict[str, Any]] = field(default_factory=list)
    founders: list[dict[str, Any]] = field(default_factory=list)
    capital: float | None = None
    phone: str | None = None
    terminated_on: str | None = None
    sanctions: list[dict[str, Any]] = field(default_factory=list)
    tax_debt: float | None = None
    court_cases: list[CourtCaseRecord] = field(default_factory=list)
    vat_number: str | None = None
    vat_registered: str | None = None
    scores: list[tuple[int, str, float]] = field(default_factory=list)  # (year, mark, value)
    director_changed: bool = False


def render_card(record: CounterpartyRecord) -> dict[str, Any]:
    activities = [
        {"code": code, "description": text, "isMain": index == 0}
        for index, (code, text) in enumerate(record.activities)
    ]
    card: dict[str, Any] = {
        "contractorType": SOLE_TRADER_TYPE if record.sole_trader else COMPANY_TYPE,
        "status": _status(record),
        "actualDate": now_text(),
        "address": record.address,
        "addressParts": {"country": "Україна", "region": record.region, "city": record.city},
        "registrationAfterLaw": {"entryDate": record.registration_date, "entryNumber": "1000000000000001"},
        "mainEconomicActivity": activities[0] if activities else None,
        "economicActivities": activities,
        "contacts": {"phone": record.phone, "email": None, "webSite": None},
        "terminationStatus": None,
        "registrationOfTermination": (
            {
                "entryDate": record.terminated_on,
                "entryNumber": "1000000000000099",
                "status": TERMINATED_STATUS,
            }
            if record.terminated_on
            else None
        ),
        "bankruptcyStatus": None,
    }
    if record.sole_trader:
        card["name"] = record.full_name  # a plain string and no "code" for a ФОП (reference §4.3)
        return card
    card.update(
        {
            "name": {"fullName": record.full_name, "shortName": record.short_name},
            "code": record.code,
            "legalPersonName": record.full_name,
            "legalForm": record.legal_form,
            "signers": record.signers,
            "founders": record.founders,
            "foundingCapital": {"sum": record.capital, "date": None},
            "beneficiariesGeneralInfo": {"excluded": False, "isMissing": False, "reason": None},
        }
    )
    return card


def _status(record: CounterpartyRecord) -> str:
    if record.terminated_on:
        return TERMINATED_STATUS
    return ACTIVE_SOLE_TRADER_STATUS if record.sole_trader else ACTIVE_COMPANY_STATUS


def render_court_cases(record: CounterpartyRecord, top: int, skip: int, base_url: str) -> dict[str, Any]:
    ordered = sorted(record.court_cases, key=lambda case: case.registered, reverse=True)
    page = ordered[skip : skip + top]
    more = skip + top < len(ordered)
    next_url = f"{base_url}/v1/courtCaseGroup/{record.code}?Top={top}&Skip={skip + top}" if more else None
    return {
        "totalResults": len(ordered),
        "nextPageUrl": next_url,
        "results": [_court_case(record, case, index) for index, case in enumerate(page, start=skip)],
    }


def _court_case(record: CounterpartyRecord, case: CourtCaseRecord, index: int) -> dict[str, Any]:
    side_name = _SIDE_NAMES[case.side]
    us = {
        "name": record.short_name,
        "role": side_name,
        "isLegalEntity": not record.sole_trader,
        "isIndividual": record.sole_trader,
        "code": record.code,
    }
    them = {
        "name": case.opponent,
        "role": "Позивач" if case.side == 2 else "Відповідач",
        "isLegalEntity": True,
        "isIndividual": False,
        "code": None,
    }
    result: dict[str, Any] = {
        "group": f"sim-{record.code}-{index}",
        "caseNumber": case.number,
        "sideType": case.side,
        "autoCases": [
            {
                "caseSideType": side_name,
                "courtName": case.court,
                "registrationDate": case.registered,
                "courtPersonDate": case.registered,
                "description": case.subject,
                "sum": case.claim_sum,
                "sides": [us, them],
                "courtPerson": [{"name": "Суддя Т. С.", "role": "Головуючий суддя"}],
            }
        ],
        "considerationDocuments": [
            {
                "courtDate": case.registered,
                "courtName": case.court,
                "description": case.subject,
                "judgeName": "Суддя Т. С.",
                "sum": case.claim_sum,
                "caseSideType": side_name,
                "sides": [us, them],
            }
        ],
        "documents": [],
    }
    if case.stage in ("in_progress", "decided"):
        decided = case.stage == "decided"
        result["documents"].append(
            {
                "id": 100_000_000 + zlib.crc32(f"{record.code}/{case.number}".encode()) % 10_000_000,
                "decisionDate": case.registered,
                "lawDate": case.registered if decided else None,
                "decisionForm": "Рішення" if decided else "Ухвала",
                "legalProcedureForm": "Господарське",
                "courtName": case.court,
                "judgeName": "Суддя Т. С.",
                "resolutionPart": case.decision
                or ("Позов задовольнити." if decided else "Відкрити провадження."),
                "caseCategory": case.subject,
                "urlToDocument": None,
            }
        )
    return result


def render_express(record: CounterpartyRecord, show_prompt: bool) -> dict[str, Any]:
    """[infer] Factor ids and names are illustrative; the index is D/C/B/A by the worst cautions."""
    defendant_cases = sum(1 for case in record.court_cases if case.side == 2)
    factors = [
        (
            1,
            "Перебування у санкційних списках",
            "Санкції",
            1,
            "max" if record.sanctions else "min",
            len(record.sanctions),
        ),
        (2, "Податковий борг", "Податки", 2, "max" if (record.tax_debt or 0) > 0 else "min", record.tax_debt),
        (
            3,
            "Судові справи як відповідач",
            "Суди",
            3,
            "max" if defendant_cases >= 10 else "average" if defendant_cases >= 3 else "min",
            defendant_cases,
        ),
        (
            4,
            "Нещодавня зміна керівника",
            "Реєстраційні дані",
            4,
            "average" if record.director_changed else "empty" if record.sole_trader else "min",
            None,
        ),
        (
            5,
            "Припинення діяльності",
            "Реєстраційні дані",
            4,
            "max" if record.terminated_on else "min",
            record.terminated_on,
        ),
    ]
    features = [
        {
            "featureId": fid,
            "featureName": name,
            "group": group,
            "groupId": gid,
            "caution": caution,
            "valueCode": _CAUTION_CODES[caution],
            "value": _caution_text(caution),
            "data": data,
            "prompt": f"Підказка: {name.lower()}" if show_prompt else None,
            "actualDate": now_text(),
        }
        for fid, name, group, gid, caution, data in factors
    ]
    totals = {level: sum(1 for f in features if f["caution"] == level) for level in _CAUTION_CODES}
    index = "D" if totals["max"] >= 2 else "C" if totals["max"] else "B" if totals["average"] else "A"
    return {
        "actualDate": now_text(),
        "code": record.code,
        "url": f"https://youcontrol.com.ua/catalog/company_details/{record.code}/",
        "totalMaxCaution": totals["max"],
        "totalAverageCaution": totals["average"],
        "totalMinCaution": totals["min"],
        "totalEmptyCaution": totals["empty"],
        "expressAnalysisIndex": index,
        "features": features,
        "nonProfitSign": None,
    }


def _caution_text(caution: str) -> str:
    return {
        "max": "Потребує особливої уваги",
        "average": "Варто звернути увагу",
        "min": "Проблем не виявлено",
        "empty": "Недостатньо даних",
    }[caution]


def render_vat(record: CounterpartyRecord) -> dict[str, Any] | None:
    if record.vat_number is None:
        return None
    return {
        "code": record.vat_number,
        "registrationDate": record.vat_registered,
        "note": None,
        "actualDate": now_text(),
    }


def render_tax_debt(record: CounterpartyRecord) -> dict[str, Any] | None:
    if not record.tax_debt:
        return None
    return {"debt": record.tax_debt, "actualDate": now_text()}


def render_scoring(record: CounterpartyRecord) -> list[dict[str, Any]] | None:
    if not record.scores:
        return None
    return [
        {
            "year": year,
            "score": {"mark": mark, "value": value},
            "url": f"/v1/financialScoring/{record.code}/years/{year}",
        }
        for year, mark, value in record.scores
    ]

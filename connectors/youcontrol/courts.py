"""Court cases: ``GET /v1/courtCaseGroup/{code}?Top=&Skip=`` (ANALYTICS, paid per page of up to 100).

A case groups its hearings-in-progress (``autoCases``), scheduled hearings (``considerationDocuments``)
and court documents (``documents``: decisions with their form and operative part). The convenience
properties below pick what a CRM card shows: subject, court, latest decision, next hearing and a stage.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from connectors.youcontrol._base import LenientDatetime, WireModel, as_list


class CourtCaseSide(StrEnum):
    """The counterparty's side (YouScore ``sideType``: 0 unknown, 1 plaintiff, 2 defendant, 3 third)."""

    UNKNOWN = "unknown"
    PLAINTIFF = "plaintiff"
    DEFENDANT = "defendant"
    THIRD_PARTY = "third_party"


_SIDE_BY_CODE = {
    "0": CourtCaseSide.UNKNOWN,
    "1": CourtCaseSide.PLAINTIFF,
    "2": CourtCaseSide.DEFENDANT,
    "3": CourtCaseSide.THIRD_PARTY,
}


class CourtCaseStage(StrEnum):
    """[infer] Derived from what the case holds; YouScore has no single status field."""

    SCHEDULED = "scheduled"  # only hearings scheduled, no decision yet
    IN_PROGRESS = "in_progress"  # decisions exist, none has entered into force
    DECIDED = "decided"  # a decision has entered into force (lawDate set)
    UNKNOWN = "unknown"


class CaseParty(WireModel):
    name: str | None = None
    role: str | None = None
    is_legal_entity: bool | None = None
    is_individual: bool | None = None
    code: str | None = None


class AutoCase(WireModel):
    """A case as registered by the court's automated system: subject, claim sum, dates."""

    case_side_type: str | None = None
    court_name: str | None = None
    registration_date: LenientDatetime = None
    court_person_date: LenientDatetime = None
    description: str | None = None
    sum: float | None = None
    sides: list[CaseParty] = Field(default_factory=list)


class ScheduledHearing(WireModel):
    court_date: LenientDatetime = None
    court_name: str | None = None
    description: str | None = None
    judge_name: str | None = None
    sum: float | None = None
    case_side_type: str | None = None


class CourtDocument(WireModel):
    """A court decision; ``law_date`` is when it entered into force."""

    id: int | None = None
    decision_date: LenientDatetime = None
    law_date: LenientDatetime = None
    decision_form: str | None = None
    legal_procedure_form: str | None = None
    court_name: str | None = None
    judge_name: str | None = None
    resolution_part: str | None = None
    case_category: str | None = None
    url_to_document: str | None = None


class CourtCase(WireModel):
    group: str | None = None
    case_number: str | None = None
    side_type: int | str | None = None
    auto_cases: list[AutoCase] = Field(default_factory=list)
    hearings: list[ScheduledHearing] = Field(default_factory=list, alias="considerationDocuments")
    documents: list[CourtDocument] = Field(default_factory=list)

    @property
    def side(self) -> CourtCaseSide:
        return _SIDE_BY_CODE.get(str(self.side_type), CourtCaseSide.UNKNOWN)

    @property
    def subject(self) -> str | None:
        texts = [case.description for case in self.auto_cases if case.description]
        texts += [hearing.description for hearing in self.hearings if hearing.description]
        return texts[0] if texts else None

    @property
    def court_name(self) -> str | None:
        names = [case.court_name for case in self.auto_cases if case.court_name]
        names += [hearing.court_name for hearing in self.hearings if hearing.court_name]
        names += [document.court_name for document in self.documents if document.court_name]
        return names[0] if names else None

    @property
    def registered_at(self) -> datetime | None:
        dates = [case.registration_date for case in self.auto_cases if case.registration_date]
        return min(dates) if dates else None

    @property
    def latest_decision(self) -> CourtDocument | None:
        dated = [document for document in self.documents if document.decision_date]
        return max(dated, key=lambda document: document.decision_date or datetime.min) if dated else None

    @property
    def next_hearing(self) -> datetime | None:
        dates = [hearing.court_date for hearing in self.hearings if hearing.court_date]
        return max(dates) if dates else None

    @property
    def stage(self) -> CourtCaseStage:
        if any(document.law_date for document in self.documents):
            return CourtCaseStage.DECIDED
        if self.documents:
            return CourtCaseStage.IN_PROGRESS
        if self.hearings or self.auto_cases:
            return CourtCaseStage.SCHEDULED
        return CourtCaseStage.UNKNOWN


class CourtCasesPage(WireModel):
    """One page of cases. ``total_results`` counts all of them; fetch more with ``skip``."""

    code: str
    found: bool = True
    total_results: int = 0
    next_page_url: str | None = None
    cases: list[CourtCase] = Field(default_factory=list)

    @classmethod
    def from_payload(cls, code: str, payload: Any) -> CourtCasesPage:
        body = payload if isinstance(payload, dict) else {"results": payload}
        cases = [case for case in as_list(body.get("results")) if isinstance(case, dict)]
        total = body.get("totalResults")
        return cls.model_validate(
            {
                "code": code,
                "totalResults": total if total is not None else len(cases),
                "nextPageUrl": body.get("nextPageUrl"),
                "cases": cases,
            }
        )

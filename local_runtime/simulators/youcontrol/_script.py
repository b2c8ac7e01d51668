"""The scripted changes ``evolve`` applies one at a time, so a repeated check has something to detect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from local_runtime.simulators.youcontrol._records import (
    HEAD_ROLE,
    CounterpartyRecord,
    CourtCaseRecord,
    now_text,
)


@dataclass(frozen=True)
class Evolution:
    name: str
    role: str  # which fixture changes (see FIXTURE_CODES)
    description: str
    apply: Callable[[CounterpartyRecord], None]


def _replace_director(record: CounterpartyRecord) -> None:
    record.signers = [s for s in record.signers if s.get("role") != HEAD_ROLE]
    record.signers.insert(
        0,
        {
            "name": "ШЕВЧЕНКО ОЛЕНА ВАСИЛІВНА",
            "role": HEAD_ROLE,
            "description": None,
            "appointDate": now_text(),
        },
    )
    record.director_changed = True


def _add_sanction(record: CounterpartyRecord) -> None:
    record.sanctions.append(
        {
            "date": now_text(),
            "source": "Санкційний список РНБО України",
            "description": f"Керівник організації {record.short_name} входить до санкційного списку РНБО",
            "details": "Рішення РНБО (вигадане, симулятор)",
        }
    )


def _add_court_case(record: CounterpartyRecord) -> None:
    record.court_cases.append(
        CourtCaseRecord(
            number="910/9999/26",
            side=2,
            subject="Стягнення заборгованості за договором підряду",
            court="Господарський суд міста Києва",
            registered=now_text(),
            claim_sum=350_000.0,
            stage="scheduled",
            opponent="ТОВ «НОВИЙ КРЕДИТОР»",
        )
    )


def _pay_tax_debt(record: CounterpartyRecord) -> None:
    record.tax_debt = None


SCRIPT: tuple[Evolution, ...] = (
    Evolution(
        "director_replaced", "clean", "the director of the clean company is replaced", _replace_director
    ),
    Evolution(
        "sanction_added", "litigious", "the litigious company is added to a sanctions list", _add_sanction
    ),
    Evolution("court_case_added", "clean", "a new court case against the clean company", _add_court_case),
    Evolution(
        "tax_debt_paid", "tax_debtor", "the tax debtor pays its debt (leaves the register)", _pay_tax_debt
    ),
)

"""The fixed cast of the simulator: one counterparty per situation a check must recognise.

All names, people and codes are invented (codes are valid but taken from the 91xxxxxx range to keep
clear of well-known companies). ``FIXTURE_CODES`` maps each role to its code.
"""

from __future__ import annotations

from typing import Any

from connectors.youcontrol.codes import make_edrpou, make_rnokpp
from local_runtime.simulators.youcontrol._records import HEAD_ROLE, CounterpartyRecord, CourtCaseRecord

FIXTURE_CODES: dict[str, str] = {
    "clean": make_edrpou("9120345"),
    "sanctioned": make_edrpou("9130781"),
    "tax_debtor": make_edrpou("9145502"),
    "litigious": make_edrpou("9158016"),
    "liquidated": make_edrpou("9162240"),
    "sole_trader": make_rnokpp("312450158"),
    "unregistered": make_edrpou("9199999"),
}
"""role -> code. ``unregistered`` is a valid code YouScore has no record of (404 everywhere)."""

_KYIV = ("м. Київ", "Київ")
_LVIV = ("Львівська обл.", "Львів")
_COURTS = (
    "Господарський суд міста Києва",
    "Північний апеляційний господарський суд",
    "Господарський суд Львівської області",
    "Окружний адміністративний суд міста Києва",
)


def _director(name: str, appointed: str) -> dict[str, object]:
    return {"name": name, "role": HEAD_ROLE, "description": None, "appointDate": appointed}


def _founder(name: str, capital: float, percent: float, *, beneficiary: bool = False) -> dict[str, object]:
    return {
        "name": name,
        "code": None,
        "address": "Україна, м. Київ",
        "capital": capital,
        "ownershipType": "Прямий вирішальний вплив" if beneficiary else None,
        "ownershipPercent": percent if beneficiary else None,
        "interest": percent if beneficiary else None,
        "indirectInterest": None,
        "country": "Україна",
        "type": 2 if beneficiary else 1,
        "beneficiaryFalse": False,
    }


def _company(role: str, full: str, short: str, region: tuple[str, str], **extra: Any) -> CounterpartyRecord:
    return CounterpartyRecord(
        code=FIXTURE_CODES[role],
        sole_trader=False,
        full_name=full,
        short_name=short,
        legal_form="Товариство з обмеженою відповідальністю",
        address=f"Україна, 01001, {region[0]}, вул. Тестова, буд. {len(full) % 90 + 1}",
        region=region[0],
        city=region[1],
        **extra,
    )


def _litigation(count: int) -> list[CourtCaseRecord]:
    stages = ("decided", "in_progress", "scheduled")
    subjects = (
        "Стягнення заборгованості за договором поставки",
        "Визнання договору недійсним",
        "Стягнення штрафних санкцій",
        "Оскарження податкового повідомлення-рішення",
    )
    return [
        CourtCaseRecord(
            number=f"910/{1200 + n}/2{n % 5}",
            side=2 if n % 3 else 1,
            subject=subjects[n % len(subjects)],
            court=_COURTS[n % len(_COURTS)],
            registered=f"202{n % 5}-{n % 12 + 1:02d}-{n % 27 + 1:02d}T00:00:00Z",
            claim_sum=float(25_000 * (n + 1)),
            stage=stages[n % 3],
            opponent=f"ТОВ «КРЕДИТОР-{n + 1}»",
        )
        for n in range(count)
    ]


def build_fixtures() -> dict[str, CounterpartyRecord]:
    """A fresh copy of the cast (``reset`` rebuilds it, so evolutions start over)."""
    trade = [("46.90", "Неспеціалізована оптова торгівля"), ("49.41", "Вантажний автомобільний транспорт")]
    return {
        "clean": _company(
            "clean",
            "ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ «СВІТАНОК-ТЕСТ»",
            "ТОВ «СВІТАНОК-ТЕСТ»",
            _KYIV,
            registration_date="2012-03-14T00:00:00Z",
            activities=trade,
            signers=[_director("КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ", "2019-06-01T00:00:00Z")],
            founders=[
                _founder("КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ", 60_000.0, 60.0, beneficiary=True),
                _founder("БОНДАР МАРІЯ ІВАНІВНА", 40_000.0, 40.0, beneficiary=True),
            ],
            capital=100_000.0,
            phone="+380441234567",
            vat_number="912034526591",
            vat_registered="2012-05-01T00:00:00Z",
            scores=[(2023, "A", 1.4), (2024, "A", 1.2)],
        ),
        "sanctioned": _company(
            "sanctioned",
            "ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ «ГРАНІТ-ІМПЕКС»",
            "ТОВ «ГРАНІТ-ІМПЕКС»",
            _KYIV,
            registration_date="2015-09-02T00:00:00Z",
            activities=trade,
            signers=[_director("ДОРОШЕНКО ВІКТОР СЕМЕНОВИЧ", "2015-09-02T00:00:00Z")],
            founders=[_founder("ДОРОШЕНКО ВІКТОР СЕМЕНОВИЧ", 500_000.0, 100.0, beneficiary=True)],
            capital=500_000.0,
            vat_number="913078126592",
            vat_registered="2016-01-01T00:00:00Z",
            sanctions=[
                {
                    "date": "2022-10-19T00:00:00+03:00",
                    "source": "Санкційний список РНБО України",
                    "description": "Засновник організації - ДОРОШЕНКО ВІКТОР СЕМЕНОВИЧ входить до "
                    "санкційного списку РНБО України",
                    "details": "Указ Президента України (вигаданий)",
                },
                {
                    "date": "2023-02-24T00:00:00+02:00",
                    "source": "Санкційний список Відділу контролю над "
                    "зовнішніми активами (OFAC) Міністерства фінансів США",
                    "description": "Компанія входить до санкційного списку OFAC (SDN)",
                    "details": None,
                },
            ],
            scores=[(2023, "C", 2.9)],
        ),
        "tax_debtor": _company(
            "tax_debtor",
            "ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ «ЛІСОВИЙ ДВІР»",
            "ТОВ «ЛІСОВИЙ ДВІР»",
            _LVIV,
            registration_date="2009-11-20T00:00:00Z",
            activities=[("02.20", "Лісозаготівлі"), ("16.10", "Лісопильне та стругальне виробництво")],
            signers=[_director("ГНАТЮК ПЕТРО ЯРОСЛАВОВИЧ", "2018-02-12T00:00:00Z")],
            founders=[_founder("ГНАТЮК ПЕТРО ЯРОСЛАВОВИЧ", 20_000.0, 100.0, beneficiary=True)],
            capital=20_000.0,
            tax_debt=184_325.17,
            court_cases=_litigation(2),
            scores=[(2024, "D", 3.8)],
        ),
        "litigious": _company(
            "litigious",
            "ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ «БУДМОНТАЖ-СЕРВІС»",
            "ТОВ «БУДМОНТАЖ-СЕРВІС»",
            _KYIV,
            registration_date="2011-04-07T00:00:00Z",
            activities=[("41.20", "Будівництво житлових і нежитлових будівель")],
            signers=[_director("ТКАЧУК ОЛЕГ МИКОЛАЙОВИЧ", "2011-04-07T00:00:00Z")],
            founders=[_founder("ТКАЧУК ОЛЕГ МИКОЛАЙОВИЧ", 1_000_000.0, 100.0, beneficiary=True)],
            capital=1_000_000.0,
            vat_number="915801626597",
            vat_registered="2011-07-01T00:00:00Z",
            court_cases=_litigation(14),
            scores=[(2022, "B", 2.1), (2023, "C", 2.6)],
        ),
        "liquidated": _company(
            "liquidated",
            "ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ «СТАРИЙ МЛИН»",
            "ТОВ «СТАРИЙ МЛИН»",
            _LVIV,
            registration_date="2004-05-18T00:00:00Z",
            activities=[("10.61", "Виробництво борошна")],
            signers=[_director("ЛІКВІДАТОР ІВАН ІВАНОВИЧ", "2021-01-15T00:00:00Z")],
            founders=[_founder("МЕЛЬНИК СТЕПАН ОРЕСТОВИЧ", 10_000.0, 100.0)],
            capital=10_000.0,
            terminated_on="2022-03-30T00:00:00Z",
        ),
        "sole_trader": CounterpartyRecord(
            code=FIXTURE_CODES["sole_trader"],
            sole_trader=True,
            full_name="МЕЛЬНИК ІРИНА ОЛЕГІВНА",
            short_name="ФОП МЕЛЬНИК І. О.",
            legal_form=None,
            registration_date="2017-08-09T00:00:00Z",
            address="Україна, 79000, Львівська обл., місто Львів",
            region=_LVIV[0],
            city=_LVIV[1],
            activities=[("62.01", "Комп'ютерне програмування"), ("63.11", "Оброблення даних")],
            phone="+380671234567",
        ),
    }

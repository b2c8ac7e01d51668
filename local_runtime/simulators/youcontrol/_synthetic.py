"""Deterministic synthetic counterparties, so any valid code has a record (load tests of 2,000 accounts).

The same (seed, code) always gives the same record: ``random.Random`` seeded with a string is stable
across processes. Most synthetic companies are clean; a few carry debt, sanctions or many court cases,
so a load run exercises every branch of a check.
"""

from __future__ import annotations

import random

from local_runtime.simulators.youcontrol._records import HEAD_ROLE, CounterpartyRecord, CourtCaseRecord

_WORDS = ("АГРО", "ТЕХНО", "БУД", "ЛОГІСТИК", "ЕНЕРГО", "ФАРМ", "МЕТАЛ", "ТРАНС", "ІНВЕСТ", "ПРОМ")
_TAILS = ("СЕРВІС", "ГРУП", "ТРЕЙД", "ПЛЮС", "СИСТЕМ", "ЦЕНТР", "ЛАЙН", "КОНСАЛТ")
_SURNAMES = ("ШЕВЧЕНКО", "БОЙКО", "КРАВЧЕНКО", "ОЛІЙНИК", "ПОЛІЩУК", "САВЧЕНКО", "РУДЕНКО", "МАРЧЕНКО")
_FIRST_NAMES = (
    ("ОЛЕНА", "ІВАНІВНА"),
    ("ДМИТРО", "ОЛЕКСАНДРОВИЧ"),
    ("НАТАЛІЯ", "ПЕТРІВНА"),
    ("СЕРГІЙ", "ВАСИЛЬОВИЧ"),
    ("ТЕТЯНА", "МИКОЛАЇВНА"),
    ("ЮРІЙ", "АНДРІЙОВИЧ"),
)
_ACTIVITIES = (
    ("46.90", "Неспеціалізована оптова торгівля"),
    ("62.01", "Комп'ютерне програмування"),
    ("41.20", "Будівництво житлових і нежитлових будівель"),
    ("01.11", "Вирощування зернових культур"),
    ("52.29", "Інша допоміжна діяльність у сфері транспорту"),
)
_PLACES = (
    ("м. Київ", "Київ"),
    ("Львівська обл.", "Львів"),
    ("Одеська обл.", "Одеса"),
    ("Харківська обл.", "Харків"),
    ("Дніпропетровська обл.", "Дніпро"),
)


def _date(rng: random.Random, first_year: int, last_year: int) -> str:
    return f"{rng.randint(first_year, last_year)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00Z"


def _person(rng: random.Random) -> str:
    first, patronymic = rng.choice(_FIRST_NAMES)
    return f"{rng.choice(_SURNAMES)} {first} {patronymic}"


def synthetic_record(code: str, seed: int) -> CounterpartyRecord:
    rng = random.Random(f"youscore-sim:{seed}:{code}")
    sole_trader = len(code) == 10
    region, city = rng.choice(_PLACES)
    year = rng.randint(2000, 2023)
    activities = rng.sample(_ACTIVITIES, k=rng.randint(1, 3))
    roll = rng.random()
    record = CounterpartyRecord(
        code=code,
        sole_trader=sole_trader,
        full_name="",
        short_name="",
        legal_form=None if sole_trader else "Товариство з обмеженою відповідальністю",
        registration_date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00Z",
        address=f"Україна, {region}, місто {city}, вул. Синтетична, буд. {rng.randint(1, 200)}",
        region=region,
        city=city,
        activities=activities,
        tax_debt=round(rng.uniform(1_000, 500_000), 2) if roll < 0.05 else None,
        vat_number=f"{code[:8]}{rng.randint(1000, 9999)}"
        if rng.random() < (0.2 if sole_trader else 0.7)
        else None,
    )
    if record.vat_number:
        record.vat_registered = f"{year}-12-01T00:00:00Z"
    if sole_trader:
        record.full_name = _person(rng)
        record.short_name = f"ФОП {record.full_name.split()[0]}"
        return record
    name = f"{rng.choice(_WORDS)}{rng.choice(_TAILS)}-{code[-4:]}"
    record.full_name = f"ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ «{name}»"
    record.short_name = f"ТОВ «{name}»"
    director = _person(rng)
    record.signers = [
        {"name": director, "role": HEAD_ROLE, "description": None, "appointDate": f"{year}-06-01T00:00:00Z"}
    ]
    record.capital = float(rng.choice((1_000, 10_000, 50_000, 200_000, 1_000_000)))
    record.founders = [
        {
            "name": director,
            "code": None,
            "capital": record.capital,
            "ownershipType": None,
            "ownershipPercent": None,
            "type": 1,
            "country": "Україна",
        }
    ]
    record.scores = [(2024, rng.choice("ABCD"), round(rng.uniform(1.0, 4.0), 1))]
    if 0.05 <= roll < 0.06:
        record.sanctions = [
            {
                "date": "2023-05-12T00:00:00+03:00",
                "source": "Санкційний список РНБО України",
                "description": f"Керівник - {director} входить до санкційного списку",
                "details": None,
            }
        ]
    case_count = rng.randint(5, 12) if 0.06 <= roll < 0.16 else rng.randint(0, 2)
    record.court_cases = [
        CourtCaseRecord(
            number=f"{rng.randint(900, 999)}/{rng.randint(100, 9999)}/{rng.randint(18, 25)}",
            side=rng.choice((1, 2, 2, 3)),
            subject="Стягнення заборгованості",
            court="Господарський суд міста Києва",
            registered=_date(rng, 2018, 2025),
            claim_sum=float(rng.randint(10, 900) * 1_000),
            stage=rng.choice(("scheduled", "in_progress", "decided")),
            opponent=f"ТОВ «КОНТРАГЕНТ-{rng.randint(1, 99)}»",
        )
        for _ in range(case_count)
    ]
    return record

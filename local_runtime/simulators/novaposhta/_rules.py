"""Deterministic tariffs, delivery dates and tracking journeys for the simulator.

Price (UAH) = base by service type + 15 between cities + 10 per kg above 2 kg (rounded up)
+ 0.5 % of the assessed value (declared value, or 300 when none); COD adds 20 + 2 % of the amount.
Delivery: 1 day within a city, 2 between cities, +1 for a door end; never on a Sunday.
Journeys: each waybill follows a path of real ``StatusCode`` values chosen by ``random.Random(seed:number)``:
mostly delivered (9, or 10 -> 11 with COD), sometimes refused (103 -> 102, with a return waybill) or
left unclaimed until storage stops (105).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

_BASE = {"WarehouseWarehouse": 70, "WarehouseDoors": 110, "DoorsWarehouse": 110, "DoorsDoors": 150}
MIN_ASSESSED = Decimal(300)

STATUS_TEXT = {
    "1": "Відправник самостійно створив цю накладну, але ще не надав до відправки",
    "2": "Видалено",
    "3": "Номер не знайдено",
    "4": "Відправлення у місті відправника",
    "41": "Відправлення у місті відправника (локальна доставка)",
    "5": "Відправлення прямує до міста одержувача",
    "6": "Відправлення у місті одержувача, орієнтовна доставка до відділення",
    "7": "Прибув на відділення",
    "8": "Прибув на відділення (завантажено в Поштомат)",
    "9": "Відправлення отримано",
    "10": "Відправлення отримано. Протягом доби ви одержите грошовий переказ",
    "11": "Відправлення отримано. Грошовий переказ видано одержувачу",
    "101": "На шляху до одержувача",
    "102": "Відмова від отримання (Відправником створено замовлення на повернення)",
    "103": "Відмова одержувача",
    "105": "Припинено зберігання",
}


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def price(
    service_type: str, weight: Decimal, declared: Decimal | None, same_city: bool, cod: Decimal | None
) -> dict[str, object]:
    assessed = declared if declared is not None and declared > 0 else MIN_ASSESSED
    cost = Decimal(_BASE.get(service_type, 70)) + (0 if same_city else 15)
    cost += 10 * math.ceil(max(Decimal(0), weight - 2))
    cost += assessed * Decimal("0.005")
    result: dict[str, object] = {
        "AssessedCost": int(assessed),
        "Cost": float(_money(cost)),
        "CostPack": 0,
    }
    if cod is not None:
        result["CostRedelivery"] = float(_money(20 + cod * Decimal("0.02")))
    return result


def delivery_date(send: date, service_type: str, same_city: bool) -> date:
    days = (1 if same_city else 2) + service_type.count("Doors")
    result = send + timedelta(days=days)
    return result + timedelta(days=1) if result.weekday() == 6 else result


Outcome = Literal["received", "refused", "storage_ended"]
OUTCOMES: tuple[Outcome, ...] = ("received", "refused", "storage_ended")


@dataclass(frozen=True)
class Step:
    at_hours: float
    code: str


def journey(
    seed: int, number: str, *, same_city: bool, to: str, cod: bool, outcome: Outcome | None = None
) -> tuple[Step, ...]:
    """The status path of one waybill; ``to`` is ``warehouse``, ``parcel_locker`` or ``address``.

    The ending is drawn (80% received, then refused -> returning, or storage ended) unless ``outcome``
    scripts it; the timings are the same either way.
    """
    rng = random.Random(f"{seed}:{number}")
    hours = 0.0
    steps = [Step(0.0, "1")]

    def step(low: float, high: float, code: str) -> None:
        nonlocal hours
        hours += rng.uniform(low, high)
        steps.append(Step(round(hours, 2), code))

    step(6, 18, "41" if same_city else "4")
    if not same_city:
        step(4, 10, "5")
        step(6, 14, "6")
    arrival = {"warehouse": "7", "parcel_locker": "8", "address": "101"}[to]
    step(2, 6, arrival)
    draw = rng.random()
    ending = outcome or (
        "received" if draw < 0.8 else "refused" if draw < 0.92 or to == "address" else "storage_ended"
    )
    if ending == "received":
        step(4, 48, "10" if cod else "9")
        if cod:
            step(20, 28, "11")
    elif ending == "refused":
        step(24, 72, "103")
        step(20, 30, "102")
    else:
        step(120, 168, "105")
    return tuple(steps)


def code_at(steps: tuple[Step, ...], elapsed_hours: float) -> str:
    code = steps[0].code
    for item in steps:
        if item.at_hours <= elapsed_hours:
            code = item.code
    return code

"""Simulator state (waybills, contacts, addresses, scan sheets) and helpers shared by the methods."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from local_runtime.simulators.novaposhta._data import City
from local_runtime.simulators.novaposhta._rules import Step, code_at

PHONE = re.compile(r"^380\d{9}$")


class Refusal(Exception):
    """A method refuses: becomes ``success: false`` with these texts and codes."""

    def __init__(self, *errors: tuple[str, str]) -> None:
        super().__init__("; ".join(text for _, text in errors))
        self.codes = [code for code, _ in errors]
        self.texts = [text for _, text in errors]


@dataclass
class WaybillRecord:
    ref: str
    number: str
    client_barcode: str
    created_at: datetime
    send_date: date
    properties: dict[str, Any]
    city_sender: City
    city_recipient: City
    recipient_name: str
    warehouse: dict[str, Any] | None
    destination: str  # warehouse | parcel_locker | address
    cost_on_site: Decimal
    estimated_delivery: date
    cod: Decimal | None
    steps: tuple[Step, ...]
    return_number: str
    deleted_at: datetime | None = None
    scan_sheet_ref: str | None = None
    tracking_base: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def hours_since_creation(self, now: datetime) -> float:
        return (now - self.created_at).total_seconds() / 3600.0

    def code(self, now: datetime) -> str:
        return "2" if self.deleted_at is not None else code_at(self.steps, self.hours_since_creation(now))

    def reached_at(self, code: str) -> float | None:
        return next((step.at_hours for step in self.steps if step.code == code), None)

    def summary(self, now: datetime) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "number": self.number,
            "client_barcode": self.client_barcode,
            "status_code": self.code(now),
            "destination": self.destination,
            "send_date": self.send_date.isoformat(),
            "created_at": self.created_at.isoformat(),
            "scan_sheet_ref": self.scan_sheet_ref,
            "return_number": self.return_number if self.code(now) == "102" else None,
        }


@dataclass
class SimState:
    seed: int
    hours_advanced: float = 0.0
    waybills: dict[str, WaybillRecord] = field(default_factory=dict)  # by ref, in creation order
    _by_number: dict[str, str] = field(default_factory=dict, repr=False)  # waybill number -> ref
    _by_return: dict[str, str] = field(default_factory=dict, repr=False)  # return waybill number -> ref
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # recipient contact persons by ref
    addresses: dict[str, dict[str, Any]] = field(default_factory=dict)  # recipient addresses by ref
    scan_sheets: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)  # "Model.method" -> calls
    _numbers: random.Random = field(init=False, repr=False)
    _next: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._numbers = random.Random(self.seed)
        self._next = self._numbers.randrange(10**8, 9 * 10**8)

    def next_serial(self) -> int:
        self._next += 1
        return self._next

    def by_number(self, number: str) -> WaybillRecord | None:
        if len(self._by_number) != len(self.waybills):  # waybills are only ever added: rebuild the index
            self._by_number = {w.number: ref for ref, w in self.waybills.items()}
            self._by_return = {w.return_number: ref for ref, w in self.waybills.items()}
        ref = self._by_number.get(number)
        return self.waybills.get(ref) if ref is not None else None

    def by_return_number(self, number: str) -> WaybillRecord | None:
        """The waybill whose goods go back under return waybill ``number`` (it exists from code 102)."""
        self.by_number(number)  # keeps both indexes current
        ref = self._by_return.get(number)
        return self.waybills.get(ref) if ref is not None else None


def decimal(value: object) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None


def parse_date(value: object) -> date | None:
    text = str(value or "").strip()
    for fmt in ("%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def page_of(rows: list[Any], props: dict[str, Any], default_limit: int) -> list[Any]:
    try:
        page = max(1, int(props.get("Page") or 1))
        limit = max(1, int(props.get("Limit") or default_limit))
    except (TypeError, ValueError) as error:
        raise Refusal(("20000900010", "Page and Limit must be numbers")) from error
    return rows[(page - 1) * limit : page * limit]

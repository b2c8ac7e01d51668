"""The simulator's small, realistic reference set: four cities, branches, parcel lockers, streets, sender.

City refs (``DeliveryCity``) and settlement refs look like Nova Poshta's (UUIDs); warehouse, street and
counterparty refs are stable ``uuid5`` values so a restart gives the same refs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

_NS = uuid.UUID("6b3a1c0e-8c1f-4b7e-9d2a-5a4f0c9e1d11")

BRANCH = "841339c7-591a-42e2-8233-7a0a00f0ed6f"
CARGO_BRANCH = "9a68df70-0267-42a8-bb5c-37f427e36ee4"
LIMITED_BRANCH = "6f8c7162-4b72-4b0a-88e5-906948c6a92f"
PARCEL_LOCKER = "f9316480-5f2d-425d-bc2c-ac7cd29decf0"
LOCKER_TYPES = frozenset({PARCEL_LOCKER, "95dc212d-479c-4ffb-a8ab-8c1b9073d0bc"})

_LIMITS = {
    BRANCH: ("1000", {"Width": 170, "Height": 180, "Length": 300}),
    CARGO_BRANCH: ("1100", {"Width": 170, "Height": 180, "Length": 600}),
    LIMITED_BRANCH: ("30", {"Width": 70, "Height": 70, "Length": 120}),
    PARCEL_LOCKER: ("20", {"Width": 40, "Height": 30, "Length": 60}),
}


def ref(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


@dataclass(frozen=True)
class City:
    name: str
    area: str
    city_ref: str
    settlement_ref: str
    branches: tuple[tuple[str, str, str], ...]  # (number, type ref, street address)
    streets: tuple[str, ...]
    warehouses: list[dict[str, Any]] = field(default_factory=list, compare=False)

    def settlement(self) -> dict[str, Any]:
        return {
            "Present": f"м. {self.name}, {self.area} обл.",
            "Warehouses": len(self.branches),
            "MainDescription": self.name,
            "Area": self.area,
            "Region": "",
            "SettlementTypeCode": "м.",
            "Ref": self.settlement_ref,
            "DeliveryCity": self.city_ref,
            "AddressDeliveryAllowed": True,
            "StreetsAvailability": True,
            "ParentRegionTypes": "область",
            "ParentRegionCode": "обл.",
            "RegionTypes": "",
            "RegionTypesCode": "",
        }


def _warehouse(city: City, number: str, type_ref: str, address: str, index: int) -> dict[str, Any]:
    locker = type_ref in LOCKER_TYPES
    title = f'Поштомат "Нова Пошта" №{number}' if locker else f"Відділення №{number}"
    if type_ref == CARGO_BRANCH:
        title = f"Вантажне відділення №{number}"
    max_weight, dimensions = _LIMITS[type_ref]
    return {
        "SiteKey": str(10000 + index),
        "Description": f"{title}: {address}",
        "ShortAddress": f"{city.name}, {address}",
        "Phone": "0-800-500-609",
        "TypeOfWarehouse": type_ref,
        "Ref": ref("warehouse", city.name, number),
        "Number": number,
        "CityRef": city.city_ref,
        "CityDescription": city.name,
        "SettlementRef": city.settlement_ref,
        "SettlementDescription": city.name,
        "SettlementAreaDescription": f"{city.area} обл.",
        "Longitude": "30.5",
        "Latitude": "50.4",
        "PostalCodeUA": f"0{index:04d}",
        "WarehouseIndex": f"{index}/{number}",
        "CategoryOfWarehouse": "Postomat" if locker else "Branch",
        "PlaceMaxWeightAllowed": max_weight,
        "TotalMaxWeightAllowed": "0",
        "ReceivingLimitationsOnDimensions": dimensions,
        "SendingLimitationsOnDimensions": dimensions,
        "MaxDeclaredCost": "0",
        "WarehouseStatus": "Working",
        "DenyToSelect": "0",
        "PostFinance": "0" if locker else "1",
        "POSTerminal": "1",
    }


CITIES: tuple[City, ...] = (
    City(
        "Київ",
        "Київська",
        "8d5a980d-391c-11dd-90d9-001a92567626",
        "e718a680-4b33-11e4-ab6d-005056801329",
        (
            ("1", BRANCH, "вул. Пирогівський шлях, 135"),
            ("2", BRANCH, "вул. Богатирська, 11"),
            ("3", BRANCH, "вул. Слобожанська, 13"),
            ("5", BRANCH, "вул. Федорова, 32"),
            ("6", CARGO_BRANCH, "вул. Миколи Василенка, 2"),
            ("7", BRANCH, "вул. Гната Хоткевича, 8"),
            ("12", BRANCH, "вул. Шота Руставелі, 39/41"),
            ("25", LIMITED_BRANCH, "вул. Хрещатик, 22"),
            ("5501", PARCEL_LOCKER, "вул. Хрещатик, 22 (під арку)"),
            ("5502", PARCEL_LOCKER, "просп. Берестейський, 24"),
            ("5503", PARCEL_LOCKER, "вул. Велика Васильківська, 72"),
            ("5504", PARCEL_LOCKER, "Харківське шосе, 19"),
        ),
        ("Хрещатик", "Велика Васильківська", "Богатирська"),
    ),
    City(
        "Львів",
        "Львівська",
        "db5c88f5-391c-11dd-90d9-001a92567626",
        "e71abb60-4b33-11e4-ab6d-005056801329",
        (
            ("1", BRANCH, "вул. Городоцька, 355"),
            ("2", BRANCH, "вул. Пасічна, 6"),
            ("3", LIMITED_BRANCH, "просп. Свободи, 15"),
            ("7001", PARCEL_LOCKER, "пл. Ринок, 1"),
        ),
        ("Городоцька", "Січових Стрільців"),
    ),
    City(
        "Одеса",
        "Одеська",
        "db5c88d0-391c-11dd-90d9-001a92567626",
        "e71c2a15-4b33-11e4-ab6d-005056801329",
        (
            ("1", BRANCH, "вул. Бреуса, 26/1"),
            ("2", BRANCH, "вул. Дерибасівська, 10"),
            ("8001", PARCEL_LOCKER, "вул. Пушкінська, 1"),
        ),
        ("Дерибасівська", "Пушкінська"),
    ),
    City(
        "Дніпро",
        "Дніпропетровська",
        "db5c88f0-391c-11dd-90d9-001a92567626",
        "e717110a-4b33-11e4-ab6d-005056801329",
        (
            ("1", BRANCH, "вул. Маршала Малиновського, 114"),
            ("2", BRANCH, "просп. Дмитра Яворницького, 50"),
            ("9001", PARCEL_LOCKER, "вул. Глінки, 2"),
        ),
        ("Яворницького", "Глінки"),
    ),
)

for _n, _city in enumerate(CITIES):
    _city.warehouses.extend(
        _warehouse(_city, number, type_ref, address, _n * 100 + i)
        for i, (number, type_ref, address) in enumerate(_city.branches, start=1)
    )

CITY_BY_REF = {city.city_ref: city for city in CITIES}
WAREHOUSE_BY_REF = {w["Ref"]: w for city in CITIES for w in city.warehouses}
STREETS: dict[str, tuple[City, str]] = {
    ref("street", city.name, name): (city, name) for city in CITIES for name in city.streets
}

SENDER_REF = ref("counterparty", "sender")
SENDER = {
    "Ref": SENDER_REF,
    "Description": "ТОВ «Смарт Рітейл»",
    "FirstName": "",
    "MiddleName": "",
    "LastName": "",
    "Counterparty": SENDER_REF,
    "OwnershipFormDescription": "ТОВ",
    "EDRPOU": "12345678",
    "CounterpartyType": "Organization",
    "City": CITIES[0].city_ref,
}
SENDER_CONTACT = {
    "Ref": ref("contact", "sender", "main"),
    "Description": "Іваненко Олена Петрівна",
    "Phones": "380501112233",
    "Email": "shipping@example.com",
    "LastName": "Іваненко",
    "FirstName": "Олена",
    "MiddleName": "Петрівна",
}
RECIPIENTS_REF = ref("counterparty", "private-persons")
RECIPIENTS = {
    "Ref": RECIPIENTS_REF,
    "Description": "Приватна особа",
    "FirstName": "",
    "MiddleName": "",
    "LastName": "",
    "Counterparty": RECIPIENTS_REF,
    "OwnershipFormDescription": "",
    "EDRPOU": "",
    "CounterpartyType": "PrivatePerson",
}

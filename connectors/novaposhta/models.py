"""Shared value types, enums and reference-data models (addresses, counterparties, quotes).

Input types validate before any call, and a failure names the field (pydantic ``ValidationError``):
- ``Phone``: any Ukrainian number phonenumbers accepts (``+380…``, ``380…``, ``0…``); stored in the
  ``380XXXXXXXXX`` form Nova Poshta wants (E.164 without the plus).
- ``Ref``: a UUID, stored lower-case with hyphens.
- ``WaybillNumber``: 14 digits (spaces allowed on input). Real numbers start 20 or 59; any 14 digits pass.
Response models ignore unknown fields; Nova Poshta adds fields without notice.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

_WAYBILL_NUMBER = re.compile(r"^\d{14}$")
_SPACES = re.compile(r"\s")


def _phone(value: str) -> str:
    try:
        parsed = phonenumbers.parse(str(value), "UA")
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"not a phone number: {error}") from None
    if parsed.country_code != 380 or not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid Ukrainian phone number (expected +380XXXXXXXXX)")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def _ref(value: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError("not a Nova Poshta Ref (UUID)") from None


def _waybill_number(value: object) -> str:
    text = _SPACES.sub("", str(value))
    if not _WAYBILL_NUMBER.match(text):
        raise ValueError("a waybill number has 14 digits")
    return text


Phone = Annotated[str, AfterValidator(_phone)]
Ref = Annotated[str, AfterValidator(_ref)]
WaybillNumber = Annotated[str, BeforeValidator(_waybill_number)]


def mask_phone(phone: str) -> str:
    """``380671234567`` -> ``380******4567`` for log lines."""
    digits = re.sub(r"\D", "", phone)
    return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:] if len(digits) > 7 else "***"


def np_date(value: date) -> str:
    """Nova Poshta's request date format, ``dd.mm.yyyy``."""
    return value.strftime("%d.%m.%Y")


class ServiceType(StrEnum):
    WAREHOUSE_WAREHOUSE = "WarehouseWarehouse"
    WAREHOUSE_DOORS = "WarehouseDoors"
    DOORS_WAREHOUSE = "DoorsWarehouse"
    DOORS_DOORS = "DoorsDoors"


class CargoType(StrEnum):
    PARCEL = "Parcel"
    CARGO = "Cargo"
    DOCUMENTS = "Documents"
    TIRES_WHEELS = "TiresWheels"
    PALLET = "Pallet"


class PayerType(StrEnum):
    SENDER = "Sender"
    RECIPIENT = "Recipient"
    THIRD_PERSON = "ThirdPerson"


class PaymentMethod(StrEnum):
    CASH = "Cash"
    NON_CASH = "NonCash"


class WarehouseType:
    """``TypeOfWarehouse`` refs (``Address.getWarehouseTypes``), as used by public NP integrations."""

    BRANCH = "841339c7-591a-42e2-8233-7a0a00f0ed6f"  # Поштове відділення
    CARGO_BRANCH = "9a68df70-0267-42a8-bb5c-37f427e36ee4"  # Вантажне відділення
    LIMITED_BRANCH = "6f8c7162-4b72-4b0a-88e5-906948c6a92f"  # Поштове відділення з обмеженнями
    PARCEL_LOCKER = "f9316480-5f2d-425d-bc2c-ac7cd29decf0"  # Поштомат
    PRIVATBANK_PARCEL_LOCKER = "95dc212d-479c-4ffb-a8ab-8c1b9073d0bc"  # Поштомат ПриватБанку
    PARCEL_LOCKERS = frozenset({PARCEL_LOCKER, PRIVATBANK_PARCEL_LOCKER})


class _Response(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class Settlement(_Response):
    """One ``Address.searchSettlements`` hit. ``delivery_city_ref`` is what warehouses and waybills take."""

    ref: str = Field(alias="Ref")
    delivery_city_ref: str = Field(alias="DeliveryCity")
    present: str = Field(alias="Present")
    main_description: str = Field(alias="MainDescription")
    area: str = Field("", alias="Area")
    region: str = Field("", alias="Region")
    settlement_type_code: str = Field("", alias="SettlementTypeCode")
    warehouses: int = Field(0, alias="Warehouses")
    address_delivery_allowed: bool = Field(False, alias="AddressDeliveryAllowed")
    streets_availability: bool = Field(False, alias="StreetsAvailability")


class SettlementPage(_Response):
    total_count: int
    page: int
    items: tuple[Settlement, ...]


class Dimensions(_Response):
    """Centimetres, as in ``ReceivingLimitationsOnDimensions``."""

    width: Decimal = Field(alias="Width")
    height: Decimal = Field(alias="Height")
    length: Decimal = Field(alias="Length")


def _zero_is_none(value: object) -> object:
    return None if value in (None, "", "0", 0) else value


class Warehouse(_Response):
    """A branch or parcel locker from ``Address.getWarehouses``. Weight limits in kg; None = no limit."""

    ref: str = Field(alias="Ref")
    number: str = Field(alias="Number")
    description: str = Field(alias="Description")
    short_address: str = Field("", alias="ShortAddress")
    type_ref: str = Field(alias="TypeOfWarehouse")
    category: str = Field("", alias="CategoryOfWarehouse")
    city_ref: str = Field(alias="CityRef")
    city_description: str = Field("", alias="CityDescription")
    settlement_ref: str = Field("", alias="SettlementRef")
    place_max_weight: Annotated[Decimal | None, BeforeValidator(_zero_is_none)] = Field(
        None, alias="PlaceMaxWeightAllowed"
    )
    total_max_weight: Annotated[Decimal | None, BeforeValidator(_zero_is_none)] = Field(
        None, alias="TotalMaxWeightAllowed"
    )
    receiving_limits: Dimensions | None = Field(None, alias="ReceivingLimitationsOnDimensions")
    status: str = Field("", alias="WarehouseStatus")
    deny_to_select: bool = Field(False, alias="DenyToSelect")

    @property
    def is_parcel_locker(self) -> bool:
        return self.type_ref in WarehouseType.PARCEL_LOCKERS or self.category == "Postomat"


class WarehousePage(_Response):
    total_count: int
    page: int
    items: tuple[Warehouse, ...]


class Counterparty(_Response):
    ref: str = Field(alias="Ref")
    description: str = Field("", alias="Description")
    counterparty_type: str = Field("", alias="CounterpartyType")
    edrpou: str = Field("", alias="EDRPOU")


class ContactPerson(_Response):
    ref: str = Field(alias="Ref")
    description: str = Field("", alias="Description")
    phones: str = Field("", alias="Phones")


class Street(_Response):
    """One ``Address.searchSettlementStreets`` hit."""

    ref: str = Field(alias="SettlementStreetRef")
    present: str = Field(alias="Present")
    description: str = Field("", alias="SettlementStreetDescription")


class PriceRequest(BaseModel):
    """``InternetDocument.getDocumentPrice`` input. Include COD so the quote is right."""

    model_config = ConfigDict(frozen=True)

    city_sender_ref: Ref
    city_recipient_ref: Ref
    weight: Decimal = Field(ge=Decimal("0.1"))
    service_type: ServiceType = ServiceType.WAREHOUSE_WAREHOUSE
    declared_value: Decimal = Field(ge=0)
    cargo_type: CargoType = CargoType.PARCEL
    seats_amount: int = Field(1, gt=0)
    cash_on_delivery: Decimal | None = Field(None, gt=0)


class PriceQuote(_Response):
    cost: Decimal = Field(alias="Cost")
    assessed_cost: Decimal = Field(Decimal(0), alias="AssessedCost")
    cost_redelivery: Decimal = Field(Decimal(0), alias="CostRedelivery")
    cost_pack: Decimal = Field(Decimal(0), alias="CostPack")


class DeliveryDateRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    city_sender_ref: Ref
    city_recipient_ref: Ref
    service_type: ServiceType = ServiceType.WAREHOUSE_WAREHOUSE
    send_date: date


class ScanSheet(_Response):
    """Result of ``ScanSheet.insertDocuments``: the registry and which documents went in."""

    ref: str
    number: str
    date: str
    added: tuple[str, ...] = ()
    rejected: tuple[tuple[str, str], ...] = ()  # (document ref or number, provider's reason)


class ScanSheetSummary(_Response):
    ref: str = Field(alias="Ref")
    number: str = Field(alias="Number")
    date_time: str = Field("", alias="DateTime")
    printed: bool = Field(False, alias="Printed")
    count: int = Field(0, alias="Count")

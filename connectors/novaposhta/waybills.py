"""Waybill (ЕН / TTN) request and result models for ``InternetDocument.save`` and friends.

A ``WaybillRequest`` validates everything Nova Poshta documents before the call is made; a failure is
a pydantic ``ValidationError`` whose ``loc`` names the field. ``to_method_properties`` builds the exact
``methodProperties`` Nova Poshta expects (all values as strings, dates ``dd.mm.yyyy``).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from connectors.novaposhta.models import (
    CargoType,
    PayerType,
    PaymentMethod,
    Phone,
    Ref,
    ServiceType,
    Warehouse,
    np_date,
)

PARCEL_LOCKER_MAX_WEIGHT = Decimal(30)  # kg, one seat only [doc/issue]
_DOCUMENT_WEIGHTS = frozenset({Decimal("0.1"), Decimal("0.5"), Decimal(1)})
_BARCODE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")


def _client_barcode(value: str) -> str:
    # NP rejects "invalid characters" and "too long" values (codes 20000200188/189); the exact rule is not
    # published, so we allow only what any rule must accept: letters, digits, '-' and '_', up to 36 chars.
    if not _BARCODE.match(value):
        raise ValueError("use 1-36 letters, digits, '-' or '_'")
    return value


ClientBarcode = Annotated[str, AfterValidator(_client_barcode)]


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sender(_Input):
    """Our side: from ``get_counterparties("Sender")`` and ``get_counterparty_contact_persons``.

    ``address_ref`` is the sending branch's Ref (``address_kind="warehouse"``) or a pick-up address Ref.
    """

    counterparty_ref: Ref
    contact_ref: Ref
    city_ref: Ref
    address_ref: Ref
    phone: Phone
    address_kind: Literal["warehouse", "address"] = "warehouse"


class Recipient(_Input):
    """From ``create_private_recipient`` (or refs kept from an earlier order)."""

    counterparty_ref: Ref
    contact_ref: Ref
    phone: Phone


class Seat(_Input):
    """One ``OptionsSeat`` item: weight in kg, dimensions in cm."""

    weight: Decimal = Field(ge=Decimal("0.1"))
    length: Decimal = Field(gt=0)
    width: Decimal = Field(gt=0)
    height: Decimal = Field(gt=0)

    def to_np(self) -> dict[str, str]:
        volume = (self.length * self.width * self.height / Decimal(1_000_000)).quantize(Decimal("0.0001"))
        return {
            "volumetricVolume": str(max(volume, Decimal("0.0001"))),
            "volumetricWidth": str(self.width),
            "volumetricLength": str(self.length),
            "volumetricHeight": str(self.height),
            "weight": str(self.weight),
        }


class WarehouseDestination(_Input):
    kind: Literal["warehouse"] = "warehouse"
    city_ref: Ref
    warehouse_ref: Ref


class ParcelLockerDestination(_Input):
    """A parcel locker (поштомат). Limits come from the locker's ``Warehouse`` (use ``from_warehouse``)."""

    kind: Literal["parcel_locker"] = "parcel_locker"
    city_ref: Ref
    warehouse_ref: Ref
    max_weight: Decimal = PARCEL_LOCKER_MAX_WEIGHT
    max_length: Decimal | None = None
    max_width: Decimal | None = None
    max_height: Decimal | None = None

    @classmethod
    def from_warehouse(cls, locker: Warehouse) -> ParcelLockerDestination:
        limits = locker.receiving_limits
        return cls(
            city_ref=locker.city_ref,
            warehouse_ref=locker.ref,
            max_weight=min(locker.place_max_weight or PARCEL_LOCKER_MAX_WEIGHT, PARCEL_LOCKER_MAX_WEIGHT),
            max_length=limits.length if limits else None,
            max_width=limits.width if limits else None,
            max_height=limits.height if limits else None,
        )


class AddressDestination(_Input):
    """Courier delivery to an address Ref from ``create_recipient_address``."""

    kind: Literal["address"] = "address"
    city_ref: Ref
    address_ref: Ref


Destination = Annotated[
    WarehouseDestination | ParcelLockerDestination | AddressDestination, Field(discriminator="kind")
]


class CashOnDelivery(_Input):
    """Backward delivery of money (``BackwardDeliveryData`` with ``CargoType: Money``)."""

    amount: Decimal = Field(gt=0)
    payer_type: Literal[PayerType.SENDER, PayerType.RECIPIENT] = PayerType.RECIPIENT


class WaybillRequest(_Input):
    """Everything ``InternetDocument.save`` needs. Field order matters: later checks read earlier fields."""

    sender: Sender
    recipient: Recipient
    destination: Destination
    send_date: date
    description: str = Field(min_length=1, max_length=100)
    declared_value: Decimal = Field(ge=0)
    cargo_type: CargoType = CargoType.PARCEL
    seats_amount: int = Field(1, gt=0)
    seats: tuple[Seat, ...] = Field((), validate_default=True)  # OptionsSeat
    weight: Decimal = Field(ge=Decimal("0.1"))  # kg, whole shipment
    volume: Decimal | None = Field(None, ge=Decimal("0.0004"), validate_default=True)  # VolumeGeneral, m³
    payer_type: PayerType = PayerType.RECIPIENT
    payment_method: PaymentMethod = Field(PaymentMethod.CASH, validate_default=True)
    cash_on_delivery: CashOnDelivery | None = None
    client_barcode: ClientBarcode | None = None  # InfoRegClientBarcodes: our order number / idempotency key

    @field_validator("seats")
    @classmethod
    def _check_seats(cls, seats: tuple[Seat, ...], info: ValidationInfo) -> tuple[Seat, ...]:
        locker = info.data.get("destination")
        if info.data.get("cargo_type") is CargoType.DOCUMENTS and seats:
            raise ValueError("must be empty for Documents")
        if seats and len(seats) != info.data.get("seats_amount", len(seats)):
            raise ValueError("give one entry per seat (seats_amount)")
        if isinstance(locker, ParcelLockerDestination):
            if len(seats) != 1 or info.data.get("seats_amount", 1) != 1:
                raise ValueError("a parcel locker takes exactly one seat, with its dimensions")
            for name in ("length", "width", "height"):
                limit = getattr(locker, f"max_{name}")
                if limit is not None and getattr(seats[0], name) > limit:
                    raise ValueError(f"{name} exceeds the parcel locker's {limit} cm")
            if seats[0].weight > locker.max_weight:
                raise ValueError(f"a parcel locker seat takes at most {locker.max_weight} kg")
        return seats

    @field_validator("weight")
    @classmethod
    def _check_weight(cls, weight: Decimal, info: ValidationInfo) -> Decimal:
        if info.data.get("cargo_type") is CargoType.DOCUMENTS and weight not in _DOCUMENT_WEIGHTS:
            raise ValueError("Documents accept only 0.1, 0.5 or 1 kg")
        locker = info.data.get("destination")
        if isinstance(locker, ParcelLockerDestination) and weight > locker.max_weight:
            raise ValueError(f"a parcel locker takes at most {locker.max_weight} kg")
        return weight

    @field_validator("volume")
    @classmethod
    def _check_volume(cls, volume: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if info.data.get("cargo_type") is CargoType.DOCUMENTS:
            if volume is not None:
                raise ValueError("must be empty for Documents")
        elif volume is None and "seats" in info.data and not info.data["seats"]:  # seats valid but empty
            raise ValueError("give volume (m³) or seats with dimensions for this cargo type")
        return volume

    @field_validator("payment_method")
    @classmethod
    def _check_payment(cls, method: PaymentMethod, info: ValidationInfo) -> PaymentMethod:
        if info.data.get("payer_type") is PayerType.THIRD_PERSON and method is not PaymentMethod.NON_CASH:
            raise ValueError("a ThirdPerson payer pays NonCash only")
        return method

    @property
    def service_type(self) -> ServiceType:
        start = "Doors" if self.sender.address_kind == "address" else "Warehouse"
        end = "Doors" if isinstance(self.destination, AddressDestination) else "Warehouse"
        return ServiceType(start + end)

    def to_method_properties(self) -> dict[str, object]:
        destination = self.destination
        recipient_address = (
            destination.address_ref
            if isinstance(destination, AddressDestination)
            else destination.warehouse_ref
        )
        properties: dict[str, object] = {
            "PayerType": self.payer_type.value,
            "PaymentMethod": self.payment_method.value,
            "DateTime": np_date(self.send_date),
            "CargoType": self.cargo_type.value,
            "Weight": str(self.weight),
            "SeatsAmount": str(self.seats_amount),
            "ServiceType": self.service_type.value,
            "Description": self.description,
            "Cost": _whole_hryvnias(self.declared_value),
            "CitySender": self.sender.city_ref,
            "Sender": self.sender.counterparty_ref,
            "SenderAddress": self.sender.address_ref,
            "ContactSender": self.sender.contact_ref,
            "SendersPhone": self.sender.phone,
            "CityRecipient": destination.city_ref,
            "Recipient": self.recipient.counterparty_ref,
            "RecipientAddress": recipient_address,
            "ContactRecipient": self.recipient.contact_ref,
            "RecipientsPhone": self.recipient.phone,
        }
        if self.volume is not None:
            properties["VolumeGeneral"] = str(self.volume)
        if self.seats:
            properties["OptionsSeat"] = [seat.to_np() for seat in self.seats]
        if self.cash_on_delivery is not None:
            cod = self.cash_on_delivery
            properties["BackwardDeliveryData"] = [
                {
                    "PayerType": cod.payer_type.value,
                    "CargoType": "Money",
                    "RedeliveryString": _money(cod.amount),
                }
            ]
        if self.client_barcode is not None:
            properties["InfoRegClientBarcodes"] = self.client_barcode
        return properties


def _whole_hryvnias(value: Decimal) -> str:
    """``Cost`` must be an integer; round a declared value up so it is never under-declared."""
    return str(value.to_integral_value(rounding=ROUND_CEILING))


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"))).removesuffix(".00")


class Waybill(BaseModel):
    """A created waybill. Keep both: ``ref`` for delete/update/scan sheets, ``number`` for tracking."""

    model_config = ConfigDict(frozen=True)

    ref: str
    number: str
    cost_on_site: Decimal | None = None
    estimated_delivery_date: date | None = None
    client_barcode: str | None = None
    send_date: date | None = None

"""Turn a create request (and the CRM order it names) into what a waybill needs, before any save call.

Recipient: the request's contact or name + phone; else the order's ship-to name and phone; else the
order's customer contact. Destination: the request's; else the order's ship-to city and the branch or
locker number in ``shipto_line1`` ("Відділення №5", "Поштомат 5501"). Contents: the order's lines.
Every gap is a 422 naming the field to fix (request or order column).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from pydantic import TypeAdapter, ValidationError

from connectors.novaposhta import (
    AddressDestination,
    CashOnDelivery,
    ParcelLockerDestination,
    Phone,
    Recipient,
    Seat,
    Sender,
    Warehouse,
    WarehouseDestination,
    WaybillRequest,
)
from functions.common.problems import Problem
from functions.shipping.errors import waybill_problem
from functions.shipping.lookups import ReferenceData
from functions.shipping.models import CreateShipmentRequest, DestinationInput, ParcelInput
from functions.shipping.repository import Order, Person
from functions.shipping.rules import branch_number, split_name

_PHONE: TypeAdapter[str] = TypeAdapter(Phone)
Destination = WarehouseDestination | ParcelLockerDestination | AddressDestination


class PeopleSource(Protocol):
    def contact(self, contact_id: str, field: str) -> Person: ...


@dataclass(frozen=True)
class Place:
    """A resolved destination: the waybill part, plus labels for the shipment row."""

    destination: Destination | None  # None for a courier address: created once the recipient exists
    city_ref: str
    city_name: str
    label: str
    street_ref: str | None = None
    building: str | None = None
    flat: str | None = None


@dataclass(frozen=True)
class Cargo:
    weight: Decimal
    seats_amount: int
    seats: tuple[Seat, ...]
    volume: Decimal | None
    declared_value: Decimal
    description: str
    parcel: ParcelInput


def problem(field: str, message: str, status: int = 422) -> Problem:
    return Problem(
        status, f"Invalid value for {field}: {message}.", errors=[{"field": field, "message": message}]
    )


def recipient(request: CreateShipmentRequest, order: Order | None, people: PeopleSource) -> Person:
    given = request.recipient
    if given is not None and given.contact_id is not None:
        person = people.contact(str(given.contact_id), "recipient.contact_id")
        phone = given.phone or _phone(person.phone, "recipient.contact_id")
        return Person(person.first_name, person.last_name, person.middle_name, phone, person.contact_id)
    if given is not None and given.name and given.phone:
        return _named(given.name, given.phone, "recipient.name")
    if order is None:
        raise problem("recipient", "give contact_id, or name and phone")
    if order.ship_to_name and order.ship_to_phone:
        person = _named(
            order.ship_to_name, _phone(order.ship_to_phone, "order.shipto_telephone"), "order.shipto_name"
        )
        return Person(
            person.first_name, person.last_name, person.middle_name, person.phone, order.customer_contact_id
        )
    if order.customer_contact_id is None:
        raise problem("recipient", "the order has no ship-to name and phone and no contact as customer")
    person = people.contact(order.customer_contact_id, "order.customerid")
    return Person(
        person.first_name,
        person.last_name,
        person.middle_name,
        _phone(person.phone, "order.customerid"),
        person.contact_id,
    )


def _named(name: str, phone: str, field: str) -> Person:
    try:
        first, last, middle = split_name(name)
    except ValueError as error:
        raise problem(field, str(error)) from None
    return Person(first, last, middle, phone)


def _phone(value: str | None, field: str) -> str:
    if not value:
        raise problem(field, "a phone number is required")
    try:
        return _PHONE.validate_python(value)
    except ValidationError:
        raise problem(field, "not a valid Ukrainian phone number (+380XXXXXXXXX)") from None


def place(given: DestinationInput | None, order: Order | None, refdata: ReferenceData) -> Place:
    if given is not None:
        if given.street_ref is not None:
            return Place(
                None, given.city_ref, "", f"{given.building}", given.street_ref, given.building, given.flat
            )
        assert given.warehouse_ref is not None
        warehouse = refdata.warehouse(given.city_ref, given.warehouse_ref)
        if warehouse is None:
            raise problem("destination.warehouse_ref", "no such branch or locker in that city")
        return _to_warehouse(warehouse)
    if order is None:
        raise problem("destination", "required without an order")
    if not order.ship_to_city:
        raise problem("order.shipto_city", "the order has no ship-to city")
    city = refdata.find_city(order.ship_to_city)
    if city is None:
        raise problem("order.shipto_city", f"Nova Poshta knows no settlement {order.ship_to_city!r}")
    number = branch_number(order.ship_to_line)
    if number is None:
        raise problem(
            "order.shipto_line1", "name the branch or locker, e.g. 'Відділення №5', or give destination"
        )
    warehouse = refdata.warehouse_by_number(city.value, number)
    if warehouse is None:
        raise problem("order.shipto_line1", f"{order.ship_to_city} has no branch or locker №{number}")
    return _to_warehouse(warehouse)


def _to_warehouse(warehouse: Warehouse) -> Place:
    destination: Destination
    if warehouse.is_parcel_locker:
        destination = ParcelLockerDestination.from_warehouse(warehouse)
    else:
        destination = WarehouseDestination(city_ref=warehouse.city_ref, warehouse_ref=warehouse.ref)
    return Place(destination, warehouse.city_ref, warehouse.city_description, warehouse.description)


def cargo(
    parcel: ParcelInput | None,
    order: Order | None,
    locker: bool,
    default_weight: Decimal,
    default_dimensions: tuple[Decimal, Decimal, Decimal],
) -> Cargo:
    parcel = parcel or ParcelInput()
    weight = parcel.weight or default_weight
    dimensions = (
        (parcel.length_cm, parcel.width_cm, parcel.height_cm)
        if parcel.length_cm is not None and parcel.width_cm is not None and parcel.height_cm is not None
        else default_dimensions
    )
    seats: tuple[Seat, ...] = ()
    volume: Decimal | None = None
    if parcel.cargo_type.value != "Documents":
        per_seat = (weight / parcel.seats_amount).quantize(Decimal("0.001"))
        if locker or parcel.length_cm is not None:
            length, width, height = dimensions
            seats = tuple(
                Seat(weight=max(per_seat, Decimal("0.1")), length=length, width=width, height=height)
                for _ in range(parcel.seats_amount)
            )
        else:
            length, width, height = dimensions
            volume = max(
                Decimal("0.0004"), (length * width * height / Decimal(1_000_000)).quantize(Decimal("0.0001"))
            )
            volume *= parcel.seats_amount
    declared = (
        parcel.declared_value if parcel.declared_value is not None else (order.total if order else None)
    )
    return Cargo(
        weight=weight,
        seats_amount=parcel.seats_amount,
        seats=seats,
        volume=volume,
        declared_value=declared if declared is not None else Decimal(0),
        description=parcel.description or _contents(order),
        parcel=parcel,
    )


def _contents(order: Order | None) -> str:
    if order is None:
        return "Товари"
    label = f"Замовлення {order.number or order.name}".strip()
    if order.lines:
        label += ": " + ", ".join(order.lines)
    return label[:100]


def cash_on_delivery(parcel: ParcelInput) -> CashOnDelivery | None:
    return CashOnDelivery(amount=parcel.cash_on_delivery) if parcel.cash_on_delivery else None


_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


class AddressBook(Protocol):
    def create_recipient_address(
        self, counterparty_ref: str, street_ref: str, building_number: str, flat: str | None = None
    ) -> str: ...


def draft(sender: Sender, phone: str, place: Place, cargo: Cargo, send_date: date) -> WaybillRequest:
    """The waybill with placeholder recipient refs: validates everything before Nova Poshta is called."""
    destination = place.destination or AddressDestination(city_ref=place.city_ref, address_ref=_PLACEHOLDER)
    parcel = cargo.parcel
    fields: dict[str, Any] = {
        "sender": sender,
        "recipient": {"counterparty_ref": _PLACEHOLDER, "contact_ref": _PLACEHOLDER, "phone": phone},
        "destination": destination,
        "send_date": send_date,
        "description": cargo.description,
        "declared_value": cargo.declared_value,
        "cargo_type": parcel.cargo_type,
        "seats_amount": cargo.seats_amount,
        "seats": cargo.seats,
        "weight": cargo.weight,
        "volume": cargo.volume,
        "payer_type": parcel.payer_type,
        "payment_method": parcel.payment_method,
        "cash_on_delivery": cash_on_delivery(parcel),
    }
    try:
        return WaybillRequest.model_validate(fields)
    except ValidationError as error:
        raise waybill_problem(error) from None


def with_recipient(
    draft: WaybillRequest, recipient: Recipient, place: Place, addresses: AddressBook
) -> WaybillRequest:
    """The real recipient (and, for courier delivery, the address Nova Poshta just stored for them)."""
    update: dict[str, Any] = {"recipient": recipient}
    if place.destination is None:
        assert place.street_ref is not None and place.building is not None
        address_ref = addresses.create_recipient_address(
            recipient.counterparty_ref, place.street_ref, place.building, place.flat
        )
        update["destination"] = AddressDestination(city_ref=place.city_ref, address_ref=address_ref)
    return draft.model_copy(update=update)

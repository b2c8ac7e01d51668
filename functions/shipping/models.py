"""Request and response models of the shipping endpoints (they also build the connector's OpenAPI)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from connectors.novaposhta import CargoType, PayerType, PaymentMethod, Phone, Ref, WaybillNumber
from functions.shipping.lookup_models import KYIV

_WAREHOUSE_LIST: JsonDict = {
    "x-ms-dynamic-values": {
        "operationId": "ListWarehouses",
        "value-collection": "items",
        "value-path": "value",
        "value-title": "title",
        "parameters": {"settlement": {"parameter": "city_ref"}},
    },
    "x-ms-dynamic-list": {
        "operationId": "ListWarehouses",
        "itemsPath": "items",
        "itemValuePath": "value",
        "itemTitlePath": "title",
        "parameters": {"settlement": {"parameterReference": "destination/city_ref"}},
    },
}


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- shipments -----------------------------------------------------------------------------------


class RecipientInput(_Input):
    """Who receives the parcel: a CRM contact, or a name and phone (overrides the order's ship-to)."""

    contact_id: uuid.UUID | None = Field(None, title="Contact", description="Dataverse contact id.")
    name: str | None = Field(
        None, min_length=3, max_length=200, title="Name", description="First and last name."
    )
    phone: Phone | None = Field(None, title="Phone", description="+380XXXXXXXXX.", examples=["+380671234567"])

    @model_validator(mode="after")
    def _someone(self) -> Self:
        if self.contact_id is None and (self.name is None or self.phone is None):
            raise ValueError("give contact_id, or name and phone")
        return self


class DestinationInput(_Input):
    """Where it goes: a branch or parcel locker (``warehouse_ref``) or a courier address (street + house)."""

    city_ref: Ref = Field(title="City", description="City ref (ListSettlements value).", examples=[KYIV])
    warehouse_ref: Ref | None = Field(
        None, title="Branch or locker", description="Warehouse ref.", json_schema_extra=_WAREHOUSE_LIST
    )
    street_ref: Ref | None = Field(None, title="Street", description="Street ref, for courier delivery.")
    building: str | None = Field(
        None, min_length=1, max_length=20, title="House", description="House number."
    )
    flat: str | None = Field(None, max_length=20, title="Flat", description="Flat or office.")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.warehouse_ref is None) == (self.street_ref is None):
            raise ValueError("give warehouse_ref (branch or locker) or street_ref with building (courier)")
        if self.street_ref is not None and not self.building:
            raise ValueError("building is required with street_ref")
        return self


class ParcelInput(_Input):
    weight: Decimal | None = Field(
        None,
        ge=Decimal("0.1"),
        le=Decimal(1000),
        title="Weight",
        description="Kilograms; defaults to SHIPPING_DEFAULT_WEIGHT_KG.",
    )
    seats_amount: int = Field(1, ge=1, le=100, title="Seats", description="Number of seats (boxes).")
    length_cm: Decimal | None = Field(
        None, gt=0, le=Decimal(1000), title="Length", description="cm, per seat."
    )
    width_cm: Decimal | None = Field(None, gt=0, le=Decimal(1000), title="Width", description="cm, per seat.")
    height_cm: Decimal | None = Field(
        None, gt=0, le=Decimal(1000), title="Height", description="cm, per seat."
    )
    declared_value: Decimal | None = Field(
        None, ge=0, title="Declared value", description="UAH; order total."
    )
    description: str | None = Field(
        None, min_length=1, max_length=100, title="Contents", description="What is in it."
    )
    cargo_type: CargoType = Field(
        CargoType.PARCEL, title="Cargo type", description="Parcel, Cargo, Documents ..."
    )
    payer_type: PayerType = Field(PayerType.RECIPIENT, title="Payer", description="Sender or Recipient.")
    payment_method: PaymentMethod = Field(PaymentMethod.CASH, title="Payment", description="Cash or NonCash.")
    cash_on_delivery: Decimal | None = Field(
        None, gt=0, title="Cash on delivery", description="COD amount, UAH."
    )

    @model_validator(mode="after")
    def _all_dimensions(self) -> Self:
        given = [v is not None for v in (self.length_cm, self.width_cm, self.height_cm)]
        if any(given) and not all(given):
            raise ValueError("give length_cm, width_cm and height_cm together")
        return self


class CreateShipmentRequest(_Input):
    order_id: uuid.UUID | None = Field(
        None,
        title="Order",
        description="Dataverse salesorder id: recipient, address and contents are read from it.",
    )
    sequence: int = Field(
        1, ge=1, le=999, title="Sequence", description="Shipment number on the order (1, 2 ...)."
    )
    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        title="Idempotency key",
        description="Defaults to '<order id>:<sequence>'; required without an order.",
    )
    primary: bool | None = Field(
        None, title="Primary", description="The order's main shipment; default: the first one on the order."
    )
    sender_profile: str | None = Field(
        None, max_length=50, title="Sender profile", description="Configured profile."
    )
    recipient: RecipientInput | None = Field(
        None, title="Recipient", description="Who receives it; default: the order's ship-to or customer."
    )
    destination: DestinationInput | None = Field(
        None, title="Destination", description="Branch, locker or address; default: the order's ship-to."
    )
    parcel: ParcelInput | None = Field(
        None, title="Parcel", description="Weight, size, value and payment; defaults from settings and order."
    )
    send_date: date | None = Field(None, title="Send date", description="Defaults to today (Kyiv).")

    @model_validator(mode="after")
    def _source(self) -> Self:
        if self.order_id is None:
            missing = [
                name
                for name in ("idempotency_key", "recipient", "destination")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"without order_id give {', '.join(missing)}")
            if (
                self.recipient is not None
                and self.recipient.phone is None
                and self.recipient.contact_id is None
            ):
                raise ValueError("recipient needs a phone")
        return self


class Shipment(BaseModel):
    shipment_id: str = Field(title="Shipment id", description="smart_shipment row id.")
    idempotency_key: str = Field(title="Idempotency key", description="The shipment's alternate key.")
    waybill_number: str | None = Field(
        None, title="Waybill", description="14-digit TTN.", examples=["20450000123456"]
    )
    order_id: str | None = Field(None, title="Order", description="salesorder id.")
    status: str | None = Field(
        None, title="Status", description="created, in_transit, arrived, received, returning ..."
    )
    status_code: int | None = Field(None, title="Status code", description="Nova Poshta StatusCode.")
    status_text: str | None = Field(None, title="Status text", description="Nova Poshta's status text.")
    cost: Decimal | None = Field(None, title="Cost", description="Delivery cost, UAH.")
    estimated_delivery_date: date | None = Field(None, title="Delivery date", description="Estimated.")
    recipient_name: str | None = Field(None, title="Recipient", description="Recipient name.")
    recipient_city: str | None = Field(None, title="City", description="Recipient city.")
    recipient_warehouse: str | None = Field(None, title="Branch", description="Recipient branch or locker.")
    is_primary: bool = Field(False, title="Primary", description="The order's main shipment.")
    sender_profile: str | None = Field(None, title="Sender profile", description="Profile used.")
    label_url: str | None = Field(
        None,
        title="Label link",
        description="Printable marking (PDF). It carries the "
        "sender's API key: open it, do not store or share it.",
    )
    error: str | None = Field(None, title="Error", description="Why creation failed, when it did.")
    return_waybill_number: str | None = Field(
        None, title="Return waybill", description="Waybill the goods go back under (status returning)."
    )
    replayed: bool = Field(
        False, title="Replayed", description="True when an earlier request made this shipment."
    )


class ShipmentPath(_Input):
    number: WaybillNumber = Field(title="Waybill", description="14-digit waybill number.")


class TrackShipmentRequest(_Input):
    number: WaybillNumber = Field(
        title="Waybill", description="14-digit waybill created outside the CRM.", examples=["20450000123456"]
    )
    order_id: uuid.UUID = Field(title="Order", description="Dataverse salesorder id it belongs to.")
    primary: bool | None = Field(
        None, title="Primary", description="Default: primary when the order has none."
    )


class DeletedShipment(BaseModel):
    waybill_number: str = Field(title="Waybill", description="Deleted waybill.")
    status: str = Field("deleted", title="Status", description="Always deleted.")


class RegistryRequest(_Input):
    sender_profile: str | None = Field(
        None, max_length=50, title="Sender profile", description="Configured profile."
    )
    send_date: date | None = Field(
        None, title="Date", description="Send date of the waybills; defaults to today."
    )
    numbers: list[WaybillNumber] | None = Field(
        None,
        min_length=1,
        max_length=500,
        title="Waybills",
        description="Only these (default: the day's CRM waybills).",
    )


class RejectedWaybill(BaseModel):
    waybill: str = Field(title="Waybill", description="Waybill ref or number.")
    reason: str = Field(title="Reason", description="Nova Poshta's reason.")


class Registry(BaseModel):
    registry_number: str = Field(
        title="Registry", description="Scan sheet number.", examples=["105-00000001"]
    )
    registry_ref: str = Field(title="Registry ref", description="Scan sheet ref.")
    date: str = Field(title="Date", description="Scan sheet date (dd.mm.yyyy).")
    added: list[str] = Field(title="Added", description="Waybill numbers now in the registry.")
    rejected: list[RejectedWaybill] = Field(
        default_factory=list, title="Rejected", description="Left out, and why."
    )


class SyncReport(BaseModel):
    status: Literal["completed", "paused", "skipped"] = Field(
        title="Status", description="How the run ended."
    )
    shipments: int = Field(0, title="Shipments", description="Shipments tracked.")
    tracking_calls: int = Field(
        0, title="Tracking calls", description="Nova Poshta calls (100 numbers each)."
    )
    changed: int = Field(0, title="Changed", description="Shipments written.")
    status_changes: int = Field(0, title="Status changes", description="Status rows added.")
    orders_updated: int = Field(0, title="Orders updated", description="Orders whose status was set.")
    orders_refused: int = Field(
        0, title="Orders refused", description="Orders whose mapped status could not be set (logged)."
    )
    write_requests: int = Field(0, title="Write requests", description="Dataverse write requests.")
    resumed_after: str | None = Field(None, title="Resumed after", description="Key the run continued after.")
    stopped_after: str | None = Field(
        None, title="Stopped after", description="Last key done when it paused."
    )
    paused_until: str | None = Field(None, title="Paused until", description="When the next run may start.")
    detail: str | None = Field(None, title="Detail", description="Why it paused or skipped.")

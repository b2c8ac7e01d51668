"""Request and response models of the look-up and quote endpoints (drop-downs and prices)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors.novaposhta import CargoType, Ref, ServiceType

KYIV = "8d5a980d-391c-11dd-90d9-001a92567626"
_BRANCH_1 = "1ec09d88-e1c2-11e3-8c4a-0050568002cf"
WarehouseKind = Literal["branch", "parcel_locker", "cargo_branch"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- look-ups ------------------------------------------------------------------------------------


class SettlementQuery(_Input):
    q: str = Field(
        min_length=2, max_length=100, title="City", description="Start of the city or village name."
    )
    limit: int = Field(20, ge=1, le=50, title="Limit", description="Most items to return.")


class SettlementOption(BaseModel):
    value: str = Field(
        title="City ref",
        description="Nova Poshta city ref (DeliveryCity): what warehouses, quotes and waybills take.",
        examples=[KYIV],
    )
    title: str = Field(title="Name", description="Display name.", examples=["м. Київ, Київська обл."])
    settlement_ref: str = Field(title="Settlement ref", description="The settlement's own ref.")
    area: str = Field("", title="Region", description="Oblast.")
    warehouses: int = Field(0, title="Branches", description="How many branches and lockers it has.")


class SettlementList(BaseModel):
    items: list[SettlementOption] = Field(title="Settlements", description="Matching settlements.")


class WarehouseQuery(_Input):
    settlement: Ref = Field(
        title="City", description="City ref from ListSettlements (its value).", examples=[KYIV]
    )
    q: str | None = Field(None, max_length=100, title="Search", description="Number or part of the address.")
    type: Literal["all", "branch", "parcel_locker", "cargo_branch"] = Field(
        "all", title="Type", description="Only branches, parcel lockers or cargo branches."
    )
    limit: int = Field(100, ge=1, le=500, title="Limit", description="Most items to return.")


class WarehouseOption(BaseModel):
    value: str = Field(title="Warehouse ref", description="Nova Poshta warehouse ref.", examples=[_BRANCH_1])
    title: str = Field(
        title="Name",
        description="Number and address.",
        examples=["Відділення №1: вул. Пирогівський шлях, 135"],
    )
    number: str = Field(title="Number", description="Branch or locker number.")
    kind: WarehouseKind = Field(title="Kind", description="branch, parcel_locker or cargo_branch.")
    city_ref: str = Field(title="City ref", description="City the warehouse is in.")
    max_weight_kg: Decimal | None = Field(
        None, title="Max weight", description="Heaviest seat it takes (kg)."
    )


class WarehouseList(BaseModel):
    items: list[WarehouseOption] = Field(title="Warehouses", description="Matching branches and lockers.")


# --- quotes --------------------------------------------------------------------------------------


class QuoteRequest(_Input):
    recipient_city_ref: Ref = Field(title="Recipient city", description="City ref (ListSettlements value).")
    sender_city_ref: Ref | None = Field(
        None, title="Sender city", description="Defaults to the profile's city."
    )
    sender_profile: str | None = Field(
        None, max_length=50, title="Sender profile", description="Configured profile."
    )
    weight: Decimal = Field(ge=Decimal("0.1"), le=Decimal(1000), title="Weight", description="Kilograms.")
    declared_value: Decimal = Field(Decimal(0), ge=0, title="Declared value", description="UAH; 0 = minimum.")
    service_type: ServiceType = Field(
        ServiceType.WAREHOUSE_WAREHOUSE,
        title="Service type",
        description="WarehouseWarehouse, WarehouseDoors, DoorsWarehouse or DoorsDoors.",
    )
    cargo_type: CargoType = Field(
        CargoType.PARCEL, title="Cargo type", description="Parcel, Cargo, Documents ..."
    )
    seats_amount: int = Field(1, ge=1, le=100, title="Seats", description="Number of seats (boxes).")
    cash_on_delivery: Decimal | None = Field(
        None, gt=0, title="Cash on delivery", description="COD amount, UAH."
    )
    send_date: date | None = Field(None, title="Send date", description="Defaults to today (Kyiv).")


class Quote(BaseModel):
    cost: Decimal = Field(title="Total cost", description="Delivery plus COD fee, UAH.", examples=["87.5"])
    delivery_cost: Decimal = Field(title="Delivery cost", description="UAH.")
    cash_on_delivery_cost: Decimal = Field(Decimal(0), title="COD fee", description="UAH.")
    assessed_value: Decimal = Field(title="Assessed value", description="Value Nova Poshta insures, UAH.")
    estimated_delivery_date: date = Field(title="Delivery date", description="Expected delivery date.")
    currency: str = Field("UAH", title="Currency", description="Always UAH.")

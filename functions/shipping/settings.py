"""Shipping settings: the Nova Poshta account(s), sender profiles, sync and look-up tuning.

One default sender profile comes from ``NOVAPOSHTA_API_KEY`` plus ``NOVAPOSHTA_SENDER_*``; more profiles
(other Nova Poshta accounts or sending branches) come from ``NOVAPOSHTA_SENDER_PROFILES``, a JSON object
``{"<name>": {<profile fields>}}`` whose fields are those of ``SenderProfileConfig`` (a profile without
``api_key`` uses the default key). See ``functions/shipping/profiles.py`` for how a profile is chosen.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from functions.common.settings import AppSettings
from functions.shipping.profiles import SenderProfileConfig

DEFAULT_PROFILE = "default"


class ShippingSettings(AppSettings):
    novaposhta_base_url: str = Field(
        default="https://api.novaposhta.ua", validation_alias="NOVAPOSHTA_BASE_URL", pattern=r"^https?://\S+$"
    )
    novaposhta_api_key: SecretStr = Field(validation_alias="NOVAPOSHTA_API_KEY", min_length=1)
    novaposhta_print_base_url: str = Field(
        default="https://my.novaposhta.ua",
        validation_alias="NOVAPOSHTA_PRINT_BASE_URL",
        pattern=r"^https?://\S+$",
    )
    novaposhta_timeout_seconds: float = Field(
        15.0, gt=0, le=120, validation_alias="NOVAPOSHTA_TIMEOUT_SECONDS"
    )
    sender_counterparty_ref: str | None = Field(None, validation_alias="NOVAPOSHTA_SENDER_COUNTERPARTY_REF")
    sender_contact_ref: str | None = Field(None, validation_alias="NOVAPOSHTA_SENDER_CONTACT_REF")
    sender_phone: str | None = Field(None, validation_alias="NOVAPOSHTA_SENDER_PHONE")
    sender_city_ref: str | None = Field(None, validation_alias="NOVAPOSHTA_SENDER_CITY_REF")
    sender_address_ref: str | None = Field(None, validation_alias="NOVAPOSHTA_SENDER_ADDRESS_REF")
    sender_profiles: Annotated[dict[str, SenderProfileConfig], NoDecode] = Field(
        default_factory=dict, validation_alias="NOVAPOSHTA_SENDER_PROFILES"
    )
    default_sender_profile: str = Field(DEFAULT_PROFILE, validation_alias="SHIPPING_DEFAULT_SENDER_PROFILE")
    order_type_column: str | None = Field(
        None,
        validation_alias="SHIPPING_ORDER_TYPE_COLUMN",
        pattern=r"^[a-z_][a-z0-9_]*$",
        description="salesorder column whose value selects a sender profile by its order_types.",
    )
    ship_on_statuscodes: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [3],
        validation_alias="SHIPPING_SHIP_ON_STATUSCODES",
        description="salesorder statuscode values that create the order's primary waybill.",
    )
    order_status_map: Annotated[dict[str, dict[str, Any]], NoDecode] = Field(
        default_factory=dict,
        validation_alias="SHIPPING_ORDER_STATUS_MAP",
        description='Shipment status -> salesorder columns, e.g. {"received": {"statuscode": 100001}}.',
    )
    default_weight_kg: Decimal = Field(
        Decimal(1), ge=Decimal("0.1"), validation_alias="SHIPPING_DEFAULT_WEIGHT_KG"
    )
    default_dimensions_cm: Annotated[tuple[Decimal, Decimal, Decimal], NoDecode] = Field(
        (Decimal(30), Decimal(20), Decimal(10)), validation_alias="SHIPPING_DEFAULT_DIMENSIONS_CM"
    )
    lookup_cache_seconds: float = Field(6 * 3600.0, ge=0, validation_alias="SHIPPING_LOOKUP_CACHE_SECONDS")
    sync_concurrency: int = Field(4, ge=1, le=16, validation_alias="SHIPPING_SYNC_CONCURRENCY")
    sync_flush_size: int = Field(500, ge=100, le=1000, validation_alias="SHIPPING_SYNC_FLUSH_SIZE")
    sync_backoff_seconds: float = Field(60.0, gt=0, validation_alias="SHIPPING_SYNC_BACKOFF_SECONDS")
    sync_max_backoff_seconds: float = Field(
        1800.0, gt=0, validation_alias="SHIPPING_SYNC_MAX_BACKOFF_SECONDS"
    )
    not_found_give_up_hours: float = Field(72.0, gt=0, validation_alias="SHIPPING_NOT_FOUND_GIVE_UP_HOURS")

    @field_validator("sender_profiles", "order_status_map", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("ship_on_statuscodes", mode="before")
    @classmethod
    def _int_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("default_dimensions_cm", mode="before")
    @classmethod
    def _dimensions(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.lower().split("x"))
        return value

    @field_validator("order_status_map")
    @classmethod
    def _known_statuses(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from dataverse.schema import ShipmentStatus

        unknown = sorted(set(value) - {status.value for status in ShipmentStatus})
        if unknown:
            raise ValueError(
                f"unknown shipment status(es) {unknown}; use {[s.value for s in ShipmentStatus]}"
            )
        return value

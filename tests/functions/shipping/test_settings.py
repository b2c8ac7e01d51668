"""Shipping settings and sender profiles: parsing, defaults, and which profile an order gets."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from functions.common.problems import Problem
from functions.common.settings import SettingsError, load_settings
from functions.shipping.profiles import SenderProfileConfig, choose_profile
from functions.shipping.settings import ShippingSettings
from functions.shipping.wiring import sender_profiles

KYIV = "8d5a980d-391c-11dd-90d9-001a92567626"
BRANCH = "1ec09d88-e1c2-11e3-8c4a-0050568002cf"
BU = uuid.UUID("4f2c1d0e-7a8b-ef11-8a69-000d3a4b5c6d")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("NOVAPOSHTA_SENDER_PROFILES", "SHIPPING_ORDER_STATUS_MAP", "SHIPPING_SHIP_ON_STATUSCODES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOVAPOSHTA_API_KEY", "default-key")
    monkeypatch.setenv("NOVAPOSHTA_SENDER_CITY_REF", KYIV)
    monkeypatch.setenv("NOVAPOSHTA_SENDER_ADDRESS_REF", BRANCH)
    return monkeypatch


def test_defaults_and_comma_separated_or_json_values_are_read(env: pytest.MonkeyPatch) -> None:
    env.setenv("SHIPPING_SHIP_ON_STATUSCODES", "3, 100001")
    env.setenv("SHIPPING_DEFAULT_DIMENSIONS_CM", "40x30x20")
    env.setenv("SHIPPING_ORDER_STATUS_MAP", json.dumps({"received": {"statuscode": 100001}}))
    settings = load_settings(ShippingSettings)
    assert settings.ship_on_statuscodes == [3, 100001]
    assert settings.default_dimensions_cm == (Decimal(40), Decimal(30), Decimal(20))
    assert settings.order_status_map["received"] == {"statuscode": 100001}
    assert "default-key" not in repr(settings)


def test_unknown_status_in_the_order_map_fails_at_start_up_naming_the_setting(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("SHIPPING_ORDER_STATUS_MAP", json.dumps({"delivered": {"statuscode": 1}}))
    with pytest.raises(SettingsError, match="SHIPPING_ORDER_STATUS_MAP"):
        load_settings(ShippingSettings)


def test_malformed_profiles_json_fails_naming_the_setting(env: pytest.MonkeyPatch) -> None:
    env.setenv("NOVAPOSHTA_SENDER_PROFILES", "{not json")
    with pytest.raises(SettingsError, match="NOVAPOSHTA_SENDER_PROFILES"):
        load_settings(ShippingSettings)


def test_profiles_add_to_and_refine_the_default_one(env: pytest.MonkeyPatch) -> None:
    profiles = {
        "default": {"phone": "+380501112233"},
        "lviv-store": {
            "api_key": "lviv-key",
            "city_ref": KYIV,
            "address_ref": BRANCH,
            "business_units": [str(BU)],
        },
    }
    env.setenv("NOVAPOSHTA_SENDER_PROFILES", json.dumps(profiles))
    merged = sender_profiles(load_settings(ShippingSettings))
    assert merged["default"].city_ref == KYIV and merged["default"].phone == "380501112233"
    assert merged["lviv-store"].api_key is not None
    assert merged["lviv-store"].api_key.get_secret_value() == "lviv-key"


def test_profile_is_chosen_by_request_then_business_unit_then_order_type_then_default() -> None:
    profiles = {
        "default": SenderProfileConfig(),
        "wholesale": SenderProfileConfig(order_types=("wholesale",)),
        "lviv": SenderProfileConfig(business_units=(BU,)),
    }
    assert choose_profile(profiles, "default", requested="wholesale", business_unit=str(BU)) == "wholesale"
    assert choose_profile(profiles, "default", business_unit=str(BU), order_type="wholesale") == "lviv"
    assert choose_profile(profiles, "default", order_type="wholesale") == "wholesale"
    assert (
        choose_profile(profiles, "default", business_unit=str(uuid.uuid4()), order_type="retail") == "default"
    )


def test_an_unknown_requested_profile_is_a_422_naming_the_field() -> None:
    with pytest.raises(Problem) as raised:
        choose_profile({"default": SenderProfileConfig()}, "default", requested="nope")
    assert raised.value.status == 422
    assert raised.value.errors[0]["field"] == "sender_profile"

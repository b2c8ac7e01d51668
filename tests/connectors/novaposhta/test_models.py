"""Input validation: bad data is refused before any call, and the error names the field."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from pydantic import ValidationError

from connectors.novaposhta import (
    AddressDestination,
    CargoType,
    CashOnDelivery,
    ParcelLockerDestination,
    PayerType,
    Seat,
    TrackingQuery,
    WaybillRequest,
    mask_phone,
)
from connectors.novaposhta.printing import printable_label_url, redact_print_url
from connectors.novaposhta.tracking import TrackingStatus, parse_np_datetime
from connectors.novaposhta.waybills import Recipient

REF = "8d5a980d-391c-11dd-90d9-001a92567626"


def _field(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in item["loc"]) for item in error.errors()}


@pytest.mark.parametrize("raw", ["+380671234567", "380671234567", "067 123 45 67", "(067) 123-45-67"])
def test_ukrainian_phones_are_normalised_to_the_380_form_nova_poshta_wants(raw: str) -> None:
    assert Recipient(counterparty_ref=REF, contact_ref=REF, phone=raw).phone == "380671234567"


@pytest.mark.parametrize("raw", ["+48601234567", "12345", "not a phone", "+3806712345"])
def test_non_ukrainian_or_invalid_phones_are_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Recipient(counterparty_ref=REF, contact_ref=REF, phone=raw)
    assert _field(caught.value) == {"phone"}


def test_refs_must_be_uuids_and_are_normalised_to_lower_case() -> None:
    recipient = Recipient(counterparty_ref=REF.upper(), contact_ref=REF, phone="0671234567")
    assert recipient.counterparty_ref == REF
    with pytest.raises(ValidationError) as caught:
        Recipient(counterparty_ref="Київ", contact_ref=REF, phone="0671234567")
    assert _field(caught.value) == {"counterparty_ref"}


@pytest.mark.parametrize(
    "number", ["20450000000000", "59000123456789", "2045 0000 0000 00", "12345678901234"]
)
def test_any_fourteen_digit_waybill_number_is_accepted(number: str) -> None:
    assert TrackingQuery(number=number).number == number.replace(" ", "")


@pytest.mark.parametrize("number", ["2045000000000", "204500000000000", "2045000000000A"])
def test_waybill_numbers_that_are_not_fourteen_digits_are_refused(number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TrackingQuery(number=number)
    assert _field(caught.value) == {"number"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"weight": "0"}, "weight"),
        ({"weight": "-1"}, "weight"),
        ({"seats_amount": 0}, "seats_amount"),
        ({"declared_value": "-0.01"}, "declared_value"),
        ({"description": ""}, "description"),
        ({"volume": None}, "volume"),
        ({"client_barcode": "order #1"}, "client_barcode"),
        ({"client_barcode": "x" * 37}, "client_barcode"),
        ({"cash_on_delivery": {"amount": "0"}}, "cash_on_delivery.amount"),
        ({"payer_type": PayerType.THIRD_PERSON}, "payment_method"),
    ],
)
def test_waybill_request_errors_name_the_field(
    make_request: Callable[..., WaybillRequest], overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_request(**overrides)
    assert field in _field(caught.value)


def test_documents_take_only_the_documented_weights_and_no_volume(
    make_request: Callable[..., WaybillRequest],
) -> None:
    assert make_request(cargo_type=CargoType.DOCUMENTS, weight="0.5", volume=None).volume is None
    with pytest.raises(ValidationError) as caught:
        make_request(cargo_type=CargoType.DOCUMENTS, weight="0.7", volume="0.004")
    assert _field(caught.value) == {"weight", "volume"}


def test_parcel_locker_needs_exactly_one_seat_with_dimensions(
    make_request: Callable[..., WaybillRequest], locker_request: WaybillRequest
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_request(destination=locker_request.destination)
    assert _field(caught.value) == {"seats"}
    two_seats = [Seat(weight=1, length=10, width=10, height=10)] * 2
    with pytest.raises(ValidationError) as caught:
        make_request(destination=locker_request.destination, seats_amount=2, seats=two_seats, volume=None)
    assert "seats" in _field(caught.value)


def test_parcel_locker_limits_come_from_the_locker(locker_request: WaybillRequest) -> None:
    destination = locker_request.destination
    assert isinstance(destination, ParcelLockerDestination)
    limits = (destination.max_weight, destination.max_length, destination.max_height)
    assert limits == (Decimal(20), Decimal(60), Decimal(30))
    too_long = Seat(weight=2, length=61, width=30, height=20)
    with pytest.raises(ValidationError) as caught:
        WaybillRequest(**{**dict(locker_request), "seats": [too_long]})
    assert _field(caught.value) == {"seats"}
    assert "length" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        WaybillRequest(**{**dict(locker_request), "weight": Decimal(21)})
    assert _field(caught.value) == {"weight"}


def test_service_type_follows_the_two_ends(make_request: Callable[..., WaybillRequest]) -> None:
    request = make_request()
    assert request.service_type == "WarehouseWarehouse"
    to_door = make_request(destination=AddressDestination(city_ref=REF, address_ref=REF))
    assert to_door.service_type == "WarehouseDoors"
    from_door = make_request(sender=request.sender.model_copy(update={"address_kind": "address"}))
    assert from_door.service_type == "DoorsWarehouse"


def test_method_properties_are_strings_with_integer_cost_and_money_backward_delivery(
    make_request: Callable[..., WaybillRequest],
) -> None:
    properties = make_request(
        declared_value="1499.20", cash_on_delivery=CashOnDelivery(amount="1499.20"), client_barcode="ORD-1"
    ).to_method_properties()
    assert properties["Cost"] == "1500"  # integer, rounded up: never under-declared
    assert properties["Weight"] == "1.5"
    assert properties["DateTime"] == "24.11.2025"
    assert properties["InfoRegClientBarcodes"] == "ORD-1"
    assert properties["BackwardDeliveryData"] == [
        {"PayerType": "Recipient", "CargoType": "Money", "RedeliveryString": "1499.20"}
    ]


def test_print_links_need_valid_numbers_and_redact_the_key() -> None:
    url = printable_label_url("https://my.novaposhta.ua", "k3y", ["20450000000001", "20450000000002"])
    assert url == (
        "https://my.novaposhta.ua/orders/printMarking85x85/orders/20450000000001,20450000000002"
        "/type/pdf/apiKey/k3y"
    )
    assert "k3y" not in redact_print_url(url)
    with pytest.raises(ValidationError):
        printable_label_url("https://my.novaposhta.ua", "k3y", ["123"])
    with pytest.raises(ValueError, match="format"):
        printable_label_url("https://my.novaposhta.ua", "k3y", ["20450000000001"], "document", "pdf8")


def test_provider_dates_in_any_of_their_formats_parse_and_the_empty_sentinel_is_none() -> None:
    assert parse_np_datetime("18-11-2021 11:52:42") == parse_np_datetime("2021-11-18 11:52:42")
    assert parse_np_datetime("21.11.2021 13:53:47") is not None
    assert parse_np_datetime("0001-01-01 00:00:00") is None
    assert parse_np_datetime("") is None


def test_tracking_status_tolerates_mixed_types_and_hides_raw_details_from_repr() -> None:
    status = TrackingStatus.from_np(
        {
            "Number": "20450000000001",
            "StatusCode": 9,
            "Status": "Отримано",
            "DocumentCost": 85,
            "RedeliverySum": "1500.00",
            "PhoneRecipient": "380671234567",
            "WarehouseRecipientNumber": 3,
        }
    )
    assert (status.status_code, status.state, status.is_final) == ("9", "received", True)
    assert status.redelivery_sum == Decimal(1500)
    assert "380671234567" not in repr(status)


def test_phones_are_masked_for_logs() -> None:
    assert mask_phone("380671234567") == "380*****4567"

"""Waybills: create (branch, locker, address, COD), validate first, delete, find by barcode, scan sheets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
from pydantic import ValidationError

from connectors.novaposhta import (
    AddressDestination,
    CashOnDelivery,
    NovaPoshtaApiError,
    NovaPoshtaClient,
    NovaPoshtaConnectionError,
    ParcelLockerDestination,
    Seat,
    WaybillNotDeletableError,
    WaybillRequest,
)
from local_runtime.simulators.novaposhta import DELETE_REFUSED, NovaPoshtaSimulator
from tests.connectors.novaposhta.conftest import FAST_RETRY, Refs


def test_waybill_to_a_branch_gets_a_14_digit_number_ref_cost_and_date(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    waybill = client.create_waybill(make_request(client_barcode="ORD-1001"))
    assert len(waybill.number) == 14 and waybill.number.startswith("2045")
    assert waybill.cost_on_site is not None and waybill.cost_on_site > 0
    assert waybill.estimated_delivery_date == sim.today() + timedelta(days=2)
    [recorded] = sim.waybills()
    assert (recorded["ref"], recorded["client_barcode"], recorded["destination"]) == (
        waybill.ref,
        "ORD-1001",
        "warehouse",
    )


def test_waybill_to_a_parcel_locker_sends_the_one_seat_with_dimensions(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, locker_request: WaybillRequest
) -> None:
    client.create_waybill(locker_request)
    assert [w["destination"] for w in sim.waybills()] == ["parcel_locker"]


def test_waybill_to_an_address_uses_a_doors_service_type(
    client: NovaPoshtaClient,
    sim: NovaPoshtaSimulator,
    refs: Refs,
    make_request: Callable[..., WaybillRequest],
) -> None:
    lviv = client.search_settlements("Львів").items[0]
    street = client.search_streets(lviv.ref, "Січових")[0]
    address = client.create_recipient_address(refs.recipient.counterparty_ref, street.ref, "5")
    request = make_request(destination=AddressDestination(city_ref=refs.lviv, address_ref=address))
    waybill = client.create_waybill(request)
    assert request.service_type == "WarehouseDoors"
    assert waybill.estimated_delivery_date == sim.today() + timedelta(days=3)
    assert [w["destination"] for w in sim.waybills()] == ["address"]


def test_cash_on_delivery_is_charged_and_visible_in_tracking(
    client: NovaPoshtaClient, make_request: Callable[..., WaybillRequest]
) -> None:
    plain = client.create_waybill(make_request())
    cod = client.create_waybill(make_request(cash_on_delivery=CashOnDelivery(amount="1500")))
    assert cod.cost_on_site is not None and plain.cost_on_site is not None
    assert cod.cost_on_site - plain.cost_on_site == 50  # 20 + 2 % of 1500
    [status] = client.track([cod.number])
    assert status.redelivery_sum == 1500


def test_invalid_input_never_reaches_nova_poshta(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    calls_before = sim.calls.total()
    with pytest.raises(ValidationError) as caught:
        make_request(weight="0")
    assert caught.value.errors()[0]["loc"] == ("weight",)
    with pytest.raises(ValidationError):
        client.track(["12345"])
    with pytest.raises(ValidationError):
        client.create_private_recipient("Іван", "Франко", "+4930123456")
    with pytest.raises(ValidationError):
        client.get_warehouses(city_ref="not-a-ref")
    with pytest.raises(ValidationError):
        client.delete_waybill(["20450000000000"])  # a number, not a Ref
    assert sim.calls.total() == calls_before


def test_provider_refusal_becomes_a_typed_error_with_its_code_and_text(
    client: NovaPoshtaClient, refs: Refs, make_request: Callable[..., WaybillRequest]
) -> None:
    # Built without the locker's own limits, so only the general 30 kg rule is checked locally.
    destination = ParcelLockerDestination(city_ref=refs.lviv, warehouse_ref=refs.lviv_locker.ref)
    heavy_for_locker = make_request(
        destination=destination,
        volume=None,
        weight="25",
        seats=[Seat(weight=25, length=40, width=30, height=20)],
    )
    with pytest.raises(NovaPoshtaApiError) as caught:
        client.create_waybill(heavy_for_locker)
    error = caught.value
    assert error.codes == ("20000203729",)
    assert error.messages == ("Recipient Warehouse max allowed volumeweight: 20",)
    assert not error.is_transient
    assert "20000203729" in str(error)


def test_injected_envelope_error_is_raised_with_code_and_text_and_not_retried(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    sim.inject_envelope_errors(1, "20000200103", "CityRecipient not found", method="InternetDocument.save")
    with pytest.raises(NovaPoshtaApiError) as caught:
        client.create_waybill(make_request())
    assert (caught.value.code, caught.value.message) == ("20000200103", "CityRecipient not found")
    assert sim.calls["InternetDocument.save"] == 1
    assert sim.waybills() == []


def test_a_waybill_can_be_deleted_while_it_is_only_created(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    waybill = client.create_waybill(make_request(client_barcode="ORD-7"))
    assert client.delete_waybill(waybill.ref) == [waybill.ref]
    [status] = client.track([waybill.number])
    assert status.state == "deleted" and status.is_final
    day = sim.today()
    assert client.find_waybill_by_client_barcode("ORD-7", day, day) is None


def test_deleting_a_parcel_already_moving_raises_waybill_not_deletable(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    waybill = client.create_waybill(make_request())
    sim.advance(24)
    with pytest.raises(WaybillNotDeletableError) as caught:
        client.delete_waybill([waybill.ref])
    assert caught.value.codes == (DELETE_REFUSED[0],)
    assert sim.calls["InternetDocument.delete"] == 1  # refused, not retried


def test_find_by_client_barcode_pages_through_the_document_list(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    created = [client.create_waybill(make_request(client_barcode=f"ORD-{n}")) for n in range(5)]
    day = sim.today()
    found = client.find_waybill_by_client_barcode("ORD-4", day - timedelta(days=1), day + timedelta(days=1))
    assert found is not None and (found.ref, found.number) == (created[4].ref, created[4].number)
    assert len(list(client.list_waybills(day, day, page_size=2))) == 5
    assert (
        client.find_waybill_by_client_barcode("ORD-4", day + timedelta(days=1), day + timedelta(days=2))
        is None
    )


def test_create_once_after_a_timeout_following_acceptance_does_not_create_a_second_waybill(
    sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    request = make_request()
    sim.stall_next_saves(seconds=1.0)
    with NovaPoshtaClient(sim.url, sim.api_key, timeout=0.25, retry=FAST_RETRY) as impatient:
        waybill = impatient.create_waybill_once(request, "ORD-42")
    assert sim.calls["InternetDocument.save"] == 1
    [recorded] = sim.waybills()
    assert (recorded["number"], recorded["client_barcode"]) == (waybill.number, "ORD-42")
    assert sim.duplicates_by_client_barcode() == {}


def test_plain_create_is_never_retried_after_a_timeout(
    sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    sim.stall_next_saves(seconds=1.0)
    with (
        NovaPoshtaClient(sim.url, sim.api_key, timeout=0.25, retry=FAST_RETRY) as impatient,
        pytest.raises(NovaPoshtaConnectionError) as caught,
    ):
        impatient.create_waybill(make_request())
    assert caught.value.timed_out and caught.value.is_transient
    assert sim.calls["InternetDocument.save"] == 1


def test_create_once_resends_when_the_first_attempt_was_refused_transiently(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    sim.inject_envelope_errors(1, "20000900999", "To many requests", method="InternetDocument.save")
    waybill = client.create_waybill_once(make_request(), "ORD-43")
    assert sim.calls["InternetDocument.save"] == 2
    assert [w["number"] for w in sim.waybills()] == [waybill.number]


def test_create_once_asks_before_every_save_and_stops_when_told(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    sim.inject_envelope_errors(1, "20000900999", "To many requests", method="InternetDocument.save")
    asked: list[int] = []
    client.create_waybill_once(make_request(), "ORD-45", before_save=lambda: asked.append(len(asked)))
    assert asked == [0, 1] and sim.calls["InternetDocument.save"] == 2  # before the first and the resend

    class Overtaken(Exception):
        pass

    def overtaken() -> None:
        raise Overtaken

    saves = sim.calls["InternetDocument.save"]
    with pytest.raises(Overtaken):
        client.create_waybill_once(make_request(), "ORD-46", look_first=False, before_save=overtaken)
    assert sim.calls["InternetDocument.save"] == saves


def test_create_once_returns_the_existing_waybill_on_redelivery(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    first = client.create_waybill_once(make_request(), "ORD-44")
    second = client.create_waybill_once(make_request(), "ORD-44")
    assert first.ref == second.ref
    assert sim.calls["InternetDocument.save"] == 1
    with pytest.raises(ValueError, match="client_barcode"):
        client.create_waybill_once(make_request(client_barcode="OTHER"), "ORD-44")


def test_scan_sheet_of_the_days_waybills(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    first, second, third = (client.create_waybill(make_request()) for _ in range(3))
    sheet = client.create_scan_sheet([first.ref, second.ref], on_date=sim.today())
    assert set(sheet.added) == {first.ref, second.ref} and sheet.rejected == ()
    extended = client.create_scan_sheet([second.ref, third.ref], scan_sheet_ref=sheet.ref)
    assert extended.ref == sheet.ref
    assert extended.added == (third.ref,)
    assert [ref for ref, _reason in extended.rejected] == [second.ref]
    [summary] = client.list_scan_sheets()
    assert (summary.ref, summary.number, summary.count) == (sheet.ref, sheet.number, 3)
    with pytest.raises(WaybillNotDeletableError):  # a waybill in a registry stays
        client.delete_waybill(first.ref)


def test_printable_label_link_downloads_from_the_print_service(
    client: NovaPoshtaClient, make_request: Callable[..., WaybillRequest]
) -> None:
    waybill = client.create_waybill(make_request())
    marking = requests.get(client.printable_label_url([waybill.number]), timeout=5)
    document = requests.get(
        client.printable_label_url([waybill.number], kind="document", format="html"), timeout=5
    )
    assert marking.status_code == 200 and marking.content.startswith(b"%PDF")
    assert document.status_code == 200 and waybill.number in document.text

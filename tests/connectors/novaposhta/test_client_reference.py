"""Reference data and quotes: the real client against the simulator over loopback HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connectors.novaposhta import (
    DeliveryDateRequest,
    NovaPoshtaClient,
    PriceRequest,
    ServiceType,
    WarehouseType,
)
from local_runtime.simulators.novaposhta import NovaPoshtaSimulator
from tests.connectors.novaposhta.conftest import Refs

KYIV_CITY_REF = "8d5a980d-391c-11dd-90d9-001a92567626"


def test_settlement_search_returns_the_delivery_city_ref_not_just_the_settlement_ref(
    client: NovaPoshtaClient,
) -> None:
    page = client.search_settlements("київ")
    assert page.total_count == 1
    kyiv = page.items[0]
    assert kyiv.main_description == "Київ"
    assert kyiv.delivery_city_ref == KYIV_CITY_REF
    assert kyiv.ref != kyiv.delivery_city_ref


def test_settlement_search_with_no_match_is_an_empty_page(client: NovaPoshtaClient) -> None:
    page = client.search_settlements("Ужгород")
    assert (page.total_count, page.items) == (0, ())


def test_warehouses_page_with_the_total_count(client: NovaPoshtaClient) -> None:
    first = client.get_warehouses(city_ref=KYIV_CITY_REF, limit=5)
    third = client.get_warehouses(city_ref=KYIV_CITY_REF, page=3, limit=5)
    assert first.total_count == 12
    assert len(first.items) == 5
    assert len(third.items) == 2
    assert {w.city_description for w in first.items} == {"Київ"}


def test_iterating_warehouses_walks_every_page_once(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator
) -> None:
    before = sim.calls["Address.getWarehouses"]
    every = list(client.iter_warehouses(city_ref=KYIV_CITY_REF, limit=5))
    assert len(every) == len({w.ref for w in every}) == 12
    assert sim.calls["Address.getWarehouses"] - before == 3


def test_type_filter_returns_only_parcel_lockers_with_their_limits(client: NovaPoshtaClient) -> None:
    lockers = client.get_warehouses(city_ref=KYIV_CITY_REF, type_ref=WarehouseType.PARCEL_LOCKER)
    assert lockers.total_count == 4
    assert all(w.is_parcel_locker for w in lockers.items)
    locker = lockers.items[0]
    assert locker.place_max_weight == 20
    assert locker.receiving_limits is not None and locker.receiving_limits.length == 60
    branches = client.get_warehouses(city_ref=KYIV_CITY_REF, type_ref=WarehouseType.BRANCH)
    assert branches.items and not any(w.is_parcel_locker for w in branches.items)


def test_warehouse_search_by_string_and_by_settlement(client: NovaPoshtaClient) -> None:
    lviv = client.search_settlements("Львів").items[0]
    found = client.get_warehouses(settlement_ref=lviv.ref, query="Городоцька")
    assert [w.number for w in found.items] == ["1"]


def test_sender_counterparty_and_contact_person(client: NovaPoshtaClient) -> None:
    [sender] = client.get_counterparties("Sender")
    [contact] = client.get_counterparty_contact_persons(sender.ref)
    assert sender.counterparty_type == "Organization"
    assert contact.phones == "380501112233"


def test_creating_the_same_private_recipient_twice_gives_the_same_contact(client: NovaPoshtaClient) -> None:
    first = client.create_private_recipient("Леся", "Українка", "0501234567", middle_name="Петрівна")
    again = client.create_private_recipient("Леся", "Українка", "+380501234567", middle_name="Петрівна")
    assert first == again
    assert first.phone == "380501234567"
    contacts = client.get_counterparty_contact_persons(first.counterparty_ref)
    assert first.contact_ref in {c.ref for c in contacts}


def test_recipient_address_for_courier_delivery(client: NovaPoshtaClient, refs: Refs) -> None:
    lviv = client.search_settlements("Львів").items[0]
    [street] = client.search_streets(lviv.ref, "Городоц")
    assert street.present == "вул. Городоцька"
    address_ref = client.create_recipient_address(refs.recipient.counterparty_ref, street.ref, "12", flat="3")
    assert len(address_ref) == 36


def test_price_quote_includes_cash_on_delivery(client: NovaPoshtaClient, refs: Refs) -> None:
    plain = client.get_document_price(
        PriceRequest(
            city_sender_ref=refs.kyiv, city_recipient_ref=refs.lviv, weight="2.5", declared_value=1500
        )
    )
    with_cod = client.get_document_price(
        PriceRequest(
            city_sender_ref=refs.kyiv,
            city_recipient_ref=refs.lviv,
            weight="2.5",
            declared_value=1500,
            cash_on_delivery=1500,
        )
    )
    # 70 base + 15 between cities + 10 per kg above 2 (rounded up) + 0.5 % of 1500
    assert plain.cost == with_cod.cost == 102.5
    assert plain.assessed_cost == 1500
    assert (plain.cost_redelivery, with_cod.cost_redelivery) == (Decimal(0), Decimal(50))


def test_price_depends_on_service_type_and_city_pair(client: NovaPoshtaClient, refs: Refs) -> None:
    def quote(recipient: str, service: ServiceType) -> float:
        request = PriceRequest(
            city_sender_ref=refs.kyiv,
            city_recipient_ref=recipient,
            weight=1,
            declared_value=0,
            service_type=service,
        )
        return float(client.get_document_price(request).cost)

    local, intercity = (
        quote(refs.kyiv, ServiceType.WAREHOUSE_WAREHOUSE),
        quote(refs.lviv, ServiceType.WAREHOUSE_WAREHOUSE),
    )
    door = quote(refs.lviv, ServiceType.WAREHOUSE_DOORS)
    assert local < intercity < door


def test_delivery_date_is_a_date_between_cities_and_door_ends_take_longer(
    client: NovaPoshtaClient, refs: Refs
) -> None:
    monday = date(2025, 11, 24)
    branch = client.get_document_delivery_date(
        DeliveryDateRequest(city_sender_ref=refs.kyiv, city_recipient_ref=refs.lviv, send_date=monday)
    )
    door = client.get_document_delivery_date(
        DeliveryDateRequest(
            city_sender_ref=refs.kyiv,
            city_recipient_ref=refs.lviv,
            send_date=monday,
            service_type=ServiceType.WAREHOUSE_DOORS,
        )
    )
    assert branch == date(2025, 11, 26)
    assert door == date(2025, 11, 27)

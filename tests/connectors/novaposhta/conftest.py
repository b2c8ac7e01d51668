"""Fixtures: a seeded simulator on loopback with a fixed clock, a real client, and refs found through it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.common.retry import RetryPolicy
from connectors.novaposhta import (
    NovaPoshtaClient,
    ParcelLockerDestination,
    Recipient,
    Seat,
    Sender,
    Warehouse,
    WarehouseDestination,
    WarehouseType,
    WaybillRequest,
)
from local_runtime.simulators.novaposhta import NovaPoshtaSimulator

MONDAY_MORNING = datetime(2025, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Kyiv"))
FAST_RETRY = RetryPolicy(
    max_attempts=3, base_delay=0.0, max_delay=0.0, jitter=0.0, sleep=lambda _seconds: None
)


@pytest.fixture
def sim() -> Iterator[NovaPoshtaSimulator]:
    with NovaPoshtaSimulator(seed=7, clock=lambda: MONDAY_MORNING) as simulator:
        yield simulator


@pytest.fixture
def client(sim: NovaPoshtaSimulator) -> Iterator[NovaPoshtaClient]:
    with NovaPoshtaClient(sim.url, sim.api_key, timeout=5.0, retry=FAST_RETRY, print_base_url=sim.url) as np:
        yield np


@dataclass(frozen=True)
class Refs:
    kyiv: str
    lviv: str
    sender: Sender
    recipient: Recipient
    lviv_branch: Warehouse
    lviv_locker: Warehouse


@pytest.fixture
def refs(client: NovaPoshtaClient) -> Refs:
    kyiv = client.search_settlements("Київ").items[0].delivery_city_ref
    lviv = client.search_settlements("Львів").items[0].delivery_city_ref
    sender = client.get_counterparties("Sender")[0]
    contact = client.get_counterparty_contact_persons(sender.ref)[0]
    kyiv_branch = client.get_warehouses(city_ref=kyiv, type_ref=WarehouseType.BRANCH, limit=1).items[0]
    return Refs(
        kyiv=kyiv,
        lviv=lviv,
        sender=Sender(
            counterparty_ref=sender.ref,
            contact_ref=contact.ref,
            city_ref=kyiv,
            address_ref=kyiv_branch.ref,
            phone=contact.phones,
        ),
        recipient=client.create_private_recipient("Тарас", "Шевченко", "+380 67 123 4567"),
        lviv_branch=client.get_warehouses(city_ref=lviv, type_ref=WarehouseType.BRANCH, limit=1).items[0],
        lviv_locker=client.get_warehouses(city_ref=lviv, type_ref=WarehouseType.PARCEL_LOCKER).items[0],
    )


@pytest.fixture
def make_request(refs: Refs, sim: NovaPoshtaSimulator) -> Callable[..., WaybillRequest]:
    """A valid branch-to-branch request (Kyiv -> Lviv); keyword overrides replace fields."""

    def build(**overrides: Any) -> WaybillRequest:
        fields: dict[str, Any] = {
            "sender": refs.sender,
            "recipient": refs.recipient,
            "destination": WarehouseDestination(city_ref=refs.lviv, warehouse_ref=refs.lviv_branch.ref),
            "send_date": sim.today(),
            "description": "Товари інтернет-магазину",
            "declared_value": "1500",
            "weight": "1.5",
            "volume": "0.004",
        }
        fields.update(overrides)
        return WaybillRequest(**fields)

    return build


@pytest.fixture
def locker_request(refs: Refs, make_request: Callable[..., WaybillRequest]) -> WaybillRequest:
    return make_request(
        destination=ParcelLockerDestination.from_warehouse(refs.lviv_locker),
        volume=None,
        weight="2",
        seats=[Seat(weight="2", length=40, width=30, height=20)],
    )

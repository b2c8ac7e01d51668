"""End to end: a CRM order ships with Nova Poshta and the CRM follows the parcel to the end.

Order moves to "In Progress" (a Dataverse event) -> waybill queued and created -> label link and daily
registry -> the parcel moves in the simulator -> the timer's sync writes each status change, appends
status rows (what journeys trigger on) and sets the order's status from the configured mapping.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from dataverse.events import EventRouter
from dataverse.schema import ShipmentStatus
from functions.common import container
from functions.shipping import register_event_handlers
from local_runtime.host import LocalHost
from local_runtime.stack import LocalStack
from tests.functions.shipping.conftest import MASTER, Shop, stack_env

FIXTURES = Path(__file__).resolve().parents[1] / "dataverse" / "fixtures"


def finished(host: LocalHost, invocation: str) -> Callable[[], bool]:
    return lambda: any(i.id == invocation and i.outcome == "succeeded" for i in host.invocations)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    env = stack_env(SHIPPING_ORDER_STATUS_MAP=json.dumps({"received": {"statuscode": 100001},
                                                          "returning": {"statuscode": 4}}))  # fmt: skip
    with LocalStack(port=0, data_dir=tmp_path, env=env, run_timers=False) as stack:
        router = EventRouter()
        register_event_handlers(router)
        container.provide("events.router", router)
        yield Shop(stack)


def test_order_to_delivered_parcel_without_anyone_copying_numbers(shop: Shop) -> None:
    order = shop.order(city="Дніпро", line="Відділення №1")
    event = (
        (FIXTURES / "update_salesorder.json")
        .read_text()
        .replace("5a1e5a1e-0000-ef11-8a69-000d3a4b5c6d", order)
    )
    headers = {"x-functions-key": MASTER, "x-message-id": str(uuid.uuid4())}
    requests.post(f"{shop.url}/_local/queues/dataverse-events/messages", data=event.encode(), headers=headers,
                  timeout=10).raise_for_status()  # fmt: skip

    def created() -> list[dict[str, object]]:
        query = f"_smart_orderid_value eq {order} and smart_waybillnumber ne null"
        return list(shop.crm.query("smart_shipments", filter=query))

    [row] = shop.wait_for(created)
    number = str(row["smart_waybillnumber"])
    shipment = shop.call("GET", f"shipments/{number}").json()
    assert shipment["recipient_city"] == "Дніпро" and shipment["is_primary"] is True
    pdf = requests.get(shipment["label_url"], timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    registry = shop.call("POST", "shipments/registry", json={})
    assert registry.status_code == 201 and registry.json()["added"] == [number]

    host = shop.stack.host
    assert host is not None
    seen = []
    for hours in (20, 30, 200):
        shop.np.advance(hours)
        shop.wait_for(finished(host, host.fire_timer("shipping_tracking_sync")))
        seen.append(shop.call("GET", f"shipments/{number}").json()["status"])
    final = ShipmentStatus(seen[-1])
    assert final in (ShipmentStatus.RECEIVED, ShipmentStatus.RETURNING) and seen[0] == "in_transit"
    history = [
        ShipmentStatus.from_option_value(r["smart_status"])
        for r in shop.status_rows(str(row["smart_shipmentid"]))
    ]
    assert sorted(history, key=ShipmentStatus.rank) == sorted(set(map(ShipmentStatus, ["created", *seen])),
                                                              key=ShipmentStatus.rank)  # fmt: skip
    order_status = shop.crm.retrieve("salesorders", order, select=["statuscode"])["statuscode"]
    assert order_status == (100001 if final is ShipmentStatus.RECEIVED else 4)
    assert shop.np.duplicates_by_client_barcode() == {}

"""An order Dataverse refuses to move must not undo the shipments' statuses or stop the sync."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataverse.schema import ShipmentStatus
from local_runtime.stack import LocalStack
from tests.functions.shipping.conftest import Shop, stack_env

# "received" maps to a status the order table does not have: Dataverse refuses every such order.
MAP = {"received": {"statuscode": 999}, "returning": {"statuscode": 4}}


@pytest.fixture
def strict_crm(tmp_path: Path) -> Iterator[Shop]:
    env = stack_env(SHIPPING_ORDER_STATUS_MAP=json.dumps(MAP))
    with LocalStack(port=0, data_dir=tmp_path, env=env, run_timers=False) as stack:
        yield Shop(stack)


def test_a_refused_order_keeps_its_status_while_every_shipment_and_the_other_order_move(
    strict_crm: Shop,
) -> None:
    shop = strict_crm
    orders = [shop.order(), shop.order()]
    numbers = [shop.call("POST", "shipments", json={"order_id": o}).json()["waybill_number"] for o in orders]
    shop.np.script_outcome(numbers[0], "received")
    shop.np.script_outcome(numbers[1], "refused")
    shop.np.advance(200)
    report = shop.call("POST", "shipping/sync").json()
    assert report["status"] == "completed" and report["changed"] == 2, report
    assert (report["orders_updated"], report["orders_refused"]) == (1, 1)
    assert report["write_requests"] == 3  # the batch, then the two orders one by one
    statuses = [ShipmentStatus.from_option_value(shop.shipment_row(n)["smart_status"]) for n in numbers]
    assert statuses == [ShipmentStatus.RECEIVED, ShipmentStatus.RETURNING]
    codes = [shop.crm.retrieve("salesorders", o, select=["statuscode"])["statuscode"] for o in orders]
    assert codes == [1, 4]  # the refused order keeps its status; the other moved
    again = shop.call("POST", "shipping/sync").json()  # only the parcel on its way back is followed
    assert again["status"] == "completed" and again["shipments"] == 1 and again["orders_refused"] == 0
    last = shop.call("POST", "shipping/sync").json()
    assert last["status"] == "completed" and last["shipments"] == 0  # nothing left to retry forever

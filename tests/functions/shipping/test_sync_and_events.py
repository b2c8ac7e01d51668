"""Tracking sync, order events and the shipments queue, through the local runtime."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from dataverse.events import EventRouter
from dataverse.schema import ShipmentStatus
from functions.common import container
from functions.shipping import register_event_handlers
from tests.functions.shipping.conftest import MASTER, Shop

FIXTURES = Path(__file__).resolve().parents[2] / "dataverse" / "fixtures"


def enqueue(shop: Shop, queue: str, body: bytes, message_id: str | None = None) -> None:
    headers = {"x-functions-key": MASTER, "x-message-id": message_id or str(uuid.uuid4())}
    url = f"{shop.url}/_local/queues/{queue}/messages"
    assert requests.post(url, data=body, headers=headers, timeout=10).status_code == 201


def settled(shop: Shop, queue: str) -> bool:
    assert shop.stack.queue is not None
    counts = shop.stack.queue.counts(queue)
    return counts["active"] == 0 and counts["locked"] == 0


def shipments_of(shop: Shop, order: str) -> list[dict[str, object]]:
    return list(shop.crm.query("smart_shipments", filter=f"_smart_orderid_value eq {order}"))


def test_order_moved_to_a_ship_status_gets_one_waybill_even_when_the_event_repeats(shop: Shop) -> None:
    router = EventRouter()
    register_event_handlers(router)
    container.provide("events.router", router)
    order = shop.order(city="Київ", line="Поштомат №5502")
    event = (
        (FIXTURES / "update_salesorder.json")
        .read_text()
        .replace("5a1e5a1e-0000-ef11-8a69-000d3a4b5c6d", order)
    )
    enqueue(shop, "dataverse-events", event.encode())
    enqueue(shop, "dataverse-events", event.encode())  # redelivered under another message id
    rows = shop.wait_for(lambda: [r for r in shipments_of(shop, order) if r["smart_waybillnumber"]])
    shop.wait_for(lambda: settled(shop, "dataverse-events") and settled(shop, "shipments"))
    assert len(shipments_of(shop, order)) == 1 and rows[0]["smart_isprimary"] is True
    barcode = order.replace("-", "") + "-1"
    assert [w["client_barcode"] for w in shop.np.waybills()].count(barcode) == 1


def test_queued_create_while_a_request_is_creating_the_same_waybill_waits_its_turn(shop: Shop) -> None:
    order = shop.order()
    saves = shop.np.calls["InternetDocument.save"]
    shop.np.stall_next_saves(1.5)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(shop.call, "POST", "shipments", json={"order_id": order})
        shop.wait_for(lambda: shop.np.calls["InternetDocument.save"] > saves)
        enqueue(shop, "shipments", json.dumps({"kind": "create", "order_id": order}).encode())
        created = first.result()
    assert created.status_code == 201, created.text
    queue = shop.stack.queue
    assert queue is not None
    shop.wait_for(lambda: settled(shop, "shipments") and queue.counts("shipments")["scheduled"] == 0)
    host = shop.stack.host
    assert host is not None
    outcomes = [i.outcome for i in host.invocations if i.function == "shipping_jobs"]
    assert outcomes and set(outcomes) == {"succeeded"}  # "in progress" completes and comes back scheduled
    assert not queue.list_dead_letters("shipments") and len(outcomes) >= 2
    [row] = shipments_of(shop, order)
    assert row["smart_waybillnumber"] == created.json()["waybill_number"] and row["smart_error"] is None
    assert shop.np.duplicates_by_client_barcode() == {}


def test_queued_create_that_can_never_succeed_is_recorded_on_the_order_or_dead_lettered(shop: Shop) -> None:
    order = shop.order(line="кур'єром додому")
    enqueue(shop, "shipments", json.dumps({"kind": "create", "order_id": order, "sequence": 1}).encode())
    rows = shop.wait_for(lambda: [r for r in shipments_of(shop, order) if r["smart_error"]])
    assert "order.shipto_line1" in str(rows[0]["smart_error"]) and rows[0]["smart_waybillnumber"] is None
    missing = str(uuid.uuid4())
    enqueue(shop, "shipments", json.dumps({"kind": "create", "order_id": missing}).encode())
    enqueue(shop, "shipments", b"not json")
    assert shop.stack.queue is not None
    dead = shop.wait_for(lambda: len(shop.stack.queue.list_dead_letters("shipments")) >= 2)  # type: ignore[union-attr]
    assert dead


# The tests below move the simulator's clock: keep them after the ones that create waybills for "today".
def test_sync_writes_each_change_once_adds_status_rows_and_moves_the_order(shop: Shop) -> None:
    orders = [shop.order(city="Одеса", line="Відділення №1") for _ in range(3)]
    numbers = [shop.call("POST", "shipments", json={"order_id": o}).json()["waybill_number"] for o in orders]
    quiet = shop.call("POST", "shipping/sync").json()
    assert quiet["changed"] == 0 and quiet["write_requests"] == 0 and quiet["tracking_calls"] == 1
    shop.np.script_outcome(numbers[0], "refused")  # the recipient refuses it: it goes back to the sender
    shop.np.script_outcome(numbers[1], "received")
    shop.np.script_outcome(numbers[2], "received")
    shop.np.advance(200)  # every parcel reaches the end of its journey
    batches = shop.stack.stand_ins["dataverse"].counters.requests["batch"]
    report = shop.call("POST", "shipping/sync").json()
    assert report["status"] == "completed" and report["changed"] >= 3 and report["write_requests"] == 1
    assert shop.stack.stand_ins["dataverse"].counters.requests["batch"] == batches + 1
    for order, number in zip(orders, numbers, strict=True):
        row = shop.shipment_row(number)
        status = ShipmentStatus.from_option_value(row["smart_status"])
        assert status in (ShipmentStatus.RECEIVED, ShipmentStatus.RETURNING)
        history = [
            ShipmentStatus.from_option_value(r["smart_status"])
            for r in shop.status_rows(row["smart_shipmentid"])
        ]
        assert sorted(history, key=ShipmentStatus.rank) == [ShipmentStatus.CREATED, status]
        order_status = shop.crm.retrieve("salesorders", order, select=["statuscode"])["statuscode"]
        assert order_status == (100001 if status is ShipmentStatus.RECEIVED else 1)
    refused, received = (shop.call("GET", f"shipments/{n}").json() for n in numbers[:2])
    assert (refused["status"], refused["status_code"]) == ("returning", 102)
    [record] = [w for w in shop.np.waybills() if w["number"] == numbers[0]]
    assert refused["return_waybill_number"] == record["return_number"] != numbers[0]
    assert received["status"] == "received" and received.get("return_waybill_number") is None
    # the return waybill is followed until the sender has the goods back (within 36 h of the 102,
    # which came 70 h or more before the end of those 200 h)
    home = shop.call("POST", "shipping/sync").json()
    assert [home[k] for k in ("shipments", "tracking_calls", "changed", "status_changes")] == [1, 1, 1, 1]
    returned = shop.call("GET", f"shipments/{numbers[0]}").json()
    assert returned["status"] == "returned" and returned["return_waybill_number"] == record["return_number"]
    history = [ShipmentStatus.from_option_value(r["smart_status"]).value
               for r in shop.status_rows(returned["shipment_id"])]  # fmt: skip
    assert sorted(history) == sorted(["created", "returning", "returned"])
    again = shop.call("POST", "shipping/sync").json()
    assert again["shipments"] == 0 and again["write_requests"] == 0  # final shipments are not tracked again


def test_outage_pauses_the_sync_and_the_scheduled_resume_picks_it_up(shop: Shop) -> None:
    created = shop.call(
        "POST", "shipments", json={"order_id": shop.order(), "send_date": str(shop.np.today())}
    )
    assert created.status_code == 201, created.text
    shop.np.set_faults(error_rate=1.0, error_status=503)
    paused = shop.call("POST", "shipping/sync")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert shop.stack.queue is not None and shop.stack.queue.counts("shipments")["scheduled"] == 1
    refused = shop.call("POST", "shipping/sync")
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 1
    tracking_calls = shop.np.calls["TrackingDocument.getStatusDocuments"]
    assert shop.stack.host is not None
    host = shop.stack.host
    invocation = host.fire_timer(
        "shipping_tracking_sync"
    )  # inside the pause: skipped, Nova Poshta not called
    shop.wait_for(lambda: any(i.id == invocation and i.outcome == "succeeded" for i in host.invocations))
    assert shop.np.calls["TrackingDocument.getStatusDocuments"] == tracking_calls
    shop.np.set_faults()
    resume = {"kind": "sync-resume", "after": paused.json().get("stopped_after"), "failures": 1}
    enqueue(shop, "shipments", json.dumps(resume).encode())  # the scheduled message, delivered now
    shop.wait_for(
        lambda: settled(shop, "shipments") and shop.call("POST", "shipping/sync").status_code == 200
    )
    assert shop.np.calls["TrackingDocument.getStatusDocuments"] > tracking_calls

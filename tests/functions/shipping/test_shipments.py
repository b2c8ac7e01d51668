"""Waybills through the local runtime: from CRM orders or explicit bodies, idempotent, read, delete, track."""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.novaposhta import NovaPoshtaClient
from dataverse import AlternateKey
from dataverse.schema import ShipmentStatus
from functions.shipping.repository import ShippingRepository
from functions.shipping.rules import ShipmentRow
from functions.shipping.wiring import get_shipments
from tests.functions.shipping.conftest import KYIV, ODESA, Shop


def locker(shop: Shop, city: str = KYIV) -> dict[str, str]:
    items = shop.call("GET", "shipping/warehouses", params={"settlement": city, "type": "parcel_locker"})
    first: dict[str, str] = items.json()["items"][0]
    return first


def test_waybill_from_an_order_reads_recipient_address_and_contents_and_links_the_row(shop: Shop) -> None:
    order = shop.order(city="Львів", line="Відділення №2")
    response = shop.call("POST", "shipments", json={"order_id": order})
    assert response.status_code == 201, response.text
    shipment = response.json()
    number = shipment["waybill_number"]
    assert len(number) == 14 and shipment["status"] == "created" and shipment["is_primary"] is True
    assert (
        shipment["recipient_warehouse"].startswith("Відділення №2") and shipment["recipient_city"] == "Львів"
    )
    assert shipment["label_url"].endswith(f"/orders/{number}/type/pdf/apiKey/{shop.np.api_key}")
    row = shop.shipment_row(number)
    assert row["_smart_orderid_value"] == order and row["smart_idempotencykey"] == f"{order}:1"
    assert row["smart_recipientphone"] == "+380671234567" and row["smart_waybillref"]
    assert "apiKey" not in str(row)  # the label link (it carries the key) is never stored
    saved = next(w for w in shop.np.waybills() if w["number"] == number)
    assert saved["client_barcode"] == order.replace("-", "") + "-1"
    [created] = shop.status_rows(row["smart_shipmentid"])
    assert created["smart_status"] == ShipmentStatus.CREATED.option_value


def test_retried_create_returns_the_first_waybill(shop: Shop) -> None:
    order = shop.order()
    first = shop.call("POST", "shipments", json={"order_id": order})
    saves = shop.np.calls["InternetDocument.save"]
    again = shop.call("POST", "shipments", json={"order_id": order})
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["waybill_number"] == first.json()["waybill_number"]
    assert shop.np.calls["InternetDocument.save"] == saves


def test_create_that_timed_out_after_nova_poshta_accepted_it_returns_that_waybill_on_retry(
    shop: Shop,
) -> None:
    order = shop.order()
    saves = shop.np.calls["InternetDocument.save"]
    shop.np.stall_next_saves(
        4.0
    )  # accepted and recorded, but the answer comes after the client's 2 s timeout
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(shop.call, "POST", "shipments", json={"order_id": order})
        shop.wait_for(lambda: shop.np.calls["InternetDocument.save"] > saves)
        shop.np.set_faults(error_rate=1.0, error_status=503)  # and Nova Poshta goes down before the re-check
        failed = first.result()
    assert failed.status_code == 503 and failed.headers["Retry-After"]
    shop.np.set_faults()
    retried = shop.call("POST", "shipments", json={"order_id": order})
    assert retried.status_code == 201, retried.text
    barcode = order.replace("-", "") + "-1"
    [accepted] = [w for w in shop.np.waybills() if w["client_barcode"] == barcode]
    assert retried.json()["waybill_number"] == accepted["number"]
    assert (
        shop.np.calls["InternetDocument.save"] == saves + 1 and shop.np.duplicates_by_client_barcode() == {}
    )


def test_a_retry_while_the_first_create_is_still_working_gets_503_and_never_a_second_waybill(
    shop: Shop,
) -> None:
    order = shop.order()
    saves, lists = shop.np.calls["InternetDocument.save"], shop.np.calls["InternetDocument.getDocumentList"]
    shop.np.stall_next_saves(1.5)  # Nova Poshta has the save; its answer is still on the way
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(shop.call, "POST", "shipments", json={"order_id": order})
        shop.wait_for(lambda: shop.np.calls["InternetDocument.save"] > saves)
        during = shop.call("POST", "shipments", json={"order_id": order})
        created = first.result()
    assert created.status_code == 201, created.text
    assert during.status_code == 503 and during.headers["Retry-After"], during.text
    assert during.json()["type"] == "urn:smart-connectors:problem:create-in-progress"
    after = shop.call("POST", "shipments", json={"order_id": order})
    assert after.status_code == 200 and after.json()["waybill_number"] == created.json()["waybill_number"]
    assert shop.np.calls["InternetDocument.save"] == saves + 1
    assert shop.np.duplicates_by_client_barcode() == {}
    # the first request's claim was fresh: no earlier attempt could exist, so no document-list look-up
    assert shop.np.calls["InternetDocument.getDocumentList"] == lists


def test_a_claim_left_by_a_request_that_died_is_taken_over_once_it_runs_out(shop: Shop) -> None:
    order = shop.order()
    key = AlternateKey({"smart_idempotencykey": f"{order}:1"})
    soon = datetime.now(UTC) + timedelta(minutes=2)
    claim = {"smart_name": "claimed", "smart_claimexpireson": soon.isoformat()}
    shop.crm.upsert("smart_shipments", key, claim)
    held = shop.call("POST", "shipments", json={"order_id": order})
    assert held.status_code == 503 and held.json()["type"].endswith("create-in-progress")
    shop.crm.upsert("smart_shipments", key, {"smart_claimexpireson": "2026-01-01T00:00:00Z"})  # it died
    lists = shop.np.calls["InternetDocument.getDocumentList"]
    taken = shop.call("POST", "shipments", json={"order_id": order})
    assert taken.status_code == 201, taken.text
    assert shop.np.calls["InternetDocument.getDocumentList"] > lists  # looked for its waybill before saving
    row = shop.shipment_row(taken.json()["waybill_number"])
    assert row["smart_claimexpireson"] is None and row["smart_waybillnumber"]


def test_a_claim_whose_answer_was_lost_is_recognised_as_this_requests_own(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ShippingRepository.claim

    def answer_lost(self: ShippingRepository, key: str, data: dict[str, Any]) -> ShipmentRow | None:
        real(self, key, data)  # Dataverse stored the claim, but its answer never came back, so the
        return self.by_key(key)  # repeated create-only write finds a row: this request's own

    monkeypatch.setattr(ShippingRepository, "claim", answer_lost)
    created = shop.call("POST", "shipments", json={"order_id": shop.order()})
    assert created.status_code == 201, created.text


def test_a_request_whose_claim_was_taken_over_meanwhile_does_not_save(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = shop.order()
    key = AlternateKey({"smart_idempotencykey": f"{order}:1"})
    real = NovaPoshtaClient.create_private_recipient

    def slow(self: NovaPoshtaClient, *args: Any, **kwargs: Any) -> Any:
        recipient = real(self, *args, **kwargs)  # this request outlived its claim: a retry took over
        shop.crm.upsert("smart_shipments", key, {"smart_claimid": "another-request"})
        return recipient

    monkeypatch.setattr(NovaPoshtaClient, "create_private_recipient", slow)
    saves = shop.np.calls["InternetDocument.save"]
    answer = shop.call("POST", "shipments", json={"order_id": order})
    assert answer.status_code == 503 and answer.json()["type"].endswith("create-in-progress")
    assert shop.np.calls["InternetDocument.save"] == saves
    assert shop.crm.retrieve("smart_shipments", key, select=["smart_claimid"])["smart_claimid"] == (
        "another-request"
    )  # left to the request that holds it


def test_the_claim_lasts_its_lease_in_real_time_even_when_the_clocks_go_back(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = get_shipments()
    edge = datetime(2026, 10, 25, 3, 59, 30, tzinfo=ZoneInfo("Europe/Kyiv"))  # 04:00 EEST -> 03:00 EET
    monkeypatch.setattr(service, "clock", lambda: edge)
    order = shop.order()
    seen: list[datetime] = []
    real = NovaPoshtaClient.create_waybill

    def save(self: NovaPoshtaClient, request: Any) -> Any:
        row = shop.crm.retrieve("smart_shipments", AlternateKey({"smart_idempotencykey": f"{order}:1"}),
                                select=["smart_claimexpireson"])  # fmt: skip
        seen.append(datetime.fromisoformat(row["smart_claimexpireson"]))
        return real(self, request)

    monkeypatch.setattr(NovaPoshtaClient, "create_waybill", save)
    body = {"order_id": order, "send_date": str(shop.np.today())}  # the clock only drives the claim here
    assert shop.call("POST", "shipments", json=body).status_code == 201
    assert [(held - edge).total_seconds() for held in seen] == [service.create_lease.total_seconds()]


def test_explicit_body_to_a_parcel_locker_with_a_recipient_other_than_the_customer(shop: Shop) -> None:
    target = locker(shop)
    body = {
        "idempotency_key": f"manual-{uuid.uuid4().hex[:8]}",
        "recipient": {"name": "Олена Коваль", "phone": "+380501234567"},
        "destination": {"city_ref": KYIV, "warehouse_ref": target["value"]},
        "parcel": {"weight": "2", "length_cm": 30, "width_cm": 20, "height_cm": 10, "declared_value": "800"},
    }
    response = shop.call("POST", "shipments", json=body)
    assert response.status_code == 201, response.text
    row = shop.shipment_row(response.json()["waybill_number"])
    assert row["smart_recipientname"] == "Олена Коваль" and row["_smart_orderid_value"] is None
    saved = next(w for w in shop.np.waybills() if w["number"] == response.json()["waybill_number"])
    assert saved["destination"] == "parcel_locker"


def test_locker_limits_and_bad_input_are_refused_before_any_save(shop: Shop) -> None:
    saves = shop.np.calls["InternetDocument.save"]
    target = locker(shop)
    too_heavy = {
        "idempotency_key": "heavy-1",
        "recipient": {"name": "Олена Коваль", "phone": "+380501234567"},
        "destination": {"city_ref": KYIV, "warehouse_ref": target["value"]},
        "parcel": {"weight": "25", "length_cm": 30, "width_cm": 20, "height_cm": 10},
    }
    heavy = shop.call("POST", "shipments", json=too_heavy)
    assert heavy.status_code == 422 and heavy.json()["errors"][0]["field"].startswith("parcel")
    bad = shop.call(
        "POST",
        "shipments",
        json={
            "idempotency_key": "bad-1",
            "recipient": {"name": "Олена", "phone": "12345"},
            "destination": {"city_ref": "kyiv", "warehouse_ref": target["value"]},
            "parcel": {"seats_amount": 0},
        },
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"recipient.phone", "destination.city_ref", "parcel.seats_amount"} <= fields
    no_key = shop.call("POST", "shipments", json={"recipient": {"name": "A B", "phone": "+380501234567"}})
    assert no_key.status_code == 422
    assert shop.np.calls["InternetDocument.save"] == saves


def test_order_without_a_usable_branch_is_a_422_naming_the_order_column(shop: Shop) -> None:
    order = shop.order(line="вул. Хрещатик, 22")
    response = shop.call("POST", "shipments", json={"order_id": order})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "order.shipto_line1"
    missing = shop.call("POST", "shipments", json={"order_id": str(uuid.uuid4())})
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "order_id"


def test_second_shipment_on_an_order_and_switching_the_primary(shop: Shop) -> None:
    order = shop.order(city="Одеса", line="Відділення №1")
    first = shop.call("POST", "shipments", json={"order_id": order}).json()
    contact = shop.contact("Марія", "Шевченко", "+380931112233")
    second = shop.call(
        "POST",
        "shipments",
        json={"order_id": order, "sequence": 2, "recipient": {"contact_id": contact},
              "destination": {"city_ref": ODESA, "warehouse_ref": locker(shop, ODESA)["value"]},
              "parcel": {"weight": "1"}},
    )  # fmt: skip
    assert second.status_code == 201, second.text
    assert second.json()["is_primary"] is False and second.json()["recipient_name"] == "Марія Шевченко"
    third = shop.call("POST", "shipments", json={"order_id": order, "sequence": 3, "primary": True})
    assert third.json()["is_primary"] is True
    assert shop.call("GET", f"shipments/{first['waybill_number']}").json()["is_primary"] is False
    assert shop.shipment_row(second.json()["waybill_number"])["_smart_contactid_value"] == contact


def test_nova_poshta_refusal_is_422_with_its_code_and_is_recorded_on_the_shipment(shop: Shop) -> None:
    order = shop.order()
    shop.np.inject_envelope_errors(1, code="20000200068", text="API auth fail", method="Counterparty.save")
    refused_auth = shop.call("POST", "shipments", json={"order_id": order})
    assert refused_auth.status_code == 502  # our key, not the caller's data
    too_heavy = "Recipient Warehouse max allowed volumeweight: 30"
    shop.np.inject_envelope_errors(1, code="20000203729", text=too_heavy, method="InternetDocument.save")
    refused = shop.call("POST", "shipments", json={"order_id": order})
    assert refused.status_code == 422
    assert refused.json()["provider_codes"] == ["20000203729"]
    rows = list(shop.crm.query("smart_shipments", filter=f"smart_idempotencykey eq '{order}:1'"))
    assert (
        rows[0]["smart_error"].endswith("max allowed volumeweight: 30")
        and rows[0]["smart_waybillnumber"] is None
    )
    fixed = shop.call("POST", "shipments", json={"order_id": order})
    assert fixed.status_code == 201 and fixed.json().get("error") is None


def test_get_reads_the_shipment_and_validates_the_number(shop: Shop) -> None:
    number = shop.call("POST", "shipments", json={"order_id": shop.order()}).json()["waybill_number"]
    assert shop.call("GET", f"shipments/{number}").json()["waybill_number"] == number
    assert shop.call("GET", "shipments/20459999999999").status_code == 404
    invalid = shop.call("GET", "shipments/12345")
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "number"


def test_waybill_created_outside_the_crm_is_followed_on_its_order(shop: Shop) -> None:
    made = shop.call(
        "POST", "shipments", json={"idempotency_key": "cabinet-1", "recipient": {"name": "Петро Бойко",
        "phone": "+380631234567"}, "destination": {"city_ref": KYIV, "warehouse_ref": locker(shop)["value"]}},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    outside = made.json()["waybill_number"]
    shop.crm.delete(
        "smart_shipments", shop.shipment_row(outside)["smart_shipmentid"]
    )  # as if never in the CRM
    order = shop.order()
    tracked = shop.call("POST", "shipments/track", json={"number": outside, "order_id": order})
    assert tracked.status_code == 201, tracked.text
    assert tracked.json()["order_id"] == order and tracked.json()["status"] == "created"
    assert tracked.json()["is_primary"] is True and "label_url" not in tracked.json()
    again = shop.call("POST", "shipments/track", json={"number": outside, "order_id": order})
    assert again.status_code == 200 and again.json()["shipment_id"] == tracked.json()["shipment_id"]
    bad = shop.call("POST", "shipments/track", json={"number": "2045", "order_id": order})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "number"


def test_daily_registry_takes_the_days_waybills_once(shop: Shop) -> None:
    numbers = [
        shop.call("POST", "shipments", json={"order_id": shop.order()}).json()["waybill_number"] for _ in "ab"
    ]
    registry = shop.call("POST", "shipments/registry", json={"numbers": numbers})
    assert registry.status_code == 201, registry.text
    assert sorted(registry.json()["added"]) == sorted(numbers)
    again = shop.call("POST", "shipments/registry", json={"numbers": numbers})
    assert again.status_code == 422 and again.json()["provider_codes"][0] == "20000200153"
    assert shop.call("POST", "shipments/registry", json={"numbers": ["20459999999999"]}).status_code == 404


def test_label_link_and_api_key_never_reach_the_logs(shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    number = shop.call("POST", "shipments", json={"order_id": shop.order()}).json()["waybill_number"]
    shop.call("GET", f"shipments/{number}")
    assert shop.np.api_key not in caplog.text
    assert "0671234567" not in caplog.text


# Moves the simulator's clock forward: keep it last in this module (later saves would be back-dated).
def test_delete_works_until_handed_over_then_409_with_nova_poshtas_reason(shop: Shop) -> None:
    first = shop.call("POST", "shipments", json={"order_id": shop.order()}).json()["waybill_number"]
    deleted = shop.call("DELETE", f"shipments/{first}")
    assert deleted.status_code == 200 and deleted.json() == {"waybill_number": first, "status": "deleted"}
    row = shop.shipment_row(first)
    assert row["smart_status"] == ShipmentStatus.DELETED.option_value
    assert shop.call("DELETE", f"shipments/{first}").status_code == 200  # repeated delete: same answer
    second = shop.call("POST", "shipments", json={"order_id": shop.order()}).json()["waybill_number"]
    shop.np.advance(30)  # handed over: in transit
    refused = shop.call("DELETE", f"shipments/{second}")
    assert refused.status_code == 409
    assert refused.json()["provider_codes"] == ["20000900101"]
    assert "handed over" in refused.json()["detail"]

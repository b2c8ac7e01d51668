"""Pure shipping rules: keys, barcodes, ship-to parsing, status mapping, change planning, backoff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from connectors.novaposhta import ShipmentState, TrackingStatus
from dataverse.schema import ShipmentStatus
from functions.shipping.rules import (
    ChangePlanner,
    ShipmentRow,
    backoff_seconds,
    branch_number,
    client_barcode,
    idempotency_key,
    is_final,
    split_name,
    status_for,
    tracked_number,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ORDER = "7aa41fe9-bc8a-483a-a799-805336e16bac"


def tracked(code: str, text: str = "", **fields: object) -> TrackingStatus:
    return TrackingStatus.from_np({"Number": "20450000000001", "StatusCode": code, "Status": text, **fields})


def row(status: ShipmentStatus | None = ShipmentStatus.CREATED, **fields: object) -> ShipmentRow:
    values: dict[str, object] = {
        "id": "11111111-1111-1111-1111-111111111111",
        "key": f"{ORDER}:1",
        "number": "20450000000001",
        "status": status,
        "status_code": 1,
        "status_text": "created",
        "order_id": ORDER,
        "is_primary": True,
    }
    values.update(fields)
    return ShipmentRow(**values)  # type: ignore[arg-type]


def test_order_key_becomes_a_barcode_nova_poshta_accepts() -> None:
    key = idempotency_key(uuid.UUID(ORDER), 12)
    assert key == f"{ORDER}:12"
    assert client_barcode(key) == ORDER.replace("-", "") + "-12"


def test_other_keys_are_kept_or_hashed_stably_within_36_safe_characters() -> None:
    assert client_barcode("INV-2026_0001") == "INV-2026_0001"
    hashed = client_barcode("order 17 / parcel #2")
    assert hashed == client_barcode("order 17 / parcel #2")
    assert len(hashed) == 36 and hashed.isalnum()


@pytest.mark.parametrize(
    ("line", "number"),
    [("Відділення №5", "5"), ("Поштомат 5501", "5501"), ("відділення № 012", "12"), ("12", "12"),
     ("Branch #7, Kyiv", "7"), ("вул. Хрещатик, 22", None), ("", None), (None, None)],
)  # fmt: skip
def test_branch_number_is_read_from_the_ship_to_line(line: str | None, number: str | None) -> None:
    assert branch_number(line) == number


def test_names_split_first_last_and_a_single_word_is_refused() -> None:
    assert split_name("Іван Петрович Петренко") == ("Іван", "Петренко", "Петрович")
    with pytest.raises(ValueError, match="first and last"):
        split_name("Іван")


def test_returning_is_its_own_final_status_and_unknown_codes_map_to_in_transit() -> None:
    assert status_for(ShipmentState.RETURNING) is ShipmentStatus.RETURNING
    assert is_final(ShipmentStatus.RETURNING) and ShipmentStatus.ARRIVED.can_move_to(ShipmentStatus.RETURNING)
    assert status_for(ShipmentState.UNKNOWN) is ShipmentStatus.IN_TRANSIT
    assert {status_for(s) for s in ShipmentState} <= set(ShipmentStatus)


def test_unchanged_status_plans_no_write_even_when_worded_differently() -> None:
    assert ChangePlanner().plan(row(status_text="Створено"), tracked("1", "Створено"), NOW) is None
    assert ChangePlanner().plan(row(status_text="Створено"), tracked("1", "Відправник створив"), NOW) is None


def test_code_change_within_a_status_updates_the_row_without_a_status_row() -> None:
    current = row(ShipmentStatus.IN_TRANSIT, status_code=4, status_text="у місті відправника")
    change = ChangePlanner().plan(current, tracked("5", "прямує до міста одержувача"), NOW)
    assert change is not None and change.status_row is None
    assert change.shipment["smart_statuscode"] == 5
    assert "smart_status" not in change.shipment and "smart_statuschangedon" not in change.shipment


def test_status_change_adds_a_keyed_status_row_and_sets_the_mapped_order_status() -> None:
    planner = ChangePlanner({"received": {"statuscode": 100001}})
    change = planner.plan(row(ShipmentStatus.ARRIVED, status_code=7), tracked("9", "Отримано"), NOW)
    assert change is not None and change.status_row is not None
    assert change.shipment["smart_status"] == ShipmentStatus.RECEIVED.option_value
    assert change.status_row["smart_changekey"] == f"{ORDER}:1:received:9"
    assert change.status_row["smart_previousstatus"] == ShipmentStatus.ARRIVED.option_value
    assert change.status_row["smart_orderid@odata.bind"] == f"/salesorders({ORDER})"
    assert change.order == {"salesorderid": ORDER, "statuscode": 100001}


def test_only_the_primary_shipment_moves_the_order() -> None:
    planner = ChangePlanner({"received": {"statuscode": 100001}})
    change = planner.plan(row(ShipmentStatus.ARRIVED, is_primary=False), tracked("9"), NOW)
    assert change is not None and change.order is None


def test_a_step_back_such_as_not_found_after_creation_is_ignored() -> None:
    assert ChangePlanner().plan(row(ShipmentStatus.CREATED), tracked("3", "Номер не знайдено"), NOW) is None
    assert ChangePlanner().plan(row(ShipmentStatus.ARRIVED), tracked("5"), NOW) is None


def test_estimated_date_and_branch_changes_are_written() -> None:
    change = ChangePlanner().plan(
        row(status_text="x", estimated_date="2026-11-25"),
        tracked("1", "x", ScheduledDeliveryDate="26.11.2026 18:00:00", WarehouseRecipient="Відділення №2"),
        NOW,
    )
    assert change is not None
    assert change.shipment["smart_estimateddeliverydate"] == "2026-11-26"
    assert change.shipment["smart_recipientwarehouse"] == "Відділення №2"


def test_a_refused_parcel_going_back_is_returning_with_its_return_waybill_and_moves_the_order() -> None:
    planner = ChangePlanner({"returning": {"statuscode": 4}})
    going_back = tracked("102", "Відмова одержувача", LastCreatedOnTheBasisNumber="20450000999999")
    change = planner.plan(row(ShipmentStatus.REFUSED, status_code=103), going_back, NOW)
    assert change is not None and change.new_status is ShipmentStatus.RETURNING
    assert change.shipment["smart_status"] == ShipmentStatus.RETURNING.option_value
    assert change.shipment["smart_returnwaybillnumber"] == "20450000999999"
    assert change.order == {"salesorderid": ORDER, "statuscode": 4}
    stored = row(ShipmentStatus.RETURNING, status_code=102, status_text="Відмова одержувача",
                 return_number="20450000999999")  # fmt: skip
    assert planner.plan(stored, going_back, NOW) is None


def test_a_returning_shipment_follows_its_return_waybill_and_is_returned_once_the_sender_has_it() -> None:
    planner = ChangePlanner({"returned": {"statuscode": 4}})
    going_back = row(ShipmentStatus.RETURNING, status_code=102, return_number="59000000000001")
    assert tracked_number(going_back) == "59000000000001"
    assert tracked_number(row(ShipmentStatus.ARRIVED)) == "20450000000001"
    assert planner.plan(going_back, tracked("7", "Прибув у відділення"), NOW) is None  # not picked up yet
    change = planner.plan(going_back, tracked("9", "Отримано"), NOW)
    assert change is not None and change.new_status is ShipmentStatus.RETURNED
    assert change.shipment["smart_status"] == ShipmentStatus.RETURNED.option_value
    assert "smart_statuscode" not in change.shipment  # the shipment keeps its own waybill's last code
    assert change.status_row is not None
    assert change.status_row["smart_previousstatus"] == ShipmentStatus.RETURNING.option_value
    assert change.order == {"salesorderid": ORDER, "statuscode": 4}


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n, 60, 300) for n in (1, 2, 3, 4)] == [60, 120, 240, 300]

"""TrackingDocument.getStatusDocuments of the simulator: at most 100 documents per call, like the real one.

Names and phones are added only when the request's ``Phone`` matches the sender's or recipient's phone;
backward-delivery (COD) data only when an ``apiKey`` was sent (Nova Poshta's rule since Feb 2025).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from local_runtime.simulators.novaposhta import _rules
from local_runtime.simulators.novaposhta._state import Refusal, SimState, WaybillRecord, decimal

Result = tuple[list[Any], Any]
MAX_TRACKING_DOCUMENTS = 100
_NOT_ARRIVED = frozenset({"1", "4", "41", "5", "6", "101"})  # no storage days yet
_RECEIVED = frozenset({"9", "10", "11"})


def get_status_documents(state: SimState, props: dict[str, Any], now: datetime, *, with_key: bool) -> Result:
    documents = props.get("Documents")
    if not isinstance(documents, list) or not documents:
        raise Refusal(("20000200159", "Documents must be array"))
    if len(documents) > MAX_TRACKING_DOCUMENTS:
        raise Refusal(("20000900050", f"Documents: max {MAX_TRACKING_DOCUMENTS} documents per request"))
    return [_status_row(state, item, now, with_key) for item in documents], []


def _base(record: WaybillRecord) -> dict[str, Any]:
    """The fields that do not change once a waybill exists, formatted once per waybill."""
    if record.tracking_base is None:
        warehouse = record.warehouse or {}
        record.tracking_base = {
            "DateCreated": record.created_at.strftime("%d-%m-%Y %H:%M:%S"),
            "ScheduledDeliveryDate": record.estimated_delivery.strftime("%d.%m.%Y 18:00:00"),
            "ActualDeliveryDate": "",
            "RecipientDateTime": "",
            "CitySender": record.city_sender.name,
            "CityRecipient": record.city_recipient.name,
            "RefCityRecipient": record.city_recipient.city_ref,
            "WarehouseRecipient": warehouse.get("Description", ""),
            "WarehouseRecipientRef": warehouse.get("Ref", ""),
            "WarehouseRecipientNumber": int(warehouse["Number"]) if warehouse else 0,
            "DocumentCost": str(record.cost_on_site),
            "AnnouncedPrice": record.properties.get("Cost", ""),
            "DocumentWeight": float(decimal(record.properties.get("Weight")) or 0),
            "SeatsAmount": record.properties.get("SeatsAmount", "1"),
            "LastCreatedOnTheBasisNumber": "",
        }
    return record.tracking_base


def _return_row(record: WaybillRecord, now: datetime) -> dict[str, Any] | None:
    """The return waybill (made when the original reached 102): back to the sender's city, to a branch
    after 12 h, picked up by the sender after 36 h. None before it exists."""
    since = record.hours_since_creation(now) - (record.reached_at("102") or 0.0)
    if record.code(now) != "102" or since < 0:
        return None
    code = "5" if since < 12 else "7" if since < 36 else "9"
    created = record.created_at + timedelta(hours=record.reached_at("102") or 0.0)
    row: dict[str, Any] = {
        "Number": record.return_number,
        "StatusCode": code,
        "Status": _rules.STATUS_TEXT.get(code, ""),
        "DateCreated": created.strftime("%d-%m-%Y %H:%M:%S"),
        "ScheduledDeliveryDate": (created + timedelta(hours=36)).strftime("%d.%m.%Y 18:00:00"),
        "ActualDeliveryDate": "",
        "RecipientDateTime": "",
        "CitySender": record.city_recipient.name,
        "CityRecipient": record.city_sender.name,
        "RefCityRecipient": record.city_sender.city_ref,
        "LastCreatedOnTheBasisNumber": "",
    }
    if code == "9":
        when = (created + timedelta(hours=36)).strftime("%d.%m.%Y %H:%M:%S")
        row["ActualDeliveryDate"] = row["RecipientDateTime"] = when
    return row


def _status_row(state: SimState, item: Any, now: datetime, with_key: bool) -> dict[str, Any]:
    number = str(item.get("DocumentNumber", "")) if isinstance(item, dict) else ""
    record = state.by_number(number)
    if record is None:
        returned = state.by_return_number(number)
        if returned is not None and returned.reached_at("102") is not None:
            back = _return_row(returned, now)
            if back is not None:
                return back
        return {"Number": number, "StatusCode": "3", "Status": _rules.STATUS_TEXT["3"]}
    code = record.code(now)
    row: dict[str, Any] = {
        "Number": record.number,
        "StatusCode": code,
        "Status": _rules.STATUS_TEXT.get(code, ""),
        **_base(record),
        "PossibilityCreateReturn": code in ("7", "8"),
        "PossibilityCreateRedirecting": code in ("4", "5", "6", "7"),
    }
    arrived = None if code in _NOT_ARRIVED else (record.reached_at("7") or record.reached_at("8"))
    if arrived is not None:
        row["DateFirstDayStorage"] = (record.created_at + timedelta(hours=arrived + 120)).strftime("%Y-%m-%d")
    if code in _RECEIVED:
        received = next((record.reached_at(c) for c in ("9", "10") if record.reached_at(c) is not None), None)
        if received is not None:
            when = record.created_at + timedelta(hours=received)
            row["ActualDeliveryDate"] = when.strftime("%Y-%m-%d %H:%M:%S")
            row["RecipientDateTime"] = when.strftime("%d.%m.%Y %H:%M:%S")
    if code == "102":
        row["LastCreatedOnTheBasisNumber"] = record.return_number
    if record.cod is not None and with_key:  # since Feb 2025 only with an apiKey
        row.update({"Redelivery": 1, "RedeliverySum": float(record.cod), "AfterpaymentOnGoodsCost": "0"})
    phone = str(item.get("Phone") or "") if isinstance(item, dict) else ""
    if phone and phone in (record.properties.get("RecipientsPhone"), record.properties.get("SendersPhone")):
        row.update(
            {
                "PhoneRecipient": record.properties.get("RecipientsPhone"),
                "PhoneSender": record.properties.get("SendersPhone"),
                "RecipientFullName": record.recipient_name,
            }
        )
    return row

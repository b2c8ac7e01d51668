"""InternetDocument, ScanSheet and TrackingDocument methods of the simulator.

Error codes come from public NP client code where one exists for the case; codes starting ``200009``
are the simulator's own (the real code is not published).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from local_runtime.simulators.novaposhta import _data, _rules
from local_runtime.simulators.novaposhta._data import CITY_BY_REF, LOCKER_TYPES, WAREHOUSE_BY_REF
from local_runtime.simulators.novaposhta._state import (
    PHONE,
    Refusal,
    SimState,
    WaybillRecord,
    decimal,
    page_of,
    parse_date,
)

Result = tuple[list[Any], Any]
DELETE_REFUSED = ("20000900101", "Document can not be deleted: the parcel has already been handed over")
_BARCODE_CHARS = re.compile(r"^[A-Za-z0-9_-]*$")
_SERVICE_TYPES = {"WarehouseWarehouse", "WarehouseDoors", "DoorsWarehouse", "DoorsDoors"}
_CARGO_TYPES = {"Parcel", "Cargo", "Documents", "TiresWheels", "Pallet"}


def _check_locker(props: dict[str, Any], warehouse: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    seats = props.get("OptionsSeat")
    if not isinstance(seats, list) or not seats:
        errors.append(("20000900030", "OptionsSeat is required for a parcel locker (Postomat)"))
        return
    if len(seats) != 1 or str(props.get("SeatsAmount", "1")) != "1":
        errors.append(("20000900031", "Only one seat is allowed for a parcel locker (Postomat)"))
    limits = warehouse["ReceivingLimitationsOnDimensions"]
    seat = seats[0] if isinstance(seats[0], dict) else {}
    codes = {"Length": "20000200212", "Height": "20000200181", "Width": "20000900032"}
    for name, code in codes.items():
        size = decimal(seat.get(f"volumetric{name}"))
        if size is None or size <= 0:
            errors.append(("20000900033", f"OptionsSeat volumetric{name} is empty"))
        elif size > limits[name]:
            errors.append((code, f"{name} too high for Postomat NP: max {limits[name]}"))


def _validate_save(state: SimState, props: dict[str, Any], now: datetime) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    service = str(props.get("ServiceType"))
    if service not in _SERVICE_TYPES:
        errors.append(("20000900034", "ServiceType is invalid"))
    if str(props.get("CargoType")) not in _CARGO_TYPES:
        errors.append(("20000200184", "CargoType is incorrect"))
    if props.get("Sender") != _data.SENDER_REF:
        errors.append(("20000900035", "Sender not selected"))
    if props.get("ContactSender") != _data.SENDER_CONTACT["Ref"]:
        errors.append(("20000300406", "ContactSender not selected"))
    if props.get("Recipient") != _data.RECIPIENTS_REF:
        errors.append(("20000900036", "Recipient not selected"))
    if props.get("ContactRecipient") not in state.contacts:
        errors.append(("20000300401", "ContactRecipient not selected"))
    for field in ("SendersPhone", "RecipientsPhone"):
        if not PHONE.match(str(props.get(field) or "")):
            errors.append(("20000900037", f"{field} invalid format"))
    if CITY_BY_REF.get(str(props.get("CitySender"))) is None:
        errors.append(("20000200106", "CitySender not found"))
    if CITY_BY_REF.get(str(props.get("CityRecipient"))) is None:
        errors.append(("20000200103", "CityRecipient not found"))
    send_date = parse_date(props.get("DateTime"))
    if send_date is None:
        errors.append(("20000400456", "DateTime invalid format"))
    elif send_date < now.date():
        errors.append(("20000400455", "DateTime can not be less than now"))
    weight = decimal(props.get("Weight"))
    if weight is None or weight < Decimal("0.1"):
        errors.append(("20000900038", "Weight is invalid"))
    seats_amount = decimal(props.get("SeatsAmount"))
    if seats_amount is None or seats_amount < 1 or seats_amount != int(seats_amount):
        errors.append(("20000900039", "SeatsAmount is invalid"))
    cost = decimal(props.get("Cost"))
    if cost is not None and (cost < 0 or cost != int(cost)):
        errors.append(("20000200118", "Cost is invalid"))
    if props.get("CargoType") == "Documents" and props.get("VolumeGeneral"):
        errors.append(("20000900040", "VolumeGeneral must be empty"))
    elif (
        props.get("CargoType") != "Documents"
        and not props.get("VolumeGeneral")
        and not props.get("OptionsSeat")
    ):
        errors.append(("20000900041", "VolumeGeneral is empty"))
    if service.startswith("Warehouse") and WAREHOUSE_BY_REF.get(str(props.get("SenderAddress"))) is None:
        errors.append(("20000900042", "SenderAddress not found"))
    recipient_address = str(props.get("RecipientAddress"))
    if service.endswith("Warehouse"):
        warehouse = WAREHOUSE_BY_REF.get(recipient_address)
        if warehouse is None or warehouse["CityRef"] != props.get("CityRecipient"):
            errors.append(("20000900043", "RecipientAddress not found"))
        else:
            max_weight = Decimal(warehouse["PlaceMaxWeightAllowed"])
            if weight is not None and max_weight and weight > max_weight:
                errors.append(("20000203729", f"Recipient Warehouse max allowed volumeweight: {max_weight}"))
            if warehouse["TypeOfWarehouse"] in LOCKER_TYPES:
                _check_locker(props, warehouse, errors)
    elif recipient_address not in state.addresses:
        errors.append(("20000900044", "RecipientAddress not found"))
    for item in props.get("BackwardDeliveryData") or []:
        if not isinstance(item, dict) or item.get("PayerType") not in ("Sender", "Recipient"):
            errors.append(("20000200085", "BackwardDeliveryData PayerType incorrect"))
        elif item.get("CargoType") != "Money":
            errors.append(("20000200083", "BackwardDeliveryData CargoType must be Money"))
        elif (decimal(item.get("RedeliveryString")) or 0) < 1:
            errors.append(("20000200080", "BackwardDeliveryData RedeliveryString less than 1"))
    barcode = str(props.get("InfoRegClientBarcodes") or "")
    if len(barcode) > 36:
        errors.append(("20000200189", "InfoRegClientBarcodes too long"))
    elif not _BARCODE_CHARS.match(barcode):
        errors.append(("20000200188", "InfoRegClientBarcodes has invalid characters"))
    return errors


def save(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    errors = _validate_save(state, props, now)
    if errors:
        raise Refusal(*errors)
    sender, recipient = CITY_BY_REF[props["CitySender"]], CITY_BY_REF[props["CityRecipient"]]
    service = str(props["ServiceType"])
    warehouse = (
        WAREHOUSE_BY_REF.get(str(props["RecipientAddress"])) if service.endswith("Warehouse") else None
    )
    destination = "address" if warehouse is None else "warehouse"
    if warehouse is not None and warehouse["TypeOfWarehouse"] in LOCKER_TYPES:
        destination = "parcel_locker"
    cod = next(
        (decimal(item.get("RedeliveryString")) for item in props.get("BackwardDeliveryData") or []), None
    )
    quote = _rules.price(
        service, decimal(props["Weight"]) or Decimal(1), decimal(props.get("Cost")), sender is recipient, cod
    )
    serial = state.next_serial()
    number = f"2045{serial:010d}"
    send_date = parse_date(props["DateTime"]) or now.date()
    contact = state.contacts[str(props["ContactRecipient"])]
    record = WaybillRecord(
        ref=_data.ref("document", str(state.seed), number),
        number=number,
        client_barcode=str(props.get("InfoRegClientBarcodes") or ""),
        created_at=now,
        send_date=send_date,
        properties=dict(props),
        city_sender=sender,
        city_recipient=recipient,
        recipient_name=contact["Description"],
        warehouse=warehouse,
        destination=destination,
        cost_on_site=Decimal(str(quote["Cost"])) + Decimal(str(quote.get("CostRedelivery", 0))),
        estimated_delivery=_rules.delivery_date(send_date, service, sender is recipient),
        cod=cod,
        steps=_rules.journey(
            state.seed, number, same_city=sender is recipient, to=destination, cod=cod is not None
        ),
        return_number=f"5900{serial:010d}",
    )
    state.waybills[record.ref] = record
    row = {
        "Ref": record.ref,
        "CostOnSite": float(record.cost_on_site),
        "EstimatedDeliveryDate": record.estimated_delivery.strftime("%d.%m.%Y"),
        "IntDocNumber": number,
        "TypeDocument": "InternetDocument",
    }
    return [row], []


def get_document_list(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    start = parse_date(props.get("DateTimeFrom") or props.get("DateTime")) or now.date()
    end = parse_date(props.get("DateTimeTo") or props.get("DateTime")) or start
    live = [w for w in state.waybills.values() if w.deleted_at is None and start <= w.send_date <= end]
    rows = [_list_row(w, now) for w in live]
    page = rows[:500] if str(props.get("GetFullList")) == "1" else page_of(rows, props, 100)
    return page, {"totalCount": len(rows)}


def _list_row(w: WaybillRecord, now: datetime) -> dict[str, Any]:
    code = w.code(now)
    return {
        "Ref": w.ref,
        "DateTime": f"{w.send_date.isoformat()} 00:00:00",
        "IntDocNumber": w.number,
        "InfoRegClientBarcodes": w.client_barcode,
        "CostOnSite": float(w.cost_on_site),
        "EstimatedDeliveryDate": w.estimated_delivery.strftime("%d.%m.%Y"),
        "Weight": w.properties.get("Weight"),
        "SeatsAmount": w.properties.get("SeatsAmount"),
        "Cost": w.properties.get("Cost"),
        "CitySender": w.city_sender.city_ref,
        "CityRecipient": w.city_recipient.city_ref,
        "RecipientAddress": w.properties.get("RecipientAddress"),
        "PayerType": w.properties.get("PayerType"),
        "PaymentMethod": w.properties.get("PaymentMethod"),
        "StateId": code,
        "StateName": _rules.STATUS_TEXT.get(code, ""),
    }


def delete(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    refs = props.get("DocumentRefs")
    refs = [refs] if isinstance(refs, str) else list(refs or [])
    if not refs:
        raise Refusal(("20000900045", "DocumentRefs is empty"))
    errors = []
    for ref in refs:
        record = state.waybills.get(str(ref))
        if record is None or record.deleted_at is not None:
            errors.append(("20000300415", f"Document not found: {ref}"))
        elif record.scan_sheet_ref is not None:
            errors.append(("20000200153", f"Document {record.number} is in registry"))
        elif record.code(now) != "1":
            errors.append(DELETE_REFUSED)
    if errors:
        raise Refusal(*errors)
    for ref in refs:
        state.waybills[str(ref)].deleted_at = now
    return [{"Ref": str(ref)} for ref in refs], []


def insert_documents(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    refs = props.get("DocumentRefs")
    refs = [refs] if isinstance(refs, str) else list(refs or [])
    sheet = state.scan_sheets.get(str(props.get("Ref"))) if props.get("Ref") else None
    if props.get("Ref") and sheet is None:
        raise Refusal(("20000900046", "ScanSheet not found"))
    added, rejected = [], []
    for ref in refs:
        record = state.waybills.get(str(ref))
        if record is None or record.deleted_at is not None:
            rejected.append({"Ref": str(ref), "Number": "", "Error": "Document not found"})
        elif record.scan_sheet_ref is not None:
            rejected.append({"Ref": record.ref, "Number": record.number, "Error": "Document is in registry"})
        else:
            added.append(record)
    if not added:
        raise Refusal(
            *[("20000200153", f"{item['Ref']}: {item['Error']}") for item in rejected]
            or [("20000900045", "DocumentRefs is empty")]
        )
    if sheet is None:
        number = f"105-{len(state.scan_sheets) + 1:08d}"
        sheet_date = parse_date(props.get("Date")) or now.date()
        sheet = {
            "Ref": _data.ref("scansheet", str(state.seed), number),
            "Number": number,
            "Date": sheet_date.strftime("%d.%m.%Y"),
            "documents": [],
        }
        state.scan_sheets[sheet["Ref"]] = sheet
    for record in added:
        record.scan_sheet_ref = sheet["Ref"]
        sheet["documents"].append(record.ref)
    success = [{"Ref": r.ref, "Number": r.number} for r in added]
    row = {
        "Ref": sheet["Ref"],
        "Number": sheet["Number"],
        "Date": sheet["Date"],
        "Success": success,
        "Errors": rejected,
        "Warnings": [],
    }
    return [row], []


def get_scan_sheet_list(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    rows = [
        {
            "Ref": s["Ref"],
            "Number": s["Number"],
            "DateTime": f"{s['Date']} 00:00:00",
            "Printed": "0",
            "Count": str(len(s["documents"])),
        }
        for s in state.scan_sheets.values()
    ]
    return rows, {"totalCount": len(rows)}

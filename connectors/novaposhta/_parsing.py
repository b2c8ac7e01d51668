"""Turn successful envelopes into models. Kept apart so the client reads as a list of operations."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.novaposhta._transport import Envelope
from connectors.novaposhta.errors import NovaPoshtaApiError
from connectors.novaposhta.models import (
    ScanSheet,
    Settlement,
    SettlementPage,
    Street,
    Warehouse,
    WarehousePage,
)
from connectors.novaposhta.tracking import parse_np_datetime
from connectors.novaposhta.waybills import Waybill, WaybillRequest

_DELETED_STATE_IDS = frozenset({"2"})


def settlement_page(envelope: Envelope, page: int) -> SettlementPage:
    block = envelope.first() if envelope.data else {}
    addresses = block.get("Addresses") or []
    total = int(block.get("TotalCount") or len(addresses))
    return SettlementPage(
        total_count=total, page=page, items=tuple(Settlement.model_validate(row) for row in addresses)
    )


def warehouse_page(envelope: Envelope, page: int) -> WarehousePage:
    items = tuple(Warehouse.model_validate(row) for row in envelope.data)
    total = envelope.total_count
    if total is None:  # getWarehouses sends info.totalCount; without it, iteration ends after this page
        total = len(items)
    return WarehousePage(total_count=total, page=page, items=items)


def streets(envelope: Envelope) -> list[Street]:
    block = envelope.first() if envelope.data else {}
    return [Street.model_validate(row) for row in block.get("Addresses") or []]


def nested_contact_ref(row: Mapping[str, Any]) -> str | None:
    """``Counterparty.save`` nests ``ContactPerson: {success, data: [{Ref, …}]}`` for private persons."""
    nested = row.get("ContactPerson")
    if isinstance(nested, Mapping):
        data = nested.get("data")
        if isinstance(data, list) and data and isinstance(data[0], Mapping) and data[0].get("Ref"):
            return str(data[0]["Ref"])
    return None


def delivery_date(envelope: Envelope) -> date:
    value = envelope.first().get("DeliveryDate")
    text = value.get("date") if isinstance(value, Mapping) else value
    parsed = parse_np_datetime(text)
    if parsed is None:
        raise NovaPoshtaApiError(
            called="InternetDocument.getDocumentDeliveryDate", messages=["no DeliveryDate"]
        )
    return parsed.date()


def _decimal(value: object) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def _date(value: object) -> date | None:
    parsed = parse_np_datetime(value)
    return parsed.date() if parsed else None


def created_waybill(envelope: Envelope, request: WaybillRequest) -> Waybill:
    row = envelope.first()
    if not row.get("Ref") or not row.get("IntDocNumber"):
        raise NovaPoshtaApiError(called="InternetDocument.save", messages=["answer without Ref/IntDocNumber"])
    return Waybill(
        ref=str(row["Ref"]),
        number=str(row["IntDocNumber"]),
        cost_on_site=_decimal(row.get("CostOnSite")),
        estimated_delivery_date=_date(row.get("EstimatedDeliveryDate")),
        client_barcode=request.client_barcode,
        send_date=request.send_date,
    )


def listed_waybill(row: Mapping[str, Any]) -> Waybill:
    return Waybill(
        ref=str(row.get("Ref", "")),
        number=str(row.get("IntDocNumber", "")),
        cost_on_site=_decimal(row.get("CostOnSite")),
        estimated_delivery_date=_date(row.get("EstimatedDeliveryDate")),
        client_barcode=str(row.get("InfoRegClientBarcodes") or "") or None,
        send_date=_date(row.get("DateTime")),
    )


def is_deleted(row: Mapping[str, Any]) -> bool:
    return str(row.get("StateId", "")) in _DELETED_STATE_IDS


def scan_sheet(envelope: Envelope) -> ScanSheet:
    row = envelope.first()
    added = tuple(str(item.get("Ref", "")) for item in row.get("Success") or [] if isinstance(item, Mapping))
    rejected = tuple(
        (str(item.get("Ref") or item.get("Number") or ""), str(item.get("Error", "")))
        for item in row.get("Errors") or []
        if isinstance(item, Mapping)
    )
    return ScanSheet(
        ref=str(row.get("Ref", "")),
        number=str(row.get("Number", "")),
        date=str(row.get("Date", "")),
        added=added,
        rejected=rejected,
    )

"""Pure shipping rules: keys, status mapping, name and branch parsing, sync change planning, backoff.

Nothing here talks to Nova Poshta or Dataverse; the service and the sync feed it rows and statuses.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from connectors.novaposhta import ShipmentState, TrackingStatus
from dataverse import bind
from dataverse.schema import ShipmentStatus

SHIPMENTS = "smart_shipments"
STATUS_ROWS = "smart_shipmentstatuses"
ORDERS = "salesorders"
CONTACTS = "contacts"

_STATUS_FOR_STATE: dict[ShipmentState, ShipmentStatus] = {
    ShipmentState.CREATED: ShipmentStatus.CREATED,
    ShipmentState.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    ShipmentState.ARRIVED: ShipmentStatus.ARRIVED,
    ShipmentState.RECEIVED: ShipmentStatus.RECEIVED,
    ShipmentState.REFUSED: ShipmentStatus.REFUSED,
    # The goods go back under a new waybill (stored as the return waybill): this one's journey is over.
    ShipmentState.RETURNING: ShipmentStatus.RETURNING,
    ShipmentState.RETURNED: ShipmentStatus.RETURNED,
    ShipmentState.DELETED: ShipmentStatus.DELETED,
    ShipmentState.NOT_FOUND: ShipmentStatus.NOT_FOUND,
    ShipmentState.UNKNOWN: ShipmentStatus.IN_TRANSIT,  # providers.md §2.5: treat unknown codes as moving
}
FINAL_STATUSES = frozenset(
    {ShipmentStatus.RECEIVED, ShipmentStatus.RETURNING, ShipmentStatus.RETURNED, ShipmentStatus.DELETED}
)
_BARCODE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_BRANCH = re.compile(
    r"(?:відділення|поштомат|пункт|branch|locker|warehouse|№|#|\bno\.?)\s*(?:№|#|no\.?)?\s*(\d{1,5})\b",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\s*(\d{1,5})\s*$")


def status_for(state: ShipmentState) -> ShipmentStatus:
    return _STATUS_FOR_STATE[state]


def is_final(status: ShipmentStatus | None) -> bool:
    return status in FINAL_STATUSES


def tracked_number(row: ShipmentRow) -> str | None:
    """The waybill the sync asks about: the return waybill once the goods go back, else the shipment's."""
    return row.return_number if row.status is ShipmentStatus.RETURNING else row.number


def idempotency_key(order_id: uuid.UUID, sequence: int) -> str:
    """The shipment's alternate key for an order: ``<salesorderid>:<sequence>``."""
    return f"{order_id}:{sequence}"


def client_barcode(key: str) -> str:
    """Nova Poshta's ``InfoRegClientBarcodes`` (1-36 of ``[A-Za-z0-9_-]``) for an idempotency key.

    ``<guid>:<n>`` becomes ``<32 hex>-<n>``; another key that already fits is used as is; anything else
    becomes ``k`` + 35 hex characters of its SHA-256 (stable, so a retry finds the first attempt).
    """
    order, _, sequence = key.rpartition(":")
    if order and sequence.isdigit() and len(sequence) <= 3:
        try:
            return f"{uuid.UUID(order).hex}-{sequence}"
        except ValueError:
            pass
    if _BARCODE.match(key):
        return key
    return "k" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:35]


def branch_number(address_line: str | None) -> str | None:
    """The branch or parcel-locker number in a ship-to line ("Відділення №5", "Поштомат 5501", "12")."""
    if not address_line:
        return None
    match = _BRANCH.search(address_line) or _BARE_NUMBER.match(address_line)
    if match is None:
        return None
    return match.group(1).lstrip("0") or "0"


def split_name(full_name: str) -> tuple[str, str, str]:
    """ "First [Middle…] Last" (Dataverse's default full-name order) -> (first, last, middle)."""
    parts = full_name.split()
    if len(parts) < 2:
        raise ValueError("give the recipient's first and last name")
    return parts[0], parts[-1], " ".join(parts[1:-1])


def backoff_seconds(failures: int, base: float, cap: float) -> float:
    """Pause after ``failures`` consecutive outages: base, 2x, 4x ... capped."""
    return float(min(cap, base * 2 ** max(0, failures - 1)))


@dataclass(frozen=True)
class ShipmentRow:
    """The columns of a ``smart_shipment`` row the sync and the endpoints read."""

    id: str
    key: str
    number: str | None
    status: ShipmentStatus | None
    status_code: int | None = None
    status_text: str = ""
    estimated_date: str | None = None
    warehouse: str = ""
    cost: Decimal | None = None
    order_id: str | None = None
    contact_id: str | None = None
    is_primary: bool = False
    sender_profile: str | None = None
    waybill_ref: str | None = None
    recipient_name: str = ""
    recipient_city: str = ""
    status_changed_on: str | None = None
    error: str | None = None
    return_number: str | None = None
    claim_expires_on: str | None = None  # a create in progress holds the row until then
    claim_id: str | None = None  # which request holds it
    etag: str | None = None

    SELECT = (
        "smart_shipmentid",
        "smart_idempotencykey",
        "smart_waybillnumber",
        "smart_waybillref",
        "smart_status",
        "smart_statuscode",
        "smart_statustext",
        "smart_estimateddeliverydate",
        "smart_recipientwarehouse",
        "smart_recipientname",
        "smart_recipientcity",
        "smart_cost",
        "_smart_orderid_value",
        "_smart_contactid_value",
        "smart_isprimary",
        "smart_senderprofile",
        "smart_statuschangedon",
        "smart_error",
        "smart_returnwaybillnumber",
        "smart_claimexpireson",
        "smart_claimid",
    )

    @classmethod
    def from_dataverse(cls, row: Mapping[str, Any]) -> ShipmentRow:
        status = row.get("smart_status")
        cost = row.get("smart_cost")
        return cls(
            id=str(row["smart_shipmentid"]),
            key=str(row.get("smart_idempotencykey") or ""),
            number=row.get("smart_waybillnumber") or None,
            status=ShipmentStatus.from_option_value(int(status)) if status is not None else None,
            status_code=row.get("smart_statuscode"),
            status_text=row.get("smart_statustext") or "",
            estimated_date=str(row["smart_estimateddeliverydate"])[:10]
            if row.get("smart_estimateddeliverydate")
            else None,
            warehouse=row.get("smart_recipientwarehouse") or "",
            cost=Decimal(str(cost)) if cost is not None else None,
            order_id=row.get("_smart_orderid_value"),
            contact_id=row.get("_smart_contactid_value"),
            is_primary=bool(row.get("smart_isprimary")),
            sender_profile=row.get("smart_senderprofile"),
            waybill_ref=row.get("smart_waybillref") or None,
            recipient_name=row.get("smart_recipientname") or "",
            recipient_city=row.get("smart_recipientcity") or "",
            status_changed_on=row.get("smart_statuschangedon"),
            error=row.get("smart_error"),
            return_number=row.get("smart_returnwaybillnumber") or None,
            claim_expires_on=row.get("smart_claimexpireson"),
            claim_id=row.get("smart_claimid"),
            etag=row.get("@odata.etag"),
        )


@dataclass(frozen=True)
class ShipmentChange:
    """What one tracking result changes: the shipment's columns, a status row, the order's columns."""

    shipment: dict[str, Any]
    status_row: dict[str, Any] | None = None
    order: dict[str, Any] | None = None
    new_status: ShipmentStatus | None = None


@dataclass
class ChangePlanner:
    """Compares a tracking result with the stored row. ``order_status_map``: status -> order columns."""

    order_status_map: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def plan(self, row: ShipmentRow, tracked: TrackingStatus, now: datetime) -> ShipmentChange | None:
        if row.status is ShipmentStatus.RETURNING:
            return self._plan_return(row, tracked, now)
        new_status = status_for(tracked.state)
        if row.status is not None and new_status != row.status and not row.status.can_move_to(new_status):
            return None  # a step back (e.g. "not found" right after creation): keep what we know
        code = int(tracked.status_code) if tracked.status_code.isdigit() else None
        wanted: dict[str, Any] = {
            "smart_status": new_status.option_value,
            "smart_statuscode": code,
            "smart_statustext": tracked.status_text[:300],
        }
        current: dict[str, Any] = {
            "smart_status": row.status.option_value if row.status else None,
            "smart_statuscode": row.status_code,
            "smart_statustext": row.status_text,
        }
        if tracked.scheduled_delivery_date is not None:
            wanted["smart_estimateddeliverydate"] = tracked.scheduled_delivery_date.date().isoformat()
            current["smart_estimateddeliverydate"] = row.estimated_date
        if tracked.warehouse_recipient:
            wanted["smart_recipientwarehouse"] = tracked.warehouse_recipient[:300]
            current["smart_recipientwarehouse"] = row.warehouse
        if tracked.return_number:
            wanted["smart_returnwaybillnumber"] = tracked.return_number[:20]
            current["smart_returnwaybillnumber"] = row.return_number
        changed = {name: value for name, value in wanted.items() if current.get(name) != value}
        if set(changed) <= {"smart_statustext"}:
            return None  # the same code worded differently is not worth a write
        changed["smart_statustext"] = wanted["smart_statustext"]
        stamp = now.isoformat()
        shipment = {"smart_shipmentid": row.id, **changed, "smart_lastsyncedon": stamp}
        if new_status == row.status:
            return ShipmentChange(shipment)
        shipment["smart_statuschangedon"] = stamp
        return ShipmentChange(
            shipment,
            status_row(row, new_status, code, tracked.status_text, now),
            self._order_columns(row, new_status),
            new_status,
        )

    def _plan_return(self, row: ShipmentRow, back: TrackingStatus, now: datetime) -> ShipmentChange | None:
        """``back`` is the return waybill's status: once the sender has the goods, the shipment is
        ``returned``; until then nothing about this shipment changes."""
        if back.state is not ShipmentState.RECEIVED:
            return None
        code = int(back.status_code) if back.status_code.isdigit() else None
        text = f"Повернення {back.number} отримано відправником"
        stamp = now.isoformat()
        shipment = {
            "smart_shipmentid": row.id,
            "smart_status": ShipmentStatus.RETURNED.option_value,
            "smart_statustext": text[:300],
            "smart_statuschangedon": stamp,
            "smart_lastsyncedon": stamp,
        }
        return ShipmentChange(
            shipment,
            status_row(row, ShipmentStatus.RETURNED, code, text, now),
            self._order_columns(row, ShipmentStatus.RETURNED),
            ShipmentStatus.RETURNED,
        )

    def _order_columns(self, row: ShipmentRow, status: ShipmentStatus) -> dict[str, Any] | None:
        columns = self.order_status_map.get(status.value)
        if not columns or not row.is_primary or not row.order_id:
            return None
        return {"salesorderid": row.order_id, **columns}


def status_row(
    row: ShipmentRow, status: ShipmentStatus, code: int | None, text: str, now: datetime
) -> dict[str, Any]:
    """A ``smart_shipmentstatus`` row (journeys trigger on its creation), keyed so it is written once."""
    data: dict[str, Any] = {
        "smart_name": f"{row.number or row.key}: {status.label}"[:200],
        "smart_changekey": f"{row.key}:{status.value}:{code if code is not None else ''}"[:200],
        "smart_shipmentid@odata.bind": bind(SHIPMENTS, row.id),
        "smart_status": status.option_value,
        "smart_statuscode": code,
        "smart_statustext": text[:300],
        "smart_changedon": now.isoformat(),
    }
    if row.status is not None:
        data["smart_previousstatus"] = row.status.option_value
    if row.order_id:
        data["smart_orderid@odata.bind"] = bind(ORDERS, row.order_id)
    if row.contact_id:
        data["smart_contactid@odata.bind"] = bind(CONTACTS, row.contact_id)
    return data

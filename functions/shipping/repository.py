"""Dataverse persistence of shipping: shipment rows, status rows, the orders they belong to.

Shipments are addressed by their alternate key ``smart_idempotencykey`` (``<order id>:<sequence>``)
or ``smart_waybillnumber``. The sync's writes for many shipments go out as ONE ``$batch`` request
holding UpdateMultiple (shipments) and UpsertMultiple (status rows, keyed by ``smart_changekey`` so a
repeated run adds nothing) in one change set, and UpdateMultiple (orders) as a part of its own: one
service-protection request per flush.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from dataverse import (
    AlternateKey,
    BatchOperation,
    DataverseApiError,
    DataverseClient,
    DataverseError,
    DuplicateRecordError,
    NotFoundError,
    PreconditionFailedError,
    entity_path,
    odata_literal,
)
from dataverse.schema import ShipmentStatus
from functions.common.problems import Problem
from functions.shipping.rules import (
    CONTACTS,
    FINAL_STATUSES,
    ORDERS,
    SHIPMENTS,
    STATUS_ROWS,
    ShipmentChange,
    ShipmentRow,
)

ACTIVE_PAGE_SIZES = (500, 2000)
# A return normally reaches the sender within days (storage ends after 5): after this it is left alone.
RETURN_FOLLOWED_FOR = timedelta(days=30)
_logger = logging.getLogger("smart.shipping.sync")
_ANNOTATIONS = {"Prefer": 'odata.include-annotations="*"'}
_LOOKUP_NAME = "@Microsoft.Dynamics.CRM.lookuplogicalname"
_FORMATTED = "@OData.Community.Display.V1.FormattedValue"


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    middle_name: str
    phone: str | None
    contact_id: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)


@dataclass(frozen=True)
class Order:
    """The salesorder columns a waybill is built from."""

    id: str
    name: str
    number: str
    ship_to_name: str
    ship_to_line: str
    ship_to_city: str
    ship_to_phone: str
    total: Decimal | None
    customer_contact_id: str | None
    business_unit: str | None
    order_type: str | None
    lines: tuple[str, ...]


class ShippingRepository:
    def __init__(self, dataverse: DataverseClient, order_type_column: str | None = None) -> None:
        self.dataverse = dataverse
        self.order_type_column = order_type_column

    # --- shipments -------------------------------------------------------------------------------

    def by_key(self, key: str) -> ShipmentRow | None:
        return self._one(AlternateKey({"smart_idempotencykey": key}))

    def by_number(self, number: str) -> ShipmentRow | None:
        return self._one(AlternateKey({"smart_waybillnumber": number}))

    def _one(self, key: AlternateKey) -> ShipmentRow | None:
        try:
            row = self.dataverse.retrieve(SHIPMENTS, key, select=ShipmentRow.SELECT)
        except NotFoundError:
            return None
        return ShipmentRow.from_dataverse(row)

    def claim(self, key: str, data: dict[str, Any]) -> ShipmentRow | None:
        """Record the shipment before Nova Poshta is called; the existing row when it is already there."""
        try:
            self.dataverse.upsert(
                SHIPMENTS, AlternateKey({"smart_idempotencykey": key}), data, mode="create_only"
            )
        except DuplicateRecordError:
            return self.by_key(key)
        return None

    def update_if_unchanged(self, row: ShipmentRow, data: dict[str, Any]) -> bool:
        """Write ``data`` unless another request changed the row since it was read (ETag): False then."""
        try:
            self.dataverse.update(SHIPMENTS, row.id, data, etag=row.etag or "*")
        except PreconditionFailedError:
            return False
        return True

    def save(self, key: str, data: dict[str, Any]) -> str:
        return self.dataverse.upsert(SHIPMENTS, AlternateKey({"smart_idempotencykey": key}), data)

    def update(self, shipment_id: str, data: dict[str, Any]) -> None:
        self.dataverse.update(SHIPMENTS, shipment_id, data)

    def add_status_row(self, change_key: str, data: dict[str, Any]) -> None:
        self.dataverse.upsert(STATUS_ROWS, AlternateKey({"smart_changekey": change_key}), data)

    def order_has_primary(self, order_id: str, except_key: str) -> bool:
        rows = self.dataverse.query(
            SHIPMENTS,
            filter=f"_smart_orderid_value eq {order_id} and smart_isprimary eq true "
            f"and smart_idempotencykey ne {odata_literal(except_key)}",
            select=["smart_shipmentid"],
            top=1,
        )
        return next(rows, None) is not None

    def clear_other_primaries(self, order_id: str, except_key: str) -> None:
        rows = self.dataverse.query(
            SHIPMENTS,
            filter=f"_smart_orderid_value eq {order_id} and smart_isprimary eq true "
            f"and smart_idempotencykey ne {odata_literal(except_key)}",
            select=["smart_shipmentid"],
        )
        for row in rows:
            self.dataverse.update(SHIPMENTS, row["smart_shipmentid"], {"smart_isprimary": False})

    def created_between(self, profile: str, start: datetime, end: datetime) -> list[ShipmentRow]:
        """Waybills made by the CRM in [start, end) with ``profile`` that are still only created."""
        rows = self.dataverse.query(
            SHIPMENTS,
            filter=f"smart_senderprofile eq {odata_literal(profile)} and smart_waybillref ne null "
            f"and smart_status eq {ShipmentStatus.CREATED.option_value} "
            f"and createdon ge {odata_literal(start)} and createdon lt {odata_literal(end)}",
            select=ShipmentRow.SELECT,
            orderby="createdon",
        )
        return [ShipmentRow.from_dataverse(row) for row in rows]

    def active(
        self,
        after_key: str | None,
        give_up_before: datetime,
        page_sizes: Sequence[int] = ACTIVE_PAGE_SIZES,
    ) -> Iterator[ShipmentRow]:
        """Shipments the sync follows, in key order (so a paused run can continue after a key).

        Pages by key (``smart_idempotencykey gt <last key>``, ``$top``) rather than by paging cookie:
        the sync turns rows final while it reads, and a page must not shift under it. A small first
        page lets tracking start early; later pages (the last size repeats) hold 2,000 rows rather
        than Dataverse's maximum of 5,000: parsing a page holds the GIL in one piece, and a shorter
        hold keeps the tracking threads' answers from waiting behind it.
        """
        # Final shipments are done, except those on their way back: their return waybill is followed
        # until the sender has the goods (then they are ``returned``), for RETURN_FOLLOWED_FOR at most.
        returning = ShipmentStatus.RETURNING
        finals = " and ".join(
            f"smart_status ne {s.option_value}" for s in sorted(FINAL_STATUSES - {returning})
        )
        not_found = ShipmentStatus.NOT_FOUND.option_value
        give_up_return = odata_literal(datetime.now(UTC) - RETURN_FOLLOWED_FOR)
        query = (
            f"smart_waybillnumber ne null and {finals} "
            f"and (smart_status ne {returning.option_value} or (smart_returnwaybillnumber ne null "
            f"and smart_statuschangedon gt {give_up_return})) "
            f"and (smart_status ne {not_found} or createdon gt {odata_literal(give_up_before)})"
        )
        last, pages = after_key, 0
        while True:
            page_size = page_sizes[min(pages, len(page_sizes) - 1)]
            page_filter = (
                query if last is None else f"{query} and smart_idempotencykey gt {odata_literal(last)}"
            )
            rows = list(
                self.dataverse.query(
                    SHIPMENTS,
                    filter=page_filter,
                    select=ShipmentRow.SELECT,
                    orderby="smart_idempotencykey",
                    top=page_size,
                    page_size=page_size,
                )
            )
            yield from (ShipmentRow.from_dataverse(row) for row in rows)
            if len(rows) < page_size:
                return
            last, pages = str(rows[-1]["smart_idempotencykey"]), pages + 1

    def write_changes(self, changes: Sequence[ShipmentChange]) -> Written:
        """The changes of a flush in ONE ``$batch``: shipments (UpdateMultiple) and their status rows
        (UpsertMultiple) in one change set, and the orders (UpdateMultiple) as a part of their own.

        An order Dataverse refuses (closed, deleted, a mapped status it does not accept) must not undo
        the shipments or stop the sync at the same place on every run: when the orders part fails, the
        orders are updated one by one and the refused ones are logged and counted (extra requests only
        then). A failure of the shipments or status rows raises.
        """
        if not changes:
            return Written(0)
        operations = [_bulk("UpdateMultiple", SHIPMENTS, "smart_shipment", [c.shipment for c in changes])]
        status_rows = [
            {**c.status_row, "@odata.id": entity_path(STATUS_ROWS, _change_key(c.status_row))}
            for c in changes
            if c.status_row is not None
        ]
        if status_rows:
            operations.append(_bulk("UpsertMultiple", STATUS_ROWS, "smart_shipmentstatus", status_rows))
        orders = {c.order["salesorderid"]: c.order for c in changes if c.order is not None}
        if orders:
            orders_part = _bulk("UpdateMultiple", ORDERS, "salesorder", list(orders.values()))
            operations.append(dataclasses.replace(orders_part, standalone=True))
        # Continue-on-error, so a refused order fails alone. Should the change set itself fail, the
        # orders part still runs: the order then shows the parcel's real status a run early, and the
        # next run writes the shipments (and the same order columns) again.
        results = self.dataverse.execute_batch(operations, atomic=True, continue_on_error=True)
        for result in results[: len(operations) - (1 if orders else 0)]:
            if not result.ok:
                raise result.error or DataverseApiError("the change set was not run", status=result.status)
        if not orders or results[-1].ok:
            return Written(1)
        return self._orders_one_by_one(orders, results[-1].error)

    def _orders_one_by_one(self, orders: dict[str, dict[str, Any]], error: Exception | None) -> Written:
        _logger.warning("updating %d orders together failed (%s); one by one now", len(orders), error)
        refused: list[str] = []
        for order_id, columns in orders.items():
            fields = {name: value for name, value in columns.items() if name != "salesorderid"}
            try:
                self.dataverse.update(ORDERS, order_id, fields)
            except DataverseError as failure:  # the shipments are written: an order must not undo them
                unavailable = not isinstance(failure, DataverseApiError) or failure.is_transient
                _logger.log(
                    logging.ERROR if unavailable else logging.WARNING,
                    "order %s keeps its status: %s %s", order_id,
                    "Dataverse was unavailable (set it by hand or re-run the mapping):" if unavailable
                    else "Dataverse refused it:", failure,
                )  # fmt: skip
                refused.append(order_id)
        return Written(1 + len(orders), orders_refused=len(refused))

    # --- orders and contacts ---------------------------------------------------------------------

    def order(self, order_id: uuid.UUID) -> Order:
        try:
            row = self.dataverse.request("GET", entity_path(ORDERS, order_id), headers=_ANNOTATIONS)
        except NotFoundError:
            raise Problem(
                404,
                f"Order {order_id} does not exist.",
                errors=[{"field": "order_id", "message": "not found"}],
            ) from None
        lines = self.dataverse.query(
            "salesorderdetails", filter=f"_salesorderid_value eq {order_id}", formatted=True
        )
        descriptions = tuple(
            str(line.get("productdescription") or line.get(f"_productid_value{_FORMATTED}") or "").strip()
            for line in lines
        )
        customer = row.get("_customerid_value")
        is_contact = row.get(f"_customerid_value{_LOOKUP_NAME}") == "contact"
        order_type = row.get(self.order_type_column) if self.order_type_column else None
        total = row.get("totalamount")
        return Order(
            id=str(order_id),
            name=str(row.get("name") or ""),
            number=str(row.get("ordernumber") or ""),
            ship_to_name=str(row.get("shipto_name") or "").strip(),
            ship_to_line=str(row.get("shipto_line1") or "").strip(),
            ship_to_city=str(row.get("shipto_city") or "").strip(),
            ship_to_phone=str(row.get("shipto_telephone") or "").strip(),
            total=Decimal(str(total)) if total is not None else None,
            customer_contact_id=str(customer) if customer and is_contact else None,
            business_unit=row.get("_owningbusinessunit_value"),
            order_type=str(order_type) if order_type is not None else None,
            lines=tuple(d for d in descriptions if d),
        )

    def contact(self, contact_id: uuid.UUID | str, field: str) -> Person:
        try:
            row = self.dataverse.retrieve(
                CONTACTS,
                str(contact_id),
                select=["firstname", "lastname", "middlename", "mobilephone", "telephone1"],
            )
        except NotFoundError:
            raise Problem(
                404,
                f"Contact {contact_id} does not exist.",
                errors=[{"field": field, "message": "not found"}],
            ) from None
        return Person(
            first_name=str(row.get("firstname") or "").strip(),
            last_name=str(row.get("lastname") or "").strip(),
            middle_name=str(row.get("middlename") or "").strip(),
            phone=row.get("mobilephone") or row.get("telephone1") or None,
            contact_id=str(contact_id),
        )


@dataclass(frozen=True)
class Written:
    """What a flush took: write requests sent, and orders whose mapped status Dataverse refused."""

    requests: int
    orders_refused: int = 0


def _bulk(message: str, entity_set: str, logical_name: str, rows: Sequence[dict[str, Any]]) -> BatchOperation:
    odata_type = f"Microsoft.Dynamics.CRM.{logical_name}"
    targets = [{"@odata.type": odata_type, **row} for row in rows]
    return BatchOperation("POST", f"{entity_set}/Microsoft.Dynamics.CRM.{message}", {"Targets": targets})


def _change_key(row: dict[str, Any]) -> AlternateKey:
    return AlternateKey({"smart_changekey": row["smart_changekey"]})

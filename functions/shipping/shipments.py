"""Waybill use cases: create (from a CRM order or an explicit body), read, delete, track, daily registry.

Create is idempotent on the shipment's alternate key (default ``<order id>:<sequence>``): the row is
claimed in Dataverse first (create-only), and Nova Poshta is called through ``create_waybill_once``
with a barcode derived from the key, so a retry, even after a timeout that Nova Poshta had already
accepted, returns the first waybill. The claim holds for ``create_lease`` (from the client timeout):
a retry that arrives while the first request is still working answers 503 "in progress" (Retry-After)
instead of sending a second save; after the first request ends (or dies and its claim runs out) one
retry takes the row over (ETag check), looks the barcode up and creates only if Nova Poshta has
nothing. Before every save attempt a request checks that it still holds the row and renews the claim
(ETag), so a slow request with retries is never overtaken mid-way. Leases are in UTC (no DST jumps).

The printable label link carries the sender's API key: it is built on demand for the caller and never
logged or stored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.novaposhta import (
    NovaPoshtaError,
    TrackingQuery,
    mask_phone,
)
from dataverse import bind
from dataverse.schema import ShipmentStatus
from functions.common.problems import Problem
from functions.shipping import builder
from functions.shipping.errors import provider_problem
from functions.shipping.lookups import ReferenceData
from functions.shipping.models import (
    CreateShipmentRequest,
    DeletedShipment,
    Registry,
    RegistryRequest,
    RejectedWaybill,
    Shipment,
    TrackShipmentRequest,
)
from functions.shipping.profiles import SenderDirectory
from functions.shipping.repository import ShippingRepository
from functions.shipping.rules import (
    ORDERS,
    ShipmentRow,
    client_barcode,
    idempotency_key,
    status_for,
    status_row,
)

KYIV = ZoneInfo("Europe/Kyiv")
CREATE_IN_PROGRESS = "urn:smart-connectors:problem:create-in-progress"
_logger = logging.getLogger("smart.shipping")


class ShipmentService:
    def __init__(
        self,
        repository: ShippingRepository,
        senders: SenderDirectory,
        refdata: ReferenceData,
        *,
        default_weight: Any,
        default_dimensions: Any,
        create_lease: timedelta = timedelta(seconds=75),
        clock: Callable[[], datetime] = lambda: datetime.now(KYIV),
    ) -> None:
        self.repository = repository
        self.senders = senders
        self.refdata = refdata
        self.default_weight = default_weight
        self.default_dimensions = default_dimensions
        self.create_lease = create_lease
        self.clock = clock

    # --- create ----------------------------------------------------------------------------------

    def create(self, request: CreateShipmentRequest) -> tuple[Shipment, bool]:
        """The shipment, and whether it was created now (False: an earlier request made it)."""
        key = request.idempotency_key or idempotency_key(_required(request.order_id), request.sequence)
        earlier = self.repository.by_key(key)
        if earlier is not None and earlier.number:
            return self._out(earlier, replayed=True), False
        order = self.repository.order(request.order_id) if request.order_id else None
        person = builder.recipient(request, order, self.repository)
        place = builder.place(request.destination, order, self.refdata)
        locker = place.destination is not None and place.destination.kind == "parcel_locker"
        cargo = builder.cargo(request.parcel, order, locker, self.default_weight, self.default_dimensions)
        profile = self.senders.choose(
            request.sender_profile,
            order.business_unit if order else None,
            order.order_type if order else None,
        )
        send_date = request.send_date or self.clock().date()
        try:
            sender = self.senders.sender(profile)
        except NovaPoshtaError as error:
            raise provider_problem(error) from error
        draft = builder.draft(sender, person.phone or "", place, cargo, send_date)
        primary = request.primary
        if primary is None:
            primary = order is None or not self.repository.order_has_primary(order.id, key)
        row: dict[str, Any] = {
            "smart_name": f"{order.number or order.name} #{request.sequence}" if order else key,
            "smart_idempotencykey": key,
            "smart_recipientname": person.full_name[:200],
            "smart_recipientphone": f"+{person.phone}",
            "smart_recipientcity": place.city_name[:200],
            "smart_recipientwarehouse": place.label[:300],
            "smart_isprimary": primary,
            "smart_senderprofile": profile,
            "smart_status": ShipmentStatus.CREATED.option_value,
        }
        if order is not None:
            row["smart_orderid@odata.bind"] = bind(ORDERS, order.id)
        if person.contact_id:
            row["smart_contactid@odata.bind"] = bind("contacts", person.contact_id)
        started, claim_id = self.clock().astimezone(UTC), uuid.uuid4().hex  # UTC: no DST jumps
        row["smart_claimexpireson"] = (started + self.create_lease).isoformat()
        row["smart_claimid"] = claim_id
        claimed = self.repository.claim(key, row)
        if claimed is not None and claimed.number:
            return self._out(claimed, replayed=True), False
        if claimed is not None and claimed.claim_id == claim_id:
            claimed = None  # our own claim: its answer was lost and the create-only write was repeated
        if claimed is not None:
            self._take_over(claimed, row, started)
        client = self.senders.client(profile)
        try:
            recipient = client.create_private_recipient(
                person.first_name, person.last_name, person.phone or "", middle_name=person.middle_name
            )
            waybill_request = builder.with_recipient(draft, recipient, place, client)
            # A fresh claim means no earlier attempt reached Nova Poshta: no need to look the key up.
            # Before every save attempt the claim is checked and renewed, so it covers all the retries.
            waybill = client.create_waybill_once(
                waybill_request,
                client_barcode(key),
                look_first=claimed is not None,
                before_save=lambda: self._hold(key, claim_id),
            )
        except NovaPoshtaError as error:
            problem = provider_problem(error)
            self._release(key, claim_id, row, problem)
            raise problem from error
        except Problem as problem:
            self._release(key, claim_id, row, problem)
            raise
        now = datetime.now(KYIV)
        saved = {
            **row,
            "smart_name": waybill.number if order is None else f"{row['smart_name']}: {waybill.number}",
            "smart_waybillnumber": waybill.number,
            "smart_waybillref": waybill.ref,
            "smart_cost": float(waybill.cost_on_site) if waybill.cost_on_site is not None else None,
            "smart_estimateddeliverydate": waybill.estimated_delivery_date.isoformat()
            if waybill.estimated_delivery_date
            else None,
            "smart_statuscode": 1,
            "smart_statuschangedon": now.isoformat(),
            "smart_error": None,
            "smart_claimexpireson": None,
            "smart_claimid": None,
        }
        shipment_id = self.repository.save(key, saved)
        if primary and order is not None:
            self.repository.clear_other_primaries(order.id, key)
        stored = ShipmentRow(
            id=shipment_id, key=key, number=waybill.number, status=None,
            order_id=order.id if order else None, contact_id=person.contact_id,
        )  # fmt: skip
        self._record_status(stored, ShipmentStatus.CREATED, 1, "Створено", now)
        _logger.info(
            "waybill %s created for %s (recipient %s, profile %s)",
            waybill.number, key, mask_phone(person.phone or ""), profile,
        )  # fmt: skip
        created = self.repository.by_key(key)
        assert created is not None
        return self._out(created), True

    def _take_over(self, claimed: ShipmentRow, row: dict[str, Any], now: datetime) -> None:
        """Go on with a row an earlier request claimed: only once its claim has run out (that request
        ended or died), and only if no other retry took it over first; otherwise 503 "in progress"."""
        expires = _instant(claimed.claim_expires_on)
        if expires is not None and expires > now.astimezone(UTC):
            raise _in_progress(claimed.key, (expires - now).total_seconds())
        if not self.repository.update_if_unchanged(claimed, row):
            raise _in_progress(claimed.key, self.create_lease.total_seconds())

    def _hold(self, key: str, claim_id: str) -> None:
        """Just before a save: a request slower than its claim may have been taken over since (then
        503 "in progress" and no save); otherwise the claim is renewed for another lease (ETag check)."""
        current = self.repository.by_key(key)
        if current is None or current.claim_id != claim_id:
            raise _in_progress(key, self.create_lease.total_seconds())
        renewed = {"smart_claimexpireson": (self.clock().astimezone(UTC) + self.create_lease).isoformat()}
        if not self.repository.update_if_unchanged(current, renewed):
            raise _in_progress(key, self.create_lease.total_seconds())

    def _release(self, key: str, claim_id: str, row: dict[str, Any], problem: Problem) -> None:
        """This attempt is over: free the claim at once, with Nova Poshta's reason when it refused."""
        current = self.repository.by_key(key)
        if problem.type == CREATE_IN_PROGRESS or current is None or current.claim_id != claim_id:
            return  # another request holds the row now
        released: dict[str, Any] = {**row, "smart_claimexpireson": None, "smart_claimid": None}
        if problem.status < 500:
            released["smart_error"] = problem.detail[:1000]
        self.repository.save(key, released)

    def _record_status(
        self, row: ShipmentRow, status: ShipmentStatus, code: int | None, text: str, now: datetime
    ) -> None:
        data = status_row(row, status, code, text, now)
        self.repository.add_status_row(data["smart_changekey"], data)

    # --- read, delete, track ---------------------------------------------------------------------

    def get(self, number: str) -> Shipment:
        return self._out(self._existing(number))

    def delete(self, number: str) -> DeletedShipment:
        row = self._existing(number)
        if row.status is ShipmentStatus.DELETED:
            return DeletedShipment(waybill_number=number)
        if not row.waybill_ref:
            raise Problem(
                409, f"Waybill {number} was created outside the CRM; delete it in Nova Poshta's cabinet."
            )
        try:
            self.senders.client(self._profile_of(row)).delete_waybill(row.waybill_ref)
        except NovaPoshtaError as error:
            raise provider_problem(error) from error
        now = datetime.now(KYIV)
        self.repository.update(row.id, {
            "smart_status": ShipmentStatus.DELETED.option_value, "smart_statuscode": 2,
            "smart_statustext": "Видалено", "smart_statuschangedon": now.isoformat(),
        })  # fmt: skip
        self._record_status(row, ShipmentStatus.DELETED, 2, "Видалено", now)
        return DeletedShipment(waybill_number=number)

    def track(self, request: TrackShipmentRequest) -> tuple[Shipment, bool]:
        """Follow a waybill made outside the CRM; the existing shipment if it is already followed."""
        known = self.repository.by_number(request.number)
        if known is not None:
            return self._out(known, replayed=True), False
        order = self.repository.order(request.order_id)
        try:
            status = self.senders.client().track([TrackingQuery(number=request.number)])[0]
        except NovaPoshtaError as error:
            raise provider_problem(error) from error
        key = f"track:{request.number}"
        primary = request.primary
        if primary is None:
            primary = not self.repository.order_has_primary(order.id, key)
        current = status_for(status.state)
        now = datetime.now(KYIV)
        data: dict[str, Any] = {
            "smart_name": f"{order.number or order.name}: {request.number}",
            "smart_idempotencykey": key,
            "smart_waybillnumber": request.number,
            "smart_orderid@odata.bind": bind(ORDERS, order.id),
            "smart_isprimary": primary,
            "smart_status": current.option_value,
            "smart_statuscode": int(status.status_code) if status.status_code.isdigit() else None,
            "smart_statustext": status.status_text[:300],
            "smart_recipientcity": status.city_recipient[:200],
            "smart_recipientwarehouse": status.warehouse_recipient[:300],
            "smart_statuschangedon": now.isoformat(),
        }
        if status.scheduled_delivery_date is not None:
            data["smart_estimateddeliverydate"] = status.scheduled_delivery_date.date().isoformat()
        if order.customer_contact_id:
            data["smart_contactid@odata.bind"] = bind("contacts", order.customer_contact_id)
        shipment_id = self.repository.save(key, data)
        if primary:
            self.repository.clear_other_primaries(order.id, key)
        stored = ShipmentRow(
            id=shipment_id,
            key=key,
            number=request.number,
            status=None,
            order_id=order.id,
            contact_id=order.customer_contact_id,
        )
        self._record_status(stored, current, data["smart_statuscode"], status.status_text, now)
        row = self.repository.by_key(key)
        assert row is not None
        return self._out(row), True

    # --- registry --------------------------------------------------------------------------------

    def registry(self, request: RegistryRequest) -> Registry:
        profile = self.senders.choose(request.sender_profile)
        day = request.send_date or self.clock().date()
        if request.numbers:
            rows = [self._existing(number, field="numbers") for number in dict.fromkeys(request.numbers)]
        else:
            start = datetime.combine(day, time.min, KYIV)
            rows = self.repository.created_between(profile, start, start + timedelta(days=1))
        refs = {row.waybill_ref: row.number or "" for row in rows if row.waybill_ref}
        if not refs:
            raise Problem(409, f"No waybills created by the CRM on {day.isoformat()} to put in a registry.")
        try:
            sheet = self.senders.client(profile).create_scan_sheet(list(refs), on_date=day)
        except NovaPoshtaError as error:
            raise provider_problem(error) from error
        return Registry(
            registry_number=sheet.number,
            registry_ref=sheet.ref,
            date=sheet.date,
            added=[refs.get(ref, ref) for ref in sheet.added],
            rejected=[
                RejectedWaybill(waybill=refs.get(ref, ref), reason=reason) for ref, reason in sheet.rejected
            ],
        )

    # --- helpers ---------------------------------------------------------------------------------

    def _existing(self, number: str, field: str = "number") -> ShipmentRow:
        row = self.repository.by_number(number)
        if row is None:
            raise Problem(
                404,
                f"No shipment with waybill {number} in the CRM.",
                errors=[{"field": field, "message": "not found; POST /api/shipments/track to follow it"}],
            )
        return row

    def _profile_of(self, row: ShipmentRow) -> str | None:
        """The profile that made the waybill; the default one if that profile is no longer configured."""
        return row.sender_profile if row.sender_profile in self.senders.profiles else None

    def _out(self, row: ShipmentRow, *, replayed: bool = False) -> Shipment:
        label = None
        if row.number and row.waybill_ref and row.status is not ShipmentStatus.DELETED:
            label = self.senders.client(self._profile_of(row)).printable_label_url([row.number])
        return Shipment(
            shipment_id=row.id,
            idempotency_key=row.key,
            waybill_number=row.number,
            order_id=row.order_id,
            status=row.status.value if row.status else None,
            status_code=row.status_code,
            status_text=row.status_text or None,
            cost=row.cost,
            estimated_delivery_date=date.fromisoformat(row.estimated_date) if row.estimated_date else None,
            recipient_name=row.recipient_name or None,
            recipient_city=row.recipient_city or None,
            recipient_warehouse=row.warehouse or None,
            is_primary=row.is_primary,
            sender_profile=row.sender_profile,
            label_url=label,
            error=row.error,
            return_waybill_number=row.return_number,
            replayed=replayed,
        )


def create_lease(timeout_seconds: float) -> timedelta:
    """How long a create holds its row: longer than it normally takes even with slow answers (the
    recipient and the save, each a few client timeouts), short enough that a request that died does
    not keep the order waiting long (15 s timeouts: 75 s)."""
    return timedelta(seconds=max(30.0, 4 * timeout_seconds + 15))


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _in_progress(key: str, seconds: float) -> Problem:
    """503 rather than 409: a transient answer, which Power Automate's default policy and our clients
    retry after Retry-After, and the retry then gets the waybill."""
    return Problem(
        503,
        f"A waybill for {key} is being created by an earlier request; ask again in a few seconds "
        "to get it.",
        title="Create in progress",
        type=CREATE_IN_PROGRESS,
        retry_after=min(max(seconds, 1.0), 5.0),
    )


def _required(order_id: uuid.UUID | None) -> uuid.UUID:
    if order_id is None:
        raise Problem(
            422,
            "Give order_id or idempotency_key.",
            errors=[{"field": "idempotency_key", "message": "required"}],
        )
    return order_id

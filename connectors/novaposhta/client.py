"""``NovaPoshtaClient``: reference data, quotes, waybills, tracking, scan sheets (API 2.0, JSON).

Retry rules (decided here, executed in ``_transport``): reference data, quotes, tracking and look-ups
are repeated on transient failure; ``create_waybill``, ``delete_waybill``, ``create_private_recipient``,
``create_recipient_address`` and a new scan sheet are not. ``create_waybill_once`` is the safe way to
create: it finds an earlier attempt by ``InfoRegClientBarcodes`` before (re)sending.

The API key lives only inside the transport and in ``printable_label_url``'s result; it never appears
in a repr, an exception or a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal

import requests
from pydantic import TypeAdapter

from connectors.common.retry import RetryPolicy
from connectors.novaposhta import _parsing
from connectors.novaposhta._transport import Envelope, Transport
from connectors.novaposhta.errors import NovaPoshtaApiError, NovaPoshtaError, WaybillNotDeletableError
from connectors.novaposhta.models import (
    ContactPerson,
    Counterparty,
    DeliveryDateRequest,
    Phone,
    PriceQuote,
    PriceRequest,
    Ref,
    ScanSheet,
    ScanSheetSummary,
    SettlementPage,
    Street,
    Warehouse,
    WarehousePage,
    mask_phone,
    np_date,
)
from connectors.novaposhta.printing import PrintFormat, PrintKind, printable_label_url
from connectors.novaposhta.tracking import MAX_DOCUMENTS_PER_CALL, TrackingQuery, TrackingStatus
from connectors.novaposhta.waybills import ClientBarcode, Recipient, Waybill, WaybillRequest

DEFAULT_PRINT_BASE_URL = "https://my.novaposhta.ua"
_logger = logging.getLogger("connectors.novaposhta")
_REFS = TypeAdapter(list[Ref])
_REF = TypeAdapter(Ref)
_PHONE = TypeAdapter(Phone)
_BARCODE = TypeAdapter(ClientBarcode)
_MAX_PAGES = 1000


class NovaPoshtaClient:
    """A Nova Poshta API 2.0 client. ``base_url`` is ``https://api.novaposhta.ua`` or a simulator's URL."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: requests.Session | None = None,
        timeout: float = 15.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe as a default
        print_base_url: str = DEFAULT_PRINT_BASE_URL,
    ) -> None:
        self._owns_session = session is None
        self._api_key = api_key
        self.print_base_url = print_base_url
        self.retry = retry
        self._transport = Transport(base_url, api_key, session or requests.Session(), timeout, retry)

    def __repr__(self) -> str:
        return f"NovaPoshtaClient(url={self._transport.url!r})"

    def close(self) -> None:
        if self._owns_session:
            self._transport.session.close()

    def __enter__(self) -> NovaPoshtaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- addresses -------------------------------------------------------------------------------

    def search_settlements(self, query: str, page: int = 1, limit: int = 20) -> SettlementPage:
        """``Address.searchSettlements``: online search by name (``Limit`` is mandatory)."""
        envelope = self._call("Address", "searchSettlements", CityName=query, Page=page, Limit=limit)
        return _parsing.settlement_page(envelope, page)

    def get_warehouses(
        self,
        *,
        settlement_ref: str | None = None,
        city_ref: str | None = None,
        query: str | None = None,
        type_ref: str | None = None,
        page: int = 1,
        limit: int = 50,
    ) -> WarehousePage:
        """``Address.getWarehouses``: one page of branches / parcel lockers (``type_ref``: WarehouseType)."""
        properties: dict[str, Any] = {"Page": str(page), "Limit": str(limit), "Language": "UA"}
        for name, value in (
            ("SettlementRef", settlement_ref),
            ("CityRef", city_ref),
            ("TypeOfWarehouseRef", type_ref),
        ):
            if value is not None:
                properties[name] = _REF.validate_python(value)
        if query:
            properties["FindByString"] = query
        envelope = self._transport.call("Address", "getWarehouses", properties)
        return _parsing.warehouse_page(envelope, page)

    def iter_warehouses(
        self,
        *,
        settlement_ref: str | None = None,
        city_ref: str | None = None,
        query: str | None = None,
        type_ref: str | None = None,
        limit: int = 500,
    ) -> Iterator[Warehouse]:
        """Every matching warehouse, page by page, until ``info.totalCount`` (or a short page)."""
        seen = 0
        for page in range(1, _MAX_PAGES + 1):
            result = self.get_warehouses(
                settlement_ref=settlement_ref,
                city_ref=city_ref,
                query=query,
                type_ref=type_ref,
                page=page,
                limit=limit,
            )
            yield from result.items
            seen += len(result.items)
            if not result.items or seen >= result.total_count:  # NP may cap Limit: trust totalCount
                return

    def search_streets(self, settlement_ref: str, query: str, limit: int = 20) -> list[Street]:
        """``Address.searchSettlementStreets`` (for courier delivery addresses)."""
        envelope = self._call(
            "Address",
            "searchSettlementStreets",
            SettlementRef=_REF.validate_python(settlement_ref),
            StreetName=query,
            Limit=limit,
        )
        return _parsing.streets(envelope)

    def create_recipient_address(
        self, counterparty_ref: str, street_ref: str, building_number: str, flat: str | None = None
    ) -> str:
        """``Address.save``: a delivery address of the recipient; returns its Ref. Not retried."""
        properties = {
            "CounterpartyRef": _REF.validate_python(counterparty_ref),
            "StreetRef": _REF.validate_python(street_ref),
            "BuildingNumber": building_number,
            "Flat": flat or "",
        }
        envelope = self._transport.call("Address", "save", properties, safe=False)
        return str(envelope.first()["Ref"])

    # --- counterparties --------------------------------------------------------------------------

    def get_counterparties(
        self, property: Literal["Sender", "Recipient", "ThirdPerson"] = "Sender", page: int = 1
    ) -> list[Counterparty]:
        envelope = self._call("Counterparty", "getCounterparties", CounterpartyProperty=property, Page=page)
        return [Counterparty.model_validate(row) for row in envelope.data]

    def get_counterparty_contact_persons(self, ref: str, page: int = 1) -> list[ContactPerson]:
        envelope = self._call(
            "Counterparty", "getCounterpartyContactPersons", Ref=_REF.validate_python(ref), Page=page
        )
        return [ContactPerson.model_validate(row) for row in envelope.data]

    def create_private_recipient(
        self, first_name: str, last_name: str, phone: str, *, middle_name: str = "", email: str = ""
    ) -> Recipient:
        """``Counterparty.save`` for a private person; returns counterparty and contact refs. Not retried."""
        checked_phone = _PHONE.validate_python(phone)
        properties = {
            "FirstName": first_name,
            "MiddleName": middle_name,
            "LastName": last_name,
            "Phone": checked_phone,
            "Email": email,
            "CounterpartyType": "PrivatePerson",
            "CounterpartyProperty": "Recipient",
        }
        row = self._transport.call("Counterparty", "save", properties, safe=False).first()
        contact_ref = _parsing.nested_contact_ref(row)
        if contact_ref is None:  # older answers omit the nested ContactPerson: look it up
            contacts = self.get_counterparty_contact_persons(str(row["Ref"]))
            if not contacts:
                raise NovaPoshtaApiError(
                    called="Counterparty.save", messages=["recipient has no contact person"]
                )
            contact_ref = contacts[0].ref
        return Recipient(counterparty_ref=str(row["Ref"]), contact_ref=contact_ref, phone=checked_phone)

    # --- quotes ----------------------------------------------------------------------------------

    def get_document_price(self, request: PriceRequest) -> PriceQuote:
        properties: dict[str, Any] = {
            "CitySender": request.city_sender_ref,
            "CityRecipient": request.city_recipient_ref,
            "Weight": str(request.weight),
            "ServiceType": request.service_type.value,
            "Cost": str(request.declared_value),
            "CargoType": request.cargo_type.value,
            "SeatsAmount": str(request.seats_amount),
        }
        if request.cash_on_delivery is not None:
            properties["RedeliveryCalculate"] = {
                "CargoType": "Money",
                "Amount": str(request.cash_on_delivery),
            }
        envelope = self._transport.call("InternetDocument", "getDocumentPrice", properties)
        return PriceQuote.model_validate(envelope.first())

    def get_document_delivery_date(self, request: DeliveryDateRequest) -> date:
        envelope = self._call(
            "InternetDocument",
            "getDocumentDeliveryDate",
            DateTime=np_date(request.send_date),
            ServiceType=request.service_type.value,
            CitySender=request.city_sender_ref,
            CityRecipient=request.city_recipient_ref,
        )
        return _parsing.delivery_date(envelope)

    # --- waybills --------------------------------------------------------------------------------

    def create_waybill(self, request: WaybillRequest) -> Waybill:
        """``InternetDocument.save``, sent once (never retried): prefer create_waybill_once."""
        envelope = self._transport.call(
            "InternetDocument", "save", request.to_method_properties(), safe=False
        )
        waybill = _parsing.created_waybill(envelope, request)
        _logger.info(
            "created waybill %s (barcode %s) for recipient %s",
            waybill.number,
            request.client_barcode,
            mask_phone(request.recipient.phone),
        )
        return waybill

    def create_waybill_once(
        self,
        request: WaybillRequest,
        idempotency_key: str,
        *,
        look_first: bool = True,
        before_save: Callable[[], None] | None = None,
    ) -> Waybill:
        """Create at most one waybill per ``idempotency_key`` (sent as ``InfoRegClientBarcodes``).

        Looks the key up first (an earlier process may have created it; ``look_first=False`` when the
        caller knows no earlier attempt exists), then sends; after a transient failure it looks again
        before re-sending, within the client's retry policy. ``before_save`` runs before every save
        attempt (the caller's chance to check or renew its own lock; it raises to stop). Searches the
        send date ±1 day (Nova Poshta files documents by send date).
        """
        key = _BARCODE.validate_python(idempotency_key)
        if request.client_barcode not in (None, key):
            raise ValueError("client_barcode: differs from idempotency_key")
        request = request.model_copy(update={"client_barcode": key})
        window = (request.send_date - timedelta(days=1), request.send_date + timedelta(days=1))
        existing = self.find_waybill_by_client_barcode(key, *window) if look_first else None
        if existing is not None:
            return existing
        attempt = 0
        while True:
            attempt += 1
            if before_save is not None:
                before_save()
            try:
                return self.create_waybill(request)
            except NovaPoshtaError as error:
                if not error.is_transient:
                    raise
                _logger.warning("waybill save for barcode %s failed transiently, checking: %s", key, error)
                existing = self.find_waybill_by_client_barcode(key, *window)
                if existing is not None:
                    return existing
                retry_after = error.retry_after
                if not self.retry.should_retry(attempt, retry_after):
                    raise
                self.retry.pause(attempt, retry_after)

    def list_waybills(self, date_from: date, date_to: date, *, page_size: int = 100) -> Iterator[Waybill]:
        """``InternetDocument.getDocumentList`` for send dates in [date_from, date_to], all pages.

        Deleted documents are skipped. Paging stops at ``info.totalCount`` (or at a short page when
        Nova Poshta leaves the count out), so a server-side cap on ``Limit`` cannot hide documents.
        """
        seen = 0
        for page in range(1, _MAX_PAGES + 1):
            envelope = self._call(
                "InternetDocument",
                "getDocumentList",
                DateTimeFrom=np_date(date_from),
                DateTimeTo=np_date(date_to),
                Page=page,
                Limit=page_size,
                GetFullList="0",
            )
            rows = [row for row in envelope.data if isinstance(row, Mapping)]
            yield from (_parsing.listed_waybill(row) for row in rows if not _parsing.is_deleted(row))
            seen += len(rows)
            total = envelope.total_count
            if not rows or (seen >= total if total is not None else len(rows) < page_size):
                return

    def find_waybill_by_client_barcode(self, key: str, date_from: date, date_to: date) -> Waybill | None:
        """The live waybill whose ``InfoRegClientBarcodes`` is ``key``, or None if there is none."""
        for waybill in self.list_waybills(date_from, date_to):
            if waybill.client_barcode == key:
                return waybill
        return None

    def delete_waybill(self, refs: str | Sequence[str]) -> list[str]:
        """``InternetDocument.delete``; returns deleted refs. A refusal raises WaybillNotDeletableError."""
        checked = _REFS.validate_python([refs] if isinstance(refs, str) else list(refs))
        try:
            envelope = self._transport.call(
                "InternetDocument", "delete", {"DocumentRefs": checked}, safe=False
            )
        except NovaPoshtaApiError as error:
            if error.is_transient or type(error) is not NovaPoshtaApiError:
                raise
            raise WaybillNotDeletableError(
                called=error.called, codes=error.codes, messages=error.messages, warnings=error.warnings
            ) from error
        return [str(row.get("Ref")) for row in envelope.data if isinstance(row, Mapping)]

    # --- tracking, printing, scan sheets ---------------------------------------------------------

    def track(self, documents: Iterable[TrackingQuery | str]) -> list[TrackingStatus]:
        """``TrackingDocument.getStatusDocuments`` in calls of at most 100 documents, results in order."""
        queries = [d if isinstance(d, TrackingQuery) else TrackingQuery(number=d) for d in documents]
        statuses: list[TrackingStatus] = []
        for start in range(0, len(queries), MAX_DOCUMENTS_PER_CALL):
            batch = queries[start : start + MAX_DOCUMENTS_PER_CALL]
            envelope = self._transport.call(
                "TrackingDocument", "getStatusDocuments", {"Documents": [q.to_np() for q in batch]}
            )
            statuses.extend(TrackingStatus.from_np(row) for row in envelope.data if isinstance(row, Mapping))
        return statuses

    def printable_label_url(
        self, numbers: Iterable[str], kind: PrintKind = "marking", format: PrintFormat = "pdf"
    ) -> str:
        """Print link for markings (labels) or waybills. It embeds the API key: never log or store it."""
        return printable_label_url(self.print_base_url, self._api_key, numbers, kind, format)

    def create_scan_sheet(
        self, document_refs: Sequence[str], *, scan_sheet_ref: str | None = None, on_date: date | None = None
    ) -> ScanSheet:
        """``ScanSheet.insertDocuments``: a new registry (or add to ``scan_sheet_ref``) of the day's waybills.

        Retried only when adding to an existing registry (repeating a new-registry call could split it).
        """
        properties: dict[str, Any] = {"DocumentRefs": _REFS.validate_python(list(document_refs))}
        if scan_sheet_ref is not None:
            properties["Ref"] = _REF.validate_python(scan_sheet_ref)
        if on_date is not None:
            properties["Date"] = np_date(on_date)
        envelope = self._transport.call(
            "ScanSheet", "insertDocuments", properties, safe=scan_sheet_ref is not None
        )
        return _parsing.scan_sheet(envelope)

    def list_scan_sheets(self) -> list[ScanSheetSummary]:
        envelope = self._call("ScanSheet", "getScanSheetList")
        return [ScanSheetSummary.model_validate(row) for row in envelope.data]

    def _call(self, model: str, method: str, **properties: object) -> Envelope:
        """A safe (retried) call with scalar properties sent as strings, as Nova Poshta expects."""
        return self._transport.call(model, method, {name: str(value) for name, value in properties.items()})

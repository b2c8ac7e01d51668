"""``NovaPoshtaSimulator``: Nova Poshta API 2.0 on loopback, with simulated time and injectable failures.

Wire format (like the real service): ``POST /v2.0/json/`` (or ``/v2.0/json/{Model}/{method}``) with the
JSON envelope; always HTTP 200 with ``success``/``data``/``errors``/``errorCodes``/… (only the loopback
``Faults`` produce 5xx, 429, timeouts and drops). Print links: ``GET /orders/printDocument/…`` and
``GET /orders/printMarking85x85/…`` answer a tiny PDF when the key in the path is right.

Admin API (JSON):
- ``GET /_sim/state``: calls by ``calledMethod``, waybills, scan sheets, simulated hours, faults.
- ``GET /_sim/waybills``: every waybill ever created (deleted ones too).
- ``POST /_sim/faults``: body = ``local_runtime.loopback.Faults`` fields (``{}`` clears them); they
  apply to the provider paths only (``only_paths`` defaults to ``/v2.0/`` and ``/orders/``).
- ``POST /_sim/reset``: forget waybills, contacts, sheets, counters, time, faults.
- ``POST /_sim/advance`` ``{"hours": n}``: move simulated time; parcels move along their journeys.
- ``POST /_sim/envelope-errors`` ``{"count": n, "code": "…", "text": "…", "method": "Model.method"?}``:
  the next n matching calls answer ``success: false`` with that code and text.
- ``POST /_sim/stall-next-save`` ``{"seconds": s, "count": 1}``: the next ``InternetDocument.save`` is
  accepted and recorded, then the answer is held for s seconds (a client timeout after acceptance).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from local_runtime.loopback import Faults, LoopbackServer, Request, Response
from local_runtime.simulators.novaposhta import _addresses, _data, _documents, _rules, _tracking
from local_runtime.simulators.novaposhta._admin import admin
from local_runtime.simulators.novaposhta._state import Refusal, SimState

KYIV = ZoneInfo("Europe/Kyiv")
AUTH_FAIL = ("20000200068", "API auth fail")
KEY_EMPTY = ("20000200069", "API key empty")
PROVIDER_PATHS = ("/v2.0/", "/orders/")
_Method = Callable[[SimState, dict[str, Any], datetime], tuple[list[Any], Any]]
_METHODS: dict[str, _Method] = {
    "Address.searchSettlements": _addresses.search_settlements,
    "Address.getWarehouses": _addresses.get_warehouses,
    "AddressGeneral.getWarehouses": _addresses.get_warehouses,
    "Address.searchSettlementStreets": _addresses.search_streets,
    "Address.save": _addresses.save_address,
    "Counterparty.getCounterparties": _addresses.get_counterparties,
    "Counterparty.getCounterpartyContactPersons": _addresses.get_contact_persons,
    "Counterparty.save": _addresses.save_counterparty,
    "InternetDocument.getDocumentPrice": _addresses.get_document_price,
    "InternetDocument.getDocumentDeliveryDate": _addresses.get_delivery_date,
    "InternetDocument.save": _documents.save,
    "InternetDocument.getDocumentList": _documents.get_document_list,
    "InternetDocument.delete": _documents.delete,
    "ScanSheet.insertDocuments": _documents.insert_documents,
    "ScanSheet.getScanSheetList": _documents.get_scan_sheet_list,
}
_TRACKING = "TrackingDocument.getStatusDocuments"
_MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class _InjectedError:
    remaining: int
    code: str
    text: str
    method: str | None


def envelope(
    data: list[Any], info: Any = None, errors: tuple[list[str], list[str]] | None = None
) -> dict[str, Any]:
    texts, codes = errors or ([], [])
    return {
        "success": errors is None,
        "data": data,
        "errors": texts,
        "warnings": [],
        "info": info if info is not None else [],
        "messageCodes": [],
        "errorCodes": codes,
        "warningCodes": [],
        "infoCodes": [],
    }


class NovaPoshtaSimulator:
    def __init__(
        self,
        port: int = 0,
        *,
        api_key: str = "sim-np-key",
        seed: int = 0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.api_key = api_key
        self.seed = seed
        self._clock = clock or (lambda: datetime.now(KYIV))
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._state = SimState(seed)
        self._injected: list[_InjectedError] = []
        self._stalls: list[float] = []
        self._server = LoopbackServer(self.handle, port=port, name="novaposhta-sim")

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> NovaPoshtaSimulator:
        self._stopping.clear()
        self._server.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # release stalled saves at once
        self._server.stop()

    def __enter__(self) -> NovaPoshtaSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- Python-side controls (the admin API calls these) ----------------------------------------

    @property
    def faults(self) -> Faults:
        return self._server.faults

    def set_faults(self, **options: Any) -> Faults:
        known = {f.name for f in fields(Faults)}
        unknown = set(options) - known
        if unknown:
            raise ValueError(f"unknown fault options: {sorted(unknown)}")
        # Faults hit the provider's endpoints only, so the admin API can always clear them.
        options["only_paths"] = tuple(options.get("only_paths") or PROVIDER_PATHS)
        self._server.faults = Faults(**options)
        return self._server.faults

    def now(self) -> datetime:
        with self._lock:
            return self._clock() + timedelta(hours=self._state.hours_advanced)

    def today(self) -> date:
        return self.now().date()

    def advance(self, hours: float) -> datetime:
        if hours < 0:
            raise ValueError("hours: time only moves forward")
        with self._lock:
            self._state.hours_advanced += hours
        return self.now()

    def inject_envelope_errors(
        self,
        count: int = 1,
        code: str = "20000100016",
        text: str = "Service unavailable",
        method: str | None = None,
    ) -> None:
        with self._lock:
            self._injected.append(_InjectedError(count, code, text, method))

    def stall_next_saves(self, seconds: float, count: int = 1) -> None:
        """Accept and record the next ``count`` saves, then hold each answer ``seconds``."""
        with self._lock:
            self._stalls.extend([seconds] * count)

    def script_outcome(self, number: str, outcome: str) -> None:
        """Make waybill ``number`` end ``received``, ``refused`` (then returning, 103 -> 102) or
        ``storage_ended`` (105) instead of its drawn ending; the timings stay the same."""
        ending = next((known for known in _rules.OUTCOMES if known == outcome), None)
        if ending is None:
            raise ValueError(f"outcome must be one of {', '.join(_rules.OUTCOMES)}")
        with self._lock:
            record = self._state.by_number(number)
            if record is None:
                raise ValueError(f"no waybill {number}")
            record.steps = _rules.journey(
                self._state.seed, record.number, to=record.destination, cod=record.cod is not None,
                same_city=record.city_sender.city_ref == record.city_recipient.city_ref, outcome=ending,
            )  # fmt: skip

    def reset(self) -> None:
        with self._lock:
            self._state = SimState(self.seed)
            self._injected.clear()
            self._stalls.clear()
            self._server.faults = Faults()
            self._server.reset_counts()

    @property
    def calls(self) -> Counter[str]:
        """Calls by ``Model.method`` (authenticated or not, refused or not)."""
        with self._lock:
            return Counter(self._state.calls)

    def waybills(self) -> list[dict[str, Any]]:
        with self._lock:
            now = self.now()
            return [w.summary(now) for w in self._state.waybills.values()]

    def duplicates_by_client_barcode(self) -> dict[str, list[str]]:
        """Client barcodes carried by more than one live waybill -> their numbers (empty: no duplicates)."""
        with self._lock:
            by_key: dict[str, list[str]] = {}
            for w in self._state.waybills.values():
                if w.client_barcode and w.deleted_at is None:
                    by_key.setdefault(w.client_barcode, []).append(w.number)
            return {key: numbers for key, numbers in by_key.items() if len(numbers) > 1}

    def state(self) -> dict[str, Any]:
        with self._lock:
            sheets = [
                {"ref": s["Ref"], "number": s["Number"], "date": s["Date"], "documents": list(s["documents"])}
                for s in self._state.scan_sheets.values()
            ]
            return {
                "calls": dict(self._state.calls),
                "http_requests": dict(self._server.counts),
                "faults_injected": dict(self._server.faults_injected),
                "sim_hours": self._state.hours_advanced,
                "now": self.now().isoformat(),
                "waybills": self.waybills(),
                "scan_sheets": sheets,
                "duplicates_by_client_barcode": self.duplicates_by_client_barcode(),
                "envelope_errors_pending": sum(e.remaining for e in self._injected),
                "stalled_saves_pending": len(self._stalls),
            }

    @staticmethod
    def city_ref(name: str) -> str:
        return next(city.city_ref for city in _data.CITIES if city.name == name)

    # --- HTTP ------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path.startswith("/_sim"):
            return admin(self, request, path)
        if path.startswith("/v2.0/json") and request.method == "POST":
            return self._api(request, path)
        if path.startswith("/orders/print") and request.method == "GET":
            return self._print(path)
        return Response.json({"error": "not found"}, 404)

    def _api(self, request: Request, path: str) -> Response:
        try:
            body = request.json()
        except ValueError:
            return Response.json(envelope([], errors=(["Invalid JSON"], ["20000900001"])))
        if not isinstance(body, dict):
            return Response.json(envelope([], errors=(["Invalid request"], ["20000900002"])))
        tail = path.removeprefix("/v2.0/json").strip("/").split("/")
        model = str(body.get("modelName") or (tail[0] if len(tail) == 2 else ""))
        method = str(body.get("calledMethod") or (tail[1] if len(tail) == 2 else ""))
        called = f"{model}.{method}"
        props = body.get("methodProperties") or {}
        stall = 0.0
        with self._lock:
            self._state.calls[called] += 1
            answer, stall = self._answer(
                called, str(body.get("apiKey") or ""), props if isinstance(props, dict) else {}
            )
        if stall:
            self._stopping.wait(stall)
        return Response.json(answer)

    def _answer(self, called: str, key: str, props: dict[str, Any]) -> tuple[dict[str, Any], float]:
        tracking = called == _TRACKING
        if key != self.api_key and (key or not tracking):  # tracking alone works without a key
            code, text = AUTH_FAIL if key else KEY_EMPTY
            return envelope([], errors=([text], [code])), 0.0
        injected = next((e for e in self._injected if e.remaining > 0 and e.method in (None, called)), None)
        if injected is not None:
            injected.remaining -= 1
            self._injected = [e for e in self._injected if e.remaining > 0]
            return envelope([], errors=([injected.text], [injected.code])), 0.0
        now = self.now()
        try:
            if tracking:
                data, info = _tracking.get_status_documents(self._state, props, now, with_key=bool(key))
            elif called in _METHODS:
                data, info = _METHODS[called](self._state, props, now)
            else:
                return envelope([], errors=([f"Method {called} is not supported"], ["20000900003"])), 0.0
        except Refusal as refusal:
            return envelope([], errors=(refusal.texts, refusal.codes)), 0.0
        stall = self._stalls.pop(0) if called == "InternetDocument.save" and self._stalls else 0.0
        return envelope(data, info), stall

    def _print(self, path: str) -> Response:
        parts = path.strip("/").split("/")
        # orders/<printDocument|printMarking85x85>/orders/<numbers>/type/<format>/apiKey/<key>
        if len(parts) != 8 or parts[2] != "orders" or parts[4] != "type" or parts[6] != "apiKey":
            return Response.json({"error": "bad print link"}, 404)
        if parts[7] != self.api_key:
            return Response(403, b"Access denied", {"Content-Type": "text/plain"})
        with self._lock:
            unknown = [n for n in parts[3].split(",") if self._state.by_number(n) is None]
        if unknown:
            return Response(
                404, f"Documents not found: {','.join(unknown)}".encode(), {"Content-Type": "text/plain"}
            )
        if parts[5] == "html":
            return Response(
                200, f"<html><body>{parts[3]}</body></html>".encode(), {"Content-Type": "text/html"}
            )
        return Response(200, _MINIMAL_PDF, {"Content-Type": "application/pdf"})

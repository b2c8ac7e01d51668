"""``YouScoreSimulator``: the YouScore API on loopback, with the simulator's admin API under ``/_sim/``.

Wire format (reference/providers.md §4): ``GET /v1/usr/{code}``, ``/v1/sanctions?contractorCode=``,
``/v1/taxDebt/{code}``, ``/v1/courtCaseGroup/{code}?Top=&Skip=``, ``/v1/expressAnalysis/{code}``,
``/v1/vat/{code}``, ``/v1/financialScoring/{code}`` (paid) and ``/v1/rateLimits`` (free). The key comes as
``Authorization: bearer <key>`` or ``?apiKey=<key>``. Answers: 200 with data; 202 "Update in progress"
on the first request for a code per module (unless ``showCurrentData=true`` or ``not_ready_first=False``);
404 when nothing is on record; 400 for a malformed code; 429 with Retry-After past a key's limits.

Inferred, because the spec is silent (NOT FOUND): 401 for a missing or unknown key and 403 for a key of
another module, with ``{"code", "error"}`` bodies like the documented 429 one; the 202 body
``{"message", "currentDataUrl"}``; 400 for a code failing its check digit; 202s and 404s not billed.

Admin: ``GET /_sim/state``, ``POST /_sim/reset``, ``POST /_sim/faults`` (body = ``Faults`` fields;
``only_paths`` defaults to ``["/v1/"]`` so the admin API stays reachable), ``POST /_sim/evolve`` (the
next scripted change, 409 when none is left).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from connectors.youcontrol.codes import is_valid_edrpou, is_valid_rnokpp
from local_runtime.loopback import Faults, LoopbackServer, Request, Response
from local_runtime.simulators.youcontrol import _records as render
from local_runtime.simulators.youcontrol._admin import default_faults, faults_from
from local_runtime.simulators.youcontrol._fixtures import FIXTURE_CODES, build_fixtures
from local_runtime.simulators.youcontrol._limits import KeyWindows
from local_runtime.simulators.youcontrol._records import CounterpartyRecord
from local_runtime.simulators.youcontrol._script import SCRIPT
from local_runtime.simulators.youcontrol._synthetic import synthetic_record

MODULES = ("registry", "sanctions", "tax_debt", "courts", "express", "vat", "scoring")
_PATH_MODULES = {
    "usr": "registry",
    "taxDebt": "tax_debt",
    "courtCaseGroup": "courts",
    "expressAnalysis": "express",
    "vat": "vat",
    "financialScoring": "scoring",
}
_DATA_MODULES = frozenset({"registry", "tax_debt", "vat"})
_TRANSACTIONS_PER_KEY = 100_000


def _error(status: int, code: str, text: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response.json({"code": code, "error": text}, status, headers)


def _true(request: Request, name: str) -> bool:
    return (request.arg(name) or "").strip().lower() == "true"


class YouScoreSimulator:
    def __init__(
        self,
        port: int = 0,
        *,
        api_key: str | Mapping[str, str] = "sim-youscore-key",
        seed: int = 0,
        rate_limits: Sequence[tuple[int, float]] = ((200, 60.0), (50, 5.0)),
        not_ready_first: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``api_key``: one key for every module, or ``{module: key}`` (modules: ``MODULES``)."""
        if isinstance(api_key, str):
            self._keys = {module: api_key for module in MODULES}
        else:
            unknown = set(api_key) - set(MODULES)
            if unknown:
                raise ValueError(f"unknown modules {sorted(unknown)}; expected some of {MODULES}")
            self._keys = dict(api_key)
        self.seed = seed
        self.not_ready_first = not_ready_first
        self.rate_limits = tuple((int(limit), float(period)) for limit, period in rate_limits)
        self._windows = KeyWindows(self.rate_limits, clock)
        self._lock = threading.RLock()
        self.server = LoopbackServer(self.handle, port=port, name="youscore-simulator")
        self.server.faults = default_faults()
        self._reset_state()

    # -- lifecycle ------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_keys(self) -> dict[str, str]:
        """module -> the key the simulator accepts for it (for pointing a local app at the simulator)."""
        return dict(self._keys)

    def start(self) -> YouScoreSimulator:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> YouScoreSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _reset_state(self) -> None:
        with self._lock:
            self._fixtures = build_fixtures()
            self._by_code = {record.code: record for record in self._fixtures.values()}
            self._synthetic: dict[str, CounterpartyRecord] = {}
            self._seen: set[tuple[str, str]] = set()
            self._evolutions: list[dict[str, str]] = []
            self.paid: Counter[str] = Counter()
            self.paid_by_key: Counter[str] = Counter()
            self.not_ready: Counter[str] = Counter()
            self.throttled = 0  # 429s sent
            self.unauthorized = 0
            self.bad_requests = 0
        self._windows.clear()

    def reset(self) -> None:
        """Fixtures back to their first state, counters and windows cleared, faults off."""
        self._reset_state()
        self.server.faults = default_faults()
        self.server.reset_counts()

    def set_faults(self, faults: Faults | None) -> None:
        self.server.faults = faults if faults is not None else default_faults()

    # -- Python-side inspection -----------------------------------------------------------------------

    fixture_codes = FIXTURE_CODES

    def paid_calls(self, module: str | None = None) -> int:
        with self._lock:
            return sum(self.paid.values()) if module is None else self.paid[module]

    def record(self, code: str) -> CounterpartyRecord | None:
        with self._lock:
            return self._lookup(code)

    def evolve(self) -> dict[str, str] | None:
        """Apply the next scripted change; None when the script is exhausted."""
        with self._lock:
            step = len(self._evolutions)
            if step >= len(SCRIPT):
                return None
            evolution = SCRIPT[step]
            evolution.apply(self._fixtures[evolution.role])
            applied = {
                "name": evolution.name,
                "code": FIXTURE_CODES[evolution.role],
                "role": evolution.role,
                "description": evolution.description,
            }
            self._evolutions.append(applied)
            return applied

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "paid_calls": dict(self.paid),
                "paid_calls_total": sum(self.paid.values()),
                "not_ready_sent": dict(self.not_ready),
                "throttled": self.throttled,
                "unauthorized": self.unauthorized,
                "bad_requests": self.bad_requests,
                "requests": dict(self.server.counts),
                "faults_injected": dict(self.server.faults_injected),
                "evolutions": list(self._evolutions),
                "pending_evolutions": [e.name for e in SCRIPT[len(self._evolutions) :]],
                "fixtures": dict(FIXTURE_CODES),
                "synthetic_counterparties": len(self._synthetic),
                "rate_limits": [list(window) for window in self.rate_limits],
                "not_ready_first": self.not_ready_first,
            }

    # -- HTTP -----------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/_sim/"):
            return self._admin(request)
        if request.method != "GET":
            return _error(405, "Method Not Allowed", "Only GET is supported")
        parts = request.path.strip("/").split("/")
        if parts[:1] != ["v1"] or len(parts) < 2:
            return _error(404, "Not Found", "Unknown endpoint")
        if parts[1:] == ["rateLimits"]:
            return self._guarded(request, None, self._rate_limits)
        if parts[1:] == ["sanctions"]:
            code = request.arg("contractorCode")
            return self._guarded(
                request, "sanctions", lambda key: self._data(request, "sanctions", code, key)
            )
        module = _PATH_MODULES.get(parts[1])
        if module is None or len(parts) != 3:
            return _error(404, "Not Found", "Unknown endpoint")
        return self._guarded(request, module, lambda key: self._data(request, module, parts[2], key))

    def _guarded(self, request: Request, module: str | None, answer: Callable[[str], Response]) -> Response:
        """Authenticate, then apply the key's rate limits, then answer."""
        key = _presented_key(request)
        known = set(self._keys.values())
        if not key or key not in known:
            with self._lock:
                self.unauthorized += 1
            return _error(401, "Unauthorized", "API key is missing or invalid")
        if module is not None and self._keys.get(module) != key:
            with self._lock:
                self.unauthorized += 1
            return _error(403, "Forbidden", "The API key has no access to this endpoint")
        retry_after = self._windows.admit(key)
        if retry_after is not None:
            with self._lock:
                self.throttled += 1
            return _error(
                429,
                "Too Many Requests",
                "You’ve reached your limit of requests per minute",
                {"Retry-After": str(retry_after)},
            )
        return answer(key)

    def _data(self, request: Request, module: str, code: str | None, key: str = "") -> Response:
        code = (code or "").strip()
        if not (is_valid_edrpou(code) or is_valid_rnokpp(code)):
            with self._lock:
                self.bad_requests += 1
            return _error(400, "Bad Request", "contractorCode is not a valid ЄДРПОУ or РНОКПП")
        with self._lock:
            record = self._lookup(code)
            if record is None:
                return _error(404, "Not Found", "No data found")
            if (
                self.not_ready_first
                and not _true(request, "showCurrentData")
                and (module, code) not in self._seen
            ):
                self._seen.add((module, code))
                self.not_ready[module] += 1
                current = (
                    f"http://{request.headers.get('Host', '127.0.0.1')}{request.path}?showCurrentData=true"
                )
                return Response.json({"message": "Update in progress", "currentDataUrl": current}, 202)
            self._seen.add((module, code))
            body = self._render(request, module, record)
            if body is None:
                return _error(404, "Not Found", "No data found")
            self.paid[module] += 1
            self.paid_by_key[key or self._keys.get(module, "")] += 1
            return Response.json(body)

    def _render(self, request: Request, module: str, record: CounterpartyRecord) -> Any:
        if module == "registry":
            return render.render_card(record)
        if module == "sanctions":
            return list(record.sanctions) or None
        if module == "tax_debt":
            return render.render_tax_debt(record)
        if module == "courts":
            top, skip = int(request.arg("Top") or 100), int(request.arg("Skip") or 0)
            base = f"http://{request.headers.get('Host', '127.0.0.1')}"
            return render.render_court_cases(record, max(1, min(top, 100)), max(0, skip), base)
        if module == "express":
            return render.render_express(record, _true(request, "showPrompt"))
        if module == "vat":
            return render.render_vat(record)
        return render.render_scoring(record)

    def _lookup(self, code: str) -> CounterpartyRecord | None:
        if code == FIXTURE_CODES["unregistered"]:
            return None
        record = self._by_code.get(code) or self._synthetic.get(code)
        if record is None:
            record = self._synthetic[code] = synthetic_record(code, self.seed)
        return record

    def _rate_limits(self, key: str) -> Response:
        with self._lock:
            used = self.paid_by_key[key]
            counts = [
                {
                    "api": "data" if module in _DATA_MODULES else "analytics",
                    "endpoint": module,
                    "count": count,
                }
                for module, count in sorted(self.paid.items())
            ]
        return Response.json(
            {
                "actualDate": render.now_text(),
                "totalLimits": _TRANSACTIONS_PER_KEY,
                "requestsLeft": _TRANSACTIONS_PER_KEY - used,
                "requestsCount": counts,
            }
        )

    # -- admin ----------------------------------------------------------------------------------------

    def _admin(self, request: Request) -> Response:
        route = (request.method, request.path.rstrip("/"))
        if route == ("GET", "/_sim/state"):
            return Response.json(self.state())
        if route == ("POST", "/_sim/reset"):
            self.reset()
            return Response.json({"reset": True})
        if route == ("POST", "/_sim/evolve"):
            applied = self.evolve()
            if applied is None:
                return Response.json(
                    {"error": "no scripted change left; POST /_sim/reset to start over"}, 409
                )
            return Response.json({"applied": applied})
        if route == ("POST", "/_sim/faults"):
            faults = faults_from(request)
            if isinstance(faults, Response):
                return faults
            self.set_faults(faults)
            return Response.json({"faults": asdict(faults)})
        return Response.json({"error": f"unknown admin endpoint {request.method} {request.path}"}, 404)


def _presented_key(request: Request) -> str:
    header = request.headers.get("Authorization") or ""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return (request.arg("apiKey") or "").strip()

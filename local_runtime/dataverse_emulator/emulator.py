"""``DataverseEmulator``: a SQLite-backed stand-in for a Dataverse environment's Web API, on loopback HTTP.

Serves ``{url}/api/data/v9.2/...`` (data plane, metadata plane, ``$batch``, bulk messages, actions)
and an admin API under ``/_emulator/`` (JSON):

- ``GET /_emulator/state``: counters (requests by kind, operations by kind, rows written, 429s),
  limits, faults, row counts per table, recorded actions.
- ``POST /_emulator/limits``: body = :class:`Limits` fields (replaces the limits).
- ``POST /_emulator/faults``: body = ``local_runtime.loopback.Faults`` fields; ``only_paths``
  defaults to ``["/api/"]`` so the admin API itself is never faulted.
- ``POST /_emulator/reset-counters``.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import fields
from typing import Any

from local_runtime.dataverse_emulator._batch import run_batch
from local_runtime.dataverse_emulator._call import Call
from local_runtime.dataverse_emulator._catalog import Catalog
from local_runtime.dataverse_emulator._data_api import ActionHandler, DataPlane
from local_runtime.dataverse_emulator._errors import ODataError
from local_runtime.dataverse_emulator._limits import Counters, Limits, ServiceProtection
from local_runtime.dataverse_emulator._metadata_api import ROOTS, MetadataPlane
from local_runtime.dataverse_emulator._paths import parse_segment, split_segments
from local_runtime.dataverse_emulator._standard_tables import seed_rows
from local_runtime.dataverse_emulator._store import Store
from local_runtime.dataverse_emulator._values import TARGET_SUFFIX
from local_runtime.loopback import Faults, LoopbackServer, Request, Response

_API = re.compile(r"^/api/data/(v9\.\d+)/?(.*)$")


class DataverseEmulator:
    """``DataverseEmulator(db_path=":memory:" or a file, port=0)``; ``start()``/``stop()``/``url``.

    ``expected_token``: when set, only ``Authorization: Bearer <that token>`` is accepted; otherwise
    any bearer token is (a request without one gets 401, as from Dataverse).
    """

    def __init__(
        self,
        db_path: str = ":memory:",
        *,
        port: int = 0,
        limits: Limits | None = None,
        expected_token: str | None = None,
    ) -> None:
        self.store = Store(db_path)
        self.catalog = Catalog(self.store)
        self.counters = Counters()
        self.protection = ServiceProtection(limits)
        self.data = DataPlane(self.catalog, self.store, self.counters)
        self.metadata = MetadataPlane(self.catalog, self.store, self.counters)
        self.expected_token = expected_token
        if self.catalog.is_new:
            with self.store.transaction():
                for logical_name, rows in seed_rows().items():
                    for row in rows:
                        self.data.writer.seed(self.catalog.entity(logical_name), row)
        self.server = LoopbackServer(self.handle, port=port, name="dataverse-emulator")

    # ---- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_url(self) -> str:
        return f"{self.server.url}/api/data/v9.2/"

    def start(self) -> DataverseEmulator:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.store.close()

    def __enter__(self) -> DataverseEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- in-process helpers (tests, local runtime) -----------------------------------------------

    def rows(self, logical_name: str) -> list[dict[str, Any]]:
        """Stored rows of a table as plain dicts (lookups as ``_x_value``)."""
        with self.store.lock:
            return [
                {name: value for name, value in row.data.items() if not name.endswith(TARGET_SUFFIX)}
                for row in self.store.scan(logical_name)
            ]

    def count(self, logical_name: str) -> int:
        with self.store.lock:
            return self.store.count(logical_name)

    def set_limits(self, limits: Limits) -> None:
        self.protection.configure(limits)

    def set_faults(self, faults: Faults) -> None:
        self.server.faults = faults

    def register_action(self, name: str, handler: ActionHandler) -> None:
        """Answer ``POST /api/data/v9.2/{name}``: ``handler(body) -> dict`` (200) or None (204)."""
        self.data.actions[name] = handler

    @property
    def actions(self) -> list[dict[str, Any]]:
        """Every unbound action called, in order: ``{"name", "body", "at"}``."""
        with self.store.lock:
            return list(self.data.action_log)

    @property
    def notifications(self) -> list[dict[str, Any]]:
        """``msdyn_D365ChannelsNotification`` calls (``body["notificationPayLoad"]`` is a JSON string)."""
        return [entry for entry in self.actions if entry["name"] == "msdyn_D365ChannelsNotification"]

    def state(self) -> dict[str, Any]:
        with self.store.lock:
            tables = {name: self.store.count(name) for name in sorted(self.catalog.entities)}
        faults = self.server.faults
        return {
            "counters": self.counters.snapshot(),
            "http_requests": self.server.total_requests,
            "faults_injected": dict(self.server.faults_injected),
            "limits": self.protection.limits.to_json(),
            "faults": {f.name: getattr(faults, f.name) for f in fields(faults)},
            "tables": {name: count for name, count in tables.items() if count},
            "actions": self.actions,
        }

    # ---- HTTP ------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/_emulator/"):
            return self._admin(request)
        match = _API.match(request.path)
        if match is None:
            return ODataError(404, f"No Web API at {request.path}.", "0x80060888").response()
        authorization = request.headers.get("Authorization") or ""
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if not token or (self.expected_token is not None and token != self.expected_token):
            return Response.empty(401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        call = Call(
            method=request.method.upper(),
            segments=split_segments(match.group(2)),
            query={name: values[0] for name, values in request.query.items()},
            headers={name.lower(): value for name, value in request.headers.items()},
            body=request.body,
            service_root=f"http://{request.headers.get('Host') or '127.0.0.1'}/api/data/{match.group(1)}/",
        )
        try:
            self.protection.admit()
        except ODataError as error:
            self.counters.throttle()
            return self._decorate(error.response())
        try:
            limits = self.protection.limits
            if limits.execution_ms:
                time.sleep(limits.execution_ms / 1000.0)
            response = self.route(call)
        finally:
            self.protection.release()
        self.counters.request(call.kind)
        return self._decorate(response)

    def route(self, call: Call) -> Response:
        try:
            if not call.segments:
                sets = [
                    {"name": e.entity_set, "kind": "EntitySet", "url": e.entity_set}
                    for e in self.catalog.entities.values()
                ]
                return Response.json({"@odata.context": f"{call.service_root}$metadata", "value": sets})
            if call.segments[0] == "$batch" and call.method == "POST":
                call.kind = "batch"
                return run_batch(call, self.store, self.route)
            if parse_segment(call.segments[0])[0] in ROOTS:
                return self.metadata.handle(call)
            return self.data.handle(call)
        except ODataError as error:
            return error.response()

    def _decorate(self, response: Response) -> Response:
        response.headers.setdefault("x-ms-service-request-id", str(uuid.uuid4()))
        response.headers["x-ms-dop-hint"] = str(self.protection.limits.dop_hint)
        return response

    def _admin(self, request: Request) -> Response:
        action = request.path.removeprefix("/_emulator/").strip("/")
        try:
            if action == "state" and request.method == "GET":
                return Response.json(self.state())
            if action == "limits" and request.method == "POST":
                self.set_limits(Limits.from_json(request.json() or {}))
                return Response.json(self.protection.limits.to_json())
            if action == "faults" and request.method == "POST":
                body = dict(request.json() or {})
                body["only_paths"] = tuple(body.get("only_paths") or ("/api/",))
                self.set_faults(Faults(**body))
                return Response.json({"only_paths": list(body["only_paths"])})
            if action == "reset-counters" and request.method == "POST":
                self.counters.reset()
                self.server.reset_counts()
                return Response.empty(204)
        except (TypeError, ValueError) as error:
            return Response.json({"error": str(error)}, 400)
        except ODataError as error:
            return Response.json({"error": error.message}, 400)
        return Response.json({"error": f"unknown admin endpoint {request.method} {request.path}"}, 404)

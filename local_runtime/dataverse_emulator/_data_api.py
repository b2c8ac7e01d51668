"""The data plane: rows by entity set (CRUD, upsert, queries, FetchXML), bulk messages, actions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from local_runtime.dataverse_emulator._call import Call
from local_runtime.dataverse_emulator._catalog import Catalog
from local_runtime.dataverse_emulator._errors import (
    ODataError,
    bad_request,
    etag_mismatch,
    key_not_found,
    record_exists,
    row_not_found,
    unknown_segment,
)
from local_runtime.dataverse_emulator._fetchxml import run_fetch
from local_runtime.dataverse_emulator._limits import Counters
from local_runtime.dataverse_emulator._paths import Key, parse_segment, split_segments
from local_runtime.dataverse_emulator._query import QueryEngine
from local_runtime.dataverse_emulator._schema import Entity
from local_runtime.dataverse_emulator._standard_tables import APP_USER_ID, BUSINESS_UNIT_ID, ORGANIZATION_ID
from local_runtime.dataverse_emulator._store import Store, StoredRow
from local_runtime.dataverse_emulator._values import RowCodec, now_text
from local_runtime.dataverse_emulator._writes import RowWriter
from local_runtime.loopback import Response

ActionHandler = Callable[[Any], Any]
_ODATA = {"OData-Version": "4.0"}


class DataPlane:
    def __init__(self, catalog: Catalog, store: Store, counters: Counters) -> None:
        self.catalog = catalog
        self.store = store
        self.counters = counters
        self.codec = RowCodec(catalog, store)
        self.engine = QueryEngine(catalog, store, self.codec)
        self.writer = RowWriter(catalog, store, self.codec)
        self.actions: dict[str, ActionHandler] = {}
        self.action_log: list[dict[str, Any]] = []

    def handle(self, call: Call) -> Response:
        first, key = parse_segment(call.segments[0])
        if first == "WhoAmI":
            return self._who_am_i(call)
        if first in self.actions or first in _BUILTIN_ACTIONS:
            return self._action(call, first)
        entity = self.catalog.entity_for_set(first)
        if len(call.segments) == 2 and call.segments[1].startswith("Microsoft.Dynamics.CRM."):
            return self._bulk(call, entity, call.segments[1].removeprefix("Microsoft.Dynamics.CRM."))
        if len(call.segments) > 1:
            raise bad_request(f"The path segment '{call.segments[1]}' is not supported by the emulator.")
        method = call.method
        if key is None:
            if method == "GET":
                return self._query(call, entity)
            if method == "POST":
                return self._create(call, entity)
        elif method == "GET":
            return self._retrieve(call, entity, key)
        elif method == "PATCH":
            return self._upsert(call, entity, key)
        elif method == "DELETE":
            return self._delete(call, entity, key)
        raise ODataError(405, f"The HTTP method '{method}' is not allowed on this resource.", "0x80060888")

    # ---- rows ------------------------------------------------------------------------------------

    def _create(self, call: Call, entity: Entity) -> Response:
        call.kind = "create"
        with self.store.transaction():
            row = self.writer.insert(entity, call.json() or {})
        self.counters.operation("create", 1)
        return self._written(call, entity, row, 201)

    def _upsert(self, call: Call, entity: Entity, key: Key) -> Response:
        assert key is not None
        if_match = call.header("if-match")
        if_none_match = call.header("if-none-match")
        payload = call.json() or {}
        with self.store.transaction():
            existing_id = self.codec.find_id(entity, key)
            existing = self.store.get(entity.logical_name, existing_id) if existing_id else None
            if if_none_match == "*" and existing is not None:
                raise record_exists()
            if if_match is not None:
                if existing is None:
                    raise (
                        row_not_found(entity.logical_name, key)
                        if isinstance(key, str)
                        else key_not_found(entity.logical_name)
                    )
                _check_etag(if_match, existing)
            if existing is not None:
                call.kind = "update" if if_match is not None else "upsert"
                row = self.writer.update(entity, existing, payload)
                status = 200
            else:
                call.kind = "upsert"
                row = self.writer.insert(
                    entity,
                    payload,
                    row_id=key if isinstance(key, str) else None,
                    key_values=key if isinstance(key, dict) else None,
                )
                status = 201
        self.counters.operation(call.kind, 1)
        return self._written(call, entity, row, status)

    def _written(self, call: Call, entity: Entity, row: StoredRow, status: int) -> Response:
        headers = {**_ODATA, "OData-EntityId": call.entity_url(entity.entity_set, row.id)}
        if not call.prefer.return_representation:
            return Response.empty(204, headers)
        columns = self.engine.columns(entity, call.query.get("$select"))
        body = self.engine.shape(entity, [row], columns, call.prefer.annotations, None)[0]
        body = {"@odata.context": f"{call.service_root}$metadata#{entity.entity_set}/$entity", **body}
        return Response.json(body, status, headers)

    def _retrieve(self, call: Call, entity: Entity, key: Key) -> Response:
        assert key is not None
        call.kind = "retrieve"
        self.counters.operation("retrieve")
        with self.store.lock:
            row_id = self.codec.find_id(entity, key, required=True)
            row = self.store.get(entity.logical_name, row_id or "")
            if row is None:
                raise row_not_found(entity.logical_name, str(row_id))
            etag = f'W/"{row.version}"'
            if (
                call.header("if-none-match") == etag
                and not call.query.get("$expand")
                and not call.prefer.annotations
            ):
                return Response.empty(304, {**_ODATA, "ETag": etag})
            columns = self.engine.columns(entity, call.query.get("$select"))
            body = self.engine.shape(
                entity, [row], columns, call.prefer.annotations, call.query.get("$expand")
            )[0]
        body = {"@odata.context": f"{call.service_root}$metadata#{entity.entity_set}/$entity", **body}
        return Response.json(body, 200, {**_ODATA, "ETag": etag})

    def _delete(self, call: Call, entity: Entity, key: Key) -> Response:
        assert key is not None
        call.kind = "delete"
        with self.store.transaction():
            row_id = self.codec.find_id(entity, key, required=True) or ""
            row = self.store.get(entity.logical_name, row_id)
            if row is None:
                raise row_not_found(entity.logical_name, row_id)
            if_match = call.header("if-match")
            if if_match is not None:
                _check_etag(if_match, row)
            touched = self.writer.delete(entity, row_id)
        self.counters.operation("delete", touched)
        return Response.empty(204, _ODATA)

    def _query(self, call: Call, entity: Entity) -> Response:
        with self.store.lock:
            if "fetchXml" in call.query:
                call.kind = "fetchxml"
                payload = run_fetch(
                    self.engine, entity, call.query["fetchXml"], call.prefer, call.service_root
                )
            else:
                call.kind = "query"
                payload = self.engine.collection(entity, call.query, call.prefer, call.service_root)
        self.counters.operation(call.kind)
        headers = dict(_ODATA)
        if call.prefer.maxpagesize:
            headers["Preference-Applied"] = f"odata.maxpagesize={min(call.prefer.maxpagesize, 5000)}"
        return Response.json(payload, 200, headers)

    # ---- bulk messages ---------------------------------------------------------------------------

    def _bulk(self, call: Call, entity: Entity, message: str) -> Response:
        if call.method != "POST" or message not in ("CreateMultiple", "UpdateMultiple", "UpsertMultiple"):
            raise unknown_segment(f"Microsoft.Dynamics.CRM.{message}")
        body = call.json()
        targets = body.get("Targets") if isinstance(body, dict) else None
        if not isinstance(targets, list) or not targets:
            raise bad_request("The Targets parameter is required and must hold at least one record.")
        expected_type = f"Microsoft.Dynamics.CRM.{entity.logical_name}"
        call.kind = message.replace("Multiple", "_multiple").lower()
        ids: list[str] = []
        with self.store.transaction():
            for target in targets:
                if (
                    not isinstance(target, dict)
                    or str(target.get("@odata.type", "")).lstrip("#") != expected_type
                ):
                    raise bad_request(
                        f"Every target must be a {expected_type} with its @odata.type annotation."
                    )
                ids.append(self._bulk_one(entity, message, target))
        self.counters.operation(call.kind, len(targets))
        if message == "CreateMultiple":
            context = f"{call.service_root}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse"
            return Response.json({"@odata.context": context, "Ids": ids}, 200, _ODATA)
        return Response.empty(204, _ODATA)

    def _bulk_one(self, entity: Entity, message: str, target: dict[str, Any]) -> str:
        payload = {name: value for name, value in target.items() if name != "@odata.id"}
        if message == "CreateMultiple":
            return self.writer.insert(entity, payload).id
        key: Key = None
        if target.get("@odata.id"):
            segments = split_segments(str(target["@odata.id"]).rsplit("/", 1)[-1])
            entity_set, key = parse_segment(segments[-1])
            if entity_set != entity.entity_set:
                raise bad_request(
                    f"The @odata.id '{target['@odata.id']}' does not address {entity.entity_set}."
                )
        elif payload.get(entity.primary_id):
            key = str(payload[entity.primary_id]).lower()
        elif message == "UpsertMultiple":
            key = self._key_from_columns(entity, payload)
        existing_id = self.codec.find_id(entity, key) if key is not None else None
        existing = self.store.get(entity.logical_name, existing_id) if existing_id else None
        if existing is not None:
            return self.writer.update(entity, existing, payload).id
        if message == "UpdateMultiple":
            raise (
                row_not_found(entity.logical_name, str(key))
                if not isinstance(key, dict)
                else key_not_found(entity.logical_name)
            )
        return self.writer.insert(
            entity,
            payload,
            row_id=key if isinstance(key, str) else None,
            key_values=key if isinstance(key, dict) else None,
        ).id

    @staticmethod
    def _key_from_columns(entity: Entity, payload: dict[str, Any]) -> Key:
        for key in entity.active_keys():
            if all(payload.get(name) is not None for name in key.attributes):
                return {name: payload[name] for name in key.attributes}
        return None

    # ---- functions and actions -------------------------------------------------------------------

    def _who_am_i(self, call: Call) -> Response:
        call.kind = "whoami"
        self.counters.operation("whoami")
        body = {
            "@odata.context": f"{call.service_root}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
            "BusinessUnitId": BUSINESS_UNIT_ID,
            "UserId": APP_USER_ID,
            "OrganizationId": ORGANIZATION_ID,
        }
        return Response.json(body, 200, _ODATA)

    def _action(self, call: Call, name: str) -> Response:
        if call.method != "POST":
            raise ODataError(405, f"The action '{name}' must be called with POST.", "0x80060888")
        call.kind = "action"
        body = call.json()
        handler = self.actions.get(name) or _BUILTIN_ACTIONS[name]
        with self.store.lock:
            result = handler(body)
            self.action_log.append({"name": name, "body": body, "at": now_text()})
        self.counters.operation(f"action:{name}")
        if result is None:
            return Response.empty(204, _ODATA)
        context = f"{call.service_root}$metadata#Microsoft.Dynamics.CRM.{name}Response"
        return Response.json({"@odata.context": context, **result}, 200, _ODATA)


def _check_etag(if_match: str, row: StoredRow) -> None:
    if if_match.strip() != "*" and if_match.strip() != f'W/"{row.version}"':
        raise etag_mismatch()


def _channels_payload(parameter: str) -> ActionHandler:
    def handler(body: Any) -> dict[str, Any]:
        text = body.get(parameter) if isinstance(body, dict) else None
        if not isinstance(text, str):
            raise bad_request(f"The parameter '{parameter}' is required and must be a string holding JSON.")
        try:
            json.loads(text)
        except ValueError:
            raise bad_request(f"The parameter '{parameter}' does not hold valid JSON.") from None
        return {"responseMessage": json.dumps({"Status": "Accepted"})}

    return handler


_BUILTIN_ACTIONS: dict[str, ActionHandler] = {
    "msdyn_D365ChannelsNotification": _channels_payload("notificationPayLoad"),
    "msdyn_D365ChannelsInbound": _channels_payload("inboundPayLoad"),
    "PublishXml": lambda body: None,
    "PublishAllXml": lambda body: None,
    "AddSolutionComponent": lambda body: {"id": "00000000-0000-0000-0000-000000000000"},
}

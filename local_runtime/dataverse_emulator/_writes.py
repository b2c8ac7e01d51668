"""Writing rows: defaults and computed columns, alternate-key uniqueness, delete cascades.

Every method runs inside the caller's ``store.transaction()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from local_runtime.dataverse_emulator._catalog import Catalog
from local_runtime.dataverse_emulator._errors import bad_request, duplicate_key, duplicate_primary_key
from local_runtime.dataverse_emulator._schema import Entity
from local_runtime.dataverse_emulator._standard_tables import APP_USER_ID, BASE_CURRENCY_ID
from local_runtime.dataverse_emulator._store import Store, StoredRow
from local_runtime.dataverse_emulator._values import TARGET_SUFFIX, RowCodec, normalize_key, now_text


class RowWriter:
    def __init__(self, catalog: Catalog, store: Store, codec: RowCodec) -> None:
        self.catalog = catalog
        self.store = store
        self.codec = codec

    def insert(
        self,
        entity: Entity,
        payload: Mapping[str, Any],
        *,
        row_id: str | None = None,
        key_values: Mapping[str, Any] | None = None,
    ) -> StoredRow:
        data: dict[str, Any] = {}
        if key_values:
            self._apply_key_values(entity, key_values, data)
        self.codec.apply(entity, payload, data)
        row_id = (data.get(entity.primary_id) or row_id or str(uuid.uuid4())).lower()
        data[entity.primary_id] = row_id
        if self.store.get(entity.logical_name, row_id) is not None:
            raise duplicate_primary_key()
        self._finalize(entity, data, payload, created=True)
        row = StoredRow(row_id, self.store.next_version(), data)
        keys = self._key_values(entity, data, row_id)
        self.store.insert(entity.logical_name, row)
        if keys:
            self.store.set_keys(entity.logical_name, row_id, keys)
        return row

    def update(self, entity: Entity, existing: StoredRow, payload: Mapping[str, Any]) -> StoredRow:
        data = dict(existing.data)
        self.codec.apply(entity, payload, data)
        if data.get(entity.primary_id) != existing.id:
            raise bad_request("The primary key of a record can't be changed.")
        self._finalize(entity, data, payload, created=False)
        row = StoredRow(existing.id, self.store.next_version(), data)
        keys = self._key_values(entity, data, existing.id)
        self.store.replace(entity.logical_name, row)
        if entity.keys:
            self.store.set_keys(entity.logical_name, existing.id, keys)
        return row

    def delete(self, entity: Entity, row_id: str) -> int:
        """Delete a row and apply the cascade of each relationship that references it; rows touched."""
        touched = 1
        for relationship in self.catalog.referencing(entity.logical_name):
            child = self.catalog.entities.get(relationship.referencing_entity)
            if child is None:
                continue
            column = f"_{relationship.referencing_attribute}_value"
            for child_id in self.store.ids_where(child.logical_name, column, row_id):
                stored = self.store.get(child.logical_name, child_id)
                if (
                    stored is None
                    or stored.data.get(column + TARGET_SUFFIX, entity.logical_name) != entity.logical_name
                ):
                    continue
                if relationship.cascade_delete == "Cascade":
                    touched += self.delete(child, child_id)
                elif relationship.cascade_delete == "Restrict":
                    raise bad_request(
                        "The record can't be deleted because it is referenced by "
                        f"{child.logical_name} records."
                    )
                else:
                    data = {**stored.data, column: None}
                    data.pop(column + TARGET_SUFFIX, None)
                    self.store.replace(
                        child.logical_name, StoredRow(child_id, self.store.next_version(), data)
                    )
                    touched += 1
        self.store.delete(entity.logical_name, row_id)
        return touched

    def seed(self, entity: Entity, data: dict[str, Any]) -> None:
        data = dict(data)
        for attribute in entity.attributes.values():
            if attribute.is_lookup and data.get(attribute.column) and len(attribute.targets) == 1:
                data[attribute.column + TARGET_SUFFIX] = attribute.targets[0]
        row_id = data[entity.primary_id]
        self._finalize(entity, data, data, created=True)
        self.store.insert(entity.logical_name, StoredRow(row_id, self.store.next_version(), data))

    # ---- internals -------------------------------------------------------------------------------

    def _apply_key_values(self, entity: Entity, key_values: Mapping[str, Any], data: dict[str, Any]) -> None:
        for column, value in key_values.items():
            name = column[1:-6] if column.startswith("_") and column.endswith("_value") else column
            attribute = entity.attributes.get(name)
            if attribute is None:
                raise bad_request(f"'{column}' is not a column of {entity.logical_name}.")
            if attribute.is_lookup:
                data[attribute.column] = str(value).lower()
                data[attribute.column + TARGET_SUFFIX] = attribute.targets[0] if attribute.targets else None
            else:
                data[attribute.logical_name] = self.codec.coerce(entity, attribute, value)

    def _key_values(self, entity: Entity, data: Mapping[str, Any], row_id: str) -> dict[str, str]:
        values: dict[str, str] = {}
        for key in entity.active_keys():
            columns = [entity.attributes[name].column for name in key.attributes if name in entity.attributes]
            parts = [data.get(column) for column in columns]
            if len(parts) != len(key.attributes) or any(part is None for part in parts):
                continue  # Dataverse's key index leaves out rows with an empty key column
            normalized = normalize_key(parts)
            owner = self.store.key_owner(entity.logical_name, key.logical_name, normalized)
            if owner is not None and owner != row_id:
                raise duplicate_key(entity.logical_name, key.schema_name, list(key.attributes))
            values[key.logical_name] = normalized
        return values

    def _finalize(
        self, entity: Entity, data: dict[str, Any], payload: Mapping[str, Any], *, created: bool
    ) -> None:
        attributes = entity.attributes
        now = now_text()
        if created and "createdon" in attributes:
            data.setdefault("createdon", now)
        if "modifiedon" in attributes:
            data["modifiedon"] = now
        if created and "ownerid" in attributes and not data.get("_ownerid_value"):
            data["_ownerid_value"] = APP_USER_ID
            data["_ownerid_value" + TARGET_SUFFIX] = "systemuser"
        has_money = any(attribute.type == "Money" for attribute in attributes.values())
        currency = "_transactioncurrencyid_value"
        if created and has_money and "transactioncurrencyid" in attributes and not data.get(currency):
            data[currency] = BASE_CURRENCY_ID
            data[currency + TARGET_SUFFIX] = "transactioncurrency"
        self._state_and_status(entity, data, payload, created)
        if entity.logical_name in ("contact", "systemuser") and "fullname" in attributes:
            parts = [data.get("firstname"), data.get("lastname")]
            data["fullname"] = " ".join(str(part) for part in parts if part) or None
        if entity.logical_name == "salesorderdetail" and "extendedamount" not in payload:
            quantity, price = data.get("quantity"), data.get("priceperunit")
            if quantity is not None and price is not None:
                data["extendedamount"] = round(float(quantity) * float(price), 2)

    @staticmethod
    def _state_and_status(
        entity: Entity, data: dict[str, Any], payload: Mapping[str, Any], created: bool
    ) -> None:
        state_attribute = entity.attributes.get("statecode")
        status_attribute = entity.attributes.get("statuscode")
        if state_attribute is None or status_attribute is None:
            return
        if created and data.get("statecode") is None:
            data["statecode"] = min(state_attribute.options) if state_attribute.options else 0
        state = data["statecode"]
        status = data.get("statuscode")
        mapping = status_attribute.status_state
        if "statuscode" in payload and status is not None and "statecode" not in payload:
            data["statecode"] = mapping.get(status, state)
        elif status is not None and "statecode" in payload and "statuscode" in payload:
            if mapping.get(status, state) != state:
                raise bad_request(
                    f"{status} is not a valid status code for state code {entity.schema_name}State.{state}"
                )
        elif status is None or ("statecode" in payload and mapping.get(status, state) != state):
            defaults = [value for value, owner in sorted(mapping.items()) if owner == state]
            data["statuscode"] = defaults[0] if defaults else status

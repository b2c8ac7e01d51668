"""Column values: validating what clients write, and shaping rows (with annotations) for what they read."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from local_runtime.dataverse_emulator._catalog import Catalog
from local_runtime.dataverse_emulator._errors import (
    annotation_only_property,
    bad_request,
    bad_type,
    key_not_found,
    lookup_set_directly,
    row_not_found,
    too_long,
    unknown_property,
)
from local_runtime.dataverse_emulator._paths import GUID_RE, parse_segment, split_segments
from local_runtime.dataverse_emulator._schema import Attribute, Entity
from local_runtime.dataverse_emulator._store import Store, StoredRow

FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOOKUP_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
NAVIGATION = "Microsoft.Dynamics.CRM.associatednavigationproperty"
TARGET_SUFFIX = "@target"  # stored beside a lookup column: the logical name of the row it points at
_EDM = {"String": "Edm.String", "Memo": "Edm.String", "Integer": "Edm.Int32", "BigInt": "Edm.Int64",
        "Decimal": "Edm.Decimal", "Double": "Edm.Double", "Money": "Edm.Decimal", "Boolean": "Edm.Boolean",
        "DateTime": "Edm.DateTimeOffset", "Picklist": "Edm.Int32", "State": "Edm.Int32",
        "Status": "Edm.Int32",
        "Uniqueidentifier": "Edm.Guid"}  # fmt: skip


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class RowCodec:
    def __init__(self, catalog: Catalog, store: Store) -> None:
        self.catalog = catalog
        self.store = store

    # ---- writing ---------------------------------------------------------------------------------

    def apply(self, entity: Entity, payload: Mapping[str, Any], data: dict[str, Any]) -> None:
        """Validate ``payload`` against the table and write its values into ``data``."""
        if not isinstance(payload, Mapping):
            raise bad_request("The request body must be a JSON object.")
        for name, value in payload.items():
            if name.startswith("@"):
                continue
            if "@" in name:
                self._annotation(entity, payload, name, value, data)
                continue
            attribute = entity.attributes.get(name)
            if attribute is None or attribute.is_lookup:
                if entity.by_column(name) is not None:
                    raise lookup_set_directly()
                if entity.by_navigation(name) is not None:
                    raise bad_request(f"Deep insert through '{name}' is not supported by the emulator.")
                raise unknown_property(entity.logical_name, name)
            if attribute.read_only:
                continue  # Dataverse ignores writes to calculated/system columns
            data[attribute.logical_name] = self.coerce(entity, attribute, value)

    def _annotation(
        self, entity: Entity, payload: Mapping[str, Any], name: str, value: Any, data: dict[str, Any]
    ) -> None:
        prop, _, annotation = name.partition("@")
        if annotation != "odata.bind":
            if prop not in payload and entity.by_navigation(prop) is None:
                raise annotation_only_property(prop)
            return
        attribute = entity.by_navigation(prop)
        if attribute is None:
            raise annotation_only_property(prop)
        if value is None:
            data[attribute.column] = None
            data.pop(attribute.column + TARGET_SUFFIX, None)
            return
        target, row_id = self.resolve_reference(value)
        if target.logical_name not in attribute.navigation[prop]:
            raise bad_request(
                f"The navigation property '{prop}' can't reference a record of type '{target.logical_name}'."
            )
        data[attribute.column] = row_id
        data[attribute.column + TARGET_SUFFIX] = target.logical_name

    def resolve_reference(self, value: Any) -> tuple[Entity, str]:
        """``/accounts(guid)``, ``accounts(key='v')`` or an absolute URL -> (table, existing row id)."""
        if not isinstance(value, str):
            raise bad_request("An @odata.bind value must be a URI string.")
        path = value.split("/api/data/", 1)[1].split("/", 1)[1] if "/api/data/" in value else value
        segments = split_segments(path)
        if len(segments) != 1:
            raise bad_request(f"The @odata.bind value '{value}' is not a valid entity reference.")
        entity_set, key = parse_segment(segments[0])
        target = self.catalog.entity_for_set(entity_set)
        if key is None:
            raise bad_request(f"The @odata.bind value '{value}' is not a valid entity reference.")
        return target, self.find_id(target, key, required=True) or ""

    def find_id(self, entity: Entity, key: str | dict[str, Any], *, required: bool = False) -> str | None:
        """The id of the row a key segment names, or None."""
        if isinstance(key, str):
            found = key if self.store.get(entity.logical_name, key) is not None else None
            if found is None and required:
                raise row_not_found(entity.logical_name, key)
            return found
        if len(key) == 1:
            ((column, value),) = key.items()
            if column == entity.primary_id:
                return self.find_id(entity, str(value).lower(), required=required)
        keyname, normalized = self.key_for_values(entity, key)
        found = self.store.key_owner(entity.logical_name, keyname, normalized)
        if found is None and required:
            raise key_not_found(entity.logical_name)
        return found

    def key_for_values(self, entity: Entity, values: Mapping[str, Any]) -> tuple[str, str]:
        names = {self._key_attribute_name(column) for column in values}
        for key in entity.active_keys():
            if set(key.attributes) == names:
                ordered = {self._key_attribute_name(c): v for c, v in values.items()}
                return key.logical_name, normalize_key([ordered[a] for a in key.attributes])
        raise bad_request(
            f"The key attributes ({', '.join(sorted(names))}) do not match an active key of entity "
            f"'{entity.logical_name}'."
        )

    @staticmethod
    def _key_attribute_name(column: str) -> str:
        return column[1:-6] if column.startswith("_") and column.endswith("_value") else column

    def coerce(self, entity: Entity, attribute: Attribute, value: Any) -> Any:
        if value is None:
            return None
        kind = attribute.type
        if kind in ("String", "Memo"):
            if not isinstance(value, str):
                raise bad_type(_EDM[kind])
            if attribute.max_length is not None and len(value) > attribute.max_length:
                raise too_long(entity.logical_name, attribute.logical_name, attribute.max_length)
            return value
        if kind == "Boolean":
            if not isinstance(value, bool):
                raise bad_type("Edm.Boolean")
            return value
        if kind in ("Integer", "BigInt", "Picklist", "State", "Status"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad_type(_EDM[kind])
            self._check_range(entity, attribute, value)
            if attribute.options and kind != "Boolean" and value not in attribute.options:
                accepted = ",".join(str(option) for option in sorted(attribute.options))
                raise bad_request(
                    f"A validation error occurred. The value {value} of '{attribute.logical_name}' "
                    "on record of "
                    f"type '{entity.logical_name}' is outside the valid range. Accepted Values: {accepted}",
                    "",
                )
            return value
        if kind in ("Decimal", "Double", "Money"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise bad_type(_EDM[kind])
            self._check_range(entity, attribute, value)
            return round(float(value), attribute.precision if attribute.precision is not None else 2)
        if kind == "DateTime":
            return self._datetime(attribute, value)
        if kind == "Uniqueidentifier":
            if not isinstance(value, str) or not GUID_RE.match(value):
                raise bad_type("Edm.Guid")
            return value.lower()
        raise bad_type(_EDM.get(kind, "Edm.String"))

    @staticmethod
    def _check_range(entity: Entity, attribute: Attribute, value: float) -> None:
        low, high = attribute.min_value, attribute.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            raise bad_request(
                f"A validation error occurred. The value {value} of '{attribute.logical_name}' "
                "on record of type "
                f"'{entity.logical_name}' is outside the valid range.",
                "0x80044331",
            )

    @staticmethod
    def _datetime(attribute: Attribute, value: Any) -> str:
        if not isinstance(value, str):
            raise bad_type("Edm.DateTimeOffset")
        try:
            if attribute.date_only:
                return date.fromisoformat(value[:10]).isoformat()
            if len(value) == 10:
                return date.fromisoformat(value).isoformat() + "T00:00:00Z"
            return parse_datetime(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise bad_request(
                f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset'."
            ) from None

    # ---- reading ---------------------------------------------------------------------------------

    def output(
        self,
        entity: Entity,
        row: StoredRow,
        columns: list[Attribute] | None,
        annotations: frozenset[str],
        cache: dict[tuple[str, str], Any],
    ) -> dict[str, Any]:
        result: dict[str, Any] = {"@odata.etag": f'W/"{row.version}"'}
        attributes = columns if columns is not None else list(entity.attributes.values())
        data = row.data
        for attribute in attributes:
            column = attribute.column
            value = data.get(column)
            result[column] = value
            if value is None or not annotations:
                continue
            if attribute.is_lookup:
                target = data.get(column + TARGET_SUFFIX) or (attribute.targets or [""])[0]
                if FORMATTED in annotations:
                    name = self._primary_name(target, value, cache)
                    if name is not None:
                        result[f"{column}@{FORMATTED}"] = name
                if NAVIGATION in annotations:
                    navigation = [n for n, targets in attribute.navigation.items() if target in targets]
                    result[f"{column}@{NAVIGATION}"] = navigation[0] if navigation else attribute.logical_name
                if LOOKUP_NAME in annotations:
                    result[f"{column}@{LOOKUP_NAME}"] = target
            elif FORMATTED in annotations:
                formatted = self._format(attribute, value, data, cache)
                if formatted is not None:
                    result[f"{column}@{FORMATTED}"] = formatted
        result.setdefault(entity.primary_id, row.id)
        return result

    def _primary_name(self, logical_name: str, row_id: str, cache: dict[tuple[str, str], Any]) -> str | None:
        cache_key = (logical_name, row_id)
        if cache_key not in cache:
            entity = self.catalog.entities.get(logical_name)
            row = self.store.get(logical_name, row_id) if entity is not None else None
            name = (
                row.data.get(entity.primary_name)
                if row is not None and entity and entity.primary_name
                else None
            )
            cache[cache_key] = name
        value = cache[cache_key]
        return str(value) if value is not None else None

    def _format(
        self, attribute: Attribute, value: Any, data: Mapping[str, Any], cache: dict[tuple[str, str], Any]
    ) -> str | None:
        kind = attribute.type
        if kind == "Boolean":
            return attribute.options.get(1 if value else 0, "Yes" if value else "No")
        if kind in ("Picklist", "State", "Status"):
            return attribute.options.get(value, str(value))
        if kind == "Money":
            currency = data.get("_transactioncurrencyid_value")
            symbol = self._currency_symbol(str(currency) if currency else None, cache)
            return f"{symbol}{value:,.2f}"
        if kind in ("Integer", "BigInt"):
            return f"{value:,}"
        if kind in ("Decimal", "Double"):
            return f"{value:,.{attribute.precision if attribute.precision is not None else 2}f}"
        if kind == "DateTime":
            if attribute.date_only:
                day = date.fromisoformat(value)
                return f"{day.month}/{day.day}/{day.year}"
            moment = parse_datetime(value)
            hour = moment.hour % 12 or 12
            meridiem = "AM" if moment.hour < 12 else "PM"
            return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d} {meridiem}"
        return None

    def _currency_symbol(self, currency_id: str | None, cache: dict[tuple[str, str], Any]) -> str:
        from local_runtime.dataverse_emulator._standard_tables import BASE_CURRENCY_ID

        currency_id = currency_id or BASE_CURRENCY_ID
        cache_key = ("$currency", currency_id)
        if cache_key not in cache:
            row = self.store.get("transactioncurrency", currency_id)
            cache[cache_key] = (row.data.get("currencysymbol") if row else None) or ""
        return str(cache[cache_key])


def normalize_key(values: list[Any]) -> str:
    """One string per alternate-key value tuple; text compares case-insensitively, like SQL Server."""
    parts = []
    for value in values:
        if isinstance(value, str):
            parts.append(value.rstrip().casefold())
        elif isinstance(value, float) and value.is_integer():
            parts.append(str(int(value)))
        elif isinstance(value, uuid.UUID):
            parts.append(str(value))
        else:
            parts.append(repr(value) if not isinstance(value, int) else str(value))
    return "\x1f".join(parts)

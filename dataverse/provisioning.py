"""Create or update the tables, columns, choices, keys and relationships through the metadata endpoints.

``provision`` reads what exists first and only creates what is missing or updates what differs, so a
second run changes nothing (its report has 0 created and 0 updated). Order: tables and their columns,
then relationships (lookups), then alternate keys (which may include lookups). What cannot be changed
in place (a column's type, a key's columns, a relationship's tables) raises ``SchemaConflictError``
rather than being dropped and recreated with data loss.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dataverse.client import DataverseClient
from dataverse.errors import DataverseError, NotFoundError, ValidationError
from dataverse.schema import TABLES, ChoiceColumn, Column, LookupColumn, Relationship, Table
from dataverse.schema.export import export_definitions
from dataverse.schema.metadata import (
    attribute_metadata,
    column_differs,
    entity_metadata,
    key_metadata,
    label,
    label_text,
    options_of,
    primary_name_schema,
    relationship_metadata,
)

__all__ = [
    "ProvisionAction",
    "ProvisionReport",
    "ProvisioningError",
    "SchemaConflictError",
    "export_definitions",
    "provision",
]

log = logging.getLogger(__name__)

Action = Literal["created", "updated", "unchanged"]
Kind = Literal["table", "column", "option", "key", "relationship"]
_MERGE_LABELS = {"MSCRM.MergeLabels": "true"}
_TABLE_LABELS = ("DisplayName", "DisplayCollectionName", "Description")


class ProvisioningError(DataverseError):
    """Provisioning could not bring the environment to the definitions."""


class SchemaConflictError(ProvisioningError):
    """The environment has ``item`` in a shape that cannot be changed in place."""

    def __init__(self, item: str, problem: str) -> None:
        self.item = item
        super().__init__(f"{item}: {problem}")


@dataclass(frozen=True)
class ProvisionAction:
    action: Action
    kind: Kind
    name: str


@dataclass
class ProvisionReport:
    actions: list[ProvisionAction] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for item in self.actions if item.action == action)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def changed(self) -> bool:
        return self.created + self.updated > 0

    def names(self, action: Action, kind: Kind | None = None) -> list[str]:
        return [i.name for i in self.actions if i.action == action and (kind is None or i.kind == kind)]

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


Progress = Callable[[ProvisionAction], None]


def provision(
    client: DataverseClient, tables: tuple[Table, ...] = TABLES, *, progress: Progress | None = None
) -> ProvisionReport:
    """Bring ``tables`` into the environment behind ``client``; idempotent."""
    run = _Run(client, ProvisionReport(), progress)
    entities = {t.name: run.ensure_table(t) for t in tables}
    for t in tables:
        for relationship in t.relationships:
            run.ensure_relationship(relationship)
    for t in tables:
        run.ensure_keys(t, entities[t.name])  # keys are only ever created here: the first read is current
    log.info("dataverse provisioning finished: %s", run.report.summary())
    return run.report


class _Run:
    def __init__(self, client: DataverseClient, report: ProvisionReport, progress: Progress | None) -> None:
        self.client = client
        self.report = report
        self.progress = progress

    def record(self, action: Action, kind: Kind, name: str) -> None:
        item = ProvisionAction(action, kind, name)
        self.report.actions.append(item)
        if action != "unchanged":
            log.debug("dataverse provisioning: %s %s %s", action, kind, name)
        if self.progress is not None:
            self.progress(item)

    # ---- tables and columns --------------------------------------------------------------------

    def read_entity(self, name: str) -> dict[str, Any] | None:
        try:
            body = self.client.request("GET", _entity_path(name), params={"$expand": "Attributes,Keys"})
        except NotFoundError:
            return None
        return dict(body)

    def ensure_table(self, table: Table) -> dict[str, Any]:
        existing = self.read_entity(table.name)
        if existing is None:
            if not table.custom:
                raise ProvisioningError(f"standard table {table.name} does not exist in this environment")
            self.client.request(
                "POST", "EntityDefinitions", json=entity_metadata(table), headers=_MERGE_LABELS
            )
            self.record("created", "table", table.name)
            existing = self.read_entity(table.name)
            if existing is None:
                raise ProvisioningError(f"table {table.name} was created but cannot be read back")
        elif table.custom:
            self._update_table_if_needed(table, existing)
        attributes = {a.get("LogicalName"): a for a in existing.get("Attributes") or ()}
        options = _OptionsReader(self.client, table.name)
        for column in table.all_columns:
            if isinstance(column, LookupColumn):
                continue  # created with its relationship
            primary = column is table.primary_name
            self._ensure_column(table, column, attributes.get(column.name), options, primary=primary)
        return existing

    def _update_table_if_needed(self, table: Table, existing: Mapping[str, Any]) -> None:
        wanted = entity_metadata(table)
        differs = any(label_text(existing.get(n)) != label_text(wanted[n]) for n in _TABLE_LABELS)
        differs = differs or bool(existing.get("HasNotes")) != wanted["HasNotes"]
        if bool(existing.get("IsActivity")) != table.is_activity:
            raise SchemaConflictError(table.name, "activity / non-activity tables cannot be converted")
        if not differs:
            self.record("unchanged", "table", table.name)
            return
        body = _update_body(existing, wanted, drop=("Attributes", "Keys"))
        self.client.request("PUT", _entity_path(table.name), json=body, headers=_MERGE_LABELS)
        self.record("updated", "table", table.name)

    def _ensure_column(
        self,
        table: Table,
        column: Column,
        existing: Mapping[str, Any] | None,
        options: _OptionsReader,
        *,
        primary: bool,
    ) -> None:
        name = f"{table.name}.{column.name}"
        schema_name = primary_name_schema(table) if primary else None
        wanted = attribute_metadata(column, primary=primary, schema_name=schema_name)
        if existing is None:
            if primary:
                raise SchemaConflictError(name, "the primary name column is missing")
            self.client.request(
                "POST", f"{_entity_path(table.name)}/Attributes", json=wanted, headers=_MERGE_LABELS
            )
            self.record("created", "column", name)
            return
        if existing.get("AttributeType") != wanted["AttributeType"]:
            raise SchemaConflictError(
                name, f"is {existing.get('AttributeType')}, the definition says {wanted['AttributeType']}"
            )
        if column_differs(wanted, existing):
            # Options change through Insert/UpdateOptionValue; the server's OptionSet (if sent) stays as is.
            body = _update_body(existing, {k: v for k, v in wanted.items() if k != "OptionSet"}, drop=())
            path = f"{_entity_path(table.name)}/Attributes(LogicalName='{column.name}')"
            self.client.request("PUT", path, json=body, headers=_MERGE_LABELS)
            self.record("updated", "column", name)
        else:
            self.record("unchanged", "column", name)
        if isinstance(column, ChoiceColumn):
            self._ensure_options(table, column, options.options(column.name, existing))

    def _ensure_options(self, table: Table, column: ChoiceColumn, current: dict[int, str] | None) -> None:
        if current is None:
            return  # the server did not tell us; nothing to compare
        for value, text in column.choice.options():
            item = f"{table.name}.{column.name}={value}"
            if current.get(value) == text:
                continue
            action = "UpdateOptionValue" if value in current else "InsertOptionValue"
            body: dict[str, Any] = {
                "EntityLogicalName": table.name,
                "AttributeLogicalName": column.name,
                "Value": value,
                "Label": label(text),
            }
            if action == "UpdateOptionValue":
                body["MergeLabels"] = True
            self.client.request("POST", action, json=body)
            self.record("updated" if action == "UpdateOptionValue" else "created", "option", item)

    # ---- relationships and keys ----------------------------------------------------------------

    def ensure_relationship(self, relationship: Relationship) -> None:
        name = relationship.schema_name
        try:
            existing = self.client.request("GET", f"RelationshipDefinitions(SchemaName='{name}')")
        except NotFoundError:
            existing = None
        wanted = relationship_metadata(relationship)
        if existing is None:
            self.client.request("POST", "RelationshipDefinitions", json=wanted, headers=_MERGE_LABELS)
            self.record("created", "relationship", name)
            return
        for prop in ("ReferencedEntity", "ReferencingEntity"):
            if str(existing.get(prop, "")).lower() != wanted[prop]:
                raise SchemaConflictError(name, f"{prop} is {existing.get(prop)!r}, not {wanted[prop]!r}")
        lookup = existing.get("ReferencingAttribute")
        if lookup is not None and lookup != relationship.lookup.name:
            raise SchemaConflictError(name, f"lookup column is {lookup!r}, not {relationship.lookup.name!r}")
        cascade = (existing.get("CascadeConfiguration") or {}).get("Delete")
        if cascade is not None and cascade != wanted["CascadeConfiguration"]["Delete"]:
            body = _update_body(existing, wanted, drop=("Lookup",))
            self.client.request("PUT", f"RelationshipDefinitions({existing.get('MetadataId')})", json=body)
            self.record("updated", "relationship", name)
            return
        self.record("unchanged", "relationship", name)

    def ensure_keys(self, table: Table, existing: Mapping[str, Any]) -> None:
        keys = {
            str(k.get("LogicalName") or k.get("SchemaName", "")).lower(): k
            for k in existing.get("Keys") or ()
        }
        for key in table.keys:
            name = f"{table.name}.{key.name}"
            found = keys.get(key.name)
            if found is None:
                self.client.request("POST", f"{_entity_path(table.name)}/Keys", json=key_metadata(key))
                self.record("created", "key", name)
            elif sorted(found.get("KeyAttributes") or ()) != sorted(key.columns):
                raise SchemaConflictError(
                    name, f"has columns {found.get('KeyAttributes')}, not {list(key.columns)}"
                )
            elif found.get("EntityKeyIndexStatus") == "Failed":
                raise ProvisioningError(
                    f"{name}: its index could not be built (rows with duplicate values?); "
                    "remove the duplicates, then ReactivateEntityKey"
                )
            else:
                self.record("unchanged", "key", name)


class _OptionsReader:
    """Current options of choice columns: inline when the server sends them (the emulator does), else
    read once per table through the PicklistAttributeMetadata cast, as Dataverse requires."""

    def __init__(self, client: DataverseClient, table: str) -> None:
        self.client = client
        self.table = table
        self._cast: dict[str, dict[int, str]] | None = None

    def options(self, column: str, attribute: Mapping[str, Any]) -> dict[int, str] | None:
        inline = attribute.get("OptionSet")
        if isinstance(inline, Mapping) and isinstance(inline.get("Options"), list):
            return options_of(inline)
        if self._cast is None:
            self._cast = self._read_cast()
        return self._cast.get(column)

    def _read_cast(self) -> dict[str, dict[int, str]]:
        path = f"{_entity_path(self.table)}/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
        params = {"$select": "LogicalName", "$expand": "OptionSet($select=Options)"}
        try:
            body = self.client.request("GET", path, params=params) or {}
        except (NotFoundError, ValidationError):
            return {}
        return {
            str(a.get("LogicalName")): options_of(a.get("OptionSet") or {}) for a in body.get("value") or ()
        }


_NAVIGATIONS = ("ManyToOneRelationships", "OneToManyRelationships", "ManyToManyRelationships", "Privileges")


def _update_body(
    existing: Mapping[str, Any], wanted: Mapping[str, Any], *, drop: tuple[str, ...]
) -> dict[str, Any]:
    """A PUT body: metadata PUT replaces the whole definition (omitted properties revert to defaults), so
    start from what the server has, lay the definition over it, leave out collections."""
    body = {k: v for k, v in existing.items() if not k.startswith("@odata.") or k == "@odata.type"}
    body.update(wanted)
    for name in (*drop, *_NAVIGATIONS):
        body.pop(name, None)
    body["MetadataId"] = existing.get("MetadataId")
    return body


def _entity_path(name: str) -> str:
    return f"EntityDefinitions(LogicalName='{name}')"

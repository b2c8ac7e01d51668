"""The metadata plane: ``EntityDefinitions`` (tables, their Attributes and Keys), ``RelationshipDefinitions``
(one-to-many, which is how lookups are made) and ``InsertOptionValue``."""

from __future__ import annotations

from typing import Any

from local_runtime.dataverse_emulator._call import Call
from local_runtime.dataverse_emulator._catalog import Catalog
from local_runtime.dataverse_emulator._errors import ODataError, bad_request
from local_runtime.dataverse_emulator._filter import compile_filter
from local_runtime.dataverse_emulator._limits import Counters
from local_runtime.dataverse_emulator._metadata_json import (
    attribute_from_definition,
    attribute_json,
    entity_json,
    key_json,
    relationship_json,
)
from local_runtime.dataverse_emulator._paths import Key, parse_segment, split_outside_quotes
from local_runtime.dataverse_emulator._schema import (
    KEYABLE_TYPES,
    Attribute,
    Entity,
    Relationship,
    label_text,
)
from local_runtime.dataverse_emulator._store import Store
from local_runtime.dataverse_emulator._tables import add_key, add_money_support, new_entity
from local_runtime.loopback import Response

ROOTS = ("EntityDefinitions", "RelationshipDefinitions", "InsertOptionValue", "UpdateOptionValue")
_ODATA = {"OData-Version": "4.0"}


class MetadataPlane:
    def __init__(self, catalog: Catalog, store: Store, counters: Counters) -> None:
        self.catalog = catalog
        self.store = store
        self.counters = counters

    def handle(self, call: Call) -> Response:
        call.kind = "metadata"
        self.counters.operation("metadata")
        root, key = parse_segment(call.segments[0])
        with self.store.transaction():
            if root == "EntityDefinitions":
                return self._entities(call, key)
            if root == "RelationshipDefinitions":
                return self._relationships(call, key)
            return self._option_value(call, insert=root == "InsertOptionValue")

    # ---- EntityDefinitions -----------------------------------------------------------------------

    def _entities(self, call: Call, key: Key) -> Response:
        if key is None:
            if call.method == "POST":
                entity = new_entity(self.catalog, _body(call))
                return _created(call, f"EntityDefinitions({entity.metadata_id})")
            items = [entity_json(entity) for entity in self.catalog.entities.values()]
            return self._list(call, "EntityDefinitions", items)
        entity = self._entity(key)
        if len(call.segments) == 1:
            if call.method == "GET":
                return _json(
                    self._entity_view(call, entity, call.query.get("$select"), call.query.get("$expand"))
                )
            if call.method == "PUT":
                body = _body(call)
                entity.raw.update({k: v for k, v in body.items() if k not in ("Attributes", "@odata.type")})
                self.catalog.save(entity)
                return Response.empty(204, _ODATA)
            if call.method == "DELETE":
                self.store.drop_entity(entity.logical_name)
                for name, relationship in list(self.catalog.relationships.items()):
                    if entity.logical_name in (
                        relationship.referenced_entity,
                        relationship.referencing_entity,
                    ):
                        self.catalog.relationships.pop(name)
                        self.store.delete_metadata("relationship", name)
                self.catalog.remove(entity)
                return Response.empty(204, _ODATA)
        elif call.segments[1].startswith("Attributes"):
            return self._attributes(call, entity)
        elif call.segments[1].startswith("Keys"):
            return self._keys(call, entity)
        elif (
            call.segments[1] in ("OneToManyRelationships", "ManyToOneRelationships") and call.method == "GET"
        ):
            side = (
                "referenced_entity" if call.segments[1] == "OneToManyRelationships" else "referencing_entity"
            )
            items = [
                relationship_json(r)
                for r in self.catalog.relationships.values()
                if getattr(r, side) == entity.logical_name
            ]
            return self._list(call, call.segments[1], items)
        raise ODataError(405, "This metadata operation is not supported by the emulator.", "0x80060888")

    def _entity(self, key: Key) -> Entity:
        if isinstance(key, dict) and "LogicalName" in key:
            return self.catalog.entity(str(key["LogicalName"]))
        for entity in self.catalog.entities.values():
            if entity.metadata_id == key:
                return entity
        raise ODataError(404, f"Could not find entity with MetadataId '{key}'.", "0x80040217")

    def _entity_view(
        self, call: Call, entity: Entity, select: str | None, expand: str | None
    ) -> dict[str, Any]:
        data = _select(entity_json(entity), select)
        data["@odata.context"] = f"{call.service_root}$metadata#EntityDefinitions/$entity"
        for item in split_outside_quotes(expand or "", ","):
            name, _, options_text = item.strip().partition("(")
            options = _options(options_text.removesuffix(")"))
            if name == "Attributes":
                items = [attribute_json(entity, a) for a in entity.attributes.values()]
            elif name == "Keys":
                items = [key_json(entity, k) for k in entity.keys.values()]
            elif name in ("OneToManyRelationships", "ManyToOneRelationships"):
                side = "referenced_entity" if name == "OneToManyRelationships" else "referencing_entity"
                items = [
                    relationship_json(r)
                    for r in self.catalog.relationships.values()
                    if getattr(r, side) == entity.logical_name
                ]
            elif not name:
                continue
            else:
                raise bad_request(
                    f"Could not find a property named '{name}' on type "
                    "'Microsoft.Dynamics.CRM.EntityMetadata'."
                )
            data[name] = [_select(i, options.get("$select")) for i in _filter(items, options.get("$filter"))]
        return data

    # ---- Attributes ------------------------------------------------------------------------------

    def _attributes(self, call: Call, entity: Entity) -> Response:
        _, key = parse_segment(call.segments[1])
        if key is None:
            if call.method == "POST":
                attribute = attribute_from_definition(_body(call))
                if attribute.logical_name in entity.attributes:
                    raise bad_request(
                        f"An attribute with the name {attribute.logical_name} already exists "
                        f"on {entity.logical_name}."
                    )
                attribute.is_primary_name = False
                entity.add(attribute)
                if attribute.type == "Money":
                    add_money_support(entity)
                self.catalog.save(entity)
                return _created(
                    call, f"EntityDefinitions({entity.metadata_id})/Attributes({attribute.metadata_id})"
                )
            items = [attribute_json(entity, a) for a in entity.attributes.values()]
            if len(call.segments) > 2:
                cast = "#Microsoft.Dynamics.CRM." + call.segments[2].removeprefix("Microsoft.Dynamics.CRM.")
                items = [item for item in items if item["@odata.type"] == cast]
            return self._list(call, "Attributes", items)
        attribute = self._attribute(entity, key)
        if call.method == "GET":
            if len(call.segments) > 2:
                expected = call.segments[2].removeprefix("Microsoft.Dynamics.CRM.")
                if attribute_json(entity, attribute)["@odata.type"] != f"#Microsoft.Dynamics.CRM.{expected}":
                    raise ODataError(
                        404, f"The attribute {attribute.logical_name} is not a {expected}.", "0x80060888"
                    )
            data = _select(attribute_json(entity, attribute), call.query.get("$select"))
            return _json(
                {
                    "@odata.context": f"{call.service_root}$metadata#EntityDefinitions/Attributes/$entity",
                    **data,
                }
            )
        if call.method == "PUT":
            body = _body(call)
            if attribute.is_custom:
                entity.add(attribute_from_definition(body, previous=attribute))
            else:
                attribute.raw.update(
                    {k: v for k, v in body.items() if k in ("DisplayName", "Description", "RequiredLevel")}
                )
            self.catalog.save(entity)
            return Response.empty(204, _ODATA)
        if call.method == "DELETE":
            if not attribute.is_custom or attribute.is_primary_name:
                raise bad_request(f"The attribute {attribute.logical_name} can't be deleted.")
            entity.attributes.pop(attribute.logical_name)
            self.catalog.save(entity)
            return Response.empty(204, _ODATA)
        raise ODataError(405, "This metadata operation is not supported by the emulator.", "0x80060888")

    def _attribute(self, entity: Entity, key: Key) -> Attribute:
        if isinstance(key, dict) and "LogicalName" in key:
            attribute = entity.attributes.get(str(key["LogicalName"]).lower())
        else:
            attribute = next((a for a in entity.attributes.values() if a.metadata_id == key), None)
        if attribute is None:
            raise ODataError(
                404, f"Could not find attribute '{key}' on entity '{entity.logical_name}'.", "0x80040217"
            )
        return attribute

    # ---- Keys ------------------------------------------------------------------------------------

    def _keys(self, call: Call, entity: Entity) -> Response:
        _, key = parse_segment(call.segments[1])
        if key is None:
            if call.method == "POST":
                body = _body(call)
                columns = [str(name).lower() for name in body.get("KeyAttributes") or []]
                for column in columns:
                    attribute = entity.attributes.get(column)
                    if attribute is None or attribute.type not in KEYABLE_TYPES:
                        raise bad_request(
                            f"The attribute '{column}' can't be part of an alternate key "
                            f"of {entity.logical_name}."
                        )
                created = add_key(self.catalog, self.store, entity, body, columns)
                return _created(call, f"EntityDefinitions({entity.metadata_id})/Keys({created.metadata_id})")
            return self._list(call, "Keys", [key_json(entity, k) for k in entity.keys.values()])
        found = next(
            (
                k
                for k in entity.keys.values()
                if (isinstance(key, dict) and k.logical_name == str(key.get("LogicalName", "")).lower())
                or k.metadata_id == key
            ),
            None,
        )
        if found is None:
            raise ODataError(
                404, f"Could not find key '{key}' on entity '{entity.logical_name}'.", "0x80040217"
            )
        if call.method == "DELETE":
            entity.keys.pop(found.logical_name)
            self.store.drop_key(entity.logical_name, found.logical_name)
            self.catalog.save(entity)
            return Response.empty(204, _ODATA)
        return _json(_select(key_json(entity, found), call.query.get("$select")))

    # ---- RelationshipDefinitions -----------------------------------------------------------------

    def _relationships(self, call: Call, key: Key) -> Response:
        if key is None:
            if call.method == "POST":
                relationship = self._create_relationship(_body(call))
                return _created(call, f"RelationshipDefinitions({relationship.metadata_id})")
            items = [relationship_json(r) for r in self.catalog.relationships.values()]
            return self._list(call, "RelationshipDefinitions", items)
        if isinstance(key, dict) and "SchemaName" in key:
            relationship = self.catalog.relationship(str(key["SchemaName"]))
        else:
            found = [r for r in self.catalog.relationships.values() if r.metadata_id == key]
            if not found:
                raise ODataError(404, f"Could not find relationship with MetadataId '{key}'.", "0x80040217")
            relationship = found[0]
        if call.method == "GET":
            return _json(_select(relationship_json(relationship), call.query.get("$select")))
        if call.method == "PUT":
            body = _body(call)
            cascade = body.get("CascadeConfiguration")
            if isinstance(cascade, dict) and cascade.get("Delete"):
                relationship.cascade_delete = str(cascade["Delete"])
            relationship.raw.update({k: v for k, v in body.items() if k not in ("@odata.type", "Lookup")})
            self.catalog.save_relationship(relationship)
            return Response.empty(204, _ODATA)
        raise ODataError(405, "This metadata operation is not supported by the emulator.", "0x80060888")

    def _create_relationship(self, body: dict[str, Any]) -> Relationship:
        odata_type = str(body.get("@odata.type") or "").lstrip("#").removeprefix("Microsoft.Dynamics.CRM.")
        if odata_type != "OneToManyRelationshipMetadata":
            raise bad_request(
                "Only OneToManyRelationshipMetadata relationships are supported by the emulator."
            )
        schema_name = str(body.get("SchemaName") or "")
        lookup = body.get("Lookup")
        if not schema_name or not isinstance(lookup, dict) or not lookup.get("SchemaName"):
            raise bad_request("A one-to-many relationship needs SchemaName and Lookup.SchemaName.")
        if schema_name.lower() in self.catalog.relationships:
            raise bad_request(f"A relationship named {schema_name} already exists.")
        referenced = self.catalog.entity(str(body.get("ReferencedEntity") or ""))
        referencing = self.catalog.entity(str(body.get("ReferencingEntity") or ""))
        lookup_name = str(lookup["SchemaName"]).lower()
        if lookup_name in referencing.attributes:
            raise bad_request(
                f"An attribute with the name {lookup_name} already exists on {referencing.logical_name}."
            )
        navigation = str(body.get("ReferencingEntityNavigationPropertyName") or lookup["SchemaName"])
        cascade_value = body.get("CascadeConfiguration")
        cascade: dict[str, Any] = cascade_value if isinstance(cascade_value, dict) else {}
        referencing.add(
            Attribute(
                lookup_name,
                str(lookup["SchemaName"]),
                "Lookup",
                navigation={navigation: [referenced.logical_name]},
                is_custom=True,
                raw={k: v for k, v in lookup.items() if k != "@odata.type"},
            )
        )
        relationship = Relationship(
            schema_name=schema_name,
            referenced_entity=referenced.logical_name,
            referenced_attribute=str(body.get("ReferencedAttribute") or referenced.primary_id),
            referencing_entity=referencing.logical_name,
            referencing_attribute=lookup_name,
            referencing_navigation=navigation,
            referenced_navigation=str(body.get("ReferencedEntityNavigationPropertyName") or schema_name),
            cascade_delete=str(cascade.get("Delete") or "RemoveLink"),
            raw={k: v for k, v in body.items() if k != "@odata.type"},
        )
        self.catalog.save(referencing)
        self.catalog.save_relationship(relationship)
        return relationship

    # ---- InsertOptionValue -----------------------------------------------------------------------

    def _option_value(self, call: Call, *, insert: bool) -> Response:
        body = _body(call)
        entity = self.catalog.entity(str(body.get("EntityLogicalName") or ""))
        attribute = self._attribute(entity, {"LogicalName": str(body.get("AttributeLogicalName") or "")})
        if attribute.type != "Picklist":
            raise bad_request(f"The attribute {attribute.logical_name} is not a choice column.")
        value = body.get("Value")
        value = int(value) if value is not None else max(attribute.options, default=99999999) + 1
        if insert and value in attribute.options:
            raise bad_request(f"The option value {value} already exists for {attribute.logical_name}.")
        if not insert and value not in attribute.options:
            raise bad_request(f"The option value {value} does not exist for {attribute.logical_name}.")
        attribute.options[value] = label_text(body.get("Label")) or str(value)
        self.catalog.save(entity)
        return _json({"NewOptionValue": value}) if insert else Response.empty(204, _ODATA)

    def _list(self, call: Call, name: str, items: list[dict[str, Any]]) -> Response:
        select = call.query.get("$select")
        expand = split_outside_quotes(call.query.get("$expand") or "", ",")
        expanded = [part.strip().split("(", 1)[0] for part in expand if part.strip()]
        if select and expanded:
            select = ",".join([select, *expanded])
        selected = [_select(item, select) for item in _filter(items, call.query.get("$filter"))]
        return _json({"@odata.context": f"{call.service_root}$metadata#{name}", "value": selected})


def _body(call: Call) -> dict[str, Any]:
    body = call.json()
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def _created(call: Call, path: str) -> Response:
    return Response.empty(204, {**_ODATA, "OData-EntityId": f"{call.service_root}{path}"})


def _json(payload: dict[str, Any]) -> Response:
    return Response.json(payload, 200, _ODATA)


def _select(item: dict[str, Any], select: str | None) -> dict[str, Any]:
    if not select:
        return item
    wanted = {name.strip() for name in select.split(",")} | {"MetadataId", "@odata.type"}
    return {name: value for name, value in item.items() if name in wanted}


def _filter(items: list[dict[str, Any]], text: str | None) -> list[dict[str, Any]]:
    if not text:
        return items
    check = compile_filter(text, lambda name: (name, "any"))
    return [item for item in items if check(item)]


def _options(text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for part in split_outside_quotes(text, ";"):
        name, sep, value = part.partition("=")
        if sep:
            options[name.strip()] = value.strip()
    return options

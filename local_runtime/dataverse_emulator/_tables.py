"""Creating custom tables and alternate keys the way Dataverse does (system columns, key index build)."""

from __future__ import annotations

from typing import Any

from local_runtime.dataverse_emulator._catalog import Catalog
from local_runtime.dataverse_emulator._errors import bad_request
from local_runtime.dataverse_emulator._metadata_json import attribute_from_definition
from local_runtime.dataverse_emulator._schema import Attribute, Entity, Key, plural
from local_runtime.dataverse_emulator._store import Store
from local_runtime.dataverse_emulator._values import normalize_key

_REGARDING_TARGETS = ("account", "contact", "salesorder")


def new_entity(catalog: Catalog, body: dict[str, Any]) -> Entity:
    schema_name = str(body.get("SchemaName") or "")
    if not schema_name or "_" not in schema_name:
        raise bad_request(
            f"The schema name '{schema_name}' is not valid: "
            "custom tables need the publisher's customization prefix."
        )
    logical_name = str(body.get("LogicalName") or schema_name.lower())
    if logical_name in catalog.entities:
        raise bad_request(f"An entity with the name {logical_name} already exists.")
    definitions = [a for a in body.get("Attributes") or [] if isinstance(a, dict)]
    primary = [a for a in definitions if a.get("IsPrimaryName")]
    if len(primary) != 1 or str(primary[0].get("@odata.type", "")).lstrip("#") not in (
        "Microsoft.Dynamics.CRM.StringAttributeMetadata",
        "StringAttributeMetadata",
    ):
        raise bad_request(
            "A new table needs exactly one primary name column: a StringAttributeMetadata with IsPrimaryName."
        )
    entity_set = str(body.get("EntitySetName") or plural(logical_name))
    if entity_set in catalog.by_set:
        raise bad_request(f"The entity set name {entity_set} is already used.")
    ownership = str(body.get("OwnershipType") or "UserOwned")
    is_activity = bool(body.get("IsActivity"))
    entity = Entity(
        logical_name=logical_name,
        schema_name=schema_name,
        entity_set=entity_set,
        primary_id="activityid" if is_activity else f"{logical_name}id",
        primary_name=None,
        ownership=ownership,
        is_activity=is_activity,
        is_custom=True,
        object_type_code=10000 + sum(1 for e in catalog.entities.values() if e.is_custom),
        raw={k: v for k, v in body.items() if k not in ("Attributes", "@odata.type")},
    )
    primary_schema = "ActivityId" if is_activity else f"{schema_name}Id"
    entity.add(Attribute(entity.primary_id, primary_schema, "Uniqueidentifier", is_primary_id=True))
    for definition in definitions:
        attribute = attribute_from_definition(definition, require_prefix=not is_activity)
        if attribute.is_primary_name:
            entity.primary_name = attribute.logical_name
        entity.add(attribute)
    for name, schema in (("createdon", "CreatedOn"), ("modifiedon", "ModifiedOn")):
        entity.add(Attribute(name, schema, "DateTime", read_only=True))
    if is_activity:
        _add_activity_columns(entity)
    else:
        entity.add(Attribute("statecode", "statecode", "State", options={0: "Active", 1: "Inactive"}))
        entity.add(
            Attribute(
                "statuscode",
                "statuscode",
                "Status",
                options={1: "Active", 2: "Inactive"},
                status_state={1: 0, 2: 1},
            )
        )
    if ownership in ("UserOwned", "TeamOwned"):
        entity.add(Attribute("ownerid", "OwnerId", "Owner", navigation={"ownerid": ["systemuser", "team"]}))
    if any(attribute.type == "Money" for attribute in entity.attributes.values()):
        add_money_support(entity)
    catalog.save(entity)
    return entity


def _add_activity_columns(entity: Entity) -> None:
    """What Dataverse gives every activity table (the subset this app can touch)."""
    regarding = {
        f"regardingobjectid_{target}_{entity.logical_name}": [target] for target in _REGARDING_TARGETS
    }
    entity.add(Attribute("regardingobjectid", "RegardingObjectId", "Lookup", navigation=regarding))
    entity.add(Attribute("description", "Description", "Memo", max_length=2000))
    for name, schema in (
        ("scheduledstart", "ScheduledStart"),
        ("scheduledend", "ScheduledEnd"),
        ("actualstart", "ActualStart"),
        ("actualend", "ActualEnd"),
    ):
        entity.add(Attribute(name, schema, "DateTime"))
    entity.add(
        Attribute("prioritycode", "PriorityCode", "Picklist", options={0: "Low", 1: "Normal", 2: "High"})
    )
    entity.add(
        Attribute("statecode", "StateCode", "State", options={0: "Open", 1: "Completed", 2: "Canceled"})
    )
    entity.add(
        Attribute(
            "statuscode",
            "StatusCode",
            "Status",
            options={1: "Open", 2: "Completed", 3: "Canceled"},
            status_state={1: 0, 2: 1, 3: 2},
        )
    )


def add_money_support(entity: Entity) -> None:
    """Dataverse adds the currency lookup and exchange rate with a table's first money column."""
    if "transactioncurrencyid" not in entity.attributes:
        entity.add(
            Attribute(
                "transactioncurrencyid",
                "TransactionCurrencyId",
                "Lookup",
                navigation={"TransactionCurrencyId": ["transactioncurrency"]},
            )
        )
    if "exchangerate" not in entity.attributes:
        entity.add(Attribute("exchangerate", "ExchangeRate", "Decimal", precision=10))


def add_key(catalog: Catalog, store: Store, entity: Entity, body: dict[str, Any], columns: list[str]) -> Key:
    schema_name = str(body.get("SchemaName") or "")
    if not schema_name or not columns:
        raise bad_request("An alternate key needs SchemaName and KeyAttributes.")
    logical_name = str(body.get("LogicalName") or schema_name.lower())
    if logical_name in entity.keys:
        raise bad_request(f"A key with the name {logical_name} already exists on {entity.logical_name}.")
    key = Key(logical_name, schema_name, columns, raw={k: v for k, v in body.items() if k != "@odata.type"})
    owners: dict[str, str] = {}
    for row in store.scan(entity.logical_name):
        parts = [row.data.get(entity.attributes[name].column) for name in columns]
        if any(part is None for part in parts):
            continue
        normalized = normalize_key(parts)
        if normalized in owners:
            key.status = (
                "Failed"  # Dataverse's index job fails on existing duplicates; the key is not enforced
            )
            break
        owners[normalized] = row.id
    if key.status == "Active":
        store.add_key_values(entity.logical_name, key.logical_name, list(owners.items()))
    entity.keys[logical_name] = key
    catalog.save(entity)
    return key

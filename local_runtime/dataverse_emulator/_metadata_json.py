"""Metadata as Dataverse writes it (EntityMetadata, *AttributeMetadata, EntityKeyMetadata, relationships)
and posted attribute definitions read back into :class:`Attribute`."""

from __future__ import annotations

from typing import Any

from local_runtime.dataverse_emulator._errors import bad_request
from local_runtime.dataverse_emulator._schema import (
    CHOICE_TYPES,
    Attribute,
    Entity,
    Key,
    Relationship,
    label,
    label_text,
)

_TYPE_NAMES = {
    "String": ("StringAttributeMetadata", "StringType"),
    "Memo": ("MemoAttributeMetadata", "MemoType"),
    "Integer": ("IntegerAttributeMetadata", "IntegerType"),
    "BigInt": ("BigIntAttributeMetadata", "BigIntType"),
    "Decimal": ("DecimalAttributeMetadata", "DecimalType"),
    "Double": ("DoubleAttributeMetadata", "DoubleType"),
    "Money": ("MoneyAttributeMetadata", "MoneyType"),
    "Boolean": ("BooleanAttributeMetadata", "BooleanType"),
    "DateTime": ("DateTimeAttributeMetadata", "DateTimeType"),
    "Picklist": ("PicklistAttributeMetadata", "PicklistType"),
    "State": ("StateAttributeMetadata", "StateType"),
    "Status": ("StatusAttributeMetadata", "StatusType"),
    "Lookup": ("LookupAttributeMetadata", "LookupType"),
    "Customer": ("LookupAttributeMetadata", "CustomerType"),
    "Owner": ("LookupAttributeMetadata", "OwnerType"),
    "Uniqueidentifier": ("UniqueIdentifierAttributeMetadata", "UniqueidentifierType"),
}
_CREATABLE = {
    metadata: kind
    for kind, (metadata, _) in _TYPE_NAMES.items()
    if kind not in ("State", "Status", "Lookup", "Customer", "Owner", "Uniqueidentifier")
}
_DEFAULT_MAX_LENGTH = {"String": 100, "Memo": 2000}
_INT_RANGE = (-2147483648.0, 2147483647.0)


def attribute_from_definition(
    body: dict[str, Any], *, previous: Attribute | None = None, require_prefix: bool = True
) -> Attribute:
    """An attribute from a POSTed/PUT ``*AttributeMetadata`` body."""
    odata_type = str(body.get("@odata.type") or "").lstrip("#").removeprefix("Microsoft.Dynamics.CRM.")
    if odata_type == "LookupAttributeMetadata":
        raise bad_request("Attribute of type LookupAttributeMetadata cannot be created through the SDK")
    kind = _CREATABLE.get(odata_type)
    if kind is None and previous is not None and not odata_type:
        kind = previous.type
    if kind is None:
        raise bad_request(
            f"The attribute metadata type '{odata_type or '(missing @odata.type)'}' is not supported."
        )
    schema_name = str(body.get("SchemaName") or "")
    if not schema_name or ("_" not in schema_name and require_prefix and previous is None):
        raise bad_request(
            f"The schema name '{schema_name}' is not valid: "
            "custom columns need the publisher's customization prefix."
        )
    logical_name = str(body.get("LogicalName") or schema_name.lower())
    if previous is not None and previous.type != kind:
        raise bad_request(
            f"The attribute type of {previous.logical_name} can't be changed from {previous.type} to {kind}."
        )
    attribute = Attribute(
        logical_name=logical_name,
        schema_name=schema_name,
        type=kind,
        is_custom=True,
        is_primary_name=bool(body.get("IsPrimaryName")),
        raw={k: v for k, v in body.items() if k != "@odata.type"},
    )
    if previous is not None:
        attribute.metadata_id = previous.metadata_id
        attribute.is_primary_name = previous.is_primary_name
    _apply_type_details(attribute, body)
    return attribute


def _apply_type_details(attribute: Attribute, body: dict[str, Any]) -> None:
    kind = attribute.type
    if kind in _DEFAULT_MAX_LENGTH:
        attribute.max_length = int(body.get("MaxLength") or _DEFAULT_MAX_LENGTH[kind])
    if kind in ("Integer", "Decimal", "Double", "Money", "BigInt"):
        low, high = _INT_RANGE if kind == "Integer" else (None, None)
        attribute.min_value = _number(body.get("MinValue"), low)
        attribute.max_value = _number(body.get("MaxValue"), high)
    if kind in ("Decimal", "Double", "Money"):
        precision = body.get("Precision")
        attribute.precision = int(precision) if isinstance(precision, int | float | str) else 2
    if kind == "DateTime":
        behavior = body.get("DateTimeBehavior")
        behavior_value = behavior.get("Value") if isinstance(behavior, dict) else None
        attribute.date_only = body.get("Format") == "DateOnly" or behavior_value == "DateOnly"
    if kind == "Boolean":
        option_set = _as_dict(body.get("OptionSet"))
        true_label = label_text((option_set.get("TrueOption") or {}).get("Label")) or "Yes"
        false_label = label_text((option_set.get("FalseOption") or {}).get("Label")) or "No"
        attribute.options = {1: true_label, 0: false_label}
    if kind == "Picklist":
        option_set = _as_dict(body.get("OptionSet"))
        for index, option in enumerate(option_set.get("Options") or []):
            value = option.get("Value")
            attribute.options[int(value) if value is not None else 100000000 + index] = label_text(
                option.get("Label")
            ) or str(value)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any, default: float | None) -> float | None:
    return float(value) if isinstance(value, int | float) else default


def attribute_json(entity: Entity, attribute: Attribute) -> dict[str, Any]:
    metadata_type, type_name = _TYPE_NAMES[attribute.type]
    data: dict[str, Any] = {"@odata.type": f"#Microsoft.Dynamics.CRM.{metadata_type}", **attribute.raw}
    data.update(
        {
            "MetadataId": attribute.metadata_id,
            "LogicalName": attribute.logical_name,
            "SchemaName": attribute.schema_name,
            "EntityLogicalName": entity.logical_name,
            "AttributeType": attribute.type,
            "AttributeTypeName": {"Value": type_name},
            "IsPrimaryId": attribute.is_primary_id,
            "IsPrimaryName": attribute.is_primary_name,
            "IsCustomAttribute": attribute.is_custom,
            "IsValidForCreate": not attribute.read_only,
            "IsValidForUpdate": not attribute.read_only and not attribute.is_primary_id,
            "IsValidForRead": True,
        }
    )
    data.setdefault("DisplayName", label(attribute.schema_name))
    data.setdefault("RequiredLevel", {"Value": "None", "CanBeChanged": True})
    if attribute.max_length is not None:
        data["MaxLength"] = attribute.max_length
    for name, value in (("MinValue", attribute.min_value), ("MaxValue", attribute.max_value)):
        if value is not None:
            data[name] = value
    if attribute.precision is not None:
        data["Precision"] = attribute.precision
    if attribute.type == "DateTime":
        data["Format"] = "DateOnly" if attribute.date_only else "DateAndTime"
    if attribute.is_lookup:
        data["Targets"] = attribute.targets
    if attribute.type == "Boolean":
        data["OptionSet"] = {
            "TrueOption": {"Value": 1, "Label": label(attribute.options.get(1, "Yes"))},
            "FalseOption": {"Value": 0, "Label": label(attribute.options.get(0, "No"))},
        }
    elif attribute.type in CHOICE_TYPES:
        options = []
        for value, text in sorted(attribute.options.items()):
            option: dict[str, Any] = {"Value": value, "Label": label(text)}
            if attribute.type == "Status":
                option["State"] = attribute.status_state.get(value, 0)
            options.append(option)
        data["OptionSet"] = {"Options": options, "IsGlobal": False, "OptionSetType": attribute.type}
    return data


def key_json(entity: Entity, key: Key) -> dict[str, Any]:
    return {
        **key.raw,
        "MetadataId": key.metadata_id,
        "LogicalName": key.logical_name,
        "SchemaName": key.schema_name,
        "EntityLogicalName": entity.logical_name,
        "KeyAttributes": list(key.attributes),
        "DisplayName": key.raw.get("DisplayName") or label(key.schema_name),
        "EntityKeyIndexStatus": key.status,
    }


def relationship_json(relationship: Relationship) -> dict[str, Any]:
    data = {k: v for k, v in relationship.raw.items() if k != "Lookup"}
    data.update(
        {
            "@odata.type": "#Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata",
            "MetadataId": relationship.metadata_id,
            "SchemaName": relationship.schema_name,
            "RelationshipType": "OneToManyRelationship",
            "IsCustomRelationship": relationship.is_custom,
            "ReferencedEntity": relationship.referenced_entity,
            "ReferencedAttribute": relationship.referenced_attribute,
            "ReferencingEntity": relationship.referencing_entity,
            "ReferencingAttribute": relationship.referencing_attribute,
            "ReferencedEntityNavigationPropertyName": relationship.referenced_navigation,
            "ReferencingEntityNavigationPropertyName": relationship.referencing_navigation,
        }
    )
    cascade = dict(data.get("CascadeConfiguration") or {})
    cascade["Delete"] = relationship.cascade_delete
    data["CascadeConfiguration"] = cascade
    return data


def entity_json(entity: Entity) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in entity.raw.items() if k not in ("Attributes", "@odata.type")}
    data.update(
        {
            "MetadataId": entity.metadata_id,
            "LogicalName": entity.logical_name,
            "SchemaName": entity.schema_name,
            "EntitySetName": entity.entity_set,
            "LogicalCollectionName": entity.entity_set,
            "PrimaryIdAttribute": entity.primary_id,
            "PrimaryNameAttribute": entity.primary_name,
            "OwnershipType": entity.ownership,
            "IsActivity": entity.is_activity,
            "IsCustomEntity": entity.is_custom,
            "ObjectTypeCode": entity.object_type_code,
        }
    )
    data.setdefault("DisplayName", label(entity.schema_name))
    data.setdefault("DisplayCollectionName", label(entity.entity_set))
    data.setdefault("HasNotes", False)
    data.setdefault("HasActivities", False)
    return data

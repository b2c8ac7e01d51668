"""Render definitions as Web API metadata JSON (EntityMetadata, AttributeMetadata, keys, relationships).

The same JSON is POSTed by provisioning and written by ``export_definitions`` for solution packaging,
so what is committed under infra/dataverse/ is exactly what a run would send. The last section reads
metadata back (labels, options, "does this column differ") for provisioning's comparisons.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from dataverse.schema.model import (
    BooleanColumn,
    ChoiceColumn,
    Column,
    DateTimeColumn,
    DecimalColumn,
    IntegerColumn,
    KeyDefinition,
    LookupColumn,
    MemoColumn,
    MoneyColumn,
    Relationship,
    Table,
    TextColumn,
)

LANGUAGE_CODE = 1033
_NS = "Microsoft.Dynamics.CRM."
_REQUIRED = {"none": "None", "recommended": "Recommended", "required": "ApplicationRequired"}
_TEXT_FORMATS = {"text": "Text", "email": "Email", "phone": "Phone", "url": "Url"}
_CASCADE = {"remove_link": "RemoveLink", "restrict": "Restrict", "cascade": "Cascade"}

JsonObject = dict[str, Any]


def label(text: str) -> JsonObject:
    """A ``Label`` with one English localized label."""
    return {
        "@odata.type": _NS + "Label",
        "LocalizedLabels": [
            {"@odata.type": _NS + "LocalizedLabel", "Label": text, "LanguageCode": LANGUAGE_CODE}
        ],
    }


def label_text(value: Any) -> str | None:
    """The text of a Label as read back (``UserLocalizedLabel`` or the first localized label)."""
    if not isinstance(value, dict):
        return None
    user = value.get("UserLocalizedLabel")
    if isinstance(user, dict) and isinstance(user.get("Label"), str):
        return str(user["Label"])
    for item in value.get("LocalizedLabels") or ():
        if isinstance(item, dict) and isinstance(item.get("Label"), str):
            return str(item["Label"])
    return None


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _base(column: Column, odata_type: str, attribute_type: str, schema_name: str | None = None) -> JsonObject:
    return {
        "@odata.type": _NS + odata_type,
        "SchemaName": schema_name or column.name,
        "LogicalName": column.name,
        "AttributeType": attribute_type,
        "AttributeTypeName": {"Value": attribute_type + "Type"},
        "DisplayName": label(column.display_name),
        "Description": label(column.description),
        "RequiredLevel": {
            "Value": _REQUIRED[column.required],
            "CanBeChanged": True,
            "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
        },
    }


def attribute_metadata(
    column: Column, *, primary: bool = False, schema_name: str | None = None
) -> JsonObject:
    """AttributeMetadata JSON for a column (lookups: see ``relationship_metadata``)."""
    if isinstance(column, TextColumn):
        body = _base(column, "StringAttributeMetadata", "String", schema_name)
        body.update(MaxLength=column.max_length, FormatName={"Value": _TEXT_FORMATS[column.format]})
        if primary:
            body["IsPrimaryName"] = True
        return body
    if isinstance(column, MemoColumn):
        body = _base(column, "MemoAttributeMetadata", "Memo")
        body.update(MaxLength=column.max_length, Format="TextArea")
        return body
    if isinstance(column, IntegerColumn):
        body = _base(column, "IntegerAttributeMetadata", "Integer")
        body.update(Format="None", MinValue=column.min_value, MaxValue=column.max_value)
        return body
    if isinstance(column, DecimalColumn):
        body = _base(column, "DecimalAttributeMetadata", "Decimal")
        body.update(
            Precision=column.precision, MinValue=_number(column.min_value), MaxValue=_number(column.max_value)
        )
        return body
    if isinstance(column, MoneyColumn):
        body = _base(column, "MoneyAttributeMetadata", "Money")
        body.update(
            Precision=column.precision,
            PrecisionSource=0,
            MinValue=_number(column.min_value),
            MaxValue=_number(column.max_value),
        )
        return body
    if isinstance(column, BooleanColumn):
        body = _base(column, "BooleanAttributeMetadata", "Boolean")
        body.update(
            DefaultValue=column.default,
            OptionSet={
                "@odata.type": _NS + "BooleanOptionSetMetadata",
                "OptionSetType": "Boolean",
                "TrueOption": {"Value": 1, "Label": label(column.true_label)},
                "FalseOption": {"Value": 0, "Label": label(column.false_label)},
            },
        )
        return body
    if isinstance(column, DateTimeColumn):
        body = _base(column, "DateTimeAttributeMetadata", "DateTime")
        body.update(
            Format="DateOnly" if column.date_only else "DateAndTime",
            DateTimeBehavior={"Value": "DateOnly" if column.date_only else "UserLocal"},
        )
        return body
    if isinstance(column, ChoiceColumn):
        body = _base(column, "PicklistAttributeMetadata", "Picklist")
        body.update(
            DefaultFormValue=column.default.option_value if column.default is not None else -1,
            OptionSet={
                "@odata.type": _NS + "OptionSetMetadata",
                "IsGlobal": False,
                "OptionSetType": "Picklist",
                "Options": [
                    {"Value": value, "Label": label(text)} for value, text in column.choice.options()
                ],
            },
        )
        return body
    if isinstance(column, LookupColumn):
        return _base(column, "LookupAttributeMetadata", "Lookup")
    raise TypeError(f"no metadata mapping for {type(column).__name__}")


def primary_name_schema(table: Table) -> str | None:
    """Schema name of the primary name column (``Subject`` on activity tables, as Dataverse expects)."""
    if table.primary_name is None:
        return None
    return "Subject" if table.is_activity else table.primary_name.name


def entity_metadata(table: Table) -> JsonObject:
    """EntityMetadata JSON for creating a custom table, with only its primary name attribute."""
    if not table.custom or table.primary_name is None:
        raise ValueError(f"{table.name} is not a custom table with a primary name column")
    return {
        "@odata.type": _NS + "EntityMetadata",
        "SchemaName": table.name,
        "LogicalName": table.name,
        "EntitySetName": table.entity_set,
        "DisplayName": label(table.display_name),
        "DisplayCollectionName": label(table.plural_display_name or table.display_name),
        "Description": label(table.description),
        "OwnershipType": "UserOwned" if table.ownership == "user" else "OrganizationOwned",
        "IsActivity": table.is_activity,
        "HasActivities": False,
        "HasNotes": table.has_notes,
        "PrimaryNameAttribute": table.primary_name.name,
        "Attributes": [
            attribute_metadata(table.primary_name, primary=True, schema_name=primary_name_schema(table))
        ],
    }


def key_metadata(key: KeyDefinition) -> JsonObject:
    return {
        "@odata.type": _NS + "EntityKeyMetadata",
        "SchemaName": key.name,
        "LogicalName": key.name,
        "DisplayName": label(key.display_name),
        "KeyAttributes": list(key.columns),
    }


def relationship_metadata(relationship: Relationship) -> JsonObject:
    """OneToManyRelationshipMetadata JSON that creates the lookup column with the relationship."""
    lookup = relationship.lookup
    return {
        "@odata.type": _NS + "OneToManyRelationshipMetadata",
        "SchemaName": relationship.schema_name,
        "ReferencedEntity": relationship.referenced_table,
        "ReferencedAttribute": relationship.referenced_attribute,
        "ReferencingEntity": relationship.referencing_table,
        "ReferencingEntityNavigationPropertyName": lookup.name,
        "CascadeConfiguration": {
            "Assign": "NoCascade",
            "Delete": _CASCADE[lookup.cascade_delete],
            "Merge": "NoCascade",
            "Reparent": "NoCascade",
            "Share": "NoCascade",
            "Unshare": "NoCascade",
        },
        "AssociatedMenuConfiguration": {
            "Behavior": "UseCollectionName",
            "Group": "Details",
            "Label": label(lookup.display_name),
            "Order": 10000,
        },
        "Lookup": attribute_metadata(lookup),
    }


def table_document(table: Table) -> JsonObject:
    """Everything about one table, for export: the entity (if ours), columns, keys, relationships."""
    columns = [attribute_metadata(c) for c in table.columns if not isinstance(c, LookupColumn)]
    return {
        "LogicalName": table.name,
        "EntitySetName": table.entity_set,
        "Custom": table.custom,
        "Entity": entity_metadata(table) if table.custom else None,
        "Attributes": columns,
        "Keys": [key_metadata(k) for k in table.keys],
        "Relationships": [relationship_metadata(r) for r in table.relationships],
    }


# ---- reading metadata back ------------------------------------------------------------------------


def options_of(option_set: Mapping[str, Any]) -> dict[int, str]:
    """``{value: label}`` of an OptionSet as the server reports it."""
    return {
        int(option["Value"]): label_text(option.get("Label")) or ""
        for option in option_set.get("Options") or ()
        if isinstance(option, Mapping) and option.get("Value") is not None
    }


_COMPARED = ("MaxLength", "MinValue", "MaxValue", "Precision", "Format", "DefaultFormValue", "DefaultValue")


def column_differs(wanted: Mapping[str, Any], existing: Mapping[str, Any]) -> bool:
    """True when a property the definition sets differs from what the server reports (absent = equal)."""
    for prop in ("DisplayName", "Description"):
        if prop in existing and label_text(existing[prop]) != label_text(wanted[prop]):
            return True
    required = existing.get("RequiredLevel")
    if isinstance(required, Mapping) and required.get("Value") != wanted["RequiredLevel"]["Value"]:
        return True
    fmt = existing.get("FormatName")
    if (
        "FormatName" in wanted
        and isinstance(fmt, Mapping)
        and fmt.get("Value") != wanted["FormatName"]["Value"]
    ):
        return True
    for prop in _COMPARED:
        if prop in wanted and existing.get(prop) is not None and not _same(existing[prop], wanted[prop]):
            return True
    return False


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, int | float) and isinstance(right, int | float) and not isinstance(left, bool):
        return abs(float(left) - float(right)) <= 1e-6 * max(1.0, abs(float(right)))
    return bool(left == right)

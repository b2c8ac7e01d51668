"""Tables, columns, keys and relationships as the emulator holds them (and persists them as JSON)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

LOOKUP_TYPES = frozenset({"Lookup", "Customer", "Owner"})
CHOICE_TYPES = frozenset({"Picklist", "State", "Status"})
NUMBER_TYPES = frozenset({"Integer", "BigInt", "Decimal", "Double", "Money"})
TEXT_TYPES = frozenset({"String", "Memo"})
KEYABLE_TYPES = frozenset(
    {"String", "Integer", "BigInt", "Decimal", "DateTime", "Picklist", "Uniqueidentifier"}
) | (LOOKUP_TYPES)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Attribute:
    logical_name: str
    schema_name: str
    type: str
    max_length: int | None = None
    options: dict[int, str] = field(default_factory=dict)
    navigation: dict[str, list[str]] = field(default_factory=dict)  # nav property -> target tables
    date_only: bool = False
    precision: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    status_state: dict[int, int] = field(default_factory=dict)  # statuscode value -> statecode value
    is_primary_id: bool = False
    is_primary_name: bool = False
    is_custom: bool = False
    read_only: bool = False
    metadata_id: str = field(default_factory=new_id)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def is_lookup(self) -> bool:
        return self.type in LOOKUP_TYPES

    @property
    def column(self) -> str:
        """The name the column has in rows and queries: ``_x_value`` for lookups."""
        return f"_{self.logical_name}_value" if self.is_lookup else self.logical_name

    @property
    def targets(self) -> list[str]:
        seen: list[str] = []
        for targets in self.navigation.values():
            seen.extend(target for target in targets if target not in seen)
        return seen

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attribute:
        data = dict(data)
        data["options"] = {int(value): label for value, label in data.get("options", {}).items()}
        data["status_state"] = {int(value): state for value, state in data.get("status_state", {}).items()}
        return cls(**data)


@dataclass
class Key:
    logical_name: str
    schema_name: str
    attributes: list[str]
    status: str = "Active"  # "Failed" when existing rows already broke uniqueness: not enforced
    metadata_id: str = field(default_factory=new_id)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Relationship:
    schema_name: str
    referenced_entity: str
    referenced_attribute: str
    referencing_entity: str
    referencing_attribute: str
    referencing_navigation: str
    referenced_navigation: str
    cascade_delete: str = "RemoveLink"
    is_custom: bool = True
    metadata_id: str = field(default_factory=new_id)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Entity:
    logical_name: str
    schema_name: str
    entity_set: str
    primary_id: str
    primary_name: str | None
    attributes: dict[str, Attribute] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)
    ownership: str = "UserOwned"
    is_activity: bool = False
    is_custom: bool = False
    object_type_code: int = 10000
    metadata_id: str = field(default_factory=new_id)
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, attribute: Attribute) -> None:
        self.attributes[attribute.logical_name] = attribute

    def by_column(self, column: str) -> Attribute | None:
        """The attribute behind a row/query column name (``name`` or ``_x_value``)."""
        if column.startswith("_") and column.endswith("_value"):
            attribute = self.attributes.get(column[1:-6])
            return attribute if attribute is not None and attribute.is_lookup else None
        attribute = self.attributes.get(column)
        return attribute if attribute is not None and not attribute.is_lookup else None

    def by_navigation(self, name: str) -> Attribute | None:
        for attribute in self.attributes.values():
            if name in attribute.navigation:
                return attribute
        return None

    def active_keys(self) -> list[Key]:
        return [key for key in self.keys.values() if key.status == "Active"]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entity:
        data = dict(data)
        data["attributes"] = {name: Attribute.from_json(value) for name, value in data["attributes"].items()}
        data["keys"] = {name: Key(**value) for name, value in data["keys"].items()}
        return cls(**data)


def plural(logical_name: str) -> str:
    """Dataverse's default entity set name: the logical name in English plural."""
    if logical_name.endswith("y") and len(logical_name) > 1 and logical_name[-2] not in "aeiou":
        return logical_name[:-1] + "ies"
    if logical_name.endswith(("s", "x", "z", "ch", "sh")):
        return logical_name + "es"
    return logical_name + "s"


def label(text: str | None) -> dict[str, Any]:
    if text is None:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}
    localized = {"Label": text, "LanguageCode": 1033, "IsManaged": False, "MetadataId": new_id()}
    return {"LocalizedLabels": [localized], "UserLocalizedLabel": localized}


def label_text(value: Any) -> str | None:
    """The text of a Label complex value (UserLocalizedLabel first, then the first localized label)."""
    if not isinstance(value, dict):
        return None
    user = value.get("UserLocalizedLabel")
    if isinstance(user, dict) and user.get("Label"):
        return str(user["Label"])
    for localized in value.get("LocalizedLabels") or []:
        if isinstance(localized, dict) and localized.get("Label"):
            return str(localized["Label"])
    return None

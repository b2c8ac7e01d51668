"""The vocabulary of tables as code: columns, alternate keys, lookups (relationships) and tables.

Definitions are frozen dataclasses. Logical names are lower case and carry the publisher prefix
``smart_``; the schema name of everything we create equals its logical name, so the single-valued
navigation property of a lookup (used in ``<lookup>@odata.bind``) is the lookup's logical name too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from dataverse.schema.choices import Choice

PREFIX = "smart_"

RequiredLevel = Literal["none", "recommended", "required"]
TextFormat = Literal["text", "email", "phone", "url"]
CascadeDelete = Literal["remove_link", "restrict", "cascade"]
Ownership = Literal["user", "organization"]


@dataclass(frozen=True, kw_only=True)
class Column:
    """A column: logical name, display name, description and required level."""

    name: str
    display_name: str
    description: str
    required: RequiredLevel = "none"

    @property
    def kind(self) -> str:
        """Short type name used in exports and messages (``text``, ``choice``, ``lookup`` ...)."""
        return type(self).__name__.removesuffix("Column").lower()


@dataclass(frozen=True, kw_only=True)
class TextColumn(Column):
    """Single line of text."""

    max_length: int = 100
    format: TextFormat = "text"


@dataclass(frozen=True, kw_only=True)
class MemoColumn(Column):
    """Multiple lines of text (JSON snapshots, raw payloads, long messages)."""

    max_length: int = 4000


@dataclass(frozen=True, kw_only=True)
class IntegerColumn(Column):
    """Whole number."""

    min_value: int = -2147483648
    max_value: int = 2147483647


@dataclass(frozen=True, kw_only=True)
class DecimalColumn(Column):
    """Decimal number (exact; use for provider costs whose currency is fixed by contract)."""

    precision: int = 2
    min_value: Decimal = Decimal("-100000000000")
    max_value: Decimal = Decimal("100000000000")


@dataclass(frozen=True, kw_only=True)
class MoneyColumn(Column):
    """Currency. Dataverse adds ``transactioncurrencyid`` and a base-currency column to the table."""

    precision: int = 2
    min_value: Decimal = Decimal("-922337203685477")
    max_value: Decimal = Decimal("922337203685477")


@dataclass(frozen=True, kw_only=True)
class BooleanColumn(Column):
    """Yes/No."""

    default: bool = False
    true_label: str = "Yes"
    false_label: str = "No"


@dataclass(frozen=True, kw_only=True)
class DateTimeColumn(Column):
    """Date and time stored in UTC (user-local display), or a date only (no time zone)."""

    date_only: bool = False


@dataclass(frozen=True, kw_only=True)
class ChoiceColumn(Column):
    """Choice (local option set) whose options come from a ``Choice`` enum."""

    choice: type[Choice]
    default: Choice | None = None


@dataclass(frozen=True, kw_only=True)
class LookupColumn(Column):
    """Lookup to ``target``; provisioned as a one-to-many relationship from the target table."""

    target: str
    cascade_delete: CascadeDelete = "remove_link"


@dataclass(frozen=True, kw_only=True)
class KeyDefinition:
    """Alternate key: unique across ``columns`` and addressable as ``/set(col='value')``."""

    name: str
    display_name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Relationship:
    """One-to-many relationship implied by a lookup: ``referenced`` (one) -> ``referencing`` (many)."""

    schema_name: str
    referenced_table: str
    referenced_attribute: str
    referencing_table: str
    lookup: LookupColumn


@dataclass(frozen=True, kw_only=True)
class Table:
    """A custom table this product owns, or (``custom=False``) a standard table we add columns to.

    For a standard table only ``name``, ``entity_set``, ``primary_id``, ``columns`` and ``keys`` mean
    anything: provisioning never creates or alters the table itself, only our columns and keys.
    """

    name: str
    entity_set: str
    display_name: str
    plural_display_name: str = ""
    description: str = ""
    primary_name: TextColumn | None = None
    columns: tuple[Column, ...] = ()
    keys: tuple[KeyDefinition, ...] = ()
    is_activity: bool = False
    ownership: Ownership = "user"
    has_notes: bool = False
    custom: bool = True
    primary_id_override: str | None = field(default=None, repr=False)

    @property
    def primary_id(self) -> str:
        """Primary key column (``activityid`` for activity tables, ``<name>id`` otherwise)."""
        if self.primary_id_override:
            return self.primary_id_override
        return "activityid" if self.is_activity else f"{self.name}id"

    @property
    def primary_name_attribute(self) -> str | None:
        return self.primary_name.name if self.primary_name else None

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Our columns including the primary name column (first)."""
        return ((self.primary_name,) if self.primary_name else ()) + self.columns

    def column(self, name: str) -> Column:
        """The column called ``name``; KeyError naming the table when it is not ours."""
        for candidate in self.all_columns:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name} has no column {name!r} in the definitions")

    @property
    def lookups(self) -> tuple[LookupColumn, ...]:
        return tuple(c for c in self.columns if isinstance(c, LookupColumn))

    @property
    def relationships(self) -> tuple[Relationship, ...]:
        """The one-to-many relationships this table's lookups create."""
        return tuple(
            Relationship(
                schema_name=relationship_name(lookup.target, self.name, lookup.name),
                referenced_table=lookup.target,
                referenced_attribute=primary_id_of(lookup.target),
                referencing_table=self.name,
                lookup=lookup,
            )
            for lookup in self.lookups
        )

    def key(self, name: str) -> KeyDefinition:
        for candidate in self.keys:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name} has no alternate key {name!r}")


def relationship_name(referenced: str, referencing: str, lookup: str) -> str:
    """``smart_<referenced>_<referencing>_<lookup>`` without doubled prefixes, e.g.
    ``smart_contact_message_contactid`` for ``smart_message.smart_contactid -> contact``."""
    parts = [_strip(referenced), _strip(referencing), _strip(lookup)]
    return PREFIX + "_".join(parts)


def _strip(name: str) -> str:
    return name.removeprefix(PREFIX)


_STANDARD_PRIMARY_IDS = {"activitypointer": "activityid"}


def primary_id_of(table_name: str) -> str:
    """Primary key column of any table referenced by a lookup (standard or ours, non-activity)."""
    return _STANDARD_PRIMARY_IDS.get(table_name, f"{table_name}id")

"""Tables as code: the custom tables, columns, choices, keys and relationships this product needs.

The definitions here are the single source of truth: provisioning creates them through the Web API
metadata endpoints, ``export_definitions`` writes them for solution packaging, and capabilities import
the choice enums and names from here instead of spelling strings.
"""

from dataverse.schema.choices import (
    ALL_CHOICES,
    BatchStatus,
    CheckStatus,
    CheckTrigger,
    Choice,
    FindingKind,
    FindingSeverity,
    MessageChannel,
    MessageStatus,
    PaymentStatus,
    ReconciliationStatus,
    RiskLevel,
    ShipmentStatus,
)
from dataverse.schema.export import export_definitions, render_definitions
from dataverse.schema.messaging import message_activity_id
from dataverse.schema.model import (
    PREFIX,
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
from dataverse.schema.registry import TABLES, entity_set_of, known_tables, relationships, table
from dataverse.schema.standard import STANDARD_ENTITY_SETS

__all__ = [
    "ALL_CHOICES",
    "PREFIX",
    "STANDARD_ENTITY_SETS",
    "TABLES",
    "BatchStatus",
    "BooleanColumn",
    "CheckStatus",
    "CheckTrigger",
    "Choice",
    "ChoiceColumn",
    "Column",
    "DateTimeColumn",
    "DecimalColumn",
    "FindingKind",
    "FindingSeverity",
    "IntegerColumn",
    "KeyDefinition",
    "LookupColumn",
    "MemoColumn",
    "MessageChannel",
    "MessageStatus",
    "MoneyColumn",
    "PaymentStatus",
    "ReconciliationStatus",
    "Relationship",
    "RiskLevel",
    "ShipmentStatus",
    "Table",
    "TextColumn",
    "entity_set_of",
    "export_definitions",
    "known_tables",
    "message_activity_id",
    "relationships",
    "render_definitions",
    "table",
]

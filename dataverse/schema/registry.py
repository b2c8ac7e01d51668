"""The single list of tables this product provisions, and look-ups over it."""

from __future__ import annotations

from dataverse.schema.counterparty import COUNTERPARTY_CHANGE, COUNTERPARTY_CHECK, COUNTERPARTY_FINDING
from dataverse.schema.delivery_reports import DELIVERY_REPORT
from dataverse.schema.messaging import MESSAGE, MESSAGE_ACTIVITY, MESSAGE_BATCH
from dataverse.schema.model import Relationship, Table
from dataverse.schema.payments import PAYMENT
from dataverse.schema.platform import PROCESSED_EVENT
from dataverse.schema.shipping import SHIPMENT, SHIPMENT_STATUS
from dataverse.schema.standard import ACCOUNT, CONTACT, STANDARD_ENTITY_SETS

# Custom tables first (in dependency-free order: lookups are created after every table exists),
# then the standard tables we add columns to.
TABLES: tuple[Table, ...] = (
    MESSAGE_BATCH,
    MESSAGE,
    MESSAGE_ACTIVITY,
    DELIVERY_REPORT,
    SHIPMENT,
    SHIPMENT_STATUS,
    PAYMENT,
    COUNTERPARTY_CHECK,
    COUNTERPARTY_FINDING,
    COUNTERPARTY_CHANGE,
    PROCESSED_EVENT,
    ACCOUNT,
    CONTACT,
)

_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(logical_name: str) -> Table:
    """The definition of one of our tables (or a standard table we extend); KeyError otherwise."""
    try:
        return _BY_NAME[logical_name]
    except KeyError:
        raise KeyError(f"no table definition for {logical_name!r}") from None


def entity_set_of(logical_name: str) -> str:
    """Web API entity set name (``smart_message`` -> ``smart_messages``) of ours or a known standard table."""
    if logical_name in _BY_NAME:
        return _BY_NAME[logical_name].entity_set
    try:
        return STANDARD_ENTITY_SETS[logical_name]
    except KeyError:
        raise KeyError(
            f"entity set of {logical_name!r} is not known; add it to STANDARD_ENTITY_SETS"
        ) from None


def known_tables() -> frozenset[str]:
    """Every table name a definition may refer to: ours plus the listed standard ones."""
    return frozenset(_BY_NAME) | frozenset(STANDARD_ENTITY_SETS)


def relationships(tables: tuple[Table, ...] = TABLES) -> tuple[Relationship, ...]:
    """All one-to-many relationships implied by the lookups of ``tables``."""
    return tuple(rel for t in tables for rel in t.relationships)

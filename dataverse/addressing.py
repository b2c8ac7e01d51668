"""How rows are named in Web API URLs: GUIDs, alternate keys, ``@odata.bind`` values, OData literals.

``entity_path("contacts", AlternateKey({"smart_idempotencykey": "O'Brien"}))`` gives
``contacts(smart_idempotencykey='O''Brien')``: string values are quoted with single quotes doubled
(OData's escaping) and then percent-encoded so that ``/ ? # & % +`` and spaces survive the URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

__all__ = ["AlternateKey", "RowRef", "bind", "entity_path", "guid_from_entity_id", "odata_literal"]


def odata_literal(value: Any) -> str:
    """An OData literal for ``$filter`` and key segments.

    ``str`` -> ``'text'`` (quotes doubled); ``uuid.UUID`` -> bare GUID (Dataverse compares GUID
    columns only with bare GUIDs: pass ``uuid.UUID(id)`` for ids and lookups); ``bool`` ->
    ``true``/``false``; numbers as they are; ``datetime`` -> ISO 8601 UTC; ``date`` -> ``YYYY-MM-DD``;
    ``None`` -> ``null``. Not URL-encoded: ``requests`` encodes query parameters.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        utc = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return utc.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"  # 4-digit year, unlike %Y
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no OData literal for {type(value).__name__}")


@dataclass(frozen=True)
class AlternateKey:
    """Column values of a Dataverse alternate key, e.g. ``AlternateKey({"accountnumber": "A-1"})``.

    Multi-column keys keep the order given. Lookup columns in a key are written ``_x_value`` with a
    ``uuid.UUID`` value.
    """

    values: Mapping[str, Any]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("an alternate key needs at least one column")

    def render(self) -> str:
        """``name='value',other=5``, percent-encoded for use inside a URL path."""
        parts = []
        for name, value in self.values.items():
            literal = odata_literal(uuid.UUID(str(value)) if _is_guid_column(name, value) else value)
            parts.append(f"{name}={quote(literal, safe=_SAFE)}")
        return ",".join(parts)


RowRef = str | uuid.UUID | AlternateKey
"""A row: its primary id (GUID as str or UUID) or an alternate key."""

_SAFE = "'-_.~:"


def entity_path(entity_set: str, row: RowRef) -> str:
    """``contacts(00000000-...)`` or ``contacts(key='value')``, relative to the service root."""
    if isinstance(row, AlternateKey):
        return f"{entity_set}({row.render()})"
    return f"{entity_set}({_guid(row)})"


def bind(entity_set: str, row: RowRef) -> str:
    """The value of a ``navprop@odata.bind`` property: ``/accounts(00000000-...)``."""
    return "/" + entity_path(entity_set, row)


def guid_from_entity_id(entity_id: str) -> str:
    """The GUID inside an ``OData-EntityId`` URL such as ``https://org/api/data/v9.2/contacts(guid)``."""
    inner = entity_id.rstrip(")").rsplit("(", 1)[-1]
    return str(uuid.UUID(inner))


def _guid(value: str | uuid.UUID) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(f"not a GUID: {value!r}; use AlternateKey for key values") from None


def _is_guid_column(name: str, value: Any) -> bool:
    return name.startswith("_") and name.endswith("_value") and isinstance(value, str | uuid.UUID)

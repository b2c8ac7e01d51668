"""``$batch`` operations and their results (the wire format lives in ``_multipart``).

Build operations with the class methods (``BatchOperation.create(...)``, ``.update``, ``.upsert``,
``.delete``, ``.get``) and hand them to ``DataverseClient.execute_batch``. In an atomic batch every
run of consecutive writes goes into one change set (one transaction); a GET between writes ends the
run. Inside a change set, operation ``i`` (0-based, counted over the whole list) has Content-ID
``i + 1`` unless it names its own, so a later operation may address the row created by the first as
``"$1"`` (as a path, or as an ``@odata.bind`` value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dataverse.addressing import RowRef, entity_path, guid_from_entity_id
from dataverse.errors import DataverseApiError

__all__ = ["MAX_BATCH_OPERATIONS", "BatchOperation", "BatchResult", "UpsertMode"]

MAX_BATCH_OPERATIONS = 1000
UpsertMode = Literal["upsert", "create_only", "update_only"]


@dataclass(frozen=True)
class BatchOperation:
    method: str
    path: str  # relative to the service root ("contacts(…)") or a Content-ID reference ("$1")
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content_id: str | None = None
    standalone: bool = False  # its own part even in an atomic batch: its failure rolls back nothing else

    @property
    def is_read(self) -> bool:
        return self.method.upper() == "GET"

    @property
    def idempotent(self) -> bool:
        """Safe to send twice: everything but a POST (a create or an action)."""
        return self.method.upper() != "POST"

    @classmethod
    def create(
        cls, entity_set: str, data: Mapping[str, Any], *, content_id: str | None = None
    ) -> BatchOperation:
        return cls("POST", entity_set, dict(data), content_id=content_id)

    @classmethod
    def update(
        cls,
        entity_set: str,
        row: RowRef,
        data: Mapping[str, Any],
        *,
        etag: str | None = None,
        content_id: str | None = None,
    ) -> BatchOperation:
        return cls("PATCH", _row_path(entity_set, row), dict(data), {"If-Match": etag or "*"}, content_id)

    @classmethod
    def upsert(
        cls,
        entity_set: str,
        row: RowRef,
        data: Mapping[str, Any],
        *,
        mode: UpsertMode = "upsert",
        content_id: str | None = None,
    ) -> BatchOperation:
        return cls("PATCH", _row_path(entity_set, row), dict(data), upsert_headers(mode), content_id)

    @classmethod
    def delete(
        cls, entity_set: str, row: RowRef, *, etag: str | None = None, content_id: str | None = None
    ) -> BatchOperation:
        headers = {"If-Match": etag} if etag else {}
        return cls("DELETE", _row_path(entity_set, row), None, headers, content_id)

    @classmethod
    def get(cls, path: str) -> BatchOperation:
        return cls("GET", path)


@dataclass(frozen=True)
class BatchResult:
    """What happened to one operation. ``status`` is 0 when Dataverse never ran it (the batch stopped
    at an earlier failure). In a change set that failed, every operation carries the failure and
    ``rolled_back`` is true: nothing in it was written."""

    operation: BatchOperation
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    error: DataverseApiError | None = None
    rolled_back: bool = False

    @property
    def executed(self) -> bool:
        return self.status != 0

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300 and not self.rolled_back

    @property
    def entity_id(self) -> str | None:
        """The GUID from ``OData-EntityId`` (creates and upserts)."""
        for name, value in self.headers.items():
            if name.lower() == "odata-entityid":
                return guid_from_entity_id(value)
        return None


def upsert_headers(mode: UpsertMode) -> dict[str, str]:
    if mode == "create_only":
        return {"If-None-Match": "*"}
    if mode == "update_only":
        return {"If-Match": "*"}
    if mode == "upsert":
        return {}
    raise ValueError(f"unknown upsert mode {mode!r}")


def _row_path(entity_set: str, row: RowRef) -> str:
    if isinstance(row, str) and row.startswith("$"):
        return row
    return entity_path(entity_set, row)

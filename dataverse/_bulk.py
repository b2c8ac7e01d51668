"""CreateMultiple / UpdateMultiple / UpsertMultiple: chunking, ``@odata.type``, optional parallelism.

Service protection counts each call as one request (its execution time still counts); the daily
entitlement counts every row. Each chunk is one transaction on standard tables: one bad row fails
its chunk, not the others already written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from dataverse.addressing import AlternateKey, entity_path

if TYPE_CHECKING:
    from dataverse.client import DataverseClient

T = TypeVar("T")


def targets(logical_name: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    odata_type = f"Microsoft.Dynamics.CRM.{logical_name}"
    return [{"@odata.type": odata_type, **row} for row in rows]


def with_key(entity_set: str, row: Mapping[str, Any], key: Sequence[str]) -> dict[str, Any]:
    missing = [column for column in key if row.get(column) is None]
    if missing:
        raise ValueError(f"row has no value for key column(s) {', '.join(missing)}")
    key_values = {column: row[column] for column in key}
    return {**row, "@odata.id": entity_path(entity_set, AlternateKey(key_values))}


def chunks(rows: Sequence[Mapping[str, Any]], size: int) -> list[Sequence[Mapping[str, Any]]]:
    if size < 1:
        raise ValueError("chunk_size must be at least 1")
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def run(
    work: Callable[[Sequence[Mapping[str, Any]]], T], parts: list[Sequence[Mapping[str, Any]]], parallel: int
) -> list[T]:
    if parallel <= 1 or len(parts) <= 1:
        return [work(part) for part in parts]
    with ThreadPoolExecutor(
        max_workers=min(parallel, len(parts)), thread_name_prefix="dataverse-bulk"
    ) as pool:
        return list(pool.map(work, parts))


def create_multiple(
    client: DataverseClient,
    entity_set: str,
    logical_name: str,
    rows: Sequence[Mapping[str, Any]],
    chunk_size: int,
    parallel: int,
) -> list[str]:
    def send(part: Sequence[Mapping[str, Any]]) -> list[str]:
        answer = client.request(
            "POST",
            f"{entity_set}/Microsoft.Dynamics.CRM.CreateMultiple",
            {"Targets": targets(logical_name, part)},
            idempotent=False,
        )
        return [str(value) for value in (answer or {}).get("Ids", [])]

    return [row_id for ids in run(send, chunks(rows, chunk_size), parallel) for row_id in ids]


def send_multiple(
    client: DataverseClient,
    message: str,
    entity_set: str,
    logical_name: str,
    rows: Sequence[Mapping[str, Any]],
    chunk_size: int,
    parallel: int,
) -> None:
    def send(part: Sequence[Mapping[str, Any]]) -> None:
        client.request(
            "POST",
            f"{entity_set}/Microsoft.Dynamics.CRM.{message}",
            {"Targets": targets(logical_name, part)},
            idempotent=True,  # updates and keyed upserts land the same way twice
        )

    run(send, chunks(rows, chunk_size), parallel)

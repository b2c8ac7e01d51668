"""SQLite storage: rows as JSON per (table, id), alternate-key values in their own unique index.

One connection, guarded by one re-entrant lock that a whole request (or a whole ``$batch``) holds, so
every request sees and leaves a consistent database. ``transaction()`` nests: the outermost call is
BEGIN/COMMIT, inner calls are savepoints, which is how an atomic change set rolls back alone.

Parsed rows are kept by (table, id) and reused while the stored version is the same; versions are never
reused, so a rolled-back write cannot leave a stale entry in use. Callers treat ``StoredRow.data`` as
read-only and copy it to change it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    entity TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (entity, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keyvals (
    entity TEXT NOT NULL, keyname TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (entity, keyname, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keyvals_by_row ON keyvals (entity, id);
CREATE TABLE IF NOT EXISTS metadata (kind TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (kind, name));
"""


PARSED_ROWS_KEPT = 30_000  # parsed rows kept for reuse (tens of MiB); starts over when full


@dataclass(frozen=True)
class StoredRow:
    id: str
    version: int
    data: Mapping[str, Any]  # read-only view for stored rows: copy it (``dict(row.data)``) to change it


class Store:
    def __init__(self, db_path: str = ":memory:") -> None:
        self.lock = threading.RLock()
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        if db_path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._depth = 0
        self._parsed: dict[tuple[str, str], StoredRow] = {}
        row = self._db.execute("SELECT COALESCE(MAX(version), 0) FROM rows").fetchone()
        self._version = int(row[0]) + 1000

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            savepoint = f"sp{self._depth}"
            self._db.execute("BEGIN" if self._depth == 0 else f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                self._db.execute("ROLLBACK" if self._depth == 0 else f"ROLLBACK TO {savepoint}")
                if self._depth:
                    self._db.execute(f"RELEASE {savepoint}")
                raise
            self._depth -= 1
            self._db.execute("COMMIT" if self._depth == 0 else f"RELEASE {savepoint}")

    def next_version(self) -> int:
        with self.lock:
            self._version += 1
            return self._version

    # ---- rows ------------------------------------------------------------------------------------

    def get(self, entity: str, row_id: str) -> StoredRow | None:
        found = self._db.execute(
            "SELECT id, version, data FROM rows WHERE entity = ? AND id = ?", (entity, row_id)
        ).fetchone()
        return self._row(entity, found[0], found[1], found[2]) if found else None

    def _row(self, entity: str, row_id: str, version: int, data: str) -> StoredRow:
        """The parsed row, reused while the stored version is the one parsed."""
        cached = self._parsed.get((entity, row_id))
        if cached is not None and cached.version == version:
            return cached
        return self._keep(entity, row_id, version, json.loads(data))  # a fresh dict: no copy needed

    def _keep(self, entity: str, row_id: str, version: int, data: dict[str, Any]) -> StoredRow:
        """Keep ``data`` (a dict nobody else holds) behind a read-only view: readers cannot change it."""
        if len(self._parsed) >= PARSED_ROWS_KEPT:
            self._parsed.clear()
        row = self._parsed[(entity, row_id)] = StoredRow(row_id, version, MappingProxyType(data))
        return row

    def insert(self, entity: str, row: StoredRow) -> None:
        self._db.execute(
            "INSERT INTO rows (entity, id, version, data) VALUES (?, ?, ?, ?)",
            (entity, row.id, row.version, json.dumps(row.data, ensure_ascii=False)),
        )
        self._keep(entity, row.id, row.version, dict(row.data))  # a copy: the writer keeps its dict

    def replace(self, entity: str, row: StoredRow) -> None:
        self._db.execute(
            "UPDATE rows SET version = ?, data = ? WHERE entity = ? AND id = ?",
            (row.version, json.dumps(row.data, ensure_ascii=False), entity, row.id),
        )
        self._keep(entity, row.id, row.version, dict(row.data))  # a copy: the writer keeps its dict

    def delete(self, entity: str, row_id: str) -> None:
        self._db.execute("DELETE FROM rows WHERE entity = ? AND id = ?", (entity, row_id))
        self._db.execute("DELETE FROM keyvals WHERE entity = ? AND id = ?", (entity, row_id))

    def scan(self, entity: str, after_id: str | None = None) -> Generator[StoredRow, None, None]:
        """Rows in primary-key order (optionally after one id), parsed lazily."""
        cursor = self._db.execute(
            "SELECT id, version, data FROM rows WHERE entity = ? AND id > ? ORDER BY id",
            (entity, after_id or ""),
        )
        try:
            while batch := cursor.fetchmany(500):
                for row_id, version, data in batch:
                    yield self._row(entity, row_id, version, data)
        finally:
            cursor.close()  # an abandoned scan must not leave a statement open on the shared connection

    def count(self, entity: str) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM rows WHERE entity = ?", (entity,)).fetchone()[0])

    def ids_where(self, entity: str, column: str, value: str) -> list[str]:
        """Ids of rows whose JSON ``column`` equals ``value`` (for delete cascades)."""
        cursor = self._db.execute(
            "SELECT id FROM rows WHERE entity = ? AND json_extract(data, ?) = ?",
            (entity, f'$."{column}"', value),
        )
        return [found[0] for found in cursor]

    def drop_entity(self, entity: str) -> None:
        self._db.execute("DELETE FROM rows WHERE entity = ?", (entity,))
        self._db.execute("DELETE FROM keyvals WHERE entity = ?", (entity,))

    # ---- alternate keys --------------------------------------------------------------------------

    def key_owner(self, entity: str, keyname: str, value: str) -> str | None:
        found = self._db.execute(
            "SELECT id FROM keyvals WHERE entity = ? AND keyname = ? AND value = ?", (entity, keyname, value)
        ).fetchone()
        return str(found[0]) if found else None

    def set_keys(self, entity: str, row_id: str, values: dict[str, str]) -> None:
        self._db.execute("DELETE FROM keyvals WHERE entity = ? AND id = ?", (entity, row_id))
        self._db.executemany(
            "INSERT INTO keyvals (entity, keyname, value, id) VALUES (?, ?, ?, ?)",
            [(entity, keyname, value, row_id) for keyname, value in values.items()],
        )

    def add_key_values(self, entity: str, keyname: str, pairs: list[tuple[str, str]]) -> None:
        """(normalized value, row id) pairs of a newly built key index."""
        self._db.executemany(
            "INSERT INTO keyvals (entity, keyname, value, id) VALUES (?, ?, ?, ?)",
            [(entity, keyname, value, row_id) for value, row_id in pairs],
        )

    def drop_key(self, entity: str, keyname: str) -> None:
        self._db.execute("DELETE FROM keyvals WHERE entity = ? AND keyname = ?", (entity, keyname))

    # ---- metadata --------------------------------------------------------------------------------

    def save_metadata(self, kind: str, name: str, body: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO metadata (kind, name, body) VALUES (?, ?, ?)",
            (kind, name, json.dumps(body)),
        )

    def delete_metadata(self, kind: str, name: str) -> None:
        self._db.execute("DELETE FROM metadata WHERE kind = ? AND name = ?", (kind, name))

    def load_metadata(self, kind: str) -> list[dict[str, Any]]:
        cursor = self._db.execute("SELECT body FROM metadata WHERE kind = ? ORDER BY name", (kind,))
        return [json.loads(found[0]) for found in cursor]

"""The emulator's SQLite store: parsed rows are reused only while their stored version is current."""

from __future__ import annotations

import pytest

from local_runtime.dataverse_emulator import _store
from local_runtime.dataverse_emulator._store import Store, StoredRow


def test_an_unchanged_row_is_parsed_once_and_a_changed_one_is_read_anew() -> None:
    store = Store()
    store.insert("account", StoredRow("a", store.next_version(), {"name": "Old"}))
    first = store.get("account", "a")
    assert first is not None and first is store.get("account", "a")
    assert [row.data for row in store.scan("account")] == [{"name": "Old"}]
    store.replace("account", StoredRow("a", store.next_version(), {"name": "New"}))
    assert [row.data["name"] for row in store.scan("account")] == ["New"]


def test_a_rolled_back_change_is_never_served_from_the_parsed_rows() -> None:
    store = Store()
    store.insert("account", StoredRow("a", store.next_version(), {"name": "Kept"}))
    with pytest.raises(RuntimeError), store.transaction():
        store.replace("account", StoredRow("a", store.next_version(), {"name": "Rolled back"}))
        store.insert("account", StoredRow("b", store.next_version(), {"name": "Never stored"}))
        raise RuntimeError("the change set fails")
    kept = store.get("account", "a")
    assert kept is not None and kept.data == {"name": "Kept"}
    assert store.get("account", "b") is None
    assert [row.id for row in store.scan("account")] == ["a"]


def test_the_parsed_rows_start_over_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_store, "PARSED_ROWS_KEPT", 3)
    store = Store()
    for index in range(5):
        store.insert("account", StoredRow(f"r{index}", store.next_version(), {"n": index}))
    assert len(store._parsed) <= 3
    assert [row.data["n"] for row in store.scan("account")] == [0, 1, 2, 3, 4]


def test_neither_the_writer_nor_a_reader_can_change_a_kept_row() -> None:
    store = Store()
    written = {"name": "Stored"}
    store.insert("account", StoredRow("a", store.next_version(), written))
    written["name"] = "Changed by the writer afterwards"
    row = store.get("account", "a")
    assert row is not None and row.data == {"name": "Stored"}
    with pytest.raises(TypeError):
        row.data["name"] = "Changed by a reader"  # type: ignore[index]
    assert [r.data["name"] for r in store.scan("account")] == ["Stored"]

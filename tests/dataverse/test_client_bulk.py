"""Create/Update/UpsertMultiple: chunking, one request per chunk, all-or-nothing chunks."""

from __future__ import annotations

import pytest

from dataverse import DataverseClient, ValidationError
from local_runtime.dataverse_emulator import DataverseEmulator
from tests.dataverse.conftest import define_message_table


def test_create_multiple_returns_ids_in_row_order_and_counts_one_request_per_chunk(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    rows = [{"lastname": f"Row{i:04d}"} for i in range(1200)]
    ids = client.create_multiple("contacts", "contact", rows, chunk_size=500)
    assert len(ids) == 1200 and len(set(ids)) == 1200
    by_id = {row["contactid"]: row["lastname"] for row in emulator.rows("contact")}
    assert [by_id[row_id] for row_id in ids] == [row["lastname"] for row in rows]
    counters = emulator.counters.snapshot()
    assert counters["requests_by_kind"] == {"create_multiple": 3}
    assert counters["rows_written"] == 1200


def test_upsert_multiple_by_alternate_key_inserts_then_updates(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    define_message_table(client)
    emulator.counters.reset()
    rows = [
        {"smart_idempotencykey": f"k'{i}", "smart_name": f"m{i}", "smart_attempts": 1} for i in range(1000)
    ]
    client.upsert_multiple(
        "smart_messages", "smart_message", rows, key=["smart_idempotencykey"], chunk_size=1000
    )
    changed = [{"smart_idempotencykey": f"k'{i}", "smart_attempts": 2} for i in range(0, 1000, 2)]
    client.upsert_multiple(
        "smart_messages",
        "smart_message",
        changed,
        key=["smart_idempotencykey"],
        max_parallel=2,
        chunk_size=250,
    )
    stored = emulator.rows("smart_message")
    assert len(stored) == 1000
    attempts = {row["smart_idempotencykey"]: row["smart_attempts"] for row in stored}
    assert attempts["k'0"] == 2 and attempts["k'1"] == 1 and sum(attempts.values()) == 1500
    assert emulator.counters.snapshot()["requests_by_kind"] == {"upsert_multiple": 3}


def test_upsert_multiple_without_key_argument_uses_key_columns_in_the_rows(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    define_message_table(client)
    rows = [{"smart_idempotencykey": "same", "smart_name": "first"}]
    client.upsert_multiple("smart_messages", "smart_message", rows)
    client.upsert_multiple(
        "smart_messages", "smart_message", [{"smart_idempotencykey": "same", "smart_name": "2nd"}]
    )
    assert [row["smart_name"] for row in emulator.rows("smart_message")] == ["2nd"]


def test_update_multiple_needs_existing_rows(client: DataverseClient, emulator: DataverseEmulator) -> None:
    ids = client.create_multiple("contacts", "contact", [{"lastname": "A"}, {"lastname": "B"}])
    client.update_multiple(
        "contacts", "contact", [{"contactid": row_id, "jobtitle": "Buyer"} for row_id in ids]
    )
    assert {row["jobtitle"] for row in emulator.rows("contact") if row["contactid"] in ids} == {"Buyer"}


def test_a_bad_row_fails_its_whole_chunk_only(client: DataverseClient, emulator: DataverseEmulator) -> None:
    before = emulator.count("contact")
    rows = [{"lastname": "ok"}] * 3 + [{"lastname": "bad", "nosuch": 1}] + [{"lastname": "ok"}] * 2
    with pytest.raises(ValidationError):
        client.create_multiple("contacts", "contact", rows, chunk_size=3)
    assert emulator.count("contact") == before + 3  # the first chunk landed; the failing one rolled back


def test_bulk_key_rows_must_carry_their_key(client: DataverseClient) -> None:
    with pytest.raises(ValueError, match="smart_idempotencykey"):
        client.upsert_multiple(
            "smart_messages", "smart_message", [{"smart_name": "x"}], key=["smart_idempotencykey"]
        )

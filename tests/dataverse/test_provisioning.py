"""Provisioning the definitions into the emulator over HTTP, and the committed export."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataverse import AlternateKey, DataverseClient, DuplicateRecordError, StaticTokenAuth, bind
from dataverse.provisioning import (
    ProvisionAction,
    ProvisioningError,
    ProvisionReport,
    SchemaConflictError,
    provision,
)
from dataverse.schema import (
    TABLES,
    Choice,
    ChoiceColumn,
    Column,
    IntegerColumn,
    KeyDefinition,
    LookupColumn,
    MessageStatus,
    Table,
    TextColumn,
    render_definitions,
    table,
)
from dataverse.schema.export import DEFAULT_EXPORT_DIR, export_definitions
from local_runtime.dataverse_emulator import DataverseEmulator
from tests.dataverse.conftest import FAST_RETRY, TOKEN


@pytest.fixture(scope="module")
def provisioned() -> Iterator[tuple[DataverseClient, ProvisionReport, ProvisionReport]]:
    """One emulator provisioned twice; the two reports."""
    with (
        DataverseEmulator(expected_token=TOKEN) as emulator,
        DataverseClient(emulator.url, StaticTokenAuth(TOKEN), retry=FAST_RETRY) as client,
    ):
        first = provision(client)
        second = provision(client)
        yield client, first, second


def test_first_run_creates_every_table_column_relationship_and_key(
    provisioned: tuple[DataverseClient, ProvisionReport, ProvisionReport],
) -> None:
    _, first, _ = provisioned
    assert set(first.names("created", "table")) == {t.name for t in TABLES if t.custom}
    assert "account.smart_edrpou" in first.names("created", "column")
    assert "contact.smart_donotviber" in first.names("created", "column")
    assert "smart_message.smart_message_idempotencykey" in first.names("created", "key")
    assert "smart_contact_message_contactid" in first.names("created", "relationship")
    expected_keys = sum(len(t.keys) for t in TABLES)
    assert len(first.names("created", "key")) == expected_keys
    assert first.updated == 0


def test_second_run_changes_nothing(
    provisioned: tuple[DataverseClient, ProvisionReport, ProvisionReport],
) -> None:
    _, first, second = provisioned
    assert (second.created, second.updated) == (0, 0)
    assert not second.changed
    assert second.unchanged == len(first.actions)
    assert second.summary() == f"0 created, 0 updated, {second.unchanged} unchanged"


def test_message_table_is_usable_with_its_idempotency_key(
    provisioned: tuple[DataverseClient, ProvisionReport, ProvisionReport],
) -> None:
    client, _, _ = provisioned
    contact_id = client.create("contacts", {"firstname": "Olena", "lastname": "Koval"})
    key = AlternateKey({"smart_idempotencykey": "journey-42:contact-7"})
    body = {
        "smart_name": "Viber to +380******4567",
        "smart_phone": "+380501234567",
        "smart_text": "Your order has shipped",
        "smart_status": MessageStatus.QUEUED.option_value,
        "smart_contactid@odata.bind": bind("contacts", contact_id),
    }
    message_id = client.upsert("smart_messages", key, body, mode="create_only")

    with pytest.raises(DuplicateRecordError):
        client.upsert("smart_messages", key, body, mode="create_only")

    row = client.retrieve("smart_messages", key)
    assert row["smart_messageid"] == message_id
    assert row["smart_status"] == MessageStatus.QUEUED.option_value
    assert row["_smart_contactid_value"] == contact_id


def test_keys_of_other_tables_reject_duplicates(
    provisioned: tuple[DataverseClient, ProvisionReport, ProvisionReport],
) -> None:
    client, _, _ = provisioned
    event = {"smart_name": "paypal:WH-1", "smart_provider": "paypal", "smart_eventid": "WH-1"}
    client.create("smart_processedevents", event)
    with pytest.raises(DuplicateRecordError):
        client.create("smart_processedevents", dict(event, smart_name="again"))
    shipment = {"smart_name": "order 1", "smart_waybillnumber": "20450000000001"}
    client.upsert("smart_shipments", AlternateKey({"smart_idempotencykey": "order-1:1"}), shipment)
    with pytest.raises(DuplicateRecordError):
        client.upsert("smart_shipments", AlternateKey({"smart_idempotencykey": "order-1:2"}), shipment)


class _WiderStatus(Choice):
    """MessageStatus with one label reworded and one option added."""

    QUEUED = ("queued", 100000000, "Waiting")
    SCHEDULED = ("scheduled", 100000001, "Scheduled")
    LOST = ("lost", 100000099, "Lost")


def _small_table(*columns: Column) -> Table:
    base = table("smart_processedevent")
    return dataclasses.replace(base, columns=base.columns + columns, keys=())


def test_changed_definitions_are_updated_then_stable(client: DataverseClient) -> None:
    note = TextColumn(name="smart_note", display_name="Note", description="v1", max_length=100)
    status = ChoiceColumn(
        name="smart_state", display_name="State", description="State.", choice=MessageStatus
    )
    provision(client, (_small_table(note, status),))

    wider_note = dataclasses.replace(note, description="v2", max_length=300, required="recommended")
    wider_status = dataclasses.replace(status, choice=_WiderStatus, description="State v2.")
    described = dataclasses.replace(_small_table(wider_note, wider_status), description="Reworded.")
    seen: list[ProvisionAction] = []
    report = provision(client, (described,), progress=seen.append)

    assert report.names("updated", "column") == [
        "smart_processedevent.smart_note",
        "smart_processedevent.smart_state",
    ]
    assert report.names("updated", "table") == ["smart_processedevent"]
    assert report.names("updated", "option") == ["smart_processedevent.smart_state=100000000"]
    assert report.names("created", "option") == ["smart_processedevent.smart_state=100000099"]
    assert seen == report.actions
    attribute = client.request(
        "GET", "EntityDefinitions(LogicalName='smart_processedevent')/Attributes(LogicalName='smart_note')"
    )
    assert attribute["MaxLength"] == 300
    state = client.request(
        "GET", "EntityDefinitions(LogicalName='smart_processedevent')/Attributes(LogicalName='smart_state')"
    )
    options = {o["Value"]: o["Label"]["LocalizedLabels"][0]["Label"] for o in state["OptionSet"]["Options"]}
    assert options[100000000] == "Waiting" and options[100000099] == "Lost"
    assert options[100000008] == "Not sent"  # options dropped from a definition are kept, never deleted
    again = provision(client, (described,))
    assert (again.created, again.updated) == (0, 0)


def test_a_column_whose_type_differs_is_a_conflict_not_a_silent_change(client: DataverseClient) -> None:
    provision(client, (_small_table(TextColumn(name="smart_count", display_name="Count", description="n")),))
    retyped = _small_table(IntegerColumn(name="smart_count", display_name="Count", description="n"))
    with pytest.raises(SchemaConflictError, match=r"smart_processedevent\.smart_count") as caught:
        provision(client, (retyped,))
    assert caught.value.item == "smart_processedevent.smart_count"


def test_committed_export_matches_the_definitions(tmp_path: Path) -> None:
    export_definitions(tmp_path)
    generated = {p.relative_to(tmp_path).as_posix(): p.read_text("utf-8") for p in tmp_path.rglob("*.json")}
    committed = {
        p.relative_to(DEFAULT_EXPORT_DIR).as_posix(): p.read_text("utf-8")
        for p in DEFAULT_EXPORT_DIR.rglob("*.json")
    }
    assert generated == render_definitions()
    assert sorted(committed) == sorted(generated), "regenerate with: python -m dataverse.schema"
    stale = [name for name in generated if committed[name] != generated[name]]
    assert not stale, (
        f"infra/dataverse is out of date for {stale}; regenerate with: python -m dataverse.schema"
    )


def test_export_removes_files_of_tables_that_no_longer_exist(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "smart_retired.json").write_text("{}")
    export_definitions(tmp_path)
    assert not (tmp_path / "tables" / "smart_retired.json").exists()
    assert (tmp_path / "tables" / "smart_message.json").exists()


def test_relationship_cascade_change_is_updated_and_key_column_change_is_a_conflict(
    client: DataverseClient,
) -> None:
    account = LookupColumn(name="smart_accountid", display_name="Account", description="a", target="account")
    keyed = dataclasses.replace(
        _small_table(account),
        keys=(
            KeyDefinition(
                name="smart_processedevent_eventid", display_name="Event", columns=("smart_eventid",)
            ),
        ),
    )
    provision(client, (keyed,))

    cascading = dataclasses.replace(
        keyed, columns=(*keyed.columns[:-1], dataclasses.replace(account, cascade_delete="cascade"))
    )
    report = provision(client, (cascading,))
    assert report.names("updated", "relationship") == ["smart_account_processedevent_accountid"]
    assert not provision(client, (cascading,)).changed

    rekeyed = dataclasses.replace(
        cascading,
        keys=(
            KeyDefinition(
                name="smart_processedevent_eventid", display_name="Event", columns=("smart_provider",)
            ),
        ),
    )
    with pytest.raises(SchemaConflictError, match="smart_processedevent_eventid"):
        provision(client, (rekeyed,))


def test_a_key_whose_index_failed_on_duplicate_rows_is_reported_not_taken_as_done(
    client: DataverseClient,
) -> None:
    bare = _small_table()
    provision(client, (bare,))
    for name in ("first", "second"):
        client.create(
            "smart_processedevents", {"smart_name": name, "smart_provider": "gms", "smart_eventid": "E-1"}
        )
    keyed = dataclasses.replace(bare, keys=table("smart_processedevent").keys)
    assert provision(client, (keyed,)).names("created", "key") == [
        "smart_processedevent.smart_processedevent_providerevent"
    ]
    with pytest.raises(ProvisioningError, match="duplicate"):
        provision(client, (keyed,))

"""The metadata plane the provisioning code uses: tables, columns, keys, relationships."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dataverse import (
    AlternateKey,
    DataverseClient,
    DuplicateRecordError,
    NotFoundError,
    StaticTokenAuth,
    ValidationError,
    bind,
)
from local_runtime.dataverse_emulator import DataverseEmulator
from tests.dataverse.conftest import define_message_table, label

STRING = "Microsoft.Dynamics.CRM.StringAttributeMetadata"


def _table(schema: str, **extra: Any) -> dict[str, Any]:
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata",
        "SchemaName": schema,
        "DisplayName": label(schema),
        "OwnershipType": "UserOwned",
        "Attributes": [
            {"@odata.type": STRING, "SchemaName": "smart_name", "IsPrimaryName": True, "MaxLength": 50}
        ],
        **extra,
    }


def test_a_created_table_reads_back_with_attributes_and_keys(client: DataverseClient) -> None:
    define_message_table(client)
    entity = client.request(
        "GET",
        "EntityDefinitions(LogicalName='smart_message')",
        params={
            "$select": "LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute",
            "$expand": "Attributes($select=LogicalName,AttributeType),Keys",
        },
    )
    assert entity["EntitySetName"] == "smart_messages"
    assert (entity["PrimaryIdAttribute"], entity["PrimaryNameAttribute"]) == ("smart_messageid", "smart_name")
    types = {a["LogicalName"]: a["AttributeType"] for a in entity["Attributes"]}
    assert types["smart_status"] == "Picklist" and types["smart_cost"] == "Money"
    assert types["smart_contactid"] == "Lookup" and types["transactioncurrencyid"] == "Lookup"
    assert set(entity["Attributes"][0]) <= {"LogicalName", "AttributeType", "MetadataId", "@odata.type"}
    assert {k["LogicalName"]: k["KeyAttributes"] for k in entity["Keys"]} == {
        "smart_idempotencykey": ["smart_idempotencykey"],
        "smart_providerexternalid": ["smart_provider", "smart_externalid"],
    }
    assert all(k["EntityKeyIndexStatus"] == "Active" for k in entity["Keys"])


def test_entity_definitions_can_be_filtered_and_missing_ones_are_not_found(client: DataverseClient) -> None:
    answer = client.request(
        "GET",
        "EntityDefinitions",
        params={"$filter": "LogicalName eq 'salesorder'", "$select": "LogicalName,EntitySetName"},
    )
    assert [e["EntitySetName"] for e in answer["value"]] == ["salesorders"]
    with pytest.raises(NotFoundError):
        client.request("GET", "EntityDefinitions(LogicalName='smart_nothing')")


def test_entity_set_name_is_derived_like_dataverse_when_absent(client: DataverseClient) -> None:
    client.request("POST", "EntityDefinitions", _table("smart_category"))
    client.request("POST", "EntityDefinitions", _table("smart_address"))
    client.request("POST", "EntityDefinitions", _table("smart_check", EntitySetName="smart_checkset"))
    sets = {e["LogicalName"]: e["EntitySetName"] for e in client.request("GET", "EntityDefinitions")["value"]}
    assert sets["smart_category"] == "smart_categories"
    assert sets["smart_address"] == "smart_addresses"
    assert sets["smart_check"] == "smart_checkset"
    assert client.create("smart_categories", {"smart_name": "x"})


def test_tables_need_a_prefixed_schema_name_and_one_primary_name(client: DataverseClient) -> None:
    with pytest.raises(ValidationError):
        client.request("POST", "EntityDefinitions", _table("noprefix"))
    with pytest.raises(ValidationError):
        client.request("POST", "EntityDefinitions", _table("smart_x", Attributes=[]))
    client.request("POST", "EntityDefinitions", _table("smart_once"))
    with pytest.raises(ValidationError):
        client.request("POST", "EntityDefinitions", _table("smart_once"))


def test_columns_can_be_added_to_standard_tables_and_read_one_by_one(client: DataverseClient) -> None:
    client.request(
        "POST",
        "EntityDefinitions(LogicalName='account')/Attributes",
        {
            "@odata.type": STRING,
            "SchemaName": "smart_edrpou",
            "MaxLength": 10,
            "DisplayName": label("EDRPOU"),
        },
    )
    attribute = client.request(
        "GET", "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='smart_edrpou')"
    )
    assert attribute["@odata.type"] == "#Microsoft.Dynamics.CRM.StringAttributeMetadata"
    assert attribute["MaxLength"] == 10 and attribute["IsCustomAttribute"] is True
    account_id = client.create("accounts", {"name": "ПриватБанк", "smart_edrpou": "14360570"})
    rows = list(client.query("accounts", filter="smart_edrpou eq '14360570'", select=["name"]))
    assert [row["accountid"] for row in rows] == [account_id]
    with pytest.raises(ValidationError, match="exceeded the maximum allowed length of '10'"):
        client.create("accounts", {"name": "x", "smart_edrpou": "12345678901"})


def test_put_updates_a_column_but_never_changes_its_type(client: DataverseClient) -> None:
    define_message_table(client)
    path = "EntityDefinitions(LogicalName='smart_message')/Attributes(LogicalName='smart_provider')"
    client.request(
        "PUT",
        path,
        {"@odata.type": STRING, "SchemaName": "smart_provider", "MaxLength": 40},
        headers={"MSCRM.MergeLabels": "true"},
    )
    assert client.request("GET", path)["MaxLength"] == 40
    with pytest.raises(ValidationError):
        client.request(
            "PUT",
            path,
            {
                "@odata.type": "Microsoft.Dynamics.CRM.IntegerAttributeMetadata",
                "SchemaName": "smart_provider",
            },
        )


def test_choice_options_are_listed_and_can_be_added(client: DataverseClient) -> None:
    define_message_table(client)
    cast = client.request(
        "GET",
        "EntityDefinitions(LogicalName='smart_message')/Attributes/"
        "Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
        params={"$select": "LogicalName", "$expand": "OptionSet($select=Options)"},
    )
    (status,) = cast["value"]
    assert [o["Value"] for o in status["OptionSet"]["Options"]] == [100000000, 100000001, 100000002]
    client.request(
        "POST",
        "InsertOptionValue",
        {
            "EntityLogicalName": "smart_message",
            "AttributeLogicalName": "smart_status",
            "Value": 100000003,
            "Label": label("Read"),
        },
    )
    row_id = client.create("smart_messages", {"smart_name": "m", "smart_status": 100000003})
    formatted = client.retrieve("smart_messages", row_id, formatted=True)
    assert formatted["smart_status@OData.Community.Display.V1.FormattedValue"] == "Read"
    with pytest.raises(ValidationError, match="outside the valid range"):
        client.create("smart_messages", {"smart_name": "m", "smart_status": 7})


def test_relationship_adds_a_lookup_with_its_navigation_property(client: DataverseClient) -> None:
    define_message_table(client)
    relationship = client.request("GET", "RelationshipDefinitions(SchemaName='smart_contact_smart_message')")
    assert relationship["ReferencingAttribute"] == "smart_contactid"
    assert relationship["CascadeConfiguration"]["Delete"] == "RemoveLink"
    contact_id = client.create("contacts", {"lastname": "Target"})
    message_id = client.create(
        "smart_messages", {"smart_name": "m", "smart_contactid@odata.bind": bind("contacts", contact_id)}
    )
    assert client.retrieve("smart_messages", message_id)["_smart_contactid_value"] == contact_id
    client.delete("contacts", contact_id)
    assert client.retrieve("smart_messages", message_id)["_smart_contactid_value"] is None


def test_a_key_is_enforced_from_its_creation(client: DataverseClient) -> None:
    define_message_table(client)
    client.create("smart_messages", {"smart_name": "a", "smart_provider": "gms", "smart_externalid": "1"})
    with pytest.raises(DuplicateRecordError):
        client.create("smart_messages", {"smart_name": "b", "smart_provider": "GMS", "smart_externalid": "1"})
    client.create(
        "smart_messages", {"smart_name": "c", "smart_provider": "gms"}
    )  # an empty key column is not indexed
    client.create("smart_messages", {"smart_name": "d", "smart_provider": "gms"})


def test_a_key_over_existing_duplicates_fails_and_is_not_enforced(client: DataverseClient) -> None:
    define_message_table(client)
    for _ in range(2):
        client.create("smart_messages", {"smart_name": "same"})
    client.request(
        "POST",
        "EntityDefinitions(LogicalName='smart_message')/Keys",
        {"SchemaName": "smart_Name", "KeyAttributes": ["smart_name"]},
    )
    key = client.request(
        "GET", "EntityDefinitions(LogicalName='smart_message')/Keys(LogicalName='smart_name')"
    )
    assert key["EntityKeyIndexStatus"] == "Failed"
    client.create("smart_messages", {"smart_name": "same"})


def test_activity_tables_get_activityid_and_regarding(client: DataverseClient) -> None:
    body = _table("smart_messageactivity", IsActivity=True)
    body["Attributes"] = [
        {"@odata.type": STRING, "SchemaName": "Subject", "IsPrimaryName": True, "MaxLength": 200}
    ]
    client.request("POST", "EntityDefinitions", body)
    contact_id = client.create("contacts", {"lastname": "Timeline"})
    activity_id = "3f0c2a5e-8d61-4c3b-9a57-6a1f0e2b7c41"
    client.create(
        "smart_messageactivities",
        {
            "activityid": activity_id,
            "subject": "Viber sent",
            "regardingobjectid_contact_smart_messageactivity@odata.bind": bind("contacts", contact_id),
        },
    )
    row = client.retrieve("smart_messageactivities", activity_id, formatted=True)
    assert row["_regardingobjectid_value"] == contact_id and row["statecode"] == 0
    with pytest.raises(DuplicateRecordError):
        client.create(
            "smart_messageactivities", {"activityid": activity_id, "subject": "again"}, idempotent=True
        )


def test_metadata_and_rows_survive_a_restart_with_a_file_database(tmp_path: Path) -> None:
    database = str(tmp_path / "dataverse.sqlite")
    with DataverseEmulator(database) as first, DataverseClient(first.url, StaticTokenAuth("t")) as client:
        define_message_table(client)
        client.upsert("smart_messages", AlternateKey({"smart_idempotencykey": "kept"}), {"smart_name": "x"})
    with DataverseEmulator(database) as second, DataverseClient(second.url, StaticTokenAuth("t")) as client:
        assert (
            client.retrieve("smart_messages", AlternateKey({"smart_idempotencykey": "kept"}))["smart_name"]
            == "x"
        )
        with pytest.raises(DuplicateRecordError):
            client.upsert(
                "smart_messages", AlternateKey({"smart_idempotencykey": "kept"}), {}, mode="create_only"
            )
        assert second.count("transactioncurrency") == 3  # seeded once, not again

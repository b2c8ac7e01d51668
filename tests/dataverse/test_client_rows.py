"""Single-row operations of the real client against the emulator over HTTP."""

from __future__ import annotations

import uuid

import pytest

from dataverse import (
    AlternateKey,
    AuthError,
    DataverseClient,
    DuplicateRecordError,
    NotFoundError,
    PreconditionFailedError,
    StaticTokenAuth,
    ValidationError,
    bind,
    odata_literal,
)
from local_runtime.dataverse_emulator import BASE_CURRENCY_ID, DataverseEmulator
from tests.dataverse.conftest import define_message_table


def test_create_returns_the_id_from_odata_entityid(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    contact_id = client.create(
        "contacts", {"firstname": "Olena", "lastname": "Shevchenko", "mobilephone": "+380501234567"}
    )
    assert uuid.UUID(contact_id)
    (row,) = [r for r in emulator.rows("contact") if r["contactid"] == contact_id]
    assert row["fullname"] == "Olena Shevchenko"
    assert row["mobilephone"] == "+380501234567"


def test_create_with_representation_returns_the_row(client: DataverseClient) -> None:
    row = client.create(
        "accounts",
        {"name": "ТОВ Ромашка", "accountnumber": "A-1"},
        return_representation=True,
        select=["name", "accountnumber"],
    )
    assert row["name"] == "ТОВ Ромашка"
    assert row["@odata.etag"].startswith('W/"')
    assert uuid.UUID(row["accountid"])


def test_retrieve_by_id_with_select_and_missing_row_raises_not_found(client: DataverseClient) -> None:
    contact_id = client.create("contacts", {"lastname": "Koval"})
    row = client.retrieve("contacts", contact_id, select=["lastname"])
    assert row["lastname"] == "Koval" and "firstname" not in row
    with pytest.raises(NotFoundError) as raised:
        client.retrieve("contacts", str(uuid.uuid4()))
    assert raised.value.status == 404 and raised.value.code == "0x80040217"


def test_update_never_creates_a_missing_row(client: DataverseClient, emulator: DataverseEmulator) -> None:
    before = emulator.count("contact")
    with pytest.raises(NotFoundError):
        client.update("contacts", str(uuid.uuid4()), {"lastname": "Ghost"})
    assert emulator.count("contact") == before


def test_etag_guards_against_lost_updates(client: DataverseClient) -> None:
    contact_id = client.create("contacts", {"lastname": "Bondar"})
    etag = client.retrieve("contacts", contact_id)["@odata.etag"]
    client.update("contacts", contact_id, {"jobtitle": "Buyer"}, etag=etag)
    with pytest.raises(PreconditionFailedError) as raised:
        client.update("contacts", contact_id, {"jobtitle": "Stale writer"}, etag=etag)
    assert raised.value.status == 412 and raised.value.code == "0x80060882"
    with pytest.raises(PreconditionFailedError):
        client.delete("contacts", contact_id, etag=etag)
    assert client.retrieve("contacts", contact_id)["jobtitle"] == "Buyer"


def test_update_can_return_the_changed_row(client: DataverseClient) -> None:
    contact_id = client.create("contacts", {"lastname": "Melnyk"})
    row = client.update("contacts", contact_id, {"firstname": "Iryna"}, return_representation=True)
    assert row is not None and row["fullname"] == "Iryna Melnyk"


def test_delete_and_missing_ok(client: DataverseClient) -> None:
    contact_id = client.create("contacts", {"lastname": "Tkachenko"})
    client.delete("contacts", contact_id)
    with pytest.raises(NotFoundError):
        client.delete("contacts", contact_id)
    client.delete("contacts", contact_id, missing_ok=True)


def test_create_only_upsert_on_an_alternate_key_records_once(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    define_message_table(client)
    key = AlternateKey({"smart_idempotencykey": "journey-42:step-7"})
    first = client.upsert(
        "smart_messages", key, {"smart_name": "Viber to +380******4567"}, mode="create_only"
    )
    with pytest.raises(DuplicateRecordError) as raised:
        client.upsert("smart_messages", key, {"smart_name": "again"}, mode="create_only")
    assert raised.value.status == 412
    assert emulator.count("smart_message") == 1
    assert client.retrieve("smart_messages", key)["smart_messageid"] == first


def test_update_only_upsert_of_a_missing_key_raises_not_found(client: DataverseClient) -> None:
    define_message_table(client)
    with pytest.raises(NotFoundError):
        client.upsert(
            "smart_messages",
            AlternateKey({"smart_idempotencykey": "nope"}),
            {"smart_attempts": 1},
            mode="update_only",
        )


def test_plain_upsert_creates_then_updates_the_same_row(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    define_message_table(client)
    key = AlternateKey({"smart_idempotencykey": "k-1"})
    created = client.upsert("smart_messages", key, {"smart_name": "first", "smart_attempts": 1})
    updated = client.upsert("smart_messages", key, {"smart_attempts": 2})
    assert created == updated
    (row,) = emulator.rows("smart_message")
    assert (row["smart_idempotencykey"], row["smart_attempts"], row["smart_name"]) == ("k-1", 2, "first")


def test_alternate_keys_with_quotes_and_url_characters_round_trip(client: DataverseClient) -> None:
    define_message_table(client)
    awkward = "O'Brien & Co/branch?#1 100% 'quoted'"
    key = AlternateKey({"smart_idempotencykey": awkward})
    row_id = client.upsert("smart_messages", key, {"smart_name": "x"}, mode="create_only")
    row = client.retrieve("smart_messages", key)
    assert row["smart_messageid"] == row_id and row["smart_idempotencykey"] == awkward
    found = list(client.query("smart_messages", filter=f"smart_idempotencykey eq {odata_literal(awkward)}"))
    assert [r["smart_messageid"] for r in found] == [row_id]


def test_multi_column_alternate_key_addresses_one_row(client: DataverseClient) -> None:
    define_message_table(client)
    key = AlternateKey({"smart_provider": "gms", "smart_externalid": "7001"})
    row_id = client.upsert("smart_messages", key, {"smart_name": "gms 7001"})
    assert client.retrieve("smart_messages", key)["smart_messageid"] == row_id
    assert client.retrieve(
        "smart_messages", AlternateKey({"smart_provider": "GMS", "smart_externalid": "7001"})
    )


def test_duplicate_alternate_key_on_plain_create_is_refused(client: DataverseClient) -> None:
    define_message_table(client)
    client.create("smart_messages", {"smart_name": "a", "smart_idempotencykey": "dup"})
    with pytest.raises(DuplicateRecordError) as raised:
        client.create("smart_messages", {"smart_name": "b", "smart_idempotencykey": "dup"}, idempotent=True)
    assert raised.value.code == "0x80040237"


def test_lookups_are_bound_with_odata_bind_and_read_back_as_value(client: DataverseClient) -> None:
    account_id = client.create("accounts", {"name": "Contoso"})
    contact_id = client.create(
        "contacts", {"lastname": "Lys", "parentcustomerid_account@odata.bind": bind("accounts", account_id)}
    )
    row = client.retrieve("contacts", contact_id, select=["_parentcustomerid_value"], formatted=True)
    assert row["_parentcustomerid_value"] == account_id
    assert row["_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"] == "Contoso"


def test_formatted_values_for_choice_money_lookup_and_boolean(client: DataverseClient) -> None:
    account_id = client.create("accounts", {"name": "Fabrikam"})
    order_id = client.create(
        "salesorders",
        {
            "name": "SO-1",
            "totalamount": 1234.5,
            "statuscode": 2,
            "customerid_account@odata.bind": bind("accounts", account_id),
        },
    )
    order = client.retrieve("salesorders", order_id, formatted=True)
    formatted = "@OData.Community.Display.V1.FormattedValue"
    assert order[f"statuscode{formatted}"] == "Pending"
    assert order[f"totalamount{formatted}"] == "₴1,234.50"
    assert order[f"_customerid_value{formatted}"] == "Fabrikam"
    assert order["_transactioncurrencyid_value"] == BASE_CURRENCY_ID
    plain = client.retrieve("salesorders", order_id)
    assert not any("@OData" in name for name in plain)
    contact_id = client.create("contacts", {"lastname": "Z", "donotphone": True})
    assert client.retrieve("contacts", contact_id, formatted=True)[f"donotphone{formatted}"] == "Do Not Allow"


def test_unknown_columns_and_wrong_types_are_refused_like_dataverse(client: DataverseClient) -> None:
    with pytest.raises(ValidationError) as raised:
        client.create("accounts", {"name": "x", "citty": "Lviv"})
    assert (
        "The property 'citty' does not exist on type 'Microsoft.Dynamics.CRM.account'" in raised.value.message
    )
    with pytest.raises(ValidationError):
        client.create("contacts", {"lastname": 5})
    with pytest.raises(ValidationError):
        client.create("contacts", {"_parentcustomerid_value": str(uuid.uuid4())})
    with pytest.raises(ValidationError, match="only has property annotations"):
        client.create(
            "contacts",
            {"ParentCustomerId_account@odata.bind": "/accounts(00000000-0000-0000-0000-000000000001)"},
        )


def test_the_request_helper_calls_unbound_actions(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    payload = '{"ChannelDefinitionId": "c1", "RequestId": "r1", "MessageId": "m1", "Status": "Delivered"}'
    answer = client.request(
        "POST", "msdyn_D365ChannelsNotification", {"notificationPayLoad": payload}, idempotent=True
    )
    assert "responseMessage" in answer
    (call,) = emulator.notifications
    assert call["body"]["notificationPayLoad"] == payload
    with pytest.raises(ValidationError):
        client.request("POST", "msdyn_D365ChannelsNotification", {"notificationPayLoad": {"not": "a string"}})


def test_a_wrong_token_is_an_auth_error(emulator: DataverseEmulator) -> None:
    with (
        DataverseClient(emulator.url, StaticTokenAuth("wrong")) as client,
        pytest.raises(AuthError) as raised,
    ):
        client.who_am_i()
    assert raised.value.status == 401


def test_who_am_i_answers_with_the_application_user(client: DataverseClient) -> None:
    answer = client.who_am_i()
    assert set(answer) >= {"UserId", "BusinessUnitId", "OrganizationId"}
    assert client.retrieve("systemusers", answer["UserId"])["fullname"]

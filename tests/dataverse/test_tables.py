"""Tables as code: naming, keys, choices and relationships are consistent (pure unit tests)."""

from __future__ import annotations

import uuid

import pytest

from dataverse.schema import (
    ALL_CHOICES,
    PREFIX,
    TABLES,
    Choice,
    ChoiceColumn,
    DateTimeColumn,
    DecimalColumn,
    IntegerColumn,
    LookupColumn,
    MemoColumn,
    MessageStatus,
    PaymentStatus,
    ShipmentStatus,
    Table,
    TextColumn,
    entity_set_of,
    known_tables,
    message_activity_id,
    relationships,
    table,
)
from dataverse.schema.metadata import attribute_metadata, entity_metadata

CUSTOM = [t for t in TABLES if t.custom]
KEYABLE = (TextColumn, IntegerColumn, DecimalColumn, DateTimeColumn, LookupColumn, ChoiceColumn)


@pytest.mark.parametrize("definition", CUSTOM, ids=lambda t: t.name)
def test_custom_table_and_column_names_carry_the_prefix(definition: Table) -> None:
    assert definition.name.startswith(PREFIX) and definition.entity_set.startswith(PREFIX)
    for column in definition.columns:
        assert column.name.startswith(PREFIX), f"{definition.name}.{column.name}"
    assert definition.primary_name is not None
    assert definition.primary_name.name == ("subject" if definition.is_activity else "smart_name")


@pytest.mark.parametrize("definition", [t for t in TABLES if not t.custom], ids=lambda t: t.name)
def test_columns_added_to_standard_tables_carry_the_prefix(definition: Table) -> None:
    assert definition.columns and all(c.name.startswith(PREFIX) for c in definition.columns)


@pytest.mark.parametrize("definition", TABLES, ids=lambda t: t.name)
def test_names_are_lower_case_and_unique_within_a_table(definition: Table) -> None:
    names = [c.name for c in definition.all_columns]
    assert len(names) == len(set(names))
    assert all(name == name.lower() and name.isascii() for name in names)
    assert len(definition.keys) <= 10


def test_table_and_entity_set_names_are_unique() -> None:
    assert len({t.name for t in TABLES}) == len(TABLES)
    assert len({t.entity_set for t in TABLES}) == len(TABLES)


@pytest.mark.parametrize("definition", [t for t in CUSTOM if not t.is_activity], ids=lambda t: t.name)
def test_every_plain_custom_table_has_an_alternate_key_for_idempotent_writes(definition: Table) -> None:
    assert definition.keys, f"{definition.name} has no alternate key"
    for key in definition.keys:
        assert key.name.startswith(f"{definition.name}_")
        for column_name in key.columns:
            column = definition.column(column_name)
            assert isinstance(column, KEYABLE), f"{key.name}: {column.kind} columns cannot be in a key"
            if isinstance(column, TextColumn):
                assert column.max_length * 2 <= 900, "a key is limited to 900 bytes"


@pytest.mark.parametrize(
    ("table_name", "key_columns"),
    [
        ("smart_message", ("smart_idempotencykey",)),
        ("smart_messagebatch", ("smart_idempotencykey",)),
        ("smart_shipment", ("smart_idempotencykey",)),
        ("smart_shipment", ("smart_waybillnumber",)),
        ("smart_payment", ("smart_idempotencykey",)),
        ("smart_payment", ("smart_invoiceid",)),
        ("smart_counterpartycheck", ("smart_idempotencykey",)),
        ("smart_processedevent", ("smart_provider", "smart_eventid")),
        ("smart_deliveryreport", ("smart_reportkey",)),
    ],
)
def test_idempotency_keys_are_alternate_keys(table_name: str, key_columns: tuple[str, ...]) -> None:
    assert key_columns in [k.columns for k in table(table_name).keys]


def test_message_is_a_plain_table_and_its_timeline_entry_an_activity_pointing_back() -> None:
    message, activity = table("smart_message"), table("smart_messageactivity")
    assert not message.is_activity and activity.is_activity
    assert activity.primary_id == "activityid" and not activity.keys
    lookup = activity.column("smart_messageid")
    assert isinstance(lookup, LookupColumn) and lookup.target == "smart_message"
    assert entity_metadata(activity)["Attributes"][0]["SchemaName"] == "Subject"


def test_activity_id_derives_from_the_idempotency_key() -> None:
    assert message_activity_id("key-1") == message_activity_id("key-1")
    assert message_activity_id("key-1") != message_activity_id("key-2")
    assert isinstance(message_activity_id("key-1"), uuid.UUID)


def test_every_relationship_references_a_known_table_and_its_primary_key() -> None:
    known = known_tables()
    all_relationships = relationships()
    assert all_relationships
    for rel in all_relationships:
        assert rel.referenced_table in known and rel.referencing_table in known, rel.schema_name
        assert rel.schema_name.startswith(PREFIX) and len(rel.schema_name) <= 100
        if rel.referenced_table in {t.name for t in TABLES}:
            assert rel.referenced_attribute == table(rel.referenced_table).primary_id
        else:
            assert rel.referenced_attribute == f"{rel.referenced_table}id"
    assert len({r.schema_name for r in all_relationships}) == len(all_relationships)


@pytest.mark.parametrize(
    ("table_name", "lookup", "target"),
    [
        ("smart_message", "smart_contactid", "contact"),
        ("smart_shipment", "smart_orderid", "salesorder"),
        ("smart_payment", "smart_orderid", "salesorder"),
        ("smart_counterpartycheck", "smart_accountid", "account"),
        ("smart_counterpartyfinding", "smart_checkid", "smart_counterpartycheck"),
        ("smart_shipmentstatus", "smart_shipmentid", "smart_shipment"),
    ],
)
def test_lookups_link_to_the_expected_tables(table_name: str, lookup: str, target: str) -> None:
    column = table(table_name).column(lookup)
    assert isinstance(column, LookupColumn) and column.target == target


@pytest.mark.parametrize("choice", ALL_CHOICES, ids=lambda c: c.__name__)
def test_choice_values_and_codes_are_unique_and_in_the_publisher_range(choice: type[Choice]) -> None:
    members = list(choice)
    values = [m.option_value for m in members]
    assert len(set(values)) == len(values)
    assert len({m.value for m in members}) == len(members)
    assert all(100_000_000 <= v < 100_010_000 for v in values)
    assert all(m.value == m.value.lower() and m.label for m in members)
    for member in members:
        assert choice.from_option_value(member.option_value) is member
        assert choice(member.value) is member


def test_choice_columns_default_to_one_of_their_options() -> None:
    for definition in TABLES:
        for column in definition.all_columns:
            if isinstance(column, ChoiceColumn) and column.default is not None:
                assert column.default in list(column.choice)


def test_message_status_never_moves_backwards() -> None:
    order = [MessageStatus.QUEUED, MessageStatus.SCHEDULED, MessageStatus.SENT, MessageStatus.DELIVERED]
    for earlier, later in zip(order, [*order[1:], MessageStatus.READ], strict=True):
        assert earlier.rank() < later.rank()
        assert earlier.can_move_to(later) and not later.can_move_to(earlier)
    assert MessageStatus.FAILED.can_move_to(
        MessageStatus.DELIVERED
    )  # SMS fallback delivered after Viber failed
    assert not MessageStatus.DELIVERED.can_move_to(MessageStatus.FAILED)
    assert not MessageStatus.SENT.can_move_to(MessageStatus.SENT)
    assert not MessageStatus.READ.can_move_to(MessageStatus.DELIVERED)
    assert MessageStatus.READ.is_final and not MessageStatus.SENT.is_final
    assert {m.value for m in MessageStatus} >= {
        "queued",
        "scheduled",
        "sent",
        "delivered",
        "read",
        "failed",
        "expired",
        "rejected",
        "not_sent",
    }


def test_shipment_status_allows_progress_and_recovery_but_not_going_back() -> None:
    assert ShipmentStatus.CREATED.can_move_to(ShipmentStatus.IN_TRANSIT)
    assert ShipmentStatus.PROBLEM.can_move_to(ShipmentStatus.IN_TRANSIT)
    assert not ShipmentStatus.RECEIVED.can_move_to(ShipmentStatus.IN_TRANSIT)
    assert not ShipmentStatus.ARRIVED.can_move_to(ShipmentStatus.ARRIVED)


@pytest.mark.parametrize(
    "paypal_status",
    [
        "DRAFT",
        "SENT",
        "SCHEDULED",
        "PAID",
        "MARKED_AS_PAID",
        "CANCELLED",
        "REFUNDED",
        "PARTIALLY_PAID",
        "PARTIALLY_REFUNDED",
        "MARKED_AS_REFUNDED",
        "UNPAID",
        "PAYMENT_PENDING",
    ],
)
def test_every_paypal_invoice_status_maps_to_a_payment_status(paypal_status: str) -> None:
    assert PaymentStatus.from_paypal(paypal_status).value == paypal_status.lower()


def test_entity_set_lookup_covers_ours_and_standard_tables() -> None:
    assert entity_set_of("smart_message") == "smart_messages"
    assert entity_set_of("smart_shipmentstatus") == "smart_shipmentstatuses"
    assert entity_set_of("salesorder") == "salesorders"
    assert entity_set_of("sdkmessageprocessingstep") == "sdkmessageprocessingsteps"
    with pytest.raises(KeyError, match="smart_nothing"):
        entity_set_of("smart_nothing")
    with pytest.raises(KeyError, match="smart_nothing"):
        table("smart_nothing")


def test_text_and_memo_lengths_are_within_dataverse_limits() -> None:
    for definition in TABLES:
        for column in definition.all_columns:
            if isinstance(column, TextColumn):
                assert 1 <= column.max_length <= 4000, column.name
            if isinstance(column, MemoColumn):
                assert 1 <= column.max_length <= 1_048_576, column.name


def test_every_column_renders_to_attribute_metadata_with_its_choices() -> None:
    status = attribute_metadata(table("smart_message").column("smart_status"))
    assert status["@odata.type"] == "Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
    assert [o["Value"] for o in status["OptionSet"]["Options"]] == [m.option_value for m in MessageStatus]
    assert status["DefaultFormValue"] == MessageStatus.QUEUED.option_value
    assert status["RequiredLevel"]["Value"] == "ApplicationRequired"
    for definition in TABLES:
        for column in definition.all_columns:
            body = attribute_metadata(column)
            assert body["LogicalName"] == column.name and body["SchemaName"] == column.name

"""Parsing Dataverse execution contexts (fixtures shaped like Microsoft's webhook sample) and routing."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dataverse.events import (
    DataverseEvent,
    Entity,
    EntityReference,
    EventRouter,
    MalformedEventError,
    Money,
    OptionSetValue,
    parse_event,
    parse_servicebus_message,
    parse_wcf_date,
    parse_webhook,
)

FIXTURES = Path(__file__).parent / "fixtures"
ORDER_ID = uuid.UUID("5a1e5a1e-0000-ef11-8a69-000d3a4b5c6d")


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def decoded(name: str) -> dict[str, Any]:
    return dict(json.loads(raw(name)))


# ---- context fields -------------------------------------------------------------------------------


def test_create_event_carries_context_fields_typed() -> None:
    event = parse_webhook(raw("create_account.json"), {"x-ms-dynamics-request-name": "Create"})

    assert (event.message, event.table) == ("Create", "account")
    assert event.record_id == uuid.UUID("c0ffee00-1234-ef11-8a69-000d3a4b5c6d")
    assert event.correlation_id == uuid.UUID("9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d")
    assert event.operation_id == uuid.UUID("5e6f7a8b-9c0d-ef11-8a69-000d3a4b5c6d")
    assert event.request_id == uuid.UUID("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0")
    assert event.organization_id == uuid.UUID("2d3e4f50-6a7b-ef11-8a69-000d3a4b5c6d")
    assert event.organization_name == "unq2d3e4f506a7bef118a69000d3a4b5"
    assert event.user_id == event.initiating_user_id == uuid.UUID("7b3e2f10-7a8b-ef11-8a69-000d3a4b5c6d")
    assert (event.depth, event.stage, event.mode) == (1, 40, 1)
    assert event.secondary_table == "none"
    assert event.operation_created_on == datetime(2024, 8, 2, 6, 56, 55, 123000, tzinfo=UTC)
    assert event.owning_extension == EntityReference(
        logical_name="sdkmessageprocessingstep",
        id=uuid.UUID("a1b2c3d4-9c0d-ef11-8a69-000d3a4b5c6d"),
        name="smart: account Create -> dataverse-events",
    )
    assert event.output_parameters == {"id": "c0ffee00-1234-ef11-8a69-000d3a4b5c6d"}
    assert event.input_parameters["SuppressDuplicateDetection"] is False
    assert event.shared_variables == {"IsAutoTransact": True, "AcceptLang": ""}
    assert event.trimmed is False


def test_create_target_values_are_typed() -> None:
    event = parse_event(raw("create_account.json"))
    target = event.target
    assert target is not None

    assert target["name"] == 'ТОВ "Ромашка"'
    assert target["accountid"] == "c0ffee00-1234-ef11-8a69-000d3a4b5c6d"  # GUID attributes stay strings
    assert target["smart_monitor"] is True
    assert target["numberofemployees"] == 42
    assert target["creditlimit"] == Money(value=Decimal("125000.50"))
    assert target["statecode"] == OptionSetValue(value=0)
    assert target["smart_risklevel"] == OptionSetValue(value=100000001)
    assert target["smart_preferredchannels"] == [
        OptionSetValue(value=100000000),
        OptionSetValue(value=100000001),
    ]
    assert target["primarycontactid"] == EntityReference(
        logical_name="contact", id=uuid.UUID("d1e2f3a4-1234-ef11-8a69-000d3a4b5c6d"), name="Олена Коваль"
    )
    assert target["createdon"] == datetime(2024, 8, 2, 6, 56, 54, tzinfo=UTC)
    assert target["modifiedonbehalfby"] is None
    assert event.target_entity is not None
    assert event.target_entity.formatted_values["smart_risklevel"] == "Low"
    assert event.target_entity.id == event.record_id


def test_money_keeps_exact_decimal_even_from_already_decoded_json() -> None:
    event = parse_event(decoded("create_account.json"))
    assert event.value("creditlimit") == Money(value=Decimal("125000.5"))


def test_update_has_pre_and_post_images_by_alias() -> None:
    event = parse_event(raw("update_salesorder.json"))

    assert (event.message, event.table, event.record_id) == ("Update", "salesorder", ORDER_ID)
    assert set(event.pre_images) == {"PreImage"} and set(event.post_images) == {"PostImage"}
    assert isinstance(event.post_images["PostImage"], Entity)
    assert event.pre_image is not None and event.post_image is not None
    assert event.pre_image["statuscode"] == OptionSetValue(value=1)
    assert event.post_image["statuscode"] == OptionSetValue(value=100001)
    assert event.post_image["ordernumber"] == "ORD-01042-K7P2Q"
    assert event.post_images["PostImage"].formatted_values["totalamount"] == "₴1,499.99"
    assert event.changed("statuscode") is True
    assert event.changed("totalamount") is False  # set by the update but to the same value
    assert event.changed("name") is False  # not part of the update
    assert event.value("name") == "ORD-01042"  # from the post image
    assert event.request_id is None


def test_dates_with_offset_keep_the_instant() -> None:
    event = parse_event(raw("update_salesorder.json"))
    assert event.target is not None
    delivery = event.target["requestdeliveryby"]
    assert delivery == datetime(2024, 8, 3, tzinfo=UTC)
    assert delivery.utcoffset() == timedelta(hours=-7)
    assert event.target["modifiedon"] == datetime(2024, 8, 2, 7, 0, 39, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Date(1506409448000)/", datetime(2017, 9, 26, 7, 4, 8, tzinfo=UTC)),
        ("/Date(1506409448000-0700)/", datetime(2017, 9, 26, 0, 4, 8, tzinfo=timezone(timedelta(hours=-7)))),
        ("/Date(1506409448000+0530)/", datetime(2017, 9, 26, 7, 4, 8, tzinfo=UTC)),
        ("/Date(-62135596800000)/", datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_wcf_dates(text: str, expected: datetime) -> None:
    assert parse_wcf_date(text) == expected


def test_wcf_date_rejects_other_text() -> None:
    with pytest.raises(ValueError, match="not a WCF date"):
        parse_wcf_date("2024-08-02T06:56:54Z")


def test_delete_target_is_a_reference_not_attributes() -> None:
    event = parse_event(raw("delete_salesorder.json"))
    assert event.message == "Delete"
    assert event.target is None
    assert event.target_reference == EntityReference(logical_name="salesorder", id=ORDER_ID)
    assert event.pre_image is not None and event.pre_image["statuscode"] == OptionSetValue(value=1)
    assert event.post_image is None


def test_key_value_pairs_in_shared_variables_of_parent_context_do_not_break_parsing() -> None:
    payload = decoded("update_salesorder.json")
    payload["SharedVariables"] = payload["ParentContext"]["SharedVariables"]
    event = parse_event(payload)
    assert event.shared_variables == {"ChangedEntityTypes": ["Update", "Update"]}


# ---- trimmed payloads -----------------------------------------------------------------------------


def test_webhook_size_exceeded_header_marks_event_trimmed() -> None:
    event = parse_webhook(raw("trimmed_update_salesorder.json"), {"X-MS-Dynamics-Msg-Size-Exceeded": ""})
    assert event.trimmed is True
    assert event.target is None and event.pre_image is None and event.post_image is None
    assert event.record_id == ORDER_ID  # what the router needs to re-read the row


def test_servicebus_property_marks_event_trimmed_with_bytes_or_str_names() -> None:
    body = raw("trimmed_update_salesorder.json")
    assert parse_servicebus_message(body, {b"MessageMaxSizeExceeded": True}).trimmed is True
    assert parse_servicebus_message(body, {"MessageMaxSizeExceeded": "true"}).trimmed is True
    claims = {"http://schemas.microsoft.com/xrm/2011/Claims/EntityLogicalName": "salesorder"}
    assert parse_servicebus_message(raw("update_salesorder.json"), claims).trimmed is False


def test_untrimmed_webhook_is_not_marked() -> None:
    assert (
        parse_webhook(raw("update_salesorder.json"), {"x-ms-dynamics-entity-name": "salesorder"}).trimmed
        is False
    )


def test_body_with_utf8_bom_parses() -> None:
    assert parse_event(b"\xef\xbb\xbf" + raw("create_account.json")).table == "account"


def test_dedupe_key_is_stable_for_redelivery_and_differs_between_operations() -> None:
    first = parse_event(raw("update_salesorder.json"))
    again = parse_event(raw("update_salesorder.json"))
    other = parse_event(raw("delete_salesorder.json"))
    assert first.dedupe_key == again.dedupe_key
    assert first.dedupe_key != other.dedupe_key


# ---- malformed payloads ---------------------------------------------------------------------------


def _broken(mutate: Any) -> dict[str, Any]:
    payload = decoded("create_account.json")
    mutate(payload)
    return payload


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        (b"{not json", "$"),
        (b"[1, 2]", "$"),
        (_broken(lambda p: p.pop("MessageName")), "MessageName"),
        (_broken(lambda p: p.update(PrimaryEntityName=5)), "PrimaryEntityName"),
        (_broken(lambda p: p.update(PrimaryEntityId="not-a-guid")), "PrimaryEntityId"),
        (_broken(lambda p: p.update(CorrelationId=12)), "CorrelationId"),
        (_broken(lambda p: p.update(Depth="1")), "Depth"),
        (_broken(lambda p: p.update(OperationCreatedOn="yesterday")), "OperationCreatedOn"),
        (_broken(lambda p: p.update(InputParameters={"Target": {}})), "InputParameters"),
        (_broken(lambda p: p["InputParameters"].append({"value": 1})), "InputParameters[2]"),
        (
            _broken(lambda p: p["InputParameters"][0]["value"]["Attributes"][10]["value"].update(Id="x")),
            "InputParameters[0].value.Attributes[10].value.Id",
        ),
        (
            _broken(
                lambda p: p["InputParameters"][0]["value"]["Attributes"][5]["value"].update(Value="lots")
            ),
            "InputParameters[0].value.Attributes[5].value.Value",
        ),
        (
            _broken(lambda p: p["InputParameters"][0]["value"]["Attributes"][6]["value"].update(Value=None)),
            "InputParameters[0].value.Attributes[6].value.Value",
        ),
        (
            _broken(lambda p: p["PostEntityImages"][0]["value"].pop("LogicalName")),
            "PostEntityImages[0].value.LogicalName",
        ),
        (
            _broken(lambda p: p.update(PostEntityImages=[{"key": "PostImage", "value": 3}])),
            "PostEntityImages[0].value",
        ),
    ],
)
def test_malformed_payload_names_the_field(payload: bytes | dict[str, Any], path: str) -> None:
    with pytest.raises(MalformedEventError) as caught:
        parse_event(payload)
    assert caught.value.path == path
    assert path in str(caught.value)


def test_malformed_event_error_is_a_value_error_of_the_dataverse_tree() -> None:
    from dataverse.errors import DataverseError

    with pytest.raises(MalformedEventError) as caught:
        parse_event(b"null")
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, DataverseError)


# ---- routing --------------------------------------------------------------------------------------


def test_router_dispatches_to_every_handler_of_the_table_and_message_in_order() -> None:
    router = EventRouter()
    seen: list[str] = []
    router.register("salesorder", "Update", lambda e: seen.append(f"invoice:{e.record_id}"))

    @router.on("salesorder", "update")
    def waybill(event: DataverseEvent) -> None:
        seen.append("waybill")

    router.register("salesorder", "Create", lambda e: seen.append("create"))

    assert router.dispatch(parse_event(raw("update_salesorder.json"))) == 2
    assert seen == [f"invoice:{ORDER_ID}", "waybill"]
    assert router.routes() == [("salesorder", "create"), ("salesorder", "update")]


def test_router_ignores_unknown_combination_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    router = EventRouter()
    router.register("salesorder", "Update", lambda e: pytest.fail("must not run"))
    with caplog.at_level(logging.INFO, logger="dataverse.events"):
        assert router.dispatch(parse_event(raw("delete_salesorder.json"))) == 0
    assert "no handler for salesorder/Delete" in caplog.text


def test_router_lets_handler_errors_propagate_for_redelivery() -> None:
    router = EventRouter()

    def broken(event: DataverseEvent) -> None:
        raise RuntimeError("provider down")

    router.register("account", "Create", broken)
    with pytest.raises(RuntimeError, match="provider down"):
        router.dispatch(parse_event(raw("create_account.json")))

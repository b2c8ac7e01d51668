"""Registering the Dataverse -> app event endpoint and its steps through the Web API (emulator over HTTP)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from dataverse import DataverseClient
from dataverse.registration import (
    DEFAULT_STEPS,
    EventStep,
    RegistrationError,
    RegistrationReport,
    register_event_endpoints,
)

WEBHOOK_URL = "https://smart-connectors.example/api/dataverse/events"
SECRET = "webhook-secret-9f8e7d6c"
SAS_KEY = "c2FzLWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5YWI="
CONNECTION = (
    "Endpoint=sb://smart-bus.servicebus.windows.net/;SharedAccessKeyName=dataverse-send;"
    f"SharedAccessKey={SAS_KEY};EntityPath=dataverse-events"
)


def rows(client: DataverseClient, entity_set: str) -> list[dict[str, Any]]:
    return list(client.query(entity_set))


def state(client: DataverseClient) -> dict[str, Any]:
    """What registration leaves behind, without ids and timestamps."""
    volatile = ("@odata.etag", "createdon", "modifiedon")
    return {
        name: sorted(
            (sorted((k, str(v)) for k, v in row.items() if k not in volatile) for row in rows(client, name)),
        )
        for name in ("serviceendpoints", "sdkmessageprocessingsteps", "sdkmessageprocessingstepimages")
    }


def webhook(client: DataverseClient, **overrides: Any) -> RegistrationReport:
    arguments: dict[str, Any] = {"webhook_url": WEBHOOK_URL, "webhook_secret": SECRET, **overrides}
    return register_event_endpoints(client, **arguments)


def test_webhook_registration_twice_reaches_the_same_state_without_creating_anything(
    client: DataverseClient,
) -> None:
    first = webhook(client)
    after_first = state(client)
    second = webhook(client)

    assert len(first.created) == 1 + 2 * len(DEFAULT_STEPS)  # endpoint, steps, their images
    assert (second.created, second.updated, second.deleted) == ([], [], [])
    assert second.endpoint_id == first.endpoint_id
    assert not second.changed
    assert state(client) == after_first


def test_webhook_endpoint_sends_the_secret_as_an_http_header(client: DataverseClient) -> None:
    report = webhook(client)
    [endpoint] = rows(client, "serviceendpoints")
    assert endpoint["serviceendpointid"] == report.endpoint_id
    assert (endpoint["contract"], endpoint["authtype"], endpoint["url"]) == (8, 5, WEBHOOK_URL)
    assert (
        endpoint["authvalue"] == f'<settings><setting name="X-Webhook-Secret" value="{SECRET}" /></settings>'
    )
    assert SECRET not in endpoint["description"]


def test_steps_are_async_post_operation_with_filtering_attributes_and_post_images(
    client: DataverseClient,
) -> None:
    report = webhook(client)
    steps = {row["name"]: row for row in rows(client, "sdkmessageprocessingsteps")}
    assert set(steps) == {step.step_name("smart-dataverse-events") for step in DEFAULT_STEPS}
    update = steps["smart-dataverse-events: salesorder Update"]
    assert (update["stage"], update["mode"], update["asyncautodelete"]) == (40, 1, True)
    assert update["filteringattributes"] == "statuscode,statecode"
    assert update["_eventhandler_value"] == report.endpoint_id
    [update_filter] = client.query(
        "sdkmessagefilters", filter=f"sdkmessagefilterid eq {update['_sdkmessagefilterid_value']}"
    )
    assert update_filter["primaryobjecttypecode"] == "salesorder"
    images = {
        row["_sdkmessageprocessingstepid_value"]: row
        for row in rows(client, "sdkmessageprocessingstepimages")
    }
    create = steps["smart-dataverse-events: salesorder Create"]
    assert images[create["sdkmessageprocessingstepid"]]["messagepropertyname"] == "Id"
    update_image = images[update["sdkmessageprocessingstepid"]]
    assert (update_image["imagetype"], update_image["entityalias"], update_image["messagepropertyname"]) == (
        1,
        "PostImage",
        "Target",
    )
    assert "totalamount" in update_image["attributes"].split(",")


def test_changed_steps_and_rotated_secret_are_updated_and_dropped_steps_removed(
    client: DataverseClient,
) -> None:
    webhook(client)
    order_update = EventStep(
        "salesorder", "Update", filtering_attributes=("statuscode",), image_attributes=("name",)
    )
    order_delete = EventStep("salesorder", "Delete", image_attributes=("name", "ordernumber"))
    report = webhook(client, webhook_secret="rotated-secret", steps=(order_update, order_delete))

    assert report.updated == [
        "serviceendpoint smart-dataverse-events",
        "step smart-dataverse-events: salesorder Update",
        "image smart-dataverse-events: salesorder Update PostImage",
    ]
    assert report.created == [
        "step smart-dataverse-events: salesorder Delete",
        "image smart-dataverse-events: salesorder Delete PreImage",
    ]
    assert sorted(report.deleted) == [
        "step smart-dataverse-events: account Create",
        "step smart-dataverse-events: account Update",
        "step smart-dataverse-events: salesorder Create",
    ]
    [endpoint] = rows(client, "serviceendpoints")
    assert "rotated-secret" in endpoint["authvalue"]
    delete_image = [
        r for r in rows(client, "sdkmessageprocessingstepimages") if r["entityalias"] == "PreImage"
    ]
    assert [(r["imagetype"], r["messagepropertyname"]) for r in delete_image] == [(0, "Target")]
    assert not webhook(client, webhook_secret="rotated-secret", steps=(order_update, order_delete)).changed


def test_service_bus_queue_endpoint_uses_json_and_the_sas_key(
    client: DataverseClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        first = register_event_endpoints(client, servicebus_connection=CONNECTION)
        second = register_event_endpoints(client, servicebus_connection=CONNECTION)
    [endpoint] = rows(client, "serviceendpoints")
    assert (endpoint["contract"], endpoint["authtype"], endpoint["messageformat"]) == (2, 2, 2)
    assert endpoint["namespaceaddress"] == "sb://smart-bus.servicebus.windows.net/"
    assert (endpoint["path"], endpoint["saskeyname"], endpoint["saskey"]) == (
        "dataverse-events",
        "dataverse-send",
        SAS_KEY,
    )
    assert first.created and not second.changed
    assert SAS_KEY not in caplog.text and SAS_KEY not in repr(first) + repr(second)


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"webhook_url": WEBHOOK_URL},
        {"webhook_url": WEBHOOK_URL, "webhook_secret": SECRET, "servicebus_connection": CONNECTION},
        {"servicebus_connection": "Endpoint=https://wrong/;SharedAccessKey=" + SAS_KEY},
    ],
)
def test_incomplete_or_contradictory_arguments_are_refused_without_echoing_secrets(
    client: DataverseClient, arguments: dict[str, Any]
) -> None:
    with pytest.raises(RegistrationError) as caught:
        register_event_endpoints(client, **arguments)
    assert SAS_KEY not in str(caught.value)
    assert rows(client, "serviceendpoints") == []


def test_a_table_without_message_filter_is_named_in_the_error(client: DataverseClient) -> None:
    with pytest.raises(RegistrationError, match="smart_nosuchtable"):
        webhook(client, steps=(EventStep("smart_nosuchtable", "Create"),))

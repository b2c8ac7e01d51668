"""Fixtures for Dataverse tests: a fresh emulator per test and a real client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.common.retry import RetryPolicy
from dataverse import DataverseClient, StaticTokenAuth
from local_runtime.dataverse_emulator import DataverseEmulator

FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=5.0)
TOKEN = "test-token"


@pytest.fixture
def emulator() -> Iterator[DataverseEmulator]:
    with DataverseEmulator(expected_token=TOKEN) as running:
        yield running


@pytest.fixture
def client(emulator: DataverseEmulator) -> Iterator[DataverseClient]:
    with DataverseClient(emulator.url, StaticTokenAuth(TOKEN), retry=FAST_RETRY) as dataverse:
        yield dataverse


def label(text: str) -> dict[str, Any]:
    return {
        "LocalizedLabels": [
            {"@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel", "Label": text, "LanguageCode": 1033}
        ]
    }


def define_message_table(client: DataverseClient) -> None:
    """A custom table shaped like smart_message: primary name, text/choice/money columns, an alternate key
    on the idempotency key, a two-column key, and a lookup to contact."""
    client.request(
        "POST",
        "EntityDefinitions",
        {
            "@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata",
            "SchemaName": "smart_message",
            "DisplayName": label("Message"),
            "DisplayCollectionName": label("Messages"),
            "OwnershipType": "UserOwned",
            "IsActivity": False,
            "HasNotes": False,
            "Attributes": [
                {
                    "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
                    "SchemaName": "smart_name",
                    "IsPrimaryName": True,
                    "MaxLength": 100,
                    "DisplayName": label("Name"),
                }
            ],
        },
    )
    columns: list[dict[str, Any]] = [
        {
            "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
            "SchemaName": "smart_idempotencykey",
            "MaxLength": 100,
        },
        {
            "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
            "SchemaName": "smart_provider",
            "MaxLength": 20,
        },
        {
            "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
            "SchemaName": "smart_externalid",
            "MaxLength": 100,
        },
        {
            "@odata.type": "Microsoft.Dynamics.CRM.MemoAttributeMetadata",
            "SchemaName": "smart_text",
            "MaxLength": 4000,
        },
        {"@odata.type": "Microsoft.Dynamics.CRM.IntegerAttributeMetadata", "SchemaName": "smart_attempts"},
        {"@odata.type": "Microsoft.Dynamics.CRM.MoneyAttributeMetadata", "SchemaName": "smart_cost"},
        {"@odata.type": "Microsoft.Dynamics.CRM.DateTimeAttributeMetadata", "SchemaName": "smart_senton"},
        {
            "@odata.type": "Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
            "SchemaName": "smart_status",
            "OptionSet": {
                "@odata.type": "Microsoft.Dynamics.CRM.OptionSetMetadata",
                "IsGlobal": False,
                "OptionSetType": "Picklist",
                "Options": [
                    {"Value": 100000000, "Label": label("Queued")},
                    {"Value": 100000001, "Label": label("Sent")},
                    {"Value": 100000002, "Label": label("Delivered")},
                ],
            },
        },
    ]
    for column in columns:
        client.request("POST", "EntityDefinitions(LogicalName='smart_message')/Attributes", column)
    client.request(
        "POST",
        "EntityDefinitions(LogicalName='smart_message')/Keys",
        {
            "SchemaName": "smart_IdempotencyKey",
            "DisplayName": label("Idempotency key"),
            "KeyAttributes": ["smart_idempotencykey"],
        },
    )
    client.request(
        "POST",
        "EntityDefinitions(LogicalName='smart_message')/Keys",
        {"SchemaName": "smart_ProviderExternalId", "KeyAttributes": ["smart_provider", "smart_externalid"]},
    )
    client.request(
        "POST",
        "RelationshipDefinitions",
        {
            "@odata.type": "Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata",
            "SchemaName": "smart_contact_smart_message",
            "ReferencedEntity": "contact",
            "ReferencingEntity": "smart_message",
            "ReferencingEntityNavigationPropertyName": "smart_contactid",
            "Lookup": {
                "@odata.type": "Microsoft.Dynamics.CRM.LookupAttributeMetadata",
                "SchemaName": "smart_contactid",
                "DisplayName": label("Contact"),
            },
        },
    )

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from dataverse import AlternateKey, bind, entity_path, guid_from_entity_id, odata_literal

GUID = "0f0c8a1e-2b3c-4d5e-8f90-a1b2c3d4e5f6"


def test_literals_follow_odata_syntax() -> None:
    assert odata_literal("O'Brien") == "'O''Brien'"
    assert odata_literal(uuid.UUID(GUID)) == GUID
    assert odata_literal(True) == "true"
    assert odata_literal(None) == "null"
    assert odata_literal(12.5) == "12.5"
    assert odata_literal(date(2024, 3, 1)) == "2024-03-01"
    kyiv = timezone(timedelta(hours=2))
    assert odata_literal(datetime(2024, 3, 1, 12, 0, tzinfo=kyiv)) == "2024-03-01T10:00:00Z"
    assert odata_literal(datetime(2024, 3, 1, 12, 0, tzinfo=UTC)) == "2024-03-01T12:00:00Z"


def test_alternate_key_doubles_quotes_and_percent_encodes_url_characters() -> None:
    path = entity_path("smart_messages", AlternateKey({"smart_idempotencykey": "O'Brien & Co/1?#%"}))
    assert path == "smart_messages(smart_idempotencykey='O''Brien%20%26%20Co%2F1%3F%23%25')"


def test_multi_column_and_lookup_keys() -> None:
    key = AlternateKey({"smart_provider": "gms", "_smart_contactid_value": GUID, "smart_attempt": 3})
    assert key.render() == f"smart_provider='gms',_smart_contactid_value={GUID},smart_attempt=3"


def test_ids_are_normalised_and_bind_values_are_rooted() -> None:
    assert entity_path("contacts", GUID.upper()) == f"contacts({GUID})"
    assert bind("accounts", uuid.UUID(GUID)) == f"/accounts({GUID})"
    assert guid_from_entity_id(f"https://org.crm4.dynamics.com/api/data/v9.2/contacts({GUID})") == GUID


def test_a_non_guid_id_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="AlternateKey"):
        entity_path("contacts", "not-a-guid")
    with pytest.raises(ValueError):
        AlternateKey({})

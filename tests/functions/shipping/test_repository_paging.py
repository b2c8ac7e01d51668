"""The sync's read of active shipments against the Dataverse emulator: key order, growing pages,
continuing after a key, and which statuses are left out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from dataverse import DataverseClient, StaticTokenAuth
from dataverse.schema import ShipmentStatus
from functions.shipping.repository import ShippingRepository
from local_runtime.dataverse_emulator import DataverseEmulator
from local_runtime.stack import EMULATOR_TOKEN, _dataverse_prepare

STATUSES = [ShipmentStatus.CREATED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.RECEIVED,
            ShipmentStatus.RETURNING, ShipmentStatus.ARRIVED]  # fmt: skip


@pytest.fixture(scope="module")
def repository() -> Iterator[ShippingRepository]:
    with DataverseEmulator(expected_token=EMULATOR_TOKEN) as emulator:
        _dataverse_prepare(emulator)
        with DataverseClient(emulator.url, StaticTokenAuth(EMULATOR_TOKEN)) as client:
            rows = []
            for index in range(23):
                status = STATUSES[index % len(STATUSES)]
                row = {
                    "smart_name": f"s{index}", "smart_idempotencykey": f"key-{index:03d}",
                    "smart_waybillnumber": f"2045{index:010d}", "smart_status": status.option_value,
                }  # fmt: skip
                if status is ShipmentStatus.RETURNING and index % 2:
                    row["smart_returnwaybillnumber"] = f"5900{index:010d}"  # only these are still followed
                    row["smart_statuschangedon"] = datetime.now(UTC).isoformat()
                if index == 13:  # on its way back for 40 days
                    row["smart_statuschangedon"] = (datetime.now(UTC) - timedelta(days=40)).isoformat()
                rows.append(row)
            client.create_multiple("smart_shipments", "smart_shipment", rows)
            yield ShippingRepository(client)


def expected(after: str | None = None) -> list[str]:
    keys = []
    for index in range(23):
        status = STATUSES[index % len(STATUSES)]
        if status is ShipmentStatus.RECEIVED or (status is ShipmentStatus.RETURNING and not index % 2):
            continue
        if index == 13:  # followed for 30 days at most
            continue
        keys.append(f"key-{index:03d}")
    return [key for key in keys if after is None or key > after]


def test_active_shipments_come_in_key_order_across_growing_pages(repository: ShippingRepository) -> None:
    since = datetime.now(UTC) - timedelta(hours=72)
    assert [r.key for r in repository.active(None, since, page_sizes=(2, 5))] == expected()
    assert [r.key for r in repository.active(None, since)] == expected()


def test_a_resumed_read_continues_after_the_stored_key(repository: ShippingRepository) -> None:
    since = datetime.now(UTC) - timedelta(hours=72)
    keys = [r.key for r in repository.active("key-010", since, page_sizes=(3,))]
    assert keys == expected("key-010") and keys and all(key > "key-010" for key in keys)
    returning = [r for r in repository.active(None, since) if r.status is ShipmentStatus.RETURNING]
    assert returning and all(r.return_number for r in returning)


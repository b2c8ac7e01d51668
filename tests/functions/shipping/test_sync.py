"""The tracking sync's batching, change-only writes and pause/resume, against the Nova Poshta simulator.

The store is an in-memory stand-in for the Dataverse port (``SyncStore``); the tracker is the real
client over loopback, wrapped where a test needs Nova Poshta to fail at a given call.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connectors.common.retry import RetryPolicy
from connectors.novaposhta import (
    NovaPoshtaClient,
    NovaPoshtaUnavailableError,
    Recipient,
    Sender,
    TrackingQuery,
    TrackingStatus,
    WarehouseDestination,
    WaybillRequest,
)
from dataverse.schema import ShipmentStatus
from functions.shipping.repository import Written
from functions.shipping.rules import ChangePlanner, ShipmentChange, ShipmentRow
from functions.shipping.sync import SyncOptions, SyncState, TrackingSync
from local_runtime.simulators.novaposhta import SENDER_CONTACT, SENDER_REF, NovaPoshtaSimulator

KYIV = "8d5a980d-391c-11dd-90d9-001a92567626"


class MemoryStore:
    def __init__(self, rows: list[ShipmentRow]) -> None:
        self.rows = {row.key: row for row in rows}
        self.write_calls: list[int] = []

    def active(self, after_key: str | None, give_up_before: datetime) -> Iterator[ShipmentRow]:
        for key in sorted(self.rows):
            row = self.rows[key]
            if (after_key is None or key > after_key) and row.status not in (ShipmentStatus.RECEIVED,):
                yield row

    def write_changes(self, changes: Sequence[ShipmentChange]) -> Written:
        self.write_calls.append(len(changes))
        by_id = {row.id: key for key, row in self.rows.items()}
        for change in changes:
            key = by_id[change.shipment["smart_shipmentid"]]
            status = change.shipment.get("smart_status")
            updates: dict[str, object] = {"status_code": change.shipment.get("smart_statuscode")}
            if status is not None:
                updates["status"] = ShipmentStatus.from_option_value(status)
            self.rows[key] = dataclasses.replace(self.rows[key], **updates)  # type: ignore[arg-type]
        return Written(1)


class FailingFrom:
    """The real client, but Nova Poshta is down for every chunk from the ``fail_from``-th number on
    (decided by the chunk's content, so concurrent calls fail deterministically)."""

    def __init__(self, client: NovaPoshtaClient, numbers: list[str], fail_from: int) -> None:
        self.client, self.numbers, self.fail_from = client, numbers, fail_from

    def track(self, documents: Iterable[TrackingQuery | str]) -> list[TrackingStatus]:
        queries = list(documents)
        first = queries[0].number if isinstance(queries[0], TrackingQuery) else queries[0]
        if self.numbers.index(first) >= self.fail_from:
            raise NovaPoshtaUnavailableError(called="TrackingDocument.getStatusDocuments", status=503)
        return self.client.track(queries)


@pytest.fixture(scope="module")
def sim() -> Iterator[NovaPoshtaSimulator]:
    with NovaPoshtaSimulator() as running:
        yield running


@pytest.fixture(scope="module")
def client(sim: NovaPoshtaSimulator) -> Iterator[NovaPoshtaClient]:
    with NovaPoshtaClient(sim.url, sim.api_key, retry=RetryPolicy(max_attempts=1)) as np:
        yield np


@pytest.fixture(scope="module")
def numbers(sim: NovaPoshtaSimulator, client: NovaPoshtaClient) -> list[ShipmentRow]:
    """250 waybills to one branch, as the CRM stored them when it created them."""
    recipient: Recipient = client.create_private_recipient("Іван", "Петренко", "+380671234567")
    branch = client.get_warehouses(city_ref=KYIV, query="1").items[0]
    sender = Sender(counterparty_ref=SENDER_REF, contact_ref=SENDER_CONTACT["Ref"], city_ref=KYIV,
                    address_ref=branch.ref, phone="+380501112233")  # fmt: skip
    made: list[ShipmentRow] = []
    for _ in range(250):
        request = WaybillRequest(
            sender=sender, recipient=recipient, send_date=sim.today(), description="Товари",
            destination=WarehouseDestination(city_ref=KYIV, warehouse_ref=branch.ref),
            declared_value=Decimal(300), weight=Decimal(1), volume=Decimal("0.004"),
        )  # fmt: skip
        waybill = client.create_waybill(request)
        made.append(
            ShipmentRow(
                id=str(uuid.UUID(int=len(made) + 1)), key=f"key-{len(made):04d}", number=waybill.number,
                status=ShipmentStatus.CREATED, status_code=1, warehouse=branch.description,
                estimated_date=str(waybill.estimated_delivery_date),
            )
        )  # fmt: skip
    return made


def rows(stored: list[ShipmentRow]) -> list[ShipmentRow]:
    return list(stored)


def make_sync(store: MemoryStore, tracker: object, state: SyncState, resumes: list[tuple[str | None, int]],
              now: datetime, flush_size: int = 100) -> TrackingSync:  # fmt: skip
    return TrackingSync(
        store, lambda: tracker, ChangePlanner(), state,  # type: ignore[arg-type, return-value]
        lambda after, failures, when: resumes.append((after, failures)),
        SyncOptions(concurrency=3, flush_size=flush_size), clock=lambda: now,
    )  # fmt: skip


def test_tracks_in_calls_of_100_and_writes_only_changed_shipments(
    sim: NovaPoshtaSimulator, client: NovaPoshtaClient, numbers: list[ShipmentRow]
) -> None:
    store, now = MemoryStore(rows(numbers)), datetime.now(UTC)
    before = sim.calls["TrackingDocument.getStatusDocuments"]
    quiet = make_sync(store, client, SyncState(), [], now).run("manual")
    assert (quiet.shipments, quiet.tracking_calls, quiet.changed, quiet.write_requests) == (250, 3, 0, 0)
    assert sim.calls["TrackingDocument.getStatusDocuments"] == before + 3
    sim.advance(30)  # every parcel has left the sender's branch
    moved = make_sync(store, client, SyncState(), [], now).run("manual")
    assert moved.changed == 250 and moved.status_changes == 250
    assert moved.write_requests == len(store.write_calls) == 3  # flushes of 100, 100, 50
    assert all(row.status is not ShipmentStatus.CREATED for row in store.rows.values())
    again = make_sync(store, client, SyncState(), [], now).run("manual")
    assert again.changed == 0 and again.write_requests == 0


def test_once_every_chunk_is_in_flight_changes_are_written_per_100_so_the_last_write_is_short(
    sim: NovaPoshtaSimulator, client: NovaPoshtaClient, numbers: list[ShipmentRow]
) -> None:
    store, now = MemoryStore(rows(numbers)), datetime.now(UTC)
    sim.advance(30)  # every parcel has moved since the rows were stored
    report = make_sync(store, client, SyncState(), [], now, flush_size=500).run("manual")
    # 250 changes fit one flush of 500, but the three calls are all in flight at once (window 6), so
    # they go out as soon as 100 are pending: at most one write per 100 changed, the last one short.
    assert report.changed == 250 and report.write_requests == len(store.write_calls) == 3
    assert store.write_calls == [100, 100, 50]


def test_outage_pauses_with_backoff_and_the_next_run_continues_after_what_was_stored(
    sim: NovaPoshtaSimulator, client: NovaPoshtaClient, numbers: list[ShipmentRow]
) -> None:
    sim.advance(200)
    resumes: list[tuple[str | None, int]] = []
    store, now, state = MemoryStore(rows(numbers)), datetime.now(UTC), SyncState()
    tracker = FailingFrom(client, [row.number or "" for row in numbers], fail_from=100)
    sync = make_sync(store, tracker, state, resumes, now, flush_size=100)
    with ThreadCount(sync):
        paused = sync.run("timer")
    assert paused.status == "paused" and paused.stopped_after == "key-0099"
    assert paused.changed == 100 and resumes == [("key-0099", 1)]
    assert state.paused_until == now + timedelta(seconds=60)
    assert sync.run("timer").status == "skipped"  # inside the pause
    tracker.fail_from = len(numbers)
    resumed = sync.run("resume", after="key-0099", failures=1)
    assert resumed.status == "completed" and resumed.resumed_after == "key-0099"
    assert resumed.shipments == 150  # only what was left
    assert state.paused_until is None and state.failures == 0 and state.cursor is None


def test_an_outage_still_pauses_when_writing_what_was_tracked_before_it_fails(
    sim: NovaPoshtaSimulator, client: NovaPoshtaClient, numbers: list[ShipmentRow]
) -> None:
    class Unwritable(MemoryStore):
        def write_changes(self, changes: Sequence[ShipmentChange]) -> Written:
            time.sleep(0.5)  # still writing when the outage is noticed, then it fails too
            raise RuntimeError("Dataverse is down as well")

    sim.advance(30)
    resumes: list[tuple[str | None, int]] = []
    state, now = SyncState(), datetime.now(UTC)
    tracker = FailingFrom(client, [row.number or "" for row in numbers], fail_from=100)
    paused = make_sync(Unwritable(rows(numbers)), tracker, state, resumes, now).run("timer")
    assert paused.status == "paused" and paused.stopped_after is None and paused.changed == 0
    assert resumes == [(None, 1)] and state.paused_until == now + timedelta(seconds=60)


def test_consecutive_outages_back_off_longer(sim: NovaPoshtaSimulator, client: NovaPoshtaClient) -> None:
    resumes: list[tuple[str | None, int]] = []
    store = MemoryStore(
        [ShipmentRow(id=str(uuid.UUID(int=1)), key="k", number="20450000000001", status=None)]
    )
    now, state = datetime.now(UTC), SyncState()
    sync = make_sync(store, FailingFrom(client, ["20450000000001"], fail_from=0), state, resumes, now)
    sync.run("manual")
    sync.run("resume", after=None, failures=1)
    assert resumes == [(None, 1), (None, 2)]
    assert state.paused_until == now + timedelta(seconds=120)


class ThreadCount:
    """Checks the run leaves no tracking worker behind."""

    def __init__(self, sync: TrackingSync) -> None:
        self.sync = sync

    def __enter__(self) -> None:
        self.before = {t.name for t in threading.enumerate()}

    def __exit__(self, *exc: object) -> None:
        left = {t.name for t in threading.enumerate() if t.name.startswith("np-track")} - self.before
        assert not left

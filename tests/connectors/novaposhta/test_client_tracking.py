"""Tracking: batches of at most 100, status mapping, parcels moving over simulated time."""

from __future__ import annotations

from collections.abc import Callable

from connectors.novaposhta import NovaPoshtaClient, ShipmentState, TrackingQuery, WaybillRequest
from local_runtime.simulators.novaposhta import NovaPoshtaSimulator


def test_tracking_250_numbers_takes_three_calls_and_keeps_the_order(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator
) -> None:
    numbers = [f"2045{n:010d}" for n in range(250)]
    statuses = client.track(numbers)
    assert sim.calls["TrackingDocument.getStatusDocuments"] == 3
    assert [s.number for s in statuses] == numbers
    assert {s.state for s in statuses} == {ShipmentState.NOT_FOUND}


def test_a_new_waybill_is_created_then_moves_through_real_status_codes(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    waybill = client.create_waybill(make_request())
    seen = [client.track([waybill.number])[0]]
    while not seen[-1].is_final and len(seen) < 200:
        sim.advance(2)
        seen.append(client.track([waybill.number])[0])
    codes = [s.status_code for s in seen]
    assert codes[0] == "1" and seen[0].state is ShipmentState.CREATED
    states = [s.state for s in seen]
    assert ShipmentState.IN_TRANSIT in states and ShipmentState.ARRIVED in states
    assert seen[-1].is_final
    order = [ShipmentState.CREATED, ShipmentState.IN_TRANSIT, ShipmentState.ARRIVED]
    firsts = [states.index(state) for state in order]
    assert firsts == sorted(firsts)


def test_after_enough_time_every_parcel_settles_and_some_do_not_end_received(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    numbers = [client.create_waybill(make_request()).number for _ in range(20)]
    sim.advance(24 * 14)
    statuses = client.track(numbers)
    assert all(s.is_final for s in statuses)
    outcomes = {s.state for s in statuses}
    assert ShipmentState.RECEIVED in outcomes
    assert outcomes & {ShipmentState.RETURNING, ShipmentState.REFUSED}
    returning = [s for s in statuses if s.status_code == "102"]
    assert all(s.return_number.startswith("59") and len(s.return_number) == 14 for s in returning)


def test_a_phone_unlocks_names_and_phones_in_the_tracking_details(
    client: NovaPoshtaClient, make_request: Callable[..., WaybillRequest]
) -> None:
    request = make_request()
    number = client.create_waybill(request).number
    [anonymous] = client.track([number])
    [detailed] = client.track([TrackingQuery(number=number, phone=request.recipient.phone)])
    assert "RecipientFullName" not in anonymous.raw
    assert detailed.raw["RecipientFullName"] == "Шевченко Тарас"

"""Nova Poshta StatusCode -> neutral ShipmentState, and which states are final."""

from __future__ import annotations

import pytest

from connectors.novaposhta import STATUS_CODES, ShipmentState, is_final, state_for_code


@pytest.mark.parametrize(
    ("code", "state"),
    [
        ("1", ShipmentState.CREATED),
        ("2", ShipmentState.DELETED),
        ("3", ShipmentState.NOT_FOUND),
        ("4", ShipmentState.IN_TRANSIT),
        ("41", ShipmentState.IN_TRANSIT),
        ("5", ShipmentState.IN_TRANSIT),
        ("6", ShipmentState.IN_TRANSIT),
        ("7", ShipmentState.ARRIVED),
        ("8", ShipmentState.ARRIVED),
        ("9", ShipmentState.RECEIVED),
        ("10", ShipmentState.RECEIVED),
        ("11", ShipmentState.RECEIVED),
        ("12", ShipmentState.CREATED),
        ("101", ShipmentState.IN_TRANSIT),
        ("102", ShipmentState.RETURNING),
        ("103", ShipmentState.REFUSED),
        ("104", ShipmentState.IN_TRANSIT),
        ("105", ShipmentState.RETURNING),
        ("106", ShipmentState.RECEIVED),
        ("108", ShipmentState.REFUSED),
        ("111", ShipmentState.IN_TRANSIT),
        ("112", ShipmentState.IN_TRANSIT),
    ],
)
def test_official_status_codes_map_to_neutral_states(code: str, state: ShipmentState) -> None:
    assert state_for_code(code) is state
    assert state_for_code(int(code)) is state


def test_unknown_or_missing_codes_are_unknown_and_not_final() -> None:
    assert state_for_code("999") is ShipmentState.UNKNOWN
    assert state_for_code(None) is ShipmentState.UNKNOWN
    assert not is_final("999")


def test_only_settled_outcomes_are_final() -> None:
    final = {code for code in STATUS_CODES if is_final(code)}
    assert final == {"2", "9", "10", "11", "106", "102", "105"}
    assert not is_final("103")  # a refusal is normally followed by 102 (return order)
    assert not is_final("3")  # "not found" shows briefly right after creation

import pytest

from connectors.gms import statuses
from connectors.gms.statuses import DeliveryOutcome, outcome_of


@pytest.mark.parametrize(
    ("status", "substatus", "hyber_status", "channel", "expected"),
    [
        (-1, None, None, "hyber", DeliveryOutcome.PENDING),
        (1, 11, None, "viber", DeliveryOutcome.PENDING),
        (-1, 12, None, "hyber", DeliveryOutcome.PENDING),
        (2, 23, 23011, "sms", DeliveryOutcome.DELIVERED),
        (2, 23, 23033, "viber", DeliveryOutcome.DELIVERED),
        (2, 23, 23043, "viber", DeliveryOutcome.DELIVERED),
        (3, 26, None, "viber", DeliveryOutcome.EXPIRED),
        (3, 35, 35015, "sms", DeliveryOutcome.EXPIRED),
        (3, 36, None, "sms", DeliveryOutcome.FAILED),
        (3, 36, None, "hyber", DeliveryOutcome.REJECTED),
        (3, None, None, "sms", DeliveryOutcome.FAILED),
        (2, None, None, "viber", DeliveryOutcome.DELIVERED),
        (None, None, 35015, None, DeliveryOutcome.EXPIRED),
        (99, 99, 99001, "sms", DeliveryOutcome.PENDING),
    ],
)
def test_gms_codes_map_to_neutral_outcomes(
    status: int | None,
    substatus: int | None,
    hyber_status: int | None,
    channel: str | None,
    expected: DeliveryOutcome,
) -> None:
    assert outcome_of(status, substatus, hyber_status, channel) is expected


def test_assumed_seen_code_maps_to_read_and_is_defined_once() -> None:
    seen = statuses.VIBER_SEEN
    assert seen.substatus == statuses.SEEN_SUBSTATUS
    assert outcome_of(*seen, channel="viber") is DeliveryOutcome.READ


def test_unknown_detail_falls_back_to_substatus_then_status() -> None:
    assert outcome_of(3, 26, 26999) is DeliveryOutcome.EXPIRED
    assert outcome_of(2, 77, None) is DeliveryOutcome.DELIVERED


def test_only_pending_is_not_final() -> None:
    assert [o for o in DeliveryOutcome if not o.is_final] == [DeliveryOutcome.PENDING]

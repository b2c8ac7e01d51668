"""Order events: a confirmed salesorder queues one invoice; other changes queue nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from dataverse.events import EventRouter, parse_event
from functions.common.bus import OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.payments.events import (
    enqueue_invoice,
    order_confirmed,
    parse_order_message,
    register_event_handlers,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATAVERSE_FIXTURES = Path(__file__).resolve().parents[2] / "dataverse" / "fixtures"
CONFIRMED = (1,)


class ListBus:
    backend = "list"

    def __init__(self) -> None:
        self.sent: list[tuple[str, OutboundMessage]] = []

    def send(self, queue: str, message: OutboundMessage) -> None:
        self.sent.append((queue, message))

    def send_many(self, queue: str, messages: Sequence[OutboundMessage]) -> None:
        self.sent.extend((queue, message) for message in messages)


def submitted() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / "submit_salesorder.json").read_text())
    return loaded


def test_an_order_submitted_by_update_is_confirmed() -> None:
    assert order_confirmed(parse_event(json.dumps(submitted())), CONFIRMED)


def test_an_update_that_does_not_touch_the_state_is_not_a_confirmation() -> None:
    event = parse_event(
        (DATAVERSE_FIXTURES / "update_salesorder.json").read_bytes()
    )  # statuscode only, no state
    assert not order_confirmed(event, CONFIRMED)
    unchanged = submitted()
    unchanged["PreEntityImages"][0]["value"]["Attributes"] = unchanged["InputParameters"][0]["value"][
        "Attributes"
    ]
    assert not order_confirmed(parse_event(json.dumps(unchanged)), CONFIRMED)


def test_an_order_created_confirmed_is_confirmed_and_the_states_are_configurable() -> None:
    created = submitted()
    created["MessageName"] = "Create"
    created["PreEntityImages"] = []
    event = parse_event(json.dumps(created))
    assert order_confirmed(event, CONFIRMED)
    assert not order_confirmed(event, (3,))


def test_the_handlers_are_registered_for_salesorder_create_and_update() -> None:
    router = EventRouter()
    register_event_handlers(router)
    assert router.routes() == [("salesorder", "create"), ("salesorder", "update")]


def test_the_queued_message_carries_the_order_and_its_idempotency_key() -> None:
    bus = ListBus()
    order_id = "7b2c9d4e-5f60-4a1b-8c2d-3e4f5a6b7c8d"
    enqueue_invoice(order_id, bus, correlation_id="c-1")
    ((queue, message),) = bus.sent
    assert (queue, message.message_id, message.correlation_id) == (
        "payments",
        f"invoice:order-{order_id}",
        "c-1",
    )
    assert parse_order_message(message.body) == order_id


@pytest.mark.parametrize("body", [b"not json", b'{"order_id": "nope"}', b"[]"])
def test_a_malformed_payments_message_is_poison(body: bytes) -> None:
    with pytest.raises(PoisonMessageError):
        parse_order_message(body)

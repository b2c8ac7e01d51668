"""The status history sees every status the emulator commits, and only those, and flags steps back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from dataverse import BatchOperation, DataverseClient, StaticTokenAuth
from dataverse.provisioning import provision
from dataverse.schema import MessageStatus, PaymentStatus
from dataverse.schema.messaging import MESSAGE, MESSAGE_BATCH
from local_runtime.chaos import StatusHistory
from local_runtime.dataverse_emulator import DataverseEmulator

MESSAGES = "smart_messages"


@pytest.fixture(scope="module")
def crm() -> Iterator[tuple[DataverseEmulator, DataverseClient, StatusHistory]]:
    with DataverseEmulator() as emulator, DataverseClient(emulator.url, StaticTokenAuth("t")) as client:
        provision(client, (MESSAGE_BATCH, MESSAGE))
        yield emulator, client, StatusHistory().attach(emulator)


def _message(client: DataverseClient, status: MessageStatus) -> str:
    row_id = str(uuid.uuid4())
    client.create(
        MESSAGES,
        {"smart_messageid": row_id, "smart_name": "m", "smart_idempotencykey": f"k-{row_id}",
         "smart_status": status.option_value},
    )  # fmt: skip
    return row_id


def _set(client: DataverseClient, row_id: str, status: MessageStatus) -> None:
    client.update(MESSAGES, row_id, {"smart_status": status.option_value})


def _regressions_of(history: StatusHistory, row_id: str) -> list[str]:
    return [r.describe() for r in history.regressions if r.row_id == row_id]


def test_a_status_written_over_a_higher_one_is_a_regression(
    crm: tuple[DataverseEmulator, DataverseClient, StatusHistory],
) -> None:
    _, client, history = crm
    row_id = _message(client, MessageStatus.QUEUED)
    for status in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.SENT):
        _set(client, row_id, status)
    assert _regressions_of(history, row_id) == [f"smart_message {row_id}: delivered -> sent"]
    labels = [MessageStatus.from_option_value(v).value for v in history.trail("smart_message", row_id)]
    assert labels == ["queued", "sent", "delivered", "sent"]


def test_progress_in_the_products_order_is_not_a_regression(
    crm: tuple[DataverseEmulator, DataverseClient, StatusHistory],
) -> None:
    _, client, history = crm
    row_id = _message(client, MessageStatus.QUEUED)
    for status in (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.DELIVERED, MessageStatus.READ):
        _set(client, row_id, status)  # Viber failed, the SMS fallback delivered, then read
    _set(client, row_id, MessageStatus.READ)  # a write that changes nothing else
    assert _regressions_of(history, row_id) == []


def test_a_rolled_back_change_set_records_nothing(
    crm: tuple[DataverseEmulator, DataverseClient, StatusHistory],
) -> None:
    _, client, history = crm
    row_id = _message(client, MessageStatus.SENT)
    results = client.execute_batch(
        [
            BatchOperation.update(MESSAGES, row_id, {"smart_status": MessageStatus.READ.option_value}),
            BatchOperation.update(MESSAGES, str(uuid.uuid4()), {"smart_status": 1}),  # no such row
        ]
    )
    assert not all(result.ok for result in results)
    _set(client, row_id, MessageStatus.DELIVERED)
    labels = [MessageStatus.from_option_value(v).value for v in history.trail("smart_message", row_id)]
    assert labels == ["sent", "delivered"]
    assert _regressions_of(history, row_id) == []


def test_payment_ranks_follow_paypal_states() -> None:
    history = StatusHistory()
    history.record("smart_payment", "p1", PaymentStatus.SENT.option_value)
    history.record("smart_payment", "p1", PaymentStatus.UNPAID.option_value)  # overdue: later than sent
    history.record("smart_payment", "p1", PaymentStatus.PAID.option_value)
    history.record("smart_payment", "p1", PaymentStatus.SENT.option_value)  # a stale webhook applied
    history.record("smart_payment", "p2", PaymentStatus.DRAFT.option_value)
    history.record("smart_payment", "p2", PaymentStatus.FAILED.option_value)  # PayPal refused the draft
    history.record("smart_payment", "p3", PaymentStatus.SENT.option_value)
    history.record("smart_payment", "p3", PaymentStatus.FAILED.option_value)
    assert [r.describe() for r in history.regressions] == [
        "smart_payment p1: paid -> sent",
        "smart_payment p3: sent -> failed",
    ]

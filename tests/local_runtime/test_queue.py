"""The local queue's Service Bus semantics, on a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.common.bus import OutboundMessage
from functions.common.queues import QueueSpec
from local_runtime.queue import LocalQueue, MessageLockLostError


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(tmp_path: Path, clock: Clock) -> LocalQueue:
    specs = [
        QueueSpec(
            "q",
            lock_duration=30,
            max_delivery_count=3,
            duplicate_detection_window=600,
            default_time_to_live=3600,
        ),
        QueueSpec("keep-expired", default_time_to_live=10, dead_letter_on_expiration=False),
    ]
    return LocalQueue(tmp_path / "q.db", specs, clock=clock)


def _msg(message_id: str, **kwargs: object) -> OutboundMessage:
    return OutboundMessage.of_json({"id": message_id}, message_id=message_id, **kwargs)  # type: ignore[arg-type]


def test_peek_lock_hides_message_until_lock_expires_then_redelivers(queue: LocalQueue, clock: Clock) -> None:
    queue.send("q", _msg("a"))
    first = queue.receive("q")
    assert [m.delivery_count for m in first] == [1]
    assert queue.receive("q") == []
    clock.advance(31)
    again = queue.receive("q")
    assert [(m.message_id, m.delivery_count) for m in again] == [("a", 2)]
    with pytest.raises(MessageLockLostError):
        queue.complete(first[0])  # the first lock is gone
    queue.complete(again[0])
    assert queue.counts("q")["active"] == 0


def test_abandon_makes_the_message_available_at_once(queue: LocalQueue) -> None:
    queue.send("q", _msg("a"))
    (message,) = queue.receive("q")
    queue.abandon(message, "transient")
    (again,) = queue.receive("q")
    assert again.delivery_count == 2
    assert again.last_error == "transient"


def test_dead_letter_after_max_delivery_count_with_the_last_error(queue: LocalQueue) -> None:
    queue.send("q", _msg("a"))
    for attempt in range(3):
        (message,) = queue.receive("q")
        queue.abandon(message, f"RuntimeError: attempt {attempt + 1}")
    assert queue.receive("q") == []
    (dead,) = queue.list_dead_letters("q")
    assert dead.dead_letter_reason == "RuntimeError: attempt 3"
    assert dead.delivery_count == 3
    assert queue.counts("q")["dead_letter"] == 1


def test_expired_locks_count_as_deliveries_and_end_in_the_dead_letter_queue(
    queue: LocalQueue, clock: Clock
) -> None:
    queue.send("q", _msg("a"))
    for _ in range(3):
        assert queue.receive("q")
        clock.advance(31)
    assert queue.receive("q") == []
    (dead,) = queue.list_dead_letters("q")
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"


def test_scheduled_message_waits_for_its_enqueue_time(queue: LocalQueue, clock: Clock) -> None:
    when = datetime.fromtimestamp(clock.now + 120, UTC)
    queue.send("q", _msg("later", scheduled_enqueue_time_utc=when))
    assert queue.receive("q") == []
    assert queue.counts("q")["scheduled"] == 1
    clock.advance(121)
    assert [m.message_id for m in queue.receive("q")] == ["later"]


def test_duplicate_message_id_is_dropped_within_the_window(queue: LocalQueue, clock: Clock) -> None:
    assert queue.enqueue("q", [_msg("same"), _msg("same")]) == 1
    clock.advance(599)
    assert queue.enqueue("q", [_msg("same")]) == 0
    clock.advance(2)
    assert queue.enqueue("q", [_msg("same")]) == 1
    assert queue.counts("q")["active"] == 2


def test_expired_message_is_dead_lettered_or_dropped_by_queue_setting(
    queue: LocalQueue, clock: Clock
) -> None:
    queue.send("q", _msg("old"))
    queue.send("keep-expired", _msg("gone"))
    clock.advance(3601)
    assert queue.receive("q") == []
    assert queue.receive("keep-expired") == []
    assert queue.list_dead_letters("q")[0].dead_letter_reason == "TTLExpiredException"
    assert queue.list_dead_letters("keep-expired") == []


def test_replay_returns_dead_letters_as_fresh_deliveries(queue: LocalQueue) -> None:
    queue.send("q", _msg("a"))
    queue.send("q", _msg("b"))
    for message in queue.receive("q", 2):
        queue.dead_letter(message, "bad", "testing")
    assert queue.replay_dead_letters("q", ["b"]) == 1
    (back,) = queue.receive("q")
    assert (back.message_id, back.delivery_count) == ("b", 1)
    assert [m.message_id for m in queue.list_dead_letters("q")] == ["a"]


def test_renewed_lock_is_kept_past_the_original_duration(queue: LocalQueue, clock: Clock) -> None:
    queue.send("q", _msg("a"))
    (message,) = queue.receive("q")
    clock.advance(20)
    renewed = queue.renew_lock(message)
    clock.advance(20)
    assert queue.receive("q") == []
    queue.complete(renewed)


def test_fifo_order_and_batch_receive(queue: LocalQueue) -> None:
    queue.send_many("q", [_msg(str(n)) for n in range(5)])
    assert [m.message_id for m in queue.receive("q", 3)] == ["0", "1", "2"]
    assert [m.message_id for m in queue.receive("q", 3)] == ["3", "4"]

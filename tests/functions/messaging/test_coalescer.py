"""Group commit: items handed in during one window are applied together; a failed apply fails them all."""

from __future__ import annotations

import threading

import pytest

from functions.messaging.coalescer import Coalescer, FlushFailedError


def run_together(coalescer: Coalescer[int], batches: list[list[int]]) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * len(batches)
    start = threading.Barrier(len(batches))

    def submit(position: int) -> None:
        start.wait()
        try:
            coalescer.submit(batches[position])
        except BaseException as error:  # noqa: BLE001 - recorded for the assertion
            outcomes[position] = error

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return outcomes


def test_items_handed_in_during_one_window_are_applied_in_one_round() -> None:
    applied: list[list[int]] = []
    coalescer: Coalescer[int] = Coalescer(
        lambda items: applied.append(sorted(items)), window=0.5, max_items=6
    )
    outcomes = run_together(coalescer, [[1], [2, 3], [4], [5, 6]])
    assert outcomes == [None, None, None, None]
    assert applied == [[1, 2, 3, 4, 5, 6]]  # max_items reached: applied before the window ran out


def test_a_failed_round_raises_in_every_caller() -> None:
    def boom(items: list[int]) -> None:
        raise RuntimeError("dataverse is down")

    coalescer: Coalescer[int] = Coalescer(boom, window=0.2, max_items=3)
    outcomes = run_together(coalescer, [[1], [2], [3]])
    assert all(isinstance(outcome, FlushFailedError) for outcome in outcomes)
    assert all(isinstance(outcome.__cause__, RuntimeError) for outcome in outcomes if outcome)


def test_a_lone_caller_is_applied_after_the_window() -> None:
    applied: list[list[int]] = []
    coalescer: Coalescer[int] = Coalescer(applied.append, window=0.01, max_items=100)
    coalescer.submit([7])
    coalescer.submit([8])
    assert applied == [[7], [8]] and coalescer.rounds == 2
    with pytest.raises(FlushFailedError):
        Coalescer(lambda items: 1 / 0, window=0.0, max_items=1).submit([1])

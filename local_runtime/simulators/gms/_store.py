"""The simulator's memory: accepted messages, mass-send jobs and the queue of status changes.

Thread-safe (one re-entrant lock; its condition wakes the dispatcher). Randomness is drawn per
message from ``Random(f"{seed}:{sequence}")``, so a run with the same seed and the same sends
gives the same message ids, outcomes, duplicates and swaps.
"""

from __future__ import annotations

import heapq
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local_runtime.simulators.gms._dispatch import Outgoing, Pending, is_loopback
from local_runtime.simulators.gms._timeline import (
    DEFAULT_WEIGHTS,
    SimMessage,
    SimOutcome,
    advanced_report,
    callback_payload,
    choose_outcome,
    job_item,
    plan_events,
    simple_report,
)

_NAMESPACE = uuid.UUID("6b3f0c1e-2d4a-5b8c-9e7f-0a1b2c3d4e5f")


@dataclass
class ReportSettings:
    seed: int = 0
    report_delay_ms: float | None = 200.0
    batched_reports: bool = False
    duplicate_rate: float = 0.0
    out_of_order_rate: float = 0.0
    push_seen: bool = True


def outcome_weights(outcomes: Mapping[str, float] | None) -> dict[SimOutcome, float]:
    if outcomes is None:
        return dict(DEFAULT_WEIGHTS)
    weights = {outcome: 0.0 for outcome in SimOutcome}
    for name, weight in outcomes.items():
        weights[SimOutcome(name)] = float(weight)
    return weights


class MessageStore:
    def __init__(self, settings: ReportSettings, weights: dict[SimOutcome, float]) -> None:
        self.settings = settings
        self.weights = weights
        self.lock = threading.RLock()
        self.condition = threading.Condition(self.lock)
        self.counters: Counter[str] = Counter()
        self._messages: dict[str, SimMessage] = {}
        self._by_extra_id: dict[str, list[str]] = {}
        self._jobs: dict[str, list[dict[str, Any] | str]] = {}
        self._planned: dict[str, SimOutcome] = {}
        self._queue: list[Pending] = []
        self._sequence = 0

    def count(self, name: str) -> None:
        with self.lock:
            self.counters[name] += 1

    def plan(self, extra_id: str, outcome: SimOutcome) -> None:
        with self.lock:
            self._planned[extra_id] = outcome

    def reset(self) -> None:
        with self.lock:
            for container in (self._messages, self._by_extra_id, self._jobs, self._planned, self.counters):
                container.clear()
            self._queue.clear()
            self._sequence = 0

    # -- accepting -----------------------------------------------------------------------------

    def accept(
        self, phone: str, body: dict[str, Any], channels: list[str], texts: dict[str, str]
    ) -> SimMessage:
        extra_id = body.get("extra_id")
        options = body["channel_options"]
        with self.condition:
            sequence = self._sequence
            self._sequence += 1
            rng = random.Random(f"{self.settings.seed}:{sequence}")
            outcome = self._planned.get(extra_id) if extra_id else None
            outcome = outcome or choose_outcome(rng, self.weights, channels)
            message = SimMessage(
                sequence=sequence,
                message_id=str(uuid.uuid5(_NAMESPACE, f"{self.settings.seed}:{sequence}")),
                extra_id=extra_id,
                phone=phone,
                channels=channels,
                texts=texts,
                ttls={channel: int(options[channel].get("ttl", 0)) for channel in channels},
                tag=body.get("tag"),
                callback_url=body.get("callback_url"),
                accepted_ms=int(time.time() * 1000),
                outcome=outcome,
                events=plan_events(outcome, channels, texts, self.settings.push_seen),
            )
            self._messages[message.message_id] = message
            if extra_id:
                self._by_extra_id.setdefault(extra_id, []).append(message.message_id)
            self._schedule(message, rng)
            self.condition.notify_all()
        return message

    def add_job(self, results: list[dict[str, Any]]) -> str:
        job_id = str(uuid.uuid4())
        with self.lock:
            self._jobs[job_id] = [r["message_id"] if r.get("accepted") else r for r in results]
            for result in results:
                if result.get("accepted"):
                    self._messages[result["message_id"]].job_id = job_id
        return job_id

    def _schedule(self, message: SimMessage, rng: random.Random) -> None:
        slots = list(range(len(message.events)))
        pushed = [index for index, event in enumerate(message.events) if event.pushed]
        if len(pushed) >= 2 and rng.random() < self.settings.out_of_order_rate:
            first, last = pushed[0], pushed[-1]
            slots[first], slots[last] = slots[last], slots[first]
            self.counters["reports_out_of_order"] += 1
        now = time.monotonic()
        delay_ms = self.settings.report_delay_ms
        delay = float("inf") if delay_ms is None else delay_ms / 1000.0
        for index, event in enumerate(message.events):
            slot = slots[index]
            due = now + delay * (slot + 1)
            key = message.message_id
            heapq.heappush(self._queue, Pending(due, (message.sequence, slot, 0), key, index, slot))
            if event.pushed and rng.random() < self.settings.duplicate_rate:
                self.counters["reports_duplicated"] += 1
                heapq.heappush(
                    self._queue, Pending(due + delay / 2, (message.sequence, slot, 1), key, index, slot)
                )

    # -- status changes ------------------------------------------------------------------------

    def next_due(self) -> float | None:
        return self._queue[0].due if self._queue else None

    def take(self, now: float | None) -> list[Outgoing]:
        """Make due changes (all when ``now`` is None, in deterministic order) happen; return the
        callbacks to post."""
        with self.lock:
            if now is None:
                taken = sorted(self._queue, key=lambda pending: pending.order)
                self._queue.clear()
            else:
                taken = []
                while self._queue and self._queue[0].due <= now:
                    taken.append(heapq.heappop(self._queue))
            outgoing: list[Outgoing] = []
            for pending in taken:
                message = self._messages.get(pending.message_id)
                if message is None:
                    continue
                message.applied = max(message.applied, pending.event_index)
                event = message.events[pending.event_index]
                self.counters["events_happened"] += 1
                if not event.pushed:
                    continue
                if not message.callback_url or not is_loopback(message.callback_url):
                    self.counters["reports_kept_for_pull"] += 1
                    continue
                payload = callback_payload(message, event, number_as_text=self.settings.batched_reports)
                outgoing.append(Outgoing(message.callback_url, payload))
            return outgoing

    def pending_count(self) -> int:
        with self.lock:
            return len(self._queue)

    # -- reading -------------------------------------------------------------------------------

    def report(self, key: list[str], *, advanced: bool) -> dict[str, Any] | None:
        with self.lock:
            if len(key) == 2 and key[0] == "external":
                ids = self._by_extra_id.get(key[1]) or []
                message = self._messages.get(ids[0]) if ids else None
            else:
                message = self._messages.get(key[0]) if len(key) == 1 else None
            if message is None:
                return None
            return advanced_report(message) if advanced else simple_report(message)

    def job(self, job_id: str) -> list[dict[str, Any]] | None:
        with self.lock:
            entries = self._jobs.get(job_id)
            if entries is None:
                return None
            return [job_item(self._messages[e]) if isinstance(e, str) else e for e in entries]

    def job_count(self) -> int:
        with self.lock:
            return len(self._jobs)

    def records(self) -> list[dict[str, Any]]:
        with self.lock:
            return [message.record() for message in self._messages.values()]

    def duplicates_by_extra_id(self) -> dict[str, list[str]]:
        with self.lock:
            return {key: list(ids) for key, ids in self._by_extra_id.items() if len(ids) > 1}

"""The fault schedule of a chaos run: a pure function of the seed.

The run is cut into phases of ``phase_seconds``. In each phase every stand-in (the Dataverse emulator
and the four provider simulators) gets one fault style: calm, 5xx errors, 429 with Retry-After,
timeouts (the server holds the request ``HOLD_SECONDS`` and then drops it), dropped connections, or a
mix of all four at lower rates. Every target meets every fault kind at least once in the first
``len(STYLES)`` phases after a calm warm-up phase, whatever the seed. Besides the transport faults a
phase sets the callback anomalies (GMS duplicate and out-of-order delivery reports, PayPal duplicate
and newest-first webhooks) and a few "accepted, then the answer was lost" events: GMS accepts a send
and answers too late, Nova Poshta saves a waybill and answers too late, PayPal creates an invoice and
answers 503. Those are the cases that turn into duplicate SMS, waybills and invoices when an
integration retries without an idempotency key.

Crash points are fractions of the workload's requests already answered when the worker process is
SIGKILLed; the last crash always falls once every request has been sent, while the last answers and
the queues are still in flight (``DRAIN``). Which requests land in which phase, and how many messages
each kill catches in flight, depend on timing; the schedule itself does not.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

TARGETS = ("dataverse", "gms", "novaposhta", "paypal", "youscore")
STYLES = ("errors", "throttle", "timeouts", "drops", "mixed")
HOLD_SECONDS = 4.0  # a "timeout" holds the request this long, then drops the connection
DRAIN = 1.5  # crash point meaning "once every request is sent, while the queues drain"


@dataclass(frozen=True)
class TargetFaults:
    """``local_runtime.loopback.Faults`` fields for one stand-in in one phase."""

    style: str = "calm"
    error_rate: float = 0.0
    error_status: int = 503
    throttle_rate: float = 0.0
    retry_after_seconds: float = 1.0
    timeout_rate: float = 0.0
    timeout_seconds: float = HOLD_SECONDS
    drop_rate: float = 0.0
    latency_ms: float = 0.0
    seed: int = 0

    def faults_fields(self) -> dict[str, Any]:
        fields = asdict(self)
        fields.pop("style")
        return fields


@dataclass(frozen=True)
class Phase:
    index: int
    targets: dict[str, TargetFaults]
    gms_duplicate_rate: float = 0.0
    gms_out_of_order_rate: float = 0.0
    paypal_duplicates: int = 0
    paypal_reverse: bool = False
    gms_stalls: int = 0  # sends GMS accepts but answers after the client's timeout
    novaposhta_stalls: int = 0  # waybill saves Nova Poshta records but answers after the timeout
    paypal_lost_answers: int = 0  # invoice creations PayPal performs and then answers 503


@dataclass(frozen=True)
class FaultPlan:
    seed: int
    phases: tuple[Phase, ...]
    crash_points: tuple[float, ...]
    downtimes: tuple[float, ...]  # seconds the worker stays dead after each kill

    def phase(self, number: int) -> Phase:
        """Phase ``number`` of the run (the list repeats, shifted, when a run outlasts it)."""
        return self.phases[number % len(self.phases)]

    def describe(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "crash_points": list(self.crash_points),
            "downtimes": list(self.downtimes),
            "phases": [
                {"index": p.index, **{name: t.style for name, t in p.targets.items()}} for p in self.phases
            ],
        }


def plan_faults(seed: int, crashes: int, phases: int = 24) -> FaultPlan:
    rng = random.Random(f"chaos-plan:{seed}")
    styles = {target: _style_sequence(rng, phases) for target in TARGETS}
    built = [
        Phase(0, {target: TargetFaults() for target in TARGETS})  # warm-up: nothing injected
    ]
    for index in range(1, phases):
        targets = {
            target: _target_faults(rng, styles[target][index], seed * 1000 + index * 10 + number)
            for number, target in enumerate(TARGETS)
        }
        built.append(
            Phase(
                index,
                targets,
                gms_duplicate_rate=rng.choice((0.05, 0.1, 0.2, 0.3)),
                gms_out_of_order_rate=rng.choice((0.05, 0.1, 0.2, 0.3)),
                paypal_duplicates=rng.choice((0, 1, 1, 2)),
                paypal_reverse=rng.random() < 0.5,
                gms_stalls=rng.choice((0, 1, 1, 2)),
                novaposhta_stalls=rng.choice((0, 0, 1)),
                paypal_lost_answers=rng.choice((0, 0, 1)),
            )
        )
    return FaultPlan(seed, tuple(built), *_crashes(rng, crashes))


def _style_sequence(rng: random.Random, phases: int) -> list[str]:
    """Calm warm-up, then every style once (shuffled), then a seeded mix with calm phases between."""
    first = list(STYLES)
    rng.shuffle(first)
    rest = rng.choices(("calm", *STYLES), weights=(3, 2, 2, 1, 2, 2), k=max(0, phases - 1 - len(first)))
    return ["calm", *first, *rest][:phases]


def _target_faults(rng: random.Random, style: str, seed: int) -> TargetFaults:
    retry_after = float(rng.choice((1, 1, 2)))
    if style == "errors":
        return TargetFaults(style, error_rate=rng.uniform(0.1, 0.25),
                            error_status=rng.choice((500, 502, 503)), seed=seed)  # fmt: skip
    if style == "throttle":
        return TargetFaults(style, throttle_rate=rng.uniform(0.1, 0.25), retry_after_seconds=retry_after,
                            seed=seed)  # fmt: skip
    if style == "timeouts":
        return TargetFaults(style, timeout_rate=rng.uniform(0.03, 0.08), seed=seed)
    if style == "drops":
        return TargetFaults(style, drop_rate=rng.uniform(0.08, 0.2), seed=seed)
    if style == "mixed":
        return TargetFaults(
            style,
            error_rate=rng.uniform(0.03, 0.08),
            error_status=rng.choice((500, 502, 503)),
            throttle_rate=rng.uniform(0.03, 0.08),
            retry_after_seconds=retry_after,
            timeout_rate=rng.uniform(0.01, 0.03),
            drop_rate=rng.uniform(0.03, 0.08),
            latency_ms=float(rng.choice((0, 5, 20))),
            seed=seed,
        )
    return TargetFaults(seed=seed)


def _crashes(rng: random.Random, crashes: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``crashes - 1`` points spread over the submission (one per slice), the last one while draining."""
    during = max(0, crashes - 1)
    points = [round((slot + rng.uniform(0.25, 0.75)) / (during + 0.5), 3) for slot in range(during)]
    points = [min(point, 0.95) for point in points]
    if crashes > 0:
        points.append(DRAIN)
    downtimes = tuple(round(rng.uniform(0.3, 2.0), 2) for _ in points)
    return tuple(points), downtimes

"""What one chaos run does: workload sizes, crashes, fault phases, locks and time budgets."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

LOCK_SECONDS_SETTING = "SMART_CHAOS_LOCK_SECONDS"  # the worker's peek-lock duration (see ``app.py``)


@dataclass(frozen=True)
class Sizes:
    """How many items of each kind the workload submits."""

    messages: int  # single sends (POST /api/messages)
    batches: int  # bulk sends (POST /api/messages/batch)
    batch_size: int  # inline recipients per bulk send
    shipments: int  # waybills (POST /api/shipments)
    invoices: int  # PayPal invoices (POST /api/invoices), then paid / refunded / cancelled
    checks: int  # counterparty checks (POST /api/counterparties/{code}/check)

    @property
    def total_messages(self) -> int:
        return self.messages + self.batches * self.batch_size

    @property
    def total(self) -> int:
        return self.total_messages + self.shipments + self.invoices + self.checks


FULL = Sizes(messages=2000, batches=2, batch_size=500, shipments=300, invoices=300, checks=200)
SMALL = Sizes(messages=300, batches=1, batch_size=100, shipments=40, invoices=40, checks=30)
TINY = Sizes(messages=40, batches=1, batch_size=30, shipments=10, invoices=10, checks=8)


@dataclass(frozen=True)
class ChaosConfig:
    """One run. Everything random (workload, fault phases, crash moments) derives from ``seed``."""

    seed: int = 1
    sizes: Sizes = FULL
    crashes: int = 5  # SIGKILLs of the worker process (the last one while the queues drain)
    phase_seconds: float = 4.0  # how long one fault phase lasts
    lock_seconds: float = 5.0  # queue peek-lock duration in the worker (SMART_CHAOS_LOCK_SECONDS)
    client_threads: int = 6  # concurrent callers of the app's HTTP API
    submit_timeout: float = 1800.0  # bound on getting every request of the workload answered
    drain_timeout: float = 300.0  # bound on the drain, the final timers and the drain after them
    data_dir: Path | None = None  # where the worker's queue, the emulator's database and the log go
    gms_callback_attempts: int = 10  # GMS posts a report up to this often, 0.25 s x attempt apart
    name: str = "full"

    @classmethod
    def full(cls, seed: int = 1, **changes: object) -> ChaosConfig:
        return replace(cls(seed=seed), **changes)  # type: ignore[arg-type]

    @classmethod
    def small(cls, seed: int = 1, **changes: object) -> ChaosConfig:
        base = cls(
            seed=seed,
            sizes=SMALL,
            crashes=3,
            phase_seconds=3.0,
            submit_timeout=600.0,
            drain_timeout=180.0,
            name="small",
        )
        return replace(base, **changes)  # type: ignore[arg-type]

    @classmethod
    def tiny(cls, seed: int = 1, **changes: object) -> ChaosConfig:
        """The test suite's run: every fault kind and three crashes, in well under a minute."""
        base = cls(
            seed=seed,
            sizes=TINY,
            crashes=3,
            phase_seconds=1.5,
            lock_seconds=3.0,
            client_threads=4,
            submit_timeout=150.0,
            drain_timeout=60.0,
            name="tiny",
        )
        return replace(base, **changes)  # type: ignore[arg-type]

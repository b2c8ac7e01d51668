"""The chaos itself, beside the workload: fault phases, worker crashes, timers and Nova Poshta's clock.

One thread walks the fault plan: every ``phase_seconds`` it sets the next phase's faults on the
stand-ins, moves Nova Poshta's simulated time 6 hours on (parcels travel), and fires the sync and
reconcile timers in the worker as their schedules would. Another thread SIGKILLs the worker at the
plan's crash points (fractions of the workload answered; the last one once every request has been
sent, as soon as the worker holds queue messages, i.e. while the queues drain), keeps
it down for the planned downtime and starts it again on the same port. A worker that dies on its own
is restarted too and counted apart.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable

from local_runtime.chaos.driver import ApiClient
from local_runtime.chaos.schedule import DRAIN, FaultPlan
from local_runtime.chaos.standins import StandIns
from local_runtime.chaos.worker import WorkerProcess
from local_runtime.queue import LocalQueue

logger = logging.getLogger("smart.chaos")

TIMERS = ("shipping_tracking_sync", "reconcile_payments", "messaging_reconcile_reports")
HOURS_PER_PHASE = 6.0
DRAIN_CRASH_WAIT = 3.0  # after the last request is sent, wait at most this long for queue work in flight


class ChaosLoop:
    def __init__(
        self,
        plan: FaultPlan,
        stand_ins: StandIns,
        worker: WorkerProcess,
        admin: ApiClient,
        *,
        api: ApiClient,
        queue: LocalQueue,
        phase_seconds: float,
        total: int,
        say: Callable[[str], None],
    ) -> None:
        self.plan = plan
        self.stand_ins = stand_ins
        self.worker = worker
        self.admin = admin
        self.api = api
        self.queue = queue
        self.phase_seconds = phase_seconds
        self.total = total
        self.say = say
        self.phases_applied = 0
        self.crashes = 0
        self.caught_in_flight: list[dict[str, int]] = []  # per kill: locked queue messages, open requests
        self.unexpected_exits = 0
        self.timer_fires: Counter[str] = Counter()
        self.errors: list[str] = []
        self._answered = 0
        self._started = 0
        self._all_answered = threading.Event()
        self._stop = threading.Event()
        self._worker_lock = threading.Lock()  # held from a kill until the restart
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []

    # -- control -------------------------------------------------------------------------------

    def start(self) -> ChaosLoop:
        self.stand_ins.apply(self.plan.phase(0))
        self.phases_applied = 1
        for name, target in (("chaos-phases", self._phases), ("chaos-crashes", self._crashes)):
            thread = threading.Thread(target=self._guard, args=(target,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def progress(self, answered: int, started: int) -> None:
        with self._changed:
            self._answered, self._started = answered, started
            self._changed.notify_all()

    def all_answered(self) -> None:
        self._all_answered.set()
        with self._changed:
            self._changed.notify_all()

    def finish(self, timeout: float) -> None:
        """Wait for the last crash (while draining), then stop the faults."""
        self.all_answered()
        self._threads[1].join(timeout)
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        self._threads[0].join(timeout)
        self.stand_ins.calm()
        self._ensure_worker()

    # -- threads -------------------------------------------------------------------------------

    def _guard(self, target: Callable[[], None]) -> None:
        try:
            target()
        except Exception as error:  # reported in the run's notes, the run goes on
            logger.exception("chaos thread failed")
            self.errors.append(f"{type(error).__name__}: {error}")

    def _phases(self) -> None:
        while not self._stop.wait(self.phase_seconds):
            phase = self.plan.phase(self.phases_applied)
            self.stand_ins.apply(phase)
            self.phases_applied += 1
            self.stand_ins["novaposhta"].advance(HOURS_PER_PHASE)
            self._ensure_worker()
            for name in TIMERS:
                if self.admin.admin(f"/admin/functions/{name}") == 202:
                    self.timer_fires[name] += 1

    def _crashes(self) -> None:
        for point, downtime in zip(self.plan.crash_points, self.plan.downtimes, strict=True):
            if not self._wait_for(point):
                return
            with self._worker_lock:
                caught = {"queue_messages": self._locked(), "http_requests": self.api.in_flight}
                self.worker.kill()
                self.caught_in_flight.append(caught)
                self.crashes += 1
                self.say(
                    f"  crash {self.crashes}: worker SIGKILLed at {self._where(point)} holding "
                    f"{caught['queue_messages']} queue message(s), {caught['http_requests']} request(s) "
                    f"in flight; down {downtime:g} s"
                )
                time.sleep(downtime)
                self.worker.start()

    def _wait_for(self, point: float) -> bool:
        """Block until the crash point is reached; False when the loop stops first."""
        goal = math.ceil(point * self.total) if point < DRAIN else None
        with self._changed:
            while not self._stop.is_set():
                if goal is not None and (self._answered >= goal or self._all_answered.is_set()):
                    return True
                if goal is None and (self._started >= self.total or self._all_answered.is_set()):
                    break
                self._changed.wait(0.5)
            else:
                return False
        until = time.monotonic() + DRAIN_CRASH_WAIT  # kill while a worker holds queue messages
        while not self._locked() and time.monotonic() < until:
            if self._stop.wait(0.05):
                return False
        return True

    def _locked(self) -> int:
        """Queue messages a worker holds a lock on right now (they come back after the lock expires)."""
        return sum(self.queue.counts(name)["locked"] for name in self.queue.queue_names)

    def _where(self, point: float) -> str:
        if point >= DRAIN:
            return f"the end of the workload ({self._answered}/{self.total} answered, the rest in flight)"
        return f"{self._answered}/{self.total} answered"

    def _ensure_worker(self) -> None:
        if not self._worker_lock.acquire(blocking=False):
            return  # a planned crash is in progress
        try:
            if self.worker.alive:
                return
            self.unexpected_exits += 1
            self.say("  the worker exited on its own; restarting it")
            self.worker.start()
        finally:
            self._worker_lock.release()

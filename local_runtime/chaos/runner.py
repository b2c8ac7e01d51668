"""``run_chaos``: one chaos run from the seed to the figures.

Topology: this process runs the Dataverse emulator and the four provider simulators (with the status
history hooked into the emulator) and the callers; the app runs in a child process
(``smart-connectors dev``, see ``worker.py``) that shares the local queue's database file and is
SIGKILLed and restarted during the run. Order of events: start everything, submit the workload while
the fault phases and crashes run, crash once more as the last requests are in flight and the queues
drain, stop the faults, let the queues drain, run the sync and reconcile timers once, drain again,
reconcile.

Besides the stand-ins' own settings the worker gets only documented app settings (``app_settings``):
short provider timeouts so that a held request is a client timeout, quiet hours off so every run is
alike, YouScore's client-side limiter off so that the simulator's low limits answer real 429s, a 1 s
retry after YouScore's 202, a short shipping-sync backoff, and the short queue lock of ``app.py``.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from functions.common.queues import QUEUES
from local_runtime.chaos.config import LOCK_SECONDS_SETTING, ChaosConfig
from local_runtime.chaos.driver import ApiClient, Driver
from local_runtime.chaos.history import StatusHistory
from local_runtime.chaos.loop import ChaosLoop
from local_runtime.chaos.reconcile import reconcile
from local_runtime.chaos.report import ChaosReport
from local_runtime.chaos.schedule import FaultPlan, plan_faults
from local_runtime.chaos.settle import final_round, settle, snapshot
from local_runtime.chaos.standins import CLIENT_TIMEOUT_SECONDS, StandIns
from local_runtime.chaos.worker import WorkerProcess, free_port, worker_environment
from local_runtime.chaos.workload import Workload, build_workload
from local_runtime.queue import LocalQueue

KYIV = ZoneInfo("Europe/Kyiv")


def app_settings(config: ChaosConfig, app_url: str, function_key: str, master_key: str) -> dict[str, str]:
    """What the worker runs with besides the stand-ins' URLs and credentials (all documented settings)."""
    timeout = f"{CLIENT_TIMEOUT_SECONDS:g}"
    return {
        "SMART_FUNCTION_KEY": function_key,
        "SMART_MASTER_KEY": master_key,
        "SMART_PUBLIC_BASE_URL": app_url,  # where GMS posts delivery reports
        LOCK_SECONDS_SETTING: f"{config.lock_seconds:g}",
        "MESSAGING_QUIET_HOURS": "",  # commercial messages go out at any hour, so every run is alike
        "MESSAGING_GMS_TIMEOUT_SECONDS": timeout,
        "NOVAPOSHTA_TIMEOUT_SECONDS": timeout,
        "YOUSCORE_TIMEOUT_SECONDS": timeout,
        "YOUSCORE_RATE_LIMITS": "off",  # the simulator's own (low) limits answer 429 instead
        "COUNTERPARTY_RETRY_DELAY_SECONDS": "1",  # YouScore's 202: retry in 1 s, not 20
        "SHIPPING_SYNC_BACKOFF_SECONDS": "1",
        "SHIPPING_SYNC_MAX_BACKOFF_SECONDS": "5",
        # a run lasts minutes, not the ~25 h default: pull reports GMS never delivered after 1 s
        "MESSAGING_STALE_AFTER_SECONDS": "1",
    }


def run_chaos(config: ChaosConfig, say: Callable[[str], None] = lambda _: None) -> ChaosReport:
    started = time.monotonic()
    plan = plan_faults(config.seed, config.crashes)
    workload = build_workload(config.seed, config.sizes, datetime.now(KYIV).date() + timedelta(days=90))
    with _data_dir(config) as data_dir:
        stand_ins = StandIns(data_dir, config.seed, gms_callback_attempts=config.gms_callback_attempts)
        try:
            stand_ins.start()
            history = StatusHistory().attach(stand_ins["dataverse"])
            port = free_port()
            app_url = f"http://127.0.0.1:{port}"
            stand_ins.connect(app_url)
            keys = _Keys(secrets.token_urlsafe(24), secrets.token_urlsafe(24))
            settings = {**stand_ins.settings, **app_settings(config, app_url, keys.function, keys.master)}
            worker = WorkerProcess(data_dir, worker_environment(settings), port=port)
            say(f"chaos {config.name} (seed {config.seed}): {config.sizes.total} items, data in {data_dir}")
            worker.start()
            queue = LocalQueue(data_dir / "queue.db", QUEUES)
            try:
                report = _Run(config, plan, workload, stand_ins, history, worker, queue, keys, say).run()
            finally:
                worker.stop()
                queue.close()
        finally:
            stand_ins.stop()
        report.wall_seconds = time.monotonic() - started
        report.data_dir = str(data_dir) if config.data_dir is not None else None
        report.secret_values = [value for name, value in settings.items() if _is_secret(name) and value]
    return report


@dataclass(frozen=True)
class _Keys:
    function: str
    master: str


@dataclass
class _Run:
    config: ChaosConfig
    plan: FaultPlan
    workload: Workload
    stand_ins: StandIns
    history: StatusHistory
    worker: WorkerProcess
    queue: LocalQueue
    keys: _Keys
    say: Callable[[str], None]

    def run(self) -> ChaosReport:
        config, say = self.config, self.say
        deadline = time.monotonic() + config.submit_timeout
        api = ApiClient(self.worker.url, self.keys.function, deadline, config.seed)
        admin = ApiClient(self.worker.url, self.keys.master, deadline, config.seed)
        driver = Driver(api, self.stand_ins["paypal"], config.client_threads)
        total = len(self.workload.submissions)
        loop = ChaosLoop(self.plan, self.stand_ins, self.worker, admin, api=api, queue=self.queue,
                         phase_seconds=config.phase_seconds, total=total, say=say)  # fmt: skip
        step = max(1, total // 10)

        printed = {0}

        def progress(answered: int, started: int) -> None:
            loop.progress(answered, started)
            if answered % step == 0 and answered not in printed:
                printed.add(answered)
                say(f"  {answered}/{total} requests answered")

        loop.start()
        driver.run(self.workload.submissions, progress)
        loop.finish(timeout=max(60.0, deadline - time.monotonic()))
        say(f"  workload answered; faults stopped after {loop.phases_applied} phases; draining")
        deadline = api.deadline = admin.deadline = time.monotonic() + config.drain_timeout
        settled = settle(self.queue, self.stand_ins, self.history, deadline)
        notes = final_round(api, admin, self.stand_ins)
        settled = settle(self.queue, self.stand_ins, self.history, deadline) and settled
        say("  settled; reconciling" if settled else "  NOT settled before the deadline; reconciling anyway")
        reconciliation = reconcile(
            self.workload, driver.answers, snapshot(self.queue, self.stand_ins, self.history)
        )
        return ChaosReport(
            name=config.name,
            seed=config.seed,
            wall_seconds=0.0,
            sizes=asdict(config.sizes),
            crashes=loop.crashes,
            caught_in_flight=loop.caught_in_flight,
            unexpected_exits=loop.unexpected_exits,
            worker_restart_seconds=self.worker.startup_seconds,
            app_requests=dict(api.stats.by_route + admin.stats.by_route),
            stand_in_requests=self.stand_ins.requests(),
            faults_injected=self.stand_ins.faults_injected(),
            reconciliation=reconciliation,
            regressions_checked=self.history.writes,
            settled=settled,
            repeated=dict(
                Counter(str(a.repeated) for a in driver.answers.values() if a.repeated is not None)
            ),
            notes=notes + self._notes(loop, driver),
            plan=self.plan.describe(),
        )

    def _failed_webhooks(self) -> int:
        return _failed_webhook_count(self.stand_ins["paypal"].deliveries)

    def _notes(self, loop: ChaosLoop, driver: Driver) -> list[str]:
        gms = self.stand_ins["gms"].stats()
        answers = list(driver.answers.values())
        payer = [f"{a.key}: {a.follow_up}" for a in answers if a.follow_up and not _done(a.follow_up)]
        expected = {item.key for item in self.workload.submissions if item.refusal_expected}
        refused = [a for a in answers if a.status and a.status >= 400]
        unexpected = [f"{a.key}: {a.status} {a.last_problem}" for a in refused if a.key not in expected]
        as_expected = Counter(str(a.status) for a in refused if a.key in expected)
        return [
            f"timers fired during the run: {dict(loop.timer_fires)}",
            f"GMS callback posts retried: {gms.get('callback_retries', 0)}; given up after every retry: "
            f"{gms.get('callback_failures', 0)} ({gms.get('reports_undelivered', 0)} reports)",
            f"PayPal webhook deliveries that failed (never retried by the simulator, so only the "
            f"reconcile timer can bring them in): {self._failed_webhooks()}",
            *(f"chaos thread error: {error}" for error in loop.errors),
            *(f"payer action not done: {item}" for item in payer),
            *(f"refused by the API, unexpectedly: {item}" for item in unexpected),
            f"refused as designed (checks of a code the register does not know): {dict(as_expected)}",
        ]


def _failed_webhook_count(deliveries: list[dict[str, Any]]) -> int:
    """Deliveries the worker did not acknowledge with a 2xx (down, or refused)."""
    return sum(1 for d in deliveries if not (isinstance(d.get("status"), int) and 200 <= d["status"] < 300))


def _is_secret(setting: str) -> bool:
    return any(word in setting for word in ("KEY", "SECRET", "PASSWORD", "TOKEN"))


def _done(follow_up: str) -> bool:
    return follow_up.endswith(": done") or follow_up == "cancel: 200"


@contextmanager
def _data_dir(config: ChaosConfig) -> Iterator[Path]:
    if config.data_dir is not None:
        shutil.rmtree(config.data_dir, ignore_errors=True)
        config.data_dir.mkdir(parents=True)
        yield config.data_dir
        return
    with tempfile.TemporaryDirectory(prefix="smart-chaos-") as tmp:
        yield Path(tmp)

"""The Dataverse emulator and the provider simulators, running in the chaos supervisor's process.

They are started from the local stack's own declarations (``local_runtime.stack.STAND_INS``: module,
factory, options, the settings that point the app at each one, the emulator's provisioning and the
PayPal webhook registration), so the worker process gets exactly the settings ``LocalStack`` would
set, only as environment variables of a child process. They stay up for the whole run on the same
loopback URLs while the worker is killed and restarted; faults are set on them phase by phase.
"""

from __future__ import annotations

import importlib
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from local_runtime.chaos.schedule import Phase
from local_runtime.loopback import Faults
from local_runtime.stack import STAND_INS

logger = logging.getLogger("smart.chaos")

# Paths each target's faults hit: the provider's API, never the simulators' own /_sim/ admin API.
FAULT_PATHS = {
    "dataverse": ("/api/",),
    "gms": (),  # the simulator defaults to its client's paths
    "novaposhta": (),  # the simulator defaults to /v2.0/ and /orders/
    "paypal": ("/v1/", "/v2/"),
    "youscore": ("/v1/",),
}
CLIENT_TIMEOUT_SECONDS = 3.0  # GMS, Nova Poshta and YouScore clients in the worker (see ``app_settings``)


class StandIns:
    def __init__(self, data_dir: Path, seed: int, *, gms_callback_attempts: int = 10) -> None:
        self.data_dir = data_dir
        self.seed = seed
        self.gms_callback_attempts = gms_callback_attempts
        self.instances: dict[str, Any] = {}
        self.settings: dict[str, str] = {}
        self.novaposhta_stalls_requested = 0

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> StandIns:
        options = self._options()
        for stand_in in STAND_INS:
            module = importlib.import_module(stand_in.module)
            instance = getattr(module, stand_in.factory)(
                **{**stand_in.options, **options.get(stand_in.name, {})}
            )
            instance.start()
            self.instances[stand_in.name] = instance
            self.settings[stand_in.url_setting] = instance.url
            self.settings.update(stand_in.settings(instance))
            if stand_in.prepare is not None:
                stand_in.prepare(instance)
        return self

    def connect(self, app_url: str) -> None:
        """Point the simulators that call the app (PayPal webhooks) at the worker's fixed URL."""
        for stand_in in STAND_INS:
            if stand_in.connect is not None:
                stand_in.connect(self.instances[stand_in.name], app_url)

    def stop(self) -> None:
        for name, instance in reversed(list(self.instances.items())):
            try:
                instance.stop()
            except Exception:  # stop every stand-in even if one fails to
                logger.exception("stopping %s failed", name)
        self.instances.clear()

    def __getitem__(self, name: str) -> Any:
        return self.instances[name]

    def _options(self) -> dict[str, dict[str, Any]]:
        seed = self.seed
        return {
            "dataverse": {"db_path": str(self.data_dir / "dataverse.db")},
            "gms": {
                "seed": seed,
                "report_delay_ms": 150.0,
                # GMS's callback retry policy is not documented (providers.md 1.6). By default the run
                # assumes it retries for about ten seconds (10 attempts, 0.25 s x attempt apart): long
                # enough to outlast one restart of the worker. Fewer attempts lose reports while the
                # worker is down, and messaging has no pull sweep to recover them (see the README).
                "callback_attempts": self.gms_callback_attempts,
                "callback_retry_delay_ms": 250.0,
            },
            "youscore": {"seed": seed, "rate_limits": ((300, 60.0), (15, 1.0))},  # low: real 429s
            "novaposhta": {"seed": seed},
            "paypal": {"seed": seed},
        }

    # -- faults --------------------------------------------------------------------------------

    def apply(self, phase: Phase) -> None:
        """Set the phase's transport faults and callback anomalies on every stand-in."""
        for name, target in phase.targets.items():
            self.set_faults(name, target.faults_fields())
        gms, novaposhta, paypal = self["gms"], self["novaposhta"], self["paypal"]
        gms.settings.duplicate_rate = phase.gms_duplicate_rate
        gms.settings.out_of_order_rate = phase.gms_out_of_order_rate
        paypal.set_webhook_delivery(duplicates=phase.paypal_duplicates, reverse=phase.paypal_reverse)
        if phase.gms_stalls:
            gms.stall_next_sends(phase.gms_stalls, CLIENT_TIMEOUT_SECONDS + 1.0)
        if phase.novaposhta_stalls:
            novaposhta.stall_next_saves(CLIENT_TIMEOUT_SECONDS + 1.0, phase.novaposhta_stalls)
            self.novaposhta_stalls_requested += phase.novaposhta_stalls
        if phase.paypal_lost_answers:
            paypal.fail_next(
                503, count=phase.paypal_lost_answers, path_prefix="/v2/invoicing/invoices", after_effect=True
            )

    def set_faults(self, name: str, fields: dict[str, Any]) -> None:
        paths = FAULT_PATHS[name]
        if name in ("gms", "novaposhta"):
            self[name].set_faults(**fields, only_paths=paths)
        else:
            self[name].set_faults(Faults(**fields, only_paths=paths))

    def calm(self) -> None:
        """No transport faults, no callback anomalies, no stalled sends (the end of the chaos).

        A Nova Poshta stall or PayPal "fail after effect" still pending stays armed (the simulators
        have no way to disarm one), but both only fire on creating a waybill or an invoice, which the
        workload has finished by then; the figures count the ones that fired.
        """
        for name in self.instances:
            self.set_faults(name, {})
        gms = self["gms"]
        gms.settings.duplicate_rate = gms.settings.out_of_order_rate = 0.0
        gms.stall_next_sends(0)
        self["paypal"].set_webhook_delivery()

    # -- what happened -------------------------------------------------------------------------

    def requests(self) -> dict[str, int]:
        """HTTP requests each stand-in received (its admin API included, which the run barely uses)."""
        return {name: sum(self._counters(name)[0].values()) for name in self.instances}

    def faults_injected(self) -> dict[str, dict[str, int]]:
        """Faults each stand-in injected, by kind (transport faults and callback anomalies)."""
        gms, novaposhta, paypal = self["gms"], self["novaposhta"], self["paypal"]
        result = {name: _kinds(self._counters(name)[1]) for name in self.instances}
        stats = gms.stats()
        result["gms"].update(
            duplicate_callback=stats.get("reports_duplicated", 0),
            out_of_order_callback=stats.get("reports_out_of_order", 0),
            accepted_then_timeout=stats.get("stalled_responses", 0),
        )
        pending = int(novaposhta.state()["stalled_saves_pending"])
        result["novaposhta"]["accepted_then_timeout"] = self.novaposhta_stalls_requested - pending
        result["paypal"].update(
            duplicate_webhook=_duplicate_deliveries(paypal.deliveries),
            accepted_then_5xx=int(paypal.counts.get("fault 503", 0)),
        )
        youscore = self["youscore"].state()  # provoked, not injected: its rate limits are set low
        result["youscore"].update(
            not_ready_202=sum(youscore["not_ready_sent"].values()), rate_limit_429=youscore["throttled"]
        )
        return result

    def _counters(self, name: str) -> tuple[Counter[str], Counter[str]]:
        """(requests by path, faults injected by kind) of one stand-in's loopback server."""
        if name == "novaposhta":
            state = self[name].state()
            return Counter(state["http_requests"]), Counter(state["faults_injected"])
        server = self[name].server
        return Counter(server.counts), Counter(server.faults_injected)


def _kinds(counter: Counter[str]) -> dict[str, int]:
    """Loopback fault counters by the run's names: http_5xx, throttle_429, timeout, drop."""
    kinds: Counter[str] = Counter()
    for name, count in counter.items():
        kinds["http_5xx" if name.startswith("http_") else "throttle_429" if name == "throttle" else name] += (
            count
        )
    return dict(kinds)


def _duplicate_deliveries(deliveries: list[dict[str, Any]]) -> int:
    """Webhook posts beyond the first per event (PayPal's duplicate deliveries)."""
    posts = Counter(delivery["event_id"] for delivery in deliveries)
    return sum(count - 1 for count in posts.values())

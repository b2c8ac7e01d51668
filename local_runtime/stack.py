"""The embedded default: local host + local queue + Dataverse emulator + provider simulators.

One rule decides every dependency: when its URL setting is unset, the stack starts the emulator or
simulator and points the app at it (setting the URL and the stand-in's credentials in the process
environment); when the URL is set, it is used as given, with whatever credentials the operator set.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from functions.common import container
from functions.common.logging import install_log_redaction, register_secrets
from functions.common.queues import QUEUES
from local_runtime.app_index import load_app
from local_runtime.host import HostOptions, LocalHost
from local_runtime.queue import LocalQueue

logger = logging.getLogger("smart.local.stack")

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StandIn:
    """How to start the stand-in for one dependency and which settings point the app at it."""

    name: str
    url_setting: str
    module: str
    factory: str
    settings: Callable[[Any], dict[str, str]]
    options: dict[str, Any] = field(default_factory=dict)
    connect: Callable[[Any, str], None] | None = None  # (stand-in, app base URL): e.g. register a webhook
    prepare: Callable[[Any], None] | None = None  # runs once the stand-in is up, before the app starts


EMULATOR_TOKEN = "local-emulator-token"


def _dataverse_settings(emulator: Any) -> dict[str, str]:
    return {"DATAVERSE_ACCESS_TOKEN": EMULATOR_TOKEN}


def _dataverse_prepare(emulator: Any) -> None:
    """Create our tables in the emulator, as an operator runs ``provision`` against a tenant."""
    from dataverse import DataverseClient, StaticTokenAuth
    from dataverse.provisioning import provision

    with DataverseClient(emulator.url, StaticTokenAuth(EMULATOR_TOKEN)) as client:
        report = provision(client)
    logger.info("dataverse emulator provisioned: %s", report.summary())


def _gms_settings(simulator: Any) -> dict[str, str]:
    return {
        "GMS_LOGIN": simulator.login,
        "GMS_PASSWORD": simulator._password,
        "GMS_CLIENT_ID": simulator.client_id,
        "GMS_CALLBACK_TOKEN": secrets.token_urlsafe(16),
    }


def _youscore_settings(simulator: Any) -> dict[str, str]:
    return {"YOUSCORE_API_KEY": simulator.api_keys["registry"]}


def _paypal_settings(simulator: Any) -> dict[str, str]:
    options = simulator.verification_options()
    return {
        "PAYPAL_CLIENT_ID": simulator.client_id,
        "PAYPAL_CLIENT_SECRET": simulator.client_secret,
        "PAYPAL_WEBHOOK_ID": simulator.webhook_id,
        "PAYPAL_CERT_HOSTS": ",".join(options["allowed_cert_hosts"]) or "127.0.0.1",
        "PAYPAL_CERT_HTTP_HOSTS": ",".join(options["allow_http_hosts"]),
        "PAYPAL_CERT_NAME_SUFFIXES": ",".join(options["cert_name_suffixes"]),
    }


def _paypal_connect(simulator: Any, app_url: str) -> None:
    simulator.add_webhook_listener(f"{app_url}/api/paypal/webhook")


def _novaposhta_settings(simulator: Any) -> dict[str, str]:
    from local_runtime.simulators.novaposhta import _data

    return {
        "NOVAPOSHTA_API_KEY": simulator.api_key,
        "NOVAPOSHTA_PRINT_BASE_URL": simulator.url,
        "NOVAPOSHTA_SENDER_CITY_REF": simulator.city_ref("Київ"),  # the demo shop ships from Kyiv branch 1
        "NOVAPOSHTA_SENDER_ADDRESS_REF": _data.ref("warehouse", "Київ", "1"),
    }


STAND_INS: tuple[StandIn, ...] = (
    StandIn(
        "dataverse",
        "DATAVERSE_URL",
        "local_runtime.dataverse_emulator",
        "DataverseEmulator",
        _dataverse_settings,
        options={"expected_token": EMULATOR_TOKEN},
        prepare=_dataverse_prepare,
    ),
    StandIn("gms", "GMS_BASE_URL", "local_runtime.simulators.gms", "GmsSimulator", _gms_settings),
    StandIn(
        "youscore",
        "YOUSCORE_BASE_URL",
        "local_runtime.simulators.youcontrol",
        "YouScoreSimulator",
        _youscore_settings,
    ),
    StandIn(
        "novaposhta",
        "NOVAPOSHTA_BASE_URL",
        "local_runtime.simulators.novaposhta",
        "NovaPoshtaSimulator",
        _novaposhta_settings,
    ),
    StandIn(
        "paypal",
        "PAYPAL_BASE_URL",
        "local_runtime.simulators.paypal",
        "PayPalSimulator",
        _paypal_settings,
        connect=_paypal_connect,
    ),
)


class LocalStack:
    def __init__(
        self,
        *,
        port: int = 7071,
        data_dir: Path | None = None,
        app_spec: str = "function_app:app",
        env: Mapping[str, str] | None = None,
        stand_in_options: dict[str, dict[str, Any]] | None = None,
        run_timers: bool = True,
        telemetry: str = "none",
    ) -> None:
        self.env: MutableMapping[str, str] = os.environ
        self._overrides = dict(env or {})
        self._saved: dict[str, str | None] = {}
        self.data_dir = data_dir or ROOT / ".smart"
        self.port = port
        self.app_spec = app_spec
        self.run_timers = run_timers
        self.telemetry = telemetry
        self.stand_in_options = stand_in_options or {}
        self.stand_ins: dict[str, Any] = {}
        self.queue: LocalQueue | None = None
        self.host: LocalHost | None = None
        self.generated_key = False

    @property
    def function_key(self) -> str:
        return self.env["SMART_FUNCTION_KEY"]

    @property
    def url(self) -> str:
        assert self.host is not None
        return self.host.url

    def _set(self, name: str, value: str) -> None:
        """Set an app setting for this process, remembering the old value for ``stop``."""
        if name not in self._saved:
            self._saved[name] = self.env.get(name)
        self.env[name] = value

    def start(self) -> LocalStack:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for name, value in self._overrides.items():
            self._set(name, value)
        if not self.env.get("SMART_TELEMETRY"):
            self._set("SMART_TELEMETRY", self.telemetry)  # none for tests and the demo; dev prints spans
        if not self.env.get("SMART_FUNCTION_KEY"):
            self._set("SMART_FUNCTION_KEY", secrets.token_urlsafe(24))
            self.generated_key = True
        register_secrets([self.function_key, self.env.get("SMART_MASTER_KEY")])
        install_log_redaction()  # on the root handlers present now, as the worker's is in Azure
        for stand_in in STAND_INS:
            self._start_stand_in(stand_in)
        app_module = importlib.import_module(self.app_spec.partition(":")[0])
        specs = getattr(app_module, "QUEUES", QUEUES)
        self.queue = LocalQueue(self.data_dir / "queue.db", specs)
        container.reset()
        container.provide("bus", self.queue, label=f"local-queue ({self.queue.path})")
        for stand_in in STAND_INS:
            where = self.env.get(stand_in.url_setting, "")
            kind = (
                ("emulator" if stand_in.name == "dataverse" else "simulator")
                if stand_in.name in self.stand_ins
                else "configured"
            )
            container.describe(stand_in.name, f"{kind} {where}")
        app = load_app(self.app_spec)
        options = HostOptions.from_host_json(ROOT / "host.json", port=self.port, run_timers=self.run_timers)
        self.host = LocalHost(
            app,
            self.queue,
            function_key=self.function_key,
            master_key=self.env.get("SMART_MASTER_KEY"),
            options=options,
            env=self.env,
        )
        if not self.env.get("SMART_PUBLIC_BASE_URL"):
            self._set("SMART_PUBLIC_BASE_URL", self.host.url)  # where providers post callbacks
        for stand_in in STAND_INS:
            if stand_in.connect is not None and stand_in.name in self.stand_ins:
                stand_in.connect(self.stand_ins[stand_in.name], self.host.url)
        self.host.start()
        return self

    def stop(self) -> None:
        if self.host is not None:
            self.host.stop()
        for stand_in in self.stand_ins.values():
            stand_in.stop()
        self.stand_ins.clear()
        container.reset()
        if self.queue is not None:
            self.queue.close()
        for name, value in self._saved.items():
            if value is None:
                self.env.pop(name, None)
            else:
                self.env[name] = value
        self._saved.clear()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start_stand_in(self, stand_in: StandIn) -> None:
        if self.env.get(stand_in.url_setting):
            logger.info("%s: using %s as given", stand_in.name, self.env[stand_in.url_setting])
            return
        module = importlib.import_module(stand_in.module)
        factory = getattr(module, stand_in.factory)
        options = {**stand_in.options, **self.stand_in_options.get(stand_in.name, {})}
        if stand_in.name == "dataverse":
            options.setdefault("db_path", str(self.data_dir / "dataverse.db"))
        instance = factory(**options)
        instance.start()
        self.stand_ins[stand_in.name] = instance
        self._set(stand_in.url_setting, instance.url)
        for name, value in stand_in.settings(instance).items():
            if not self.env.get(name):
                self._set(name, value)
        if stand_in.prepare is not None:
            stand_in.prepare(instance)

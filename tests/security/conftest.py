"""One local runtime for the security package, configured with distinctive values for every secret so
a leak is found by plain substring search, and a handler on the ROOT logger (added before the stack
starts, as the Functions worker's handler is there before the app runs) that keeps every record above
DEBUG for ``test_log_hygiene``. Redaction is not installed here: the app (or the stack) must do it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from local_runtime.simulators.youcontrol import FIXTURE_CODES
from local_runtime.stack import EMULATOR_TOKEN, STAND_INS, LocalStack

SECRETS: dict[str, str] = {
    "SMART_FUNCTION_KEY": "sec-function-key-Qm7rT2vX9pL4",
    "SMART_MASTER_KEY": "sec-master-key-Hk3wZ8nB5cJ1",
    "DATAVERSE_WEBHOOK_SECRET": "sec-dv-webhook-Wd6yN1qR8sF3",
    "GMS_CALLBACK_TOKEN": "sec-gms-callback-Tc4uM9eK2aV7",
    "GMS_PASSWORD": "sec-gms-password-Pg5hL0xD3bY6",
    "NOVAPOSHTA_API_KEY": "sec-np-api-key-Nk8jS4wE1tG9",
    "PAYPAL_CLIENT_SECRET": "sec-paypal-secret-Ps2fA7zC6mR0",
    "YOUSCORE_API_KEY": "sec-youscore-key-Yk9dB3vH5nQ2",
    "DATAVERSE_ACCESS_TOKEN": EMULATOR_TOKEN,  # the emulator's fixed token
}
STAND_IN_OPTIONS: dict[str, dict[str, Any]] = {
    "gms": {"password": SECRETS["GMS_PASSWORD"], "report_delay_ms": None},
    "novaposhta": {"api_key": SECRETS["NOVAPOSHTA_API_KEY"]},
    "paypal": {"client_secret": SECRETS["PAYPAL_CLIENT_SECRET"]},
    "youscore": {
        "api_key": SECRETS["YOUSCORE_API_KEY"],
        "rate_limits": ((5000, 60.0),),
        "not_ready_first": False,
    },
}
ENV = {
    **{
        name: SECRETS[name] for name in ("SMART_FUNCTION_KEY", "SMART_MASTER_KEY", "DATAVERSE_WEBHOOK_SECRET")
    },
    "GMS_CALLBACK_TOKEN": SECRETS["GMS_CALLBACK_TOKEN"],
    "MESSAGING_DEFAULT_SENDER": "MyBrand",
    "MESSAGING_QUIET_HOURS": "",
    "MESSAGING_GMS_TIMEOUT_SECONDS": "1",
    "MESSAGING_GMS_BULK_TIMEOUT_SECONDS": "1",
    "NOVAPOSHTA_TIMEOUT_SECONDS": "2",
    "COUNTERPARTY_RETRY_DELAY_SECONDS": "0.2",
    "YOUSCORE_RATE_LIMITS": "5000/60",
    "YOUSCORE_RATE_LIMIT_MARGIN": "0",
}
PHONES = ("+380671234501", "+380501234502", "+380931234503")
TAX_CODES = (FIXTURE_CODES["clean"], FIXTURE_CODES["sole_trader"], FIXTURE_CODES["unregistered"])


class Capture(logging.Handler):
    """Keeps each record as the worker's handler would write it (message and traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)  # the rule: masked above DEBUG
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="package")
def capture() -> Iterator[Capture]:
    root = logging.getLogger()
    handler, level = Capture(), root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory, capture: Capture) -> Iterator[LocalStack]:
    running = LocalStack(
        port=0,
        data_dir=tmp_path_factory.mktemp("security"),
        env=ENV,
        stand_in_options=STAND_IN_OPTIONS,
        run_timers=False,
    ).start()
    try:
        missing = {s.name for s in STAND_INS} - set(running.stand_ins)
        assert not missing, f"security tests run against simulators only; configured elsewhere: {missing}"
        for name, value in SECRETS.items():
            assert running.env[name] == value, f"{name} is not the distinctive test value"
        yield running
    finally:
        running.stop()

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.common.retry import RetryPolicy
from connectors.gms import GmsClient, GmsCredential, SendRequest
from local_runtime.simulators.gms import GmsSimulator

PASSWORD = "s3cr3t-Pa55word"


class SleepRecorder:
    """RetryPolicy.sleep stand-in: records each pause and runs an optional hook instead of sleeping."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self.hook: Any = None

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        if self.hook is not None:
            self.hook()


@pytest.fixture
def sim() -> Iterator[GmsSimulator]:
    with GmsSimulator(password=PASSWORD, report_delay_ms=None, outcomes={"viber_delivered": 1}) as simulator:
        yield simulator


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(sim: GmsSimulator, sleeps: SleepRecorder) -> Iterator[GmsClient]:
    retry = RetryPolicy(max_attempts=3, base_delay=0.01, sleep=sleeps)
    credential = GmsCredential(sim.login, PASSWORD, sim.client_id)
    with GmsClient(sim.url, credential, timeout=2.0, retry=retry) as gms:
        yield gms


def make_request(
    phone: str = "380961111111", extra_id: str | None = "crm-0001", **overrides: Any
) -> SendRequest:
    data: dict[str, Any] = {
        "phone_number": phone,
        "extra_id": extra_id,
        "tag": "order-notifications",
        "channels": ["viber", "sms"],
        "channel_options": {
            "viber": {"text": "Ваше замовлення відправлено", "ttl": 120},
            "sms": {"text": "Ваше замовлення відправлено", "ttl": 300, "alpha_name": "MyBrand"},
        },
    }
    data.update(overrides)
    return SendRequest.model_validate(data)

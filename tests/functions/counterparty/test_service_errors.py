"""How the use cases answer when Dataverse itself is unavailable (the store is our port: a fake is fair)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from connectors.youcontrol import parse_code
from dataverse import DataverseConnectionError, ThrottledError, ValidationError
from functions.common.problems import Problem
from functions.counterparty.keys import Origin
from functions.counterparty.records import CheckOrder
from functions.counterparty.service import CounterpartyChecks
from tests.functions.counterparty._payloads import CODE


class _DownStore:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise self.error

        return fail


@pytest.mark.parametrize(
    ("error", "retry_after"),
    [(ThrottledError("busy", status=429, retry_after=12.0), 12.0), (DataverseConnectionError("down"), 5.0)],
)
def test_a_dataverse_outage_during_a_request_is_503_with_retry_after(
    error: Exception, retry_after: float
) -> None:
    checks = CounterpartyChecks(_DownStore(error), _DownStore(error), _DownStore(error))
    order = CheckOrder(key="m:x", code=parse_code(CODE), account_id=None, origin=Origin.MANUAL)
    for call in (lambda: checks.status(uuid.uuid4()), lambda: checks.latest(order.code),
                 lambda: checks.check_now(order, "http://status")):  # fmt: skip
        with pytest.raises(Problem) as raised:
            call()
        assert (raised.value.status, raised.value.retry_after) == (503, retry_after)


def test_a_refused_dataverse_request_is_not_disguised_as_an_outage() -> None:
    refused = ValidationError("bad column", status=400)
    checks = CounterpartyChecks(_DownStore(refused), _DownStore(refused), _DownStore(refused))
    with pytest.raises(ValidationError):
        checks.status(uuid.uuid4())

"""One local runtime for the counterparty endpoint tests (Dataverse emulator + YouScore simulator)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from dataverse import DataverseClient
from local_runtime.simulators.youcontrol import YouScoreSimulator
from local_runtime.stack import LocalStack
from tests.functions.counterparty._stack import api_session, crm, start_stack


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    running = start_stack(tmp_path_factory.mktemp("counterparty"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def api(stack: LocalStack) -> requests.Session:
    return api_session()


@pytest.fixture
def base(stack: LocalStack) -> str:
    return f"{stack.url}/api/counterparties"


@pytest.fixture
def sim(stack: LocalStack) -> Iterator[YouScoreSimulator]:
    simulator: YouScoreSimulator = stack.stand_ins["youscore"]
    simulator.not_ready_first = False
    yield simulator
    simulator.set_faults(None)
    simulator.not_ready_first = False


@pytest.fixture
def dataverse(stack: LocalStack) -> Iterator[DataverseClient]:
    with crm(stack) as client:
        yield client

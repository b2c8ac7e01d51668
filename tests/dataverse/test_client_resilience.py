"""Service protection and failures: the shared throttle gate, retries only where safe, timeouts, dop hint."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from connectors.common.retry import RetryPolicy
from dataverse import (
    AlternateKey,
    DataverseApiError,
    DataverseClient,
    DataverseConnectionError,
    StaticTokenAuth,
    ThrottledError,
)
from dataverse._transport import ThrottleGate
from local_runtime.dataverse_emulator import DataverseEmulator, Limits
from local_runtime.loopback import Faults
from tests.dataverse.conftest import TOKEN, define_message_table

PATIENT = RetryPolicy(max_attempts=30, base_delay=0.01, max_delay=0.05, max_retry_after=5.0)


def test_throttled_client_pauses_and_still_writes_every_row(emulator: DataverseEmulator) -> None:
    with DataverseClient(emulator.url, StaticTokenAuth(TOKEN), retry=PATIENT) as client:
        define_message_table(client)
        emulator.set_limits(Limits(requests_per_window=12, window_seconds=0.25))
        keys = [f"throttle-{i}" for i in range(48)]

        def write(key: str) -> str:
            return client.upsert(
                "smart_messages", AlternateKey({"smart_idempotencykey": key}), {"smart_name": key}
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(write, keys))
        assert len(set(ids)) == 48
        assert client.stats.throttled > 0
    assert emulator.counters.snapshot()["throttled"] > 0
    assert sorted(row["smart_idempotencykey"] for row in emulator.rows("smart_message")) == sorted(keys)


def test_a_retry_after_beyond_the_policy_is_handed_back_to_the_caller(emulator: DataverseEmulator) -> None:
    emulator.set_limits(Limits(requests_per_window=1, window_seconds=120))
    policy = RetryPolicy(max_attempts=5, base_delay=0.01, max_retry_after=1.0, sleep=lambda seconds: None)
    with DataverseClient(emulator.url, StaticTokenAuth(TOKEN), retry=policy) as client:
        client.who_am_i()
        with pytest.raises(ThrottledError) as raised:
            client.who_am_i()
    assert raised.value.code == "0x80072322"
    assert raised.value.retry_after is not None and raised.value.retry_after > 100
    assert (
        "6000" not in raised.value.message
        and "limit of 1 over time window of 120 seconds" in raised.value.message
    )


def test_the_throttle_gate_holds_every_thread() -> None:
    now = [0.0]
    slept: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            slept.append(seconds)
            now[0] += seconds

    gate = ThrottleGate(clock=lambda: now[0], sleep=sleep)
    gate.close_for(2.0)
    gate.close_for(0.5)  # a shorter pause never reopens the gate early
    assert gate.wait() == 2.0
    assert gate.wait() == 0.0
    assert slept == [2.0]


def test_client_side_concurrency_cap_keeps_under_the_server_limit(emulator: DataverseEmulator) -> None:
    emulator.set_limits(Limits(max_concurrent=2, execution_ms=20, concurrency_retry_after=0.05))
    with DataverseClient(emulator.url, StaticTokenAuth(TOKEN), max_concurrency=2) as capped:
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(lambda _: capped.who_am_i(), range(12)))
        assert capped.stats.throttled == 0
    assert emulator.counters.snapshot()["throttled"] == 0
    with DataverseClient(emulator.url, StaticTokenAuth(TOKEN), max_concurrency=6, retry=PATIENT) as eager:
        with ThreadPoolExecutor(max_workers=6) as pool:
            assert len(list(pool.map(lambda _: eager.who_am_i(), range(12)))) == 12
        assert eager.stats.throttled > 0


def test_server_errors_are_retried_for_reads_but_not_for_plain_creates(emulator: DataverseEmulator) -> None:
    policy = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)
    emulator.set_faults(Faults(error_rate=1.0, error_status=503, only_paths=("/api/",)))
    with DataverseClient(emulator.url, StaticTokenAuth(TOKEN), retry=policy) as client:
        emulator.server.reset_counts()
        with pytest.raises(DataverseApiError) as raised:
            list(client.query("contacts"))
        assert raised.value.status == 503 and raised.value.is_transient
        assert emulator.server.faults_injected["http_503"] == 3
        emulator.server.reset_counts()
        with pytest.raises(DataverseApiError):
            client.create("contacts", {"lastname": "once"})
        assert emulator.server.faults_injected["http_503"] == 1
        emulator.server.reset_counts()
        with pytest.raises(DataverseApiError):
            client.create("contacts", {"lastname": "keyed"}, idempotent=True)
        assert emulator.server.faults_injected["http_503"] == 3


def test_intermittent_faults_are_absorbed(emulator: DataverseEmulator) -> None:
    emulator.set_faults(Faults(error_rate=0.5, error_status=502, seed=7, only_paths=("/api/",)))
    with DataverseClient(emulator.url, StaticTokenAuth(TOKEN), retry=PATIENT) as client:
        for i in range(10):
            client.upsert("contacts", f"00000000-0000-4000-8000-{i:012d}", {"lastname": "x"})
        assert client.stats.retries > 0
    assert emulator.count("contact") == 10


def test_timeouts_become_connection_errors(emulator: DataverseEmulator) -> None:
    emulator.set_faults(Faults(timeout_rate=1.0, timeout_seconds=0.4, only_paths=("/api/",)))
    policy = RetryPolicy(max_attempts=2, base_delay=0.001)
    with (
        DataverseClient(emulator.url, StaticTokenAuth(TOKEN), timeout=0.1, retry=policy) as client,
        pytest.raises(DataverseConnectionError),
    ):
        client.who_am_i()
    assert emulator.server.faults_injected["timeout"] == 2


def test_a_refused_connection_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        DataverseClient(
            f"http://127.0.0.1:{port}", StaticTokenAuth(TOKEN), retry=RetryPolicy(max_attempts=1)
        ) as client,
        pytest.raises(DataverseConnectionError),
    ):
        client.who_am_i()


def test_dop_hint_is_read_from_responses(emulator: DataverseEmulator) -> None:
    emulator.set_limits(Limits(dop_hint=5))
    with DataverseClient(emulator.url, StaticTokenAuth(TOKEN)) as client:
        assert client.dop_hint is None
        client.who_am_i()
        assert client.dop_hint == 5

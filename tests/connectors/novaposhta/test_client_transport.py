"""Transport: envelope errors, HTTP faults, retries only where safe, and the API key kept secret."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator

import pytest

from connectors.common.retry import NO_RETRY
from connectors.novaposhta import (
    NovaPoshtaApiError,
    NovaPoshtaAuthenticationError,
    NovaPoshtaClient,
    NovaPoshtaConnectionError,
    NovaPoshtaUnavailableError,
    WaybillRequest,
)
from local_runtime.loopback import LoopbackServer, Request, Response
from local_runtime.simulators.novaposhta import AUTH_FAIL, NovaPoshtaSimulator
from tests.connectors.novaposhta.conftest import FAST_RETRY

SECRET = "s3cret-np-key-0123456789abcdef"


def test_a_wrong_api_key_is_an_authentication_error_with_the_real_code(sim: NovaPoshtaSimulator) -> None:
    with (
        NovaPoshtaClient(sim.url, SECRET, retry=FAST_RETRY) as client,
        pytest.raises(NovaPoshtaAuthenticationError) as caught,
    ):
        client.search_settlements("Київ")
    assert caught.value.codes == (AUTH_FAIL[0],)
    assert caught.value.messages == (AUTH_FAIL[1],)
    assert not caught.value.is_transient
    assert sim.calls["Address.searchSettlements"] == 1  # permanent: not retried


def test_the_api_key_never_shows_in_errors_reprs_or_logs(
    sim: NovaPoshtaSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with NovaPoshtaClient(sim.url, SECRET, retry=FAST_RETRY) as client:
        assert SECRET not in repr(client)
        with pytest.raises(NovaPoshtaApiError) as caught:
            client.get_counterparties()
        sim.set_faults(error_rate=1.0)
        with pytest.raises(NovaPoshtaUnavailableError) as unavailable:
            client.get_counterparties()
    for error in (caught.value, unavailable.value):
        assert SECRET not in str(error)
        assert SECRET not in repr(error)
    assert SECRET not in caplog.text


@pytest.fixture
def echo_server() -> Iterator[LoopbackServer]:
    """A broken upstream that echoes the request body (and so the key) in a 502 page."""

    def echo(request: Request) -> Response:
        return Response(
            502, b"<html>bad gateway: " + request.body + b"</html>", {"Content-Type": "text/html"}
        )

    with LoopbackServer(echo, name="echo") as server:
        yield server


def test_an_upstream_page_echoing_the_key_is_scrubbed(echo_server: LoopbackServer) -> None:
    with (
        NovaPoshtaClient(echo_server.url, SECRET, retry=NO_RETRY) as client,
        pytest.raises(NovaPoshtaUnavailableError) as caught,
    ):
        client.search_settlements("Київ")
    assert caught.value.status == 502
    assert SECRET not in str(caught.value)
    assert "***" in str(caught.value)


def test_reference_calls_are_retried_through_5xx_and_429(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator
) -> None:
    sim.set_faults(error_rate=1.0)
    with pytest.raises(NovaPoshtaUnavailableError) as caught:
        client.search_settlements("Київ")
    assert caught.value.status == 503 and caught.value.is_transient
    assert sim.state()["faults_injected"] == {"http_503": 3}
    sim.set_faults(throttle_rate=1.0, retry_after_seconds=2)
    with pytest.raises(NovaPoshtaUnavailableError) as throttled:
        client.search_settlements("Київ")
    assert (throttled.value.status, throttled.value.retry_after) == (429, 2.0)
    sim.set_faults()
    assert client.search_settlements("Київ").total_count == 1


def test_a_rate_limit_envelope_is_transient_and_retried(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator
) -> None:
    sim.inject_envelope_errors(2, "20000900999", "To many requests")
    assert client.search_settlements("Київ").total_count == 1
    assert sim.calls["Address.searchSettlements"] == 3


def test_create_is_not_retried_on_5xx(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator, make_request: Callable[..., WaybillRequest]
) -> None:
    request = make_request()
    sim.set_faults(error_rate=1.0)
    with pytest.raises(NovaPoshtaUnavailableError):
        client.create_waybill(request)
    assert sim.state()["faults_injected"] == {"http_503": 1}


def test_a_dropped_connection_is_a_connection_error(
    client: NovaPoshtaClient, sim: NovaPoshtaSimulator
) -> None:
    sim.set_faults(drop_rate=1.0)
    with pytest.raises(NovaPoshtaConnectionError) as caught:
        client.get_counterparties()
    assert caught.value.is_transient and not caught.value.timed_out
    assert sim.state()["faults_injected"] == {"drop": 3}


def test_an_unreachable_host_is_a_connection_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        NovaPoshtaClient(f"http://127.0.0.1:{port}", SECRET, retry=NO_RETRY, timeout=1.0) as client,
        pytest.raises(NovaPoshtaConnectionError),
    ):
        client.get_counterparties()

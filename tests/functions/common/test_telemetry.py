"""A correlation id put on a request is on every log line and span of that item across queue hops."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from dataverse.events import DataverseEvent, EventRouter
from functions.common import container
from functions.common.logging import RedactionFilter
from functions.common.telemetry import instrumented_session
from local_runtime.stack import LocalStack
from tests.functions.events.test_event_intake import FIXTURES, SECRET, Recorder

EXPORTER = InMemorySpanExporter()
METRICS = InMemoryMetricReader()


@pytest.fixture(scope="module", autouse=True)
def tracing() -> InMemorySpanExporter:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    if not isinstance(metrics.get_meter_provider(), MeterProvider):
        metrics.set_meter_provider(MeterProvider(metric_readers=[METRICS]))
    return EXPORTER


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    env = {"SMART_FUNCTION_KEY": "k", "DATAVERSE_WEBHOOK_SECRET": SECRET}
    with LocalStack(port=0, data_dir=tmp_path, env=env, run_timers=False) as running:
        yield running


def test_correlation_id_reaches_every_log_line_and_span_across_the_queue_hop(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    handler_log = logging.getLogger("smart.test.handler")
    recorder = Recorder()

    def handle(event: DataverseEvent) -> None:
        handler_log.info("handling %s", event.record_id)
        recorder(event)

    router = EventRouter()
    router.register("account", "Create", handle)
    container.provide("events.router", router)
    caplog.handler.addFilter(RedactionFilter())
    EXPORTER.clear()
    with caplog.at_level(logging.INFO):
        response = requests.post(
            f"{stack.url}/api/dataverse/events",
            data=(FIXTURES / "create_account.json").read_bytes(),
            headers={"X-Webhook-Secret": SECRET, "x-correlation-id": "corr-e2e-42"},
            timeout=10,
        )
        assert response.headers["x-correlation-id"] == "corr-e2e-42"
        recorder.wait(1)
        for _ in range(500):
            if any(r.name == "smart.queue" for r in caplog.records):
                break
            stack.host._stop.wait(0.02)  # type: ignore[union-attr]
    ours = [r for r in caplog.records if r.name.startswith(("smart.events", "smart.queue", "smart.test"))]
    assert {r.name for r in ours} >= {"smart.events", "smart.queue", "smart.test.handler"}
    assert {getattr(r, "correlation_id", None) for r in ours} == {"corr-e2e-42"}
    spans = {s.name: s for s in EXPORTER.get_finished_spans()}
    assert spans["POST dataverse_webhook"].attributes["smart.correlation_id"] == "corr-e2e-42"  # type: ignore[index]
    assert spans["dataverse_events"].attributes["smart.correlation_id"] == "corr-e2e-42"  # type: ignore[index]


def test_instrumented_session_counts_calls_by_provider_and_outcome(stack: LocalStack) -> None:
    session = instrumented_session("health-probe")
    session.get(f"{stack.url}/api/health", timeout=5)
    session.get(f"{stack.url}/api/connection", timeout=5)  # no key: 401, a client error
    points = {
        (p.attributes["provider"], p.attributes["outcome"]): p.value
        for metric in _metrics(METRICS)
        if metric.name == "smart.provider.calls"
        for p in metric.data.data_points
        if p.attributes.get("provider") == "health-probe"
    }
    assert points == {("health-probe", "ok"): 1, ("health-probe", "client_error"): 1}


def _metrics(reader: InMemoryMetricReader) -> list[Any]:
    data = reader.get_metrics_data()
    assert data is not None
    return [m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]

"""OpenTelemetry traces and metrics: Application Insights when its connection string is set, else the console.

- Traces: one span per HTTP function and per queue message (``endpoint`` / ``queue_handler``), child
  spans for every outgoing provider and Dataverse call (requests instrumentation), all carrying the
  item's correlation id as ``smart.correlation_id``.
- Metrics per provider (``instrumented_session(provider)``): ``smart.provider.calls`` (by provider and
  outcome: ok / client_error / server_error / throttled / no_response) and ``smart.provider.duration``.

``configure_telemetry`` runs once per process, from the composition root, never at import time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from opentelemetry import metrics, trace

from functions.common.logging import correlation_id, install_log_redaction

logger = logging.getLogger("smart.telemetry")

_configured = threading.Event()
_lock = threading.Lock()

tracer = trace.get_tracer("smart.connectors")
meter = metrics.get_meter("smart.connectors")
provider_calls = meter.create_counter(
    "smart.provider.calls", unit="{call}", description="Calls to providers and Dataverse, by outcome."
)
provider_duration = meter.create_histogram(
    "smart.provider.duration", unit="ms", description="Latency of calls to providers and Dataverse."
)


def configure_telemetry(exporter: str | None = None) -> str:
    """Set up exporters once. ``exporter``: azure | console | none (default: azure when
    APPLICATIONINSIGHTS_CONNECTION_STRING is set, else the SMART_TELEMETRY setting, else console)."""
    with _lock:
        if _configured.is_set():
            return "already configured"
        connection = os.environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING")
        choice = exporter or ("azure" if connection else os.environ.get("SMART_TELEMETRY", "console"))
        if choice == "azure":
            from azure.monitor.opentelemetry import configure_azure_monitor

            configure_azure_monitor(connection_string=connection, logger_name="smart")
        elif choice == "console":
            _configure_console()
        if choice != "none":
            from opentelemetry.instrumentation.requests import RequestsInstrumentor

            RequestsInstrumentor().instrument()
        install_log_redaction()  # the worker's root handlers
        install_log_redaction(logging.getLogger("smart"))  # Azure Monitor's handler (logger_name="smart")
        _configured.set()
        logger.info("telemetry exporter: %s", choice)
        return choice


def _configure_console() -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    traces = TracerProvider()
    traces.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(traces)
    reader = PeriodicExportingMetricReader(ConsoleMetricExporter(), export_interval_millis=60_000)
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[trace.Span]:
    """A span carrying the current correlation id (plus ``attributes``)."""
    with tracer.start_as_current_span(name) as current:
        current.set_attribute("smart.correlation_id", correlation_id.get() or "")
        for key, value in attributes.items():
            if value is not None:
                current.set_attribute(f"smart.{key}", value)
        yield current


def instrumented_session(provider: str) -> requests.Session:
    """A requests session that records per-provider call metrics (pass it to a client's ``session=``)."""
    session = requests.Session()
    session.hooks["response"].append(_record(provider))
    adapter = _CountingAdapter(provider)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _record(provider: str) -> Any:
    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        status = response.status_code
        outcome = (
            "throttled"
            if status == 429
            else "server_error"
            if status >= 500
            else "client_error"
            if status >= 400
            else "ok"
        )
        provider_calls.add(1, {"provider": provider, "outcome": outcome})
        provider_duration.record(response.elapsed.total_seconds() * 1000, {"provider": provider})

    return hook


class _CountingAdapter(requests.adapters.HTTPAdapter):
    """Counts calls that got no response at all (timeouts, refused or dropped connections)."""

    def __init__(self, provider: str) -> None:
        super().__init__(pool_maxsize=32)
        self.provider = provider

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        try:
            return super().send(request, *args, **kwargs)
        except requests.RequestException:
            provider_calls.add(1, {"provider": self.provider, "outcome": "no_response"})
            provider_duration.record((time.perf_counter() - started) * 1000, {"provider": self.provider})
            raise

"""A 10,000-recipient campaign through the production bulk path vs one message at a time, 50 ms GMS latency.

Ours: ``BatchService`` (``POST /api/messages/batch``'s use case, then the message-batches handler):
UpsertMultiple rows, one GMS ``/batch/sync`` request, ``$batch`` status writes. Baseline, same run and
same stand-ins: ``MessageService`` per message (``POST /api/messages`` then the messages-outbound
handler: record, read, one GMS single send, write), sequentially, on a sample whose rate is compared.
Then a Dataverse selection (FetchXML over contacts) streams through the same handler at two sizes to
show that the handler's peak memory does not grow with the number of recipients.

The Dataverse emulator and the GMS simulator run in a child process, so the memory sampled here is the
app's alone; both are reached over loopback HTTP by the real clients.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.harness import Check, Metric, Result, Scenario
from connectors.gms import GmsClient, GmsCredential
from dataverse import DataverseClient, StaticTokenAuth
from functions.common.bus import OutboundMessage
from functions.messaging.batch_models import BatchRequest
from functions.messaging.batch_store import BatchStore
from functions.messaging.batches import BatchService
from functions.messaging.directory import ContactDirectory
from functions.messaging.models import SendMessageRequest
from functions.messaging.policy import SendPolicy
from functions.messaging.repository import MessageRepository
from functions.messaging.sending import MessageService

LATENCY_MS = 50.0
FIXED_REQUESTS = 12  # per campaign, whatever its size: batch row reads/writes, the first page, final counts
TOKEN = "bench-token"
SENDER = "BenchBrand"


class _Bus:
    """Keeps what the use cases enqueue; the bench hands it to the queue handlers itself."""

    backend = "bench"

    def __init__(self) -> None:
        self.sent: list[tuple[str, OutboundMessage]] = []

    def send(self, queue: str, message: OutboundMessage) -> None:
        self.sent.append((queue, message))

    def send_many(self, queue: str, messages: Sequence[OutboundMessage]) -> None:
        self.sent.extend((queue, message) for message in messages)

    def take(self) -> list[tuple[str, OutboundMessage]]:
        taken, self.sent = self.sent, []
        return taken


def _stand_ins(conn: Connection, db_path: str, cities: dict[str, int], latency_ms: float) -> None:
    """Child process: the Dataverse emulator (provisioned, with ``cities[city]`` contacts in each city)
    and the GMS simulator with ``latency_ms`` on every GMS call; answers ``stats`` and ``stop``."""
    from dataverse.provisioning import provision
    from local_runtime.dataverse_emulator import DataverseEmulator
    from local_runtime.simulators.gms import GmsSimulator

    emulator = DataverseEmulator(db_path).start()
    simulator = GmsSimulator(report_delay_ms=None).start()
    simulator.set_faults(latency_ms=latency_ms)
    with DataverseClient(emulator.url, StaticTokenAuth(TOKEN)) as client:
        provision(client)
        first = 0
        for city, count in cities.items():
            rows = [
                {
                    "firstname": f"Name{i}",
                    "lastname": "Bench",
                    "mobilephone": f"+38063{i:07d}",
                    "address1_city": city,
                }
                for i in range(first, first + count)
            ]
            client.create_multiple("contacts", "contact", rows, chunk_size=1000, max_parallel=4)
            first += count
    conn.send(
        {
            "dataverse": emulator.url,
            "gms": simulator.url,
            "login": simulator.login,
            "client_id": simulator.client_id,
        }
    )
    while True:
        command = conn.recv()
        if command == "stats":
            conn.send(dict(simulator.server.counts))
            continue
        break
    simulator.stop()
    emulator.stop()


class _Peak:
    """Samples this process's resident memory (``/proc/self/statm``) while a block runs."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._page = 4096

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                pages = int(Path("/proc/self/statm").read_text().split()[1])
            except (OSError, ValueError, IndexError):
                return
            self.peak_mb = max(self.peak_mb, pages * self._page / 2**20)
            self._stop.wait(0.02)

    def __enter__(self) -> _Peak:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class _App:
    """The messaging use cases wired as ``functions/messaging/wiring.py`` wires them, on the stand-ins."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.dataverse = DataverseClient(urls["dataverse"], StaticTokenAuth(TOKEN))
        credential = GmsCredential(urls["login"], "sim-password", urls["client_id"])
        self.gms = GmsClient(urls["gms"], credential, timeout=(5.0, 120.0))
        self.bus = _Bus()
        repository = MessageRepository(self.dataverse)
        directory = ContactDirectory(self.dataverse)
        policy = SendPolicy(default_sender=SENDER)
        self.batches = BatchService(
            repository, BatchStore(self.dataverse), directory, self.bus, self.gms, policy
        )
        self.single = MessageService(repository, directory, self.bus, self.gms, policy)

    def close(self) -> None:
        self.dataverse.close()
        self.gms.close()


def per100(requests: int, messages: int) -> float:
    return 100.0 * requests / messages


def _timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _bulk(app: _App, request: BatchRequest) -> None:
    """Accept, then run the message-batches handler until the batch is done (one chunk per message)."""
    app.batches.accept(request)
    while pending := app.bus.take():
        for _, message in pending:
            app.batches.process(message.body, delivery_count=1)


def _per_message(app: _App, count: int, run: str) -> None:
    for i in range(count):
        body = {
            "to": f"+38066{i:07d}",
            "text": f"Hi Name{i}! Code P-{i}",
            "purpose": "transactional",
            "idempotency_key": f"{run}-{i}",
        }
        app.single.accept(SendMessageRequest.model_validate(body))
        for _, message in app.bus.take():
            app.single.deliver(message.body, delivery_count=1, max_deliveries=10)


def run(quick: bool) -> Result:
    inline = 1_000 if quick else 10_000
    baseline_sample = 20 if quick else 200
    streams = (1_000, 3_000) if quick else (20_000, 100_000)
    stream_chunk = 500 if quick else 10_000  # a selection is handled a chunk at a time
    result = Result(
        "messaging", f"{inline:,}-recipient campaign vs one message at a time, {LATENCY_MS:.0f} ms GMS"
    )
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    with tempfile.TemporaryDirectory(prefix="bench-messaging-") as folder:
        process = context.Process(
            target=_stand_ins,
            args=(child, str(Path(folder) / "dv.db"), {f"City{size}": size for size in streams}, LATENCY_MS),
            daemon=True,
        )
        process.start()
        urls: dict[str, str] = parent.recv()
        app = _App(urls)
        try:
            _measure(app, parent, result, inline, baseline_sample, streams, stream_chunk)
        finally:
            app.close()
            parent.send("stop")
            process.join(timeout=30)
    return result


def _gms_requests(parent: Connection) -> int:
    parent.send("stats")
    counts: dict[str, int] = parent.recv()
    return sum(count for path, count in counts.items() if not path.startswith("GET /_sim"))


def _measure(
    app: _App,
    parent: Connection,
    result: Result,
    inline: int,
    sample: int,
    streams: tuple[int, int],
    chunk: int,
) -> None:
    recipients = [
        {"to": f"+38050{i:07d}", "variables": {"first_name": f"Name{i}", "promo": f"P-{i}"}}
        for i in range(inline)
    ]
    request = BatchRequest.model_validate(
        {
            "text": "Hi {first_name}! Code {promo}",
            "purpose": "transactional",
            "campaign": "bench",
            "idempotency_key": "bench-inline",
            "recipients": recipients,
        }
    )
    dv_before, gms_before = app.dataverse.stats.requests, _gms_requests(parent)
    ours = _timed(lambda: _bulk(app, request))
    dv_ours, gms_ours = app.dataverse.stats.requests - dv_before, _gms_requests(parent) - gms_before

    dv_before, gms_before = app.dataverse.stats.requests, _gms_requests(parent)
    baseline = _timed(lambda: _per_message(app, sample, "bench-single"))
    dv_base, gms_base = app.dataverse.stats.requests - dv_before, _gms_requests(parent) - gms_before

    ours_rate, base_rate = inline / ours, sample / baseline
    result.metrics += [
        Metric(f"campaign of {inline:,} (baseline {sample})", ours_rate, base_rate, "msg/s"),
        Metric(
            "Dataverse requests per 100 messages",
            per100(dv_ours, inline),
            per100(dv_base, sample),
            "req",
            False,
        ),
        Metric(
            "GMS requests per 100 messages", per100(gms_ours, inline), per100(gms_base, sample), "req", False
        ),
    ]
    speedup = ours_rate / base_rate
    fixed = 0 if inline >= 10_000 else FIXED_REQUESTS  # quick runs are too small to hide the per-batch cost
    budget = f"≤ 1 per 100 messages{f' + {fixed} per campaign' if fixed else ''}"
    result.checks += [
        Check(f"Dataverse requests {budget}", dv_ours <= inline / 100 + fixed, f"{dv_ours} for {inline:,}"),
        Check(
            "GMS requests as few as the bulk API allows (50,000 per request)",
            gms_ours == -(-inline // 50_000),
            f"{gms_ours} for {inline:,}",
        ),
        Check("≥ 10x faster than one message at a time", speedup >= 10, f"{speedup:.1f}x"),
    ]
    result.notes.append(
        f"ours {ours:.1f} s for {inline:,}; baseline {baseline:.1f} s for {sample} (rate compared)"
    )
    result.notes.append(
        f"selections are handled {chunk:,} recipients at a time (one GMS mass send per chunk)"
    )

    peaks = []
    app.batches.sender.chunk_size = chunk
    for size in streams:
        condition = f"<condition attribute='address1_city' operator='eq' value='City{size}'/>"
        fetch = f"<fetch><entity name='contact'><filter>{condition}</filter></entity></fetch>"
        selection = BatchRequest.model_validate(
            {
                "text": "Hi {first_name}",
                "purpose": "transactional",
                "idempotency_key": f"bench-stream-{size}",
                "selection": {"fetch_xml": fetch},
            }
        )
        with _Peak() as peak:
            seconds = _timed(partial(_bulk, app, selection))
        peaks.append(peak.peak_mb)
        result.metrics.append(Metric(f"selection of {size:,}: throughput", size / seconds, None, "msg/s"))
        result.metrics.append(Metric(f"selection of {size:,}: peak RSS", peak.peak_mb, None, "MiB", False))
    small, large = peaks
    growth = large - small
    result.checks.append(
        Check(
            f"flat memory: {streams[1]:,} recipients stream within 64 MiB of {streams[0]:,}",
            growth <= 64,
            f"peak {small:.0f} -> {large:.0f} MiB",
        )
    )


SCENARIO = Scenario(
    "messaging", "10,000-recipient campaign (bulk) vs one message at a time; streaming memory", run
)

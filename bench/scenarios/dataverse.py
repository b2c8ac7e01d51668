"""Dataverse client against the emulator: bulk upsert vs per-row vs Microsoft's SDK, and streaming memory.

One emulator for the whole run (in this process, SQLite in memory; ``smart_message`` and the table it
looks up created by ``provision``) with 20 ms injected latency on every Web API call (``/api/``):

1. ours: ``DataverseClient.upsert_multiple`` (UpsertMultiple in chunks of ``DEFAULT_BULK_CHUNK_SIZE``,
   rows addressed by the alternate key ``smart_idempotencykey`` of ``smart_message``);
2. baseline: the same client's per-row ``upsert`` (PATCH on the alternate key, one request a row,
   sequential), on a sample of rows: its rows/s do not depend on how many rows there are;
3. peer: ``PowerPlatform-Dataverse-Client`` (async client, http) in its own process from
   ``bench/.peer-venv`` (created by the full run; see ``_dataverse_peer_env``), upserting the same
   rows; then both clients under a service-protection budget that answers 429;
4. streaming: rows created with CreateMultiple, then read with ``query(page_size=...)`` by a fresh
   process that counts them, against one that keeps them in a list (``_dataverse_reader``).

Requests are counted by the emulator (a *Multiple call is one request). Each contender writes rows
with its own key prefix, so every timed upsert creates its rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Check, Metric, Result, Scenario, peak_rss_mb
from bench.scenarios import _dataverse_peer_env as _peer_env
from dataverse import DEFAULT_BULK_CHUNK_SIZE, AlternateKey, DataverseClient, StaticTokenAuth
from dataverse.provisioning import provision
from dataverse.schema import table
from local_runtime.dataverse_emulator import DataverseEmulator, Limits
from local_runtime.loopback import Faults

LATENCY_MS = 20.0
TOKEN = "bench-token"
TABLE, ENTITY_SET, KEY = "smart_message", "smart_messages", "smart_idempotencykey"
STREAM_SELECT = ["smart_name", KEY, "smart_status", "smart_phone", "smart_text", "smart_cost", "createdon"]
THROTTLE = Limits(requests_per_window=2, window_seconds=2.0)
THROTTLE_ROWS, THROTTLE_CHUNK = 1_000, 250  # 4 requests: the third cannot fit the window
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Sizes:
    upsert_rows: int
    baseline_rows: int  # per-row sample; its rows/s stands for the whole set
    stream_rows: int
    page_size: int
    repeats: int  # timed upserts (ours and the peer's) are the best of this many runs
    throttle: bool = True


QUICK = Sizes(upsert_rows=2_000, baseline_rows=100, stream_rows=10_000, page_size=1_000, repeats=1)
FULL = Sizes(upsert_rows=10_000, baseline_rows=500, stream_rows=50_000, page_size=5_000, repeats=2)


def row(prefix: str, number: int, campaign: str = "bench") -> dict[str, Any]:
    """A ``smart_message`` row shaped like the messaging capability writes it."""
    return {
        "smart_name": f"Viber +380******{number % 10_000:04d}",
        KEY: f"{prefix}-{number:07d}",
        "smart_status": 100000001,
        "smart_phone": f"+38050{number % 10_000_000:07d}",
        "smart_text": f"Your parcel 2045{number:010d} is on its way to branch 12. Track it in the app.",
        "smart_segments": 1,
        "smart_cost": 0.7512,
        "smart_campaign": campaign,
        "smart_providermessageid": f"gms-{number:09d}",
    }


class _Run:
    def __init__(self, emulator: DataverseEmulator, client: DataverseClient, result: Result) -> None:
        self.emulator = emulator
        self.client = client
        self.result = result

    def requests(self) -> int:
        return int(self.emulator.counters.snapshot()["requests_total"])

    def rows_written(self) -> int:
        return int(self.emulator.counters.snapshot()["rows_written"])

    def timed(self, work: Callable[[], Any]) -> tuple[float, int, int]:
        """Seconds, emulator requests and rows written by ``work``."""
        requests, written = self.requests(), self.rows_written()
        started = time.perf_counter()
        work()
        return time.perf_counter() - started, self.requests() - requests, self.rows_written() - written

    def ours(self, prefix: str, count: int) -> tuple[float, int, int]:
        rows = [row(prefix, n) for n in range(count)]
        return self.timed(lambda: self.client.upsert_multiple(ENTITY_SET, TABLE, rows, key=[KEY]))

    def per_row(self, count: int) -> tuple[float, int, int]:
        rows = [row("perrow", n) for n in range(count)]

        def upsert_each() -> None:
            for one in rows:
                self.client.upsert(ENTITY_SET, AlternateKey({KEY: one[KEY]}), one)

        return self.timed(upsert_each)

    def peer(self, python: Path, prefix: str, count: int) -> tuple[dict[str, Any], int, int]:
        """The peer's own timing (excluding its interpreter start), emulator requests, rows written."""
        rows = [row(prefix, n) for n in range(count)]
        job = {"base_url": self.emulator.url, "token": TOKEN, "table": TABLE, "key": KEY, "rows": rows}
        requests, written = self.requests(), self.rows_written()
        outcome = _peer_env.run_peer(python, job)
        return outcome, self.requests() - requests, self.rows_written() - written

    def read(self, mode: str, filter: str, page_size: int) -> dict[str, Any]:
        """``_dataverse_reader`` in a fresh process: rows, seconds and peak-RSS growth of one read."""
        job: dict[str, Any] = {"base_url": self.emulator.url, "token": TOKEN, "entity_set": ENTITY_SET}
        job |= {"mode": mode, "filter": filter, "select": STREAM_SELECT, "page_size": page_size}
        completed = subprocess.run(
            [sys.executable, "-m", "bench.scenarios._dataverse_reader"],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            timeout=600,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"reader ({mode}) failed: {completed.stderr.strip()[-500:]}")
        return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def run(quick: bool) -> Result:
    sizes = QUICK if quick else FULL
    python, why_not = _peer_env.peer_python(install=not quick)
    return measure(sizes, python, why_not)


def measure(sizes: Sizes, peer_python: Path | None, peer_unavailable: str = "") -> Result:
    result = Result("dataverse", f"client vs emulator with {LATENCY_MS:g} ms latency a request")
    with (
        DataverseEmulator(expected_token=TOKEN) as emulator,
        DataverseClient(emulator.url, StaticTokenAuth(TOKEN)) as client,
    ):
        provision(client, (table("smart_messagebatch"), table(TABLE)))  # smart_message looks up batches
        emulator.set_faults(Faults(latency_ms=LATENCY_MS, only_paths=("/api/",)))
        bench = _Run(emulator, client, result)
        bench.ours("warmup", 100)
        _upserts(bench, sizes, peer_python, peer_unavailable)
        if sizes.throttle:
            _throttled(bench, peer_python)
        _streaming(bench, sizes)
    result.notes.append(f"benchmark process peak RSS {peak_rss_mb():,.0f} MiB (emulator included)")
    return result


def _upserts(bench: _Run, sizes: Sizes, peer_python: Path | None, peer_unavailable: str) -> None:
    result, count = bench.result, sizes.upsert_rows
    ours: list[tuple[float, int, int]] = []
    peers: list[tuple[dict[str, Any], int, int]] = []
    for attempt in range(sizes.repeats):
        ours.append(bench.ours(f"ours{attempt}", count))
        if peer_python is not None:
            peers.append(bench.peer(peer_python, f"peer{attempt}", count))
    seconds, requests, written = min(ours)
    per_row_seconds, per_row_requests, per_row_written = bench.per_row(sizes.baseline_rows)
    rate, per_row_rate = count / seconds, sizes.baseline_rows / per_row_seconds
    per_100, per_row_per_100 = requests * 100 / count, per_row_requests * 100 / sizes.baseline_rows
    label = f"upsert {count:,}"
    result.metrics += [
        Metric(f"{label}: rows/s vs per-row", rate, per_row_rate, "rows/s"),
        Metric(f"{label}: wall time", seconds, count / per_row_rate, "s", higher_is_better=False),
        Metric(f"{label}: requests/100 rows", per_100, per_row_per_100, "requests", higher_is_better=False),
    ]
    result.checks += [
        Check("≤ 1 Dataverse request per 100 rows", per_100 <= 1, f"{per_100:.2f} ({requests} requests)"),
        Check("≥ 10x the per-row rows/s", rate >= 10 * per_row_rate, f"{rate / per_row_rate:.1f}x"),
        Check(
            "every row written once",
            all(run[2] == count for run in ours) and per_row_written == sizes.baseline_rows,
            f"{written:,} by bulk, {per_row_written:,} by per-row",
        ),
    ]
    result.notes += [
        f"ours = DataverseClient.upsert_multiple, chunks of {DEFAULT_BULK_CHUNK_SIZE}, sequential; "
        f"best of {sizes.repeats}",
        f"baseline = the same client's per-row upsert (PATCH by alternate key, sequential) on a sample of "
        f"{sizes.baseline_rows:,} rows ({per_row_seconds:.1f} s); its wall time for {count:,} rows is "
        "extrapolated from that rate",
    ]
    _peer_results(bench, peers, seconds, requests, count, peer_unavailable)


def _peer_results(
    bench: _Run,
    peers: list[tuple[dict[str, Any], int, int]],
    seconds: float,
    our_requests: int,
    count: int,
    peer_unavailable: str,
) -> None:
    result = bench.result
    if not peers:
        result.notes.append(f"peer PowerPlatform-Dataverse-Client not measured: {peer_unavailable}")
        return
    failed = [outcome for outcome, _, _ in peers if "error" in outcome]
    if failed:
        result.notes.append(f"peer failed: {failed[0]}")
        return
    best, requests, written = min(peers, key=lambda peer: float(peer[0]["seconds"]))
    label = f"upsert {count:,}"
    result.metrics += [
        Metric(f"{label}: rows/s vs peer", count / seconds, count / float(best["seconds"]), "rows/s"),
        Metric(f"{label}: requests (peer)", our_requests, requests, "requests", higher_is_better=False),
    ]
    result.notes.append(
        f"peer = PowerPlatform-Dataverse-Client {best['version']} AsyncDataverseClient (http accepted) "
        f"records.upsert: {requests} requests for {written:,} rows (one UpsertMultiple with every row, "
        f"no chunking, plus metadata reads); own process, interpreter start not timed; best of {len(peers)}"
    )


def _throttled(bench: _Run, peer_python: Path | None) -> None:
    """Both clients against a tiny request budget: ours pauses on Retry-After and finishes."""
    result, client, emulator = bench.result, bench.client, bench.emulator
    budget = f"{THROTTLE.requests_per_window} requests/{THROTTLE.window_seconds:g} s"
    emulator.set_limits(THROTTLE)
    try:
        throttled, paused = client.stats.throttled, client.stats.seconds_paused
        rows = [row("throttled", n) for n in range(THROTTLE_ROWS)]

        def upsert() -> None:
            client.upsert_multiple(ENTITY_SET, TABLE, rows, key=[KEY], chunk_size=THROTTLE_CHUNK)

        seconds, _, written = bench.timed(upsert)
        answered = client.stats.throttled - throttled
        result.checks.append(
            Check(
                f"finishes under a {budget} budget (429 + Retry-After)",
                written == THROTTLE_ROWS and answered > 0,
                f"{written:,} rows in {seconds:.1f} s after {answered} × 429, "
                f"paused {client.stats.seconds_paused - paused:.1f} s",
            )
        )
        if peer_python is not None:
            emulator.set_limits(THROTTLE)  # a fresh window for the peer
            outcome, _, peer_written = bench.peer(peer_python, "peerthrottled", THROTTLE_ROWS)
            what = (
                f"raised {outcome['error']} {outcome['status']} to the caller "
                f"(transient={outcome.get('transient')}, retry_after={outcome['retry_after']}), no retry"
                if "error" in outcome
                else f"finished in {float(outcome['seconds']):.1f} s"
            )
            result.notes.append(f"peer under the same {budget} budget: {what}; {peer_written:,} rows written")
    finally:
        emulator.set_limits(Limits())


def _streaming(bench: _Run, sizes: Sizes) -> None:
    """Peak-RSS growth of reading all rows and a fifth of them, streamed and kept in a list.

    Flat = streaming's growth does not follow the row count (it holds about two pages at a time)
    while the list's does; the list also shows the measurement can see growth at all.
    """
    result, count, page = bench.result, sizes.stream_rows, sizes.page_size
    fifth = count // 5
    rows = [row("stream", n, campaign="stream-a" if n < fifth else "stream-b") for n in range(count)]
    created = time.perf_counter()
    bench.client.create_multiple(ENTITY_SET, TABLE, rows, chunk_size=1_000)
    created_seconds = time.perf_counter() - created
    del rows
    every, some = "startswith(smart_campaign,'stream-')", "smart_campaign eq 'stream-a'"
    stream, kept = bench.read("stream", every, page), bench.read("list", every, page)
    stream_fifth, kept_fifth = bench.read("stream", some, page), bench.read("list", some, page)
    growth = (stream["growth_mb"], kept["growth_mb"], stream_fifth["growth_mb"], kept_fifth["growth_mb"])
    result.metrics += [
        Metric(f"read {count:,} rows: RSS growth", growth[0], growth[1], "MiB", False),
        Metric(f"read {fifth:,} rows: RSS growth", growth[2], growth[3], "MiB", False),
    ]
    result.checks += [
        Check(
            "every row read (streamed and listed)",
            stream["rows"] == kept["rows"] == count and stream_fifth["rows"] == kept_fifth["rows"] == fifth,
            f"{stream['rows']:,} and {stream_fifth['rows']:,}",
        ),
        Check(
            f"streaming memory flat: growth at {count:,} rows ≤ 1.25 × growth at {fifth:,} + 1 MiB",
            growth[0] <= 1.25 * growth[2] + 1.0,
            f"{growth[0]:.1f} MiB vs {growth[2]:.1f} MiB",
        ),
        Check(
            "the measurement sees growth: the list's grows ≥ 3x with 5x the rows",
            growth[1] >= 3 * growth[3],
            f"{growth[1]:.1f} MiB vs {growth[3]:.1f} MiB",
        ),
    ]
    result.notes += [
        f"streaming rows created with CreateMultiple in {created_seconds:.1f} s (not compared); each read "
        f"runs in a fresh process with page_size={page:,} (peak RSS = VmHWM): {count:,} rows peak at "
        f"{stream['peak_rss_mb']:.0f} MiB "
        f"streamed ({stream['seconds']:.1f} s) vs {kept['peak_rss_mb']:.0f} MiB kept in a list "
        f"({kept['seconds']:.1f} s), from {stream['rss_before_mb']:.0f} MiB before the read",
    ]


SCENARIO = Scenario("dataverse", "Dataverse bulk upsert, per-row and peer; streaming memory", run)

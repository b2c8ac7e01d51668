"""The memory half of the ``dataverse`` scenario: read a table in a fresh process and report its RSS growth.

Run as ``python -m bench.scenarios._dataverse_reader`` with one JSON job on stdin::

    {"base_url", "token", "entity_set", "filter", "select", "page_size", "mode": "stream" | "list"}
        -> {"rows", "seconds", "rss_before_mb", "peak_rss_mb", "growth_mb"}

A process of its own, because peak RSS only ever rises: measured in the benchmark's process it would
include the emulator and every earlier step. Peak RSS is ``VmHWM`` from ``/proc/self/status`` (it starts
afresh at ``exec``; ``ru_maxrss`` does not: a child inherits its parent's), falling back to
``ru_maxrss`` where there is no ``/proc``. ``stream`` counts the rows of
``DataverseClient.query`` without keeping them (one page in memory at a time); ``list`` is the
baseline that keeps them all (``list(client.query(...))``). Growth = peak RSS after the read minus
peak RSS before it, after imports and one warm-up request.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import peak_rss_mb
from dataverse import DataverseClient, StaticTokenAuth


def peak_mb() -> float:
    """This process's peak resident set size in MiB."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return peak_rss_mb()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0  # kB
    return peak_rss_mb()


def read(job: dict[str, Any]) -> dict[str, Any]:
    with DataverseClient(job["base_url"], StaticTokenAuth(job["token"])) as client:
        list(client.query(job["entity_set"], select=job["select"], top=1))  # warm-up: connection, JSON
        before = peak_mb()
        started = time.perf_counter()
        rows = client.query(
            job["entity_set"], filter=job["filter"], select=job["select"], page_size=job["page_size"]
        )
        if job["mode"] == "stream":
            count = sum(1 for _ in rows)
        else:
            kept = list(rows)
            count = len(kept)
        seconds = time.perf_counter() - started
        peak = peak_mb()
    return {
        "rows": count,
        "seconds": seconds,
        "rss_before_mb": before,
        "peak_rss_mb": peak,
        "growth_mb": peak - before,
    }


def main() -> int:
    print(json.dumps(read(json.load(sys.stdin))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``shipping`` scenario's stand-ins in child processes, driven through their admin APIs.

``python -m bench.scenarios._shipping_standins novaposhta|dataverse`` starts one stand-in (the Nova
Poshta simulator, or the Dataverse emulator provisioned as ``local_runtime.stack`` provisions it),
prints its URL (and the simulator's API key) as one JSON line, then serves until stdin closes.
:class:`StandIns` runs one such child per stand-in, so the simulator, the emulator and the sync under
measurement hold three separate GILs, and reads counters, sets faults and moves simulated time over
the stand-ins' own ``/_sim/`` and ``/_emulator/`` admin APIs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import requests

_ROOT = Path(__file__).resolve().parents[2]
_KINDS = ("novaposhta", "dataverse")


def _serve(kind: str) -> None:
    if kind == "novaposhta":
        from local_runtime.simulators.novaposhta import NovaPoshtaSimulator

        stand_in: Any = NovaPoshtaSimulator().start()
        answer = {"url": stand_in.url, "api_key": stand_in.api_key}
    else:
        from local_runtime.dataverse_emulator import DataverseEmulator
        from local_runtime.stack import _dataverse_prepare

        stand_in = DataverseEmulator().start()
        _dataverse_prepare(stand_in)
        answer = {"url": stand_in.url}
    try:
        print(json.dumps(answer), flush=True)
        sys.stdin.read()  # the parent closes stdin to stop us
    finally:
        stand_in.stop()


class StandIns:
    """``with StandIns() as s:`` the simulator at ``s.novaposhta`` and the emulator at ``s.dataverse``."""

    def __init__(self) -> None:
        self._children: list[subprocess.Popen[str]] = []
        self._http = requests.Session()
        self.novaposhta = self.api_key = self.dataverse = ""

    def __enter__(self) -> StandIns:
        try:
            for kind in _KINDS:
                child = subprocess.Popen(
                    [sys.executable, "-m", "bench.scenarios._shipping_standins", kind],
                    cwd=_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                )  # fmt: skip
                self._children.append(child)
            answers = [
                json.loads(child.stdout.readline() if child.stdout else "{}") for child in self._children
            ]
        except BaseException:
            self.__exit__()
            raise
        self.novaposhta, self.api_key = answers[0]["url"], answers[0]["api_key"]
        self.dataverse = answers[1]["url"]
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()
        for child in self._children:
            if child.stdin:
                child.stdin.close()
        for child in self._children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
            if child.stdout:
                child.stdout.close()

    def _sim(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._http.request(method, f"{self.novaposhta}/_sim/{path}", json=body, timeout=60)
        response.raise_for_status()
        return dict(response.json())

    def calls(self, method: str) -> int:
        """Nova Poshta calls so far to ``Model.method``."""
        return int(self._sim("GET", "state")["calls"].get(method, 0))

    def today(self) -> date:
        return datetime.fromisoformat(self._sim("GET", "state")["now"]).date()

    def advance(self, hours: float) -> None:
        self._sim("POST", "advance", {"hours": hours})

    def set_latency(self, seconds: float) -> None:
        self._sim("POST", "faults", {"latency_ms": seconds * 1000})

    def dataverse_requests(self) -> dict[str, int]:
        """Dataverse emulator requests so far, by kind (``create``, ``batch``, ``query``, ...)."""
        response = self._http.get(f"{self.dataverse}/_emulator/state", timeout=60)
        response.raise_for_status()
        return dict(response.json()["counters"]["requests_by_kind"])


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in _KINDS:
        sys.exit(f"usage: python -m bench.scenarios._shipping_standins {'|'.join(_KINDS)}")
    _serve(sys.argv[1])

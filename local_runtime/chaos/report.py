"""The figures of a chaos run: a printable table and the ``--json`` document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from local_runtime.chaos.reconcile import Reconciliation

KIND_LABELS = {"message": "messages", "shipment": "shipments", "invoice": "invoices", "check": "checks"}
LIST_LIMIT = 20


@dataclass
class ChaosReport:
    name: str
    seed: int
    wall_seconds: float
    sizes: dict[str, int]
    crashes: int
    unexpected_exits: int
    worker_restart_seconds: list[float]
    app_requests: dict[str, int]  # "POST /api/messages 202" -> n
    stand_in_requests: dict[str, int]
    faults_injected: dict[str, dict[str, int]]
    reconciliation: Reconciliation
    regressions_checked: int  # status writes the history saw
    settled: bool  # the queues drained before the deadline
    repeated: dict[str, int] = field(default_factory=dict)  # status of requests sent again -> count
    caught_in_flight: list[dict[str, int]] = field(default_factory=list)  # per kill
    notes: list[str] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)
    data_dir: str | None = None  # kept when the config named one: worker.log, queue.db, dataverse.db
    # The values of every secret setting the worker ran with (keys, passwords, tokens), so that a test
    # can scan worker.log for them. Never printed: not in repr, table or JSON.
    secret_values: list[str] = field(default_factory=list, repr=False)

    @property
    def lost(self) -> int:
        return self.reconciliation.lost

    @property
    def duplicates(self) -> int:
        return self.reconciliation.duplicate_count

    @property
    def regressions(self) -> int:
        return len(self.reconciliation.regressions)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicates == 0 and self.regressions == 0

    def faults_by_kind(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for per_target in self.faults_injected.values():
            for kind, count in per_target.items():
                kinds[kind] = kinds.get(kind, 0) + count
        return dict(sorted(kinds.items()))

    def app_requests_by_status(self) -> dict[str, int]:
        statuses: dict[str, int] = {}
        for route, count in self.app_requests.items():
            outcome = route.rsplit(" ", 1)[-1]
            statuses[outcome] = statuses.get(outcome, 0) + count
        return dict(sorted(statuses.items()))

    def to_json(self) -> dict[str, Any]:
        rec = self.reconciliation
        return {
            "name": self.name,
            "seed": self.seed,
            "wall_seconds": round(self.wall_seconds, 1),
            "ok": self.ok,
            "lost": self.lost,
            "duplicates": self.duplicates,
            "regressions": self.regressions,
            "crashes": self.crashes,
            "caught_in_flight": self.caught_in_flight,
            "repeated_requests": self.repeated,
            "unexpected_worker_exits": self.unexpected_exits,
            "faults_injected": self.faults_injected,
            "faults_injected_total": sum(self.faults_by_kind().values()),
            "faults_by_kind": self.faults_by_kind(),
            "requests": {
                "app_total": sum(self.app_requests.values()),
                "app_by_status": self.app_requests_by_status(),
                "app_by_route": dict(sorted(self.app_requests.items())),
                "stand_ins": self.stand_in_requests,
            },
            "items": {
                kind: {
                    "submitted": tally.submitted,
                    "terminal": tally.terminal,
                    "dead_lettered": len(tally.dead_lettered),
                    "lost": len(tally.lost),
                    "behind_provider": len(tally.behind_provider),
                    "statuses": dict(sorted(tally.statuses.items())),
                    "lost_items": tally.lost,
                    "dead_lettered_items": tally.dead_lettered,
                    "behind_provider_items": tally.behind_provider[:LIST_LIMIT],
                }
                for kind, tally in rec.tallies.items()
            },
            "duplicates_by_provider": rec.duplicates,
            "duplicate_details": rec.duplicate_details,
            "regression_details": [r.describe() for r in rec.regressions],
            "status_writes_checked": self.regressions_checked,
            "dead_letters": [
                {
                    "queue": d.queue,
                    "message_id": d.message_id,
                    "reason": d.reason,
                    "description": d.description,
                }
                for d in rec.dead_letters
            ],
            "settled": self.settled,
            "worker_restart_seconds": [round(s, 2) for s in self.worker_restart_seconds],
            "sizes": self.sizes,
            "plan": self.plan,
            "notes": self.notes,
            "data_dir": self.data_dir,
        }

    def table(self) -> str:
        rec = self.reconciliation
        lines = [f"chaos run {self.name}, seed {self.seed}: {self.wall_seconds:.0f} s wall time", ""]
        rows: list[tuple[str, str]] = []
        statuses = ", ".join(f"{k}: {v}" for k, v in self.app_requests_by_status().items())
        rows.append(("requests made (app API)", f"{sum(self.app_requests.values())} ({statuses})"))
        stand_ins = ", ".join(f"{k} {v}" for k, v in self.stand_in_requests.items())
        rows.append(
            ("requests received by stand-ins", f"{sum(self.stand_in_requests.values())} ({stand_ins})")
        )
        kinds = ", ".join(f"{k} {v}" for k, v in self.faults_by_kind().items())
        rows.append(("faults injected", f"{sum(self.faults_by_kind().values())} ({kinds})"))
        caught = ", ".join(f"{c['queue_messages']}+{c['http_requests']}" for c in self.caught_in_flight)
        rows.append(
            (
                "worker crashes (SIGKILL + restart)",
                f"{self.crashes} (queue messages + requests in flight: {caught})",
            )
        )
        repeats = ", ".join(f"{k}: {v}" for k, v in sorted(self.repeated.items()))
        rows.append(("requests repeated after their answer", f"{sum(self.repeated.values())} ({repeats})"))
        for kind, tally in rec.tallies.items():
            label = KIND_LABELS[kind]
            rows.append((f"{label}: terminal / submitted", f"{tally.terminal} / {tally.submitted}"))
        rows.append(
            (
                "items dead-lettered with a reason",
                str(sum(len(t.dead_lettered) for t in rec.tallies.values())),
            )
        )
        rows.append(("items LOST", str(self.lost)))
        dup = ", ".join(f"{k} {'n/a' if v is None else v}" for k, v in rec.duplicates.items())
        rows.append(("DUPLICATE provider effects", f"{self.duplicates} ({dup})"))
        rows.append(
            ("STATUS REGRESSIONS", f"{self.regressions} (of {self.regressions_checked} status writes)")
        )
        behind = sum(len(t.behind_provider) for t in rec.tallies.values())
        rows.append(("terminal but behind the provider", str(behind)))
        width = max(len(label) for label, _ in rows)
        lines += [f"  {label:<{width}}  {value}" for label, value in rows]
        lines += self._lists()
        lines.append("")
        lines.append("PASS: nothing lost, duplicated or regressed" if self.ok else "FAIL: see above")
        return "\n".join(lines)

    def _lists(self) -> list[str]:
        rec = self.reconciliation
        lines: list[str] = []
        sections = [
            (
                "dead-lettered queue messages",
                [f"{d.queue} {d.message_id}: {d.reason}" for d in rec.dead_letters],
            ),
            ("lost items", [item for t in rec.tallies.values() for item in t.lost]),
            (
                "duplicate provider effects",
                [f"{p}: {k} -> {v}" for p, found in rec.duplicate_details.items() for k, v in found.items()],
            ),
            ("status regressions", [r.describe() for r in rec.regressions]),
            (
                "500 answers (bugs)",
                [f"{route}: {n}" for route, n in self.app_requests.items() if route.endswith(" 500")],
            ),
            ("notes", self.notes),
        ]
        for title, items in sections:
            if not items:
                continue
            lines += ["", f"{title} ({len(items)}):"]
            lines += [f"  - {item}" for item in items[:LIST_LIMIT]]
            if len(items) > LIST_LIMIT:
                lines.append(f"  ... and {len(items) - LIST_LIMIT} more (see --json)")
        return lines

"""``sync shipments|payments|messaging-reports``: run a timer's use case now, in this process.

Settings come from the environment, as for the app (the same wiring modules build the use cases). A
spinner shows the phase while the run goes on; the run ends with a one-line summary or, with ``--json``,
the report's fields. Exit 0 when the run completed, 1 when it paused or was skipped because of an outage,
3 when a provider could not be reached or refused (Dataverse and HTTP errors are mapped in ``cli.main``).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

EXIT_OK, EXIT_FAILED, EXIT_DEPENDENCY = 0, 1, 3


@dataclass(frozen=True)
class Outcome:
    fields: dict[str, Any]
    summary: str
    failed: bool = False


def add_parser(sub: Any) -> None:
    sync = sub.add_parser("sync", help="run a sync or reconciliation now (what the timer runs)")
    sync.add_argument("target", choices=sorted(_TARGETS), help="which use case to run")
    sync.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    phase, use_case = _TARGETS[args.target]
    try:
        outcome = _with_spinner(phase, use_case, quiet=args.json)
    except _provider_errors() as error:
        print(f"a provider did not answer as expected: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_DEPENDENCY
    if args.json:
        print(json.dumps({"target": args.target, "failed": outcome.failed, **outcome.fields}, default=str))
    else:
        print(f"{args.target}: {outcome.summary}")
    return EXIT_FAILED if outcome.failed else EXIT_OK


def _with_spinner(phase: str, use_case: Callable[[], Outcome], *, quiet: bool) -> Outcome:
    """Run ``use_case`` while a tqdm spinner shows the phase and the time it has taken so far."""
    stop = threading.Event()
    with tqdm(desc=phase, total=None, bar_format="{desc} {elapsed}", disable=quiet) as bar:

        def tick() -> None:
            while not stop.wait(0.25):
                bar.refresh()

        ticker = threading.Thread(target=tick, name="sync-spinner", daemon=True)
        ticker.start()
        try:
            return use_case()
        finally:
            stop.set()
            ticker.join()


def _shipments() -> Outcome:
    from functions.shipping.wiring import get_sync

    report = get_sync().run("manual")
    fields = report.model_dump(mode="json")
    summary = (
        f"{report.status}; {report.shipments} tracked in {report.tracking_calls} call(s), {report.changed} "
        f"changed, {report.status_changes} status change(s), {report.orders_updated} order(s) updated"
        + (f", {report.orders_refused} refused" if report.orders_refused else "")
    )
    if report.detail:
        summary += f" ({report.detail}" + (f", until {report.paused_until})" if report.paused_until else ")")
    return Outcome(fields, summary, failed=report.status == "paused" or report.paused_until is not None)


def _payments() -> Outcome:
    from functions.payments.wiring import get_reconciler

    report = get_reconciler().run()
    summary = (
        f"{report.open_invoices} open invoice(s) checked in {report.paypal_calls} PayPal call(s), "
        f"{report.changed} changed, {report.conflicts} conflict(s) left for the next run"
    )
    return Outcome(report.model_dump(mode="json"), summary)


def _messaging_reports() -> Outcome:
    from functions.messaging.wiring import get_reconciler

    counts = get_reconciler().run()
    summary = (
        f"{counts['pending']} orphan report(s) retried, {counts['matched']} matched, "
        f"{counts['abandoned']} abandoned"
    )
    return Outcome(dict(counts), summary)


_TARGETS: dict[str, tuple[str, Callable[[], Outcome]]] = {
    "shipments": ("tracking shipments with Nova Poshta", _shipments),
    "payments": ("reconciling invoices with PayPal", _payments),
    "messaging-reports": ("matching orphan delivery reports", _messaging_reports),
}


def _provider_errors() -> tuple[type[Exception], ...]:
    from connectors.gms import GmsError
    from connectors.novaposhta import NovaPoshtaError
    from connectors.paypal import PayPalError

    return (GmsError, NovaPoshtaError, PayPalError)

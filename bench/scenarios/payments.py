"""Reconciling open PayPal invoices with 100 ms per PayPal call: search pages vs one GET per invoice.

Both sides run the production code path (``PayPalClient`` over loopback HTTP to the simulator,
``PaymentRepository`` on ``DataverseClient`` to the Dataverse emulator) on identical data: N open
invoices in Dataverse, of which 10 % have been paid and 2 % cancelled in PayPal with their webhooks
lost. Ours is ``Reconciler.run`` (status-filtered search pages, ``$batch`` writes of changed rows);
the baseline reads every open invoice with ``GET /v2/invoicing/invoices/{id}`` (16 in parallel, to be
generous) and writes the same changed rows the same way.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from bench.harness import Check, Metric, Result, Scenario
from connectors.paypal import PayPalClient, PayPalCredential
from dataverse import DataverseClient, StaticTokenAuth
from dataverse.provisioning import provision
from dataverse.schema import PaymentStatus
from dataverse.schema.payments import PAYMENT
from functions.payments.reconcile import Reconciler
from functions.payments.repository import PaymentRepository
from functions.payments.rules import changes_for, observe_invoice
from local_runtime.dataverse_emulator import DataverseEmulator
from local_runtime.loopback import Faults
from local_runtime.simulators.paypal import PayPalSimulator

LATENCY_MS = 100.0
BASELINE_WORKERS = 16
TOKEN = "bench-token"


def _invoice_body(number: int) -> dict[str, Any]:
    return {
        "detail": {
            "currency_code": "EUR",
            "reference": f"bench-{number}",
            "invoice_number": f"B{number:06d}",
        },
        "primary_recipients": [{"billing_info": {"email_address": f"payer{number}@example.org"}}],
        "items": [
            {
                "name": "Subscription",
                "quantity": "1",
                "unit_amount": {"currency_code": "EUR", "value": "49.90"},
            }
        ],
    }


def _prepare_paypal(sim: PayPalSimulator, count: int) -> list[str]:
    """N sent invoices; every 10th paid, every 50th cancelled (their webhooks lost: no listener)."""
    ids = []
    for number in range(count):
        invoice = sim.invoice_book.create(_invoice_body(number))
        sim.invoice_book.send(invoice.id)
        ids.append(invoice.id)
    for number, invoice_id in enumerate(ids):
        if number % 10 == 0:
            sim.invoice_book.pay(invoice_id, f"CAPTURE{number:08d}")
        elif number % 50 == 1:
            sim.invoice_book.cancel(invoice_id)
    return ids


def _prepare_dataverse(client: DataverseClient, invoice_ids: list[str], paypal_url: str) -> None:
    provision(client, (PAYMENT,))
    rows = [
        {
            "smart_name": f"Invoice B{number:06d}",
            "smart_idempotencykey": f"bench-{number}",
            "smart_invoiceid": invoice_id,
            "smart_invoicenumber": f"B{number:06d}",
            "smart_status": PaymentStatus.SENT.option_value,
            "smart_amount": 49.90,
            "smart_currencycode": "EUR",
            "smart_payerlink": f"{paypal_url}/invoice/p/#{invoice_id}",  # as the invoice was created
        }
        for number, invoice_id in enumerate(invoice_ids)
    ]
    client.create_multiple(PAYMENT.entity_set, PAYMENT.name, rows)


def _paypal_calls(sim: PayPalSimulator) -> int:
    return sum(
        count for name, count in sim.counts.items() if not name.startswith(("fault", "POST /v1/oauth2"))
    )


def _baseline(paypal: PayPalClient, repository: PaymentRepository) -> int:
    """One GET per open invoice, 16 at a time; the same rule decides and the same batch writes."""
    now = datetime.now(UTC)
    records = repository.open_payments()
    with ThreadPoolExecutor(BASELINE_WORKERS) as pool:
        invoices = list(pool.map(lambda r: paypal.get_invoice(str(r.invoice_id)), records))
    updates = []
    for record, invoice in zip(records, invoices, strict=True):
        changes = changes_for(record, observe_invoice(invoice), now)
        if changes:
            updates.append((record, changes))
    written, _ = repository.update_many(updates)
    return written


def _statuses(client: DataverseClient) -> dict[str, int]:
    rows = client.query(PAYMENT.entity_set, select=["smart_invoicenumber", "smart_status"])
    return {row["smart_invoicenumber"]: row["smart_status"] for row in rows}


def _side(count: int, *, ours: bool) -> dict[str, Any]:
    with PayPalSimulator(seed=7) as sim, DataverseEmulator(expected_token=TOKEN) as emulator:
        invoice_ids = _prepare_paypal(sim, count)
        with DataverseClient(emulator.url, StaticTokenAuth(TOKEN)) as crm:
            _prepare_dataverse(crm, invoice_ids, sim.url)
            credential = PayPalCredential(sim.client_id, sim.client_secret)
            with PayPalClient(sim.url, credential) as paypal:
                repository = PaymentRepository(crm)
                sim.set_faults(Faults(latency_ms=LATENCY_MS, only_paths=("/v1/", "/v2/")))
                before = _paypal_calls(sim)
                started = time.perf_counter()
                if ours:
                    written = Reconciler(paypal, repository).run().changed
                else:
                    written = _baseline(paypal, repository)
                seconds = time.perf_counter() - started
                calls = _paypal_calls(sim) - before
                sim.set_faults(Faults())
            statuses = _statuses(crm)
    return {"seconds": seconds, "calls": calls, "written": written, "statuses": statuses}


def run(quick: bool) -> Result:
    count = 500 if quick else 5_000
    result = Result(
        "payments", f"reconcile {count:,} open PayPal invoices, {LATENCY_MS:.0f} ms per PayPal call"
    )
    ours = _side(count, ours=True)
    baseline = _side(count, ours=False)
    expected_changes = sum(1 for n in range(count) if n % 10 == 0 or n % 50 == 1)
    result.metrics.append(
        Metric(f"PayPal calls, {count:,} open", ours["calls"], baseline["calls"], "calls", False)
    )
    result.metrics.append(Metric("wall time", ours["seconds"], baseline["seconds"], "s", False))
    result.metrics.append(
        Metric(
            "invoices reconciled per second", count / ours["seconds"], count / baseline["seconds"], "inv/s"
        )
    )
    per_hundred = ours["calls"] * 100 / count
    result.checks.append(
        Check(
            "≤ 1 PayPal call per 100 open invoices",
            per_hundred <= 1.0,
            f"{per_hundred:.2f} calls / 100 invoices",
        )
    )
    result.checks.append(
        Check(
            "only changed rows written, same outcome as the per-invoice baseline",
            ours["written"] == baseline["written"] == expected_changes
            and ours["statuses"] == baseline["statuses"],
            f"ours {ours['written']}, baseline {baseline['written']}, expected {expected_changes}",
        )
    )
    paid = sum(1 for value in ours["statuses"].values() if value == PaymentStatus.PAID.option_value)
    result.notes.append(
        f"{paid} paid and {expected_changes - paid} cancelled in PayPal with lost webhooks; "
        f"baseline = one GET per invoice, {BASELINE_WORKERS} in parallel; calls exclude the one token request"
    )
    return result


SCENARIO = Scenario("payments", "PayPal reconcile: status-filtered search pages vs one GET per invoice", run)

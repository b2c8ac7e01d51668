"""Reconcile payments with PayPal (catches missed webhooks) in search pages, not one call per invoice.

One run has two sweeps:

- Open invoices: read the open payment rows (one Dataverse query), then page through PayPal's
  invoice search for every status other than DRAFT and SENT, created since the oldest open row
  (less a margin). An open invoice found there has moved (paid, cancelled, overdue, ...); one not
  found is still SENT. So the cost is one call per 100 invoices that moved (plus overdue ones),
  however many are open. When the search would need more pages than there are unseen open invoices
  (a few open invoices among many settled ones), those are read one by one, whichever is cheaper.
- Refunds: paid invoices are no longer open, but a refund's webhook can be lost too. PayPal is
  searched for refunded invoices created within the refund window; the payment rows of those (one
  Dataverse query per 25) get the refund if they do not have it yet.

Only rows that change are written, as ETag-guarded ``$batch`` updates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.paypal import MAX_PAGE_SIZE, DateRange, Invoice, InvoiceStatus, SearchCriteria
from dataverse.schema import PaymentStatus
from functions.payments.models import ReconcileReport
from functions.payments.ports import Clock, Invoicing, PaymentStore, utc_now
from functions.payments.rules import Observation, PaymentRecord, changes_for, observe_invoice

logger = logging.getLogger("smart.payments.reconcile")

# Everything an open invoice can move to (all statuses but DRAFT and SENT).
MOVED_STATUSES: tuple[InvoiceStatus, ...] = tuple(
    status for status in InvoiceStatus if status not in (InvoiceStatus.DRAFT, InvoiceStatus.SENT)
)
REFUNDED_STATUSES: tuple[InvoiceStatus, ...] = (
    InvoiceStatus.PARTIALLY_REFUNDED,
    InvoiceStatus.REFUNDED,
    InvoiceStatus.MARKED_AS_REFUNDED,
)
Update = tuple[PaymentRecord, Mapping[str, Any]]


class Reconciler:
    def __init__(
        self,
        paypal: Invoicing,
        store: PaymentStore,
        *,
        margin: timedelta = timedelta(days=2),
        refund_window: timedelta = timedelta(days=180),
        page_size: int = MAX_PAGE_SIZE,
        clock: Clock = utc_now,
    ) -> None:
        self._paypal = paypal
        self._store = store
        self._margin = margin
        self._refund_window = refund_window
        self._page_size = page_size
        self._clock = clock

    def run(self) -> ReconcileReport:
        now = self._clock()
        open_records = [r for r in self._store.open_payments() if r.invoice_id]
        updates, calls = self._open_sweep(open_records, now) if open_records else ([], 0)
        refunds, refund_calls = self._refund_sweep({str(r.invoice_id) for r in open_records}, now)
        written, conflicts = self._store.update_many(updates + refunds)
        calls += refund_calls
        logger.info(
            "reconciled %d open invoices with %d PayPal calls: %d rows changed, %d left for the next run",
            len(open_records), calls, written, conflicts,
        )  # fmt: skip
        return ReconcileReport(
            open_invoices=len(open_records), paypal_calls=calls, changed=written, conflicts=conflicts
        )

    # ---- open invoices ---------------------------------------------------------------------------

    def _open_sweep(self, open_records: list[PaymentRecord], now: datetime) -> tuple[list[Update], int]:
        wanted = {str(r.invoice_id): r for r in open_records}
        created = [r.created_on for r in open_records if r.created_on is not None]
        start = (min(created) if created else now - self._refund_window) - self._margin
        seen: dict[str, Invoice] = {}
        calls = 0
        for page, total_pages, items in self._pages(MOVED_STATUSES, start, now):
            calls += 1
            seen.update((invoice.id, invoice) for invoice in items if invoice.id in wanted)
            unseen = len(wanted) - len(seen)
            if unseen == 0 or page >= total_pages:
                break
            if total_pages - page > unseen:  # reading the rest one by one is cheaper
                for invoice_id in [i for i in wanted if i not in seen]:
                    seen[invoice_id] = self._paypal.get_invoice(invoice_id)
                    calls += 1
                break
        updates: list[Update] = []
        for record in open_records:
            invoice = seen.get(str(record.invoice_id))
            observation = observe_invoice(invoice) if invoice is not None else _still_sent(record)
            changes = changes_for(record, observation, now) if observation is not None else {}
            if changes:
                updates.append((record, changes))
        return updates, calls

    # ---- refunds of settled invoices -------------------------------------------------------------

    def _refund_sweep(self, skip: set[str], now: datetime) -> tuple[list[Update], int]:
        refunded: dict[str, Invoice] = {}
        calls = 0
        for _, _, items in self._pages(REFUNDED_STATUSES, now - self._refund_window, now):
            calls += 1
            refunded.update((invoice.id, invoice) for invoice in items if invoice.id not in skip)
        updates: list[Update] = []
        if refunded:
            for record in self._store.find_by_invoice_ids(sorted(refunded)):
                changes = changes_for(record, observe_invoice(refunded[str(record.invoice_id)]), now)
                if changes:
                    updates.append((record, changes))
        return updates, calls

    # ---- paging ----------------------------------------------------------------------------------

    def _pages(
        self, statuses: tuple[InvoiceStatus, ...], start: datetime, now: datetime
    ) -> Iterator[tuple[int, int, list[Invoice]]]:
        """(page number, total pages, invoices) of a status search, one PayPal call per page."""
        criteria = SearchCriteria(
            status=list(statuses), creation_date_range=DateRange(start=start, end=now + timedelta(days=1))
        )
        page = 1
        while True:
            result = self._paypal.search_invoices(
                criteria, page=page, page_size=self._page_size, total_required=True
            )
            full = len(result.items) == self._page_size
            total_pages = result.total_pages or (page + 1 if full else page)
            yield page, total_pages, result.items
            if page >= total_pages or not result.items:
                return
            page += 1


def _still_sent(record: PaymentRecord) -> Observation | None:
    """Not among the moved invoices: PayPal still has it as SENT (a SCHEDULED one has gone out)."""
    if record.status is PaymentStatus.SCHEDULED:
        return Observation(status=PaymentStatus.SENT)
    return None

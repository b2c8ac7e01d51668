"""The reconcile strategy with in-memory fakes of its two ports: pages for many, single reads for few."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.paypal import Invoice, InvoicePage, SearchCriteria
from dataverse.schema import PaymentStatus
from functions.payments.reconcile import MOVED_STATUSES, Reconciler
from functions.payments.rules import PaymentRecord

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def paypal_invoice(number: int, status: str) -> Invoice:
    return Invoice.model_validate(
        {
            "id": f"INV2-{number:04d}",
            "status": status,
            "detail": {"currency_code": "EUR", "invoice_number": f"{number:04d}"},
            "amount": {"currency_code": "EUR", "value": "10.00"},
        }
    )


class FakePayPal:
    """PayPal's invoice list: search filters by status and pages; newest first, like the real one."""

    def __init__(self, invoices: list[Invoice]) -> None:
        self.invoices = invoices
        self.open_searches = 0
        self.refund_searches = 0
        self.gets = 0

    def search_invoices(
        self,
        criteria: SearchCriteria | None = None,
        *,
        page: int = 1,
        page_size: int = 20,
        total_required: bool = True,
    ) -> InvoicePage:
        wanted = {str(s) for s in (criteria.status or [])} if criteria else set()
        if "PAID" in wanted:
            self.open_searches += 1
        else:
            self.refund_searches += 1
        found = [i for i in reversed(self.invoices) if not wanted or i.status in wanted]
        start = (page - 1) * page_size
        pages = max(1, -(-len(found) // page_size))
        return InvoicePage(items=found[start : start + page_size], total_items=len(found), total_pages=pages)

    def get_invoice(self, invoice_id: str) -> Invoice:
        self.gets += 1
        return next(i for i in self.invoices if i.id == invoice_id)


class FakeStore:
    def __init__(self, records: list[PaymentRecord]) -> None:
        self.records = records
        self.written: list[tuple[PaymentRecord, Mapping[str, Any]]] = []

    def open_payments(self) -> list[PaymentRecord]:
        return [r for r in self.records if r.is_open]

    def find_by_invoice_ids(self, invoice_ids: Sequence[str]) -> list[PaymentRecord]:
        return [r for r in self.records if r.invoice_id in set(invoice_ids)]

    def update_many(self, updates: Sequence[tuple[PaymentRecord, Mapping[str, Any]]]) -> tuple[int, int]:
        self.written.extend(updates)
        return len(updates), 0


def record(number: int, status: PaymentStatus = PaymentStatus.SENT) -> PaymentRecord:
    return PaymentRecord(
        row_id=f"row-{number}",
        key=f"k-{number}",
        status=status,
        invoice_id=f"INV2-{number:04d}",
        invoice_number=f"{number:04d}",
        amount=Decimal("10.00"),
        currency="EUR",
        payer_link="https://www.paypal.com/invoice/p/#x",
        created_on=NOW,
    )


def reconcile(paypal: FakePayPal, store: FakeStore, page_size: int = 100) -> Any:
    return Reconciler(paypal, store, page_size=page_size, clock=lambda: NOW).run()  # type: ignore[arg-type]


def test_thousands_open_few_moved_cost_one_search_page_and_no_single_reads() -> None:
    invoices = [paypal_invoice(n, "PAID" if n % 50 == 0 else "SENT") for n in range(1, 2001)]
    paypal, store = FakePayPal(invoices), FakeStore([record(n) for n in range(1, 2001)])
    report = reconcile(paypal, store)
    assert (paypal.open_searches, paypal.refund_searches, paypal.gets) == (1, 1, 0)
    assert report.open_invoices == 2000 and report.changed == 40 and report.paypal_calls == 2
    assert {r.invoice_id for r, _ in store.written} == {f"INV2-{n:04d}" for n in range(50, 2001, 50)}


def test_every_moved_invoice_is_seen_across_pages() -> None:
    invoices = [paypal_invoice(n, "PAID" if n % 2 else "SENT") for n in range(1, 501)]
    paypal, store = FakePayPal(invoices), FakeStore([record(n) for n in range(1, 501)])
    report = reconcile(paypal, store)
    assert (paypal.open_searches, paypal.gets, report.changed) == (3, 0, 250)


def test_a_few_open_invoices_among_many_settled_are_read_one_by_one() -> None:
    settled = [paypal_invoice(n, "PAID") for n in range(1, 1001)]
    open_now = [paypal_invoice(2001, "SENT"), paypal_invoice(2002, "SENT"), paypal_invoice(2003, "PAID")]
    paypal = FakePayPal(open_now[:2] + settled + open_now[2:])
    store = FakeStore([record(2001), record(2002), record(2003)])
    report = reconcile(paypal, store, page_size=100)
    # page 1 (newest first) shows 2003 paid; ten pages would remain for two unseen invoices: read those two
    assert (paypal.open_searches, paypal.gets) == (1, 2)
    assert report.paypal_calls == 4 and report.changed == 1  # + one refund search page


def test_a_scheduled_invoice_not_among_the_moved_ones_has_gone_out() -> None:
    paypal = FakePayPal([paypal_invoice(1, "SENT")])
    store = FakeStore([record(1, PaymentStatus.SCHEDULED)])
    reconcile(paypal, store)
    ((_, changes),) = store.written
    assert changes["status"] is PaymentStatus.SENT


def test_the_search_asks_only_for_statuses_an_open_invoice_can_move_to() -> None:
    assert "SENT" not in MOVED_STATUSES and "DRAFT" not in MOVED_STATUSES
    assert {"PAID", "CANCELLED", "REFUNDED", "UNPAID", "PARTIALLY_PAID"} <= {str(s) for s in MOVED_STATUSES}


def test_nothing_open_costs_only_the_refund_search() -> None:
    paypal = FakePayPal([paypal_invoice(1, "PAID")])
    assert reconcile(paypal, FakeStore([record(1, PaymentStatus.PAID)])).paypal_calls == 1
    assert (paypal.open_searches, paypal.refund_searches) == (0, 1)


def test_a_refund_of_a_paid_invoice_whose_webhook_was_lost_is_caught() -> None:
    refunded = Invoice.model_validate(
        {
            **paypal_invoice(7, "PARTIALLY_REFUNDED").model_dump(mode="json"),
            "refunds": {"refund_amount": {"currency_code": "EUR", "value": "4.00"}},
        }
    )
    paid_row = record(7, PaymentStatus.PAID)
    store = FakeStore([paid_row, record(8, PaymentStatus.PAID)])
    report = reconcile(FakePayPal([refunded, paypal_invoice(8, "PAID")]), store)
    ((row, changes),) = store.written
    assert row is paid_row and report.changed == 1
    assert (changes["status"], changes["refunded_amount"]) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        Decimal("4.00"),
    )

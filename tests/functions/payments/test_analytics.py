"""Analytics figures: by currency, Decimal, cancelled apart, overdue by due date, median time to pay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from dataverse.schema import PaymentStatus
from functions.common.problems import Problem
from functions.payments.analytics import period, summarise
from functions.payments.models import AnalyticsQuery
from functions.payments.rules import PaymentRecord

TODAY = date(2026, 11, 23)
CREATED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def payment(status: PaymentStatus, amount: str, currency: str = "EUR", **fields: object) -> PaymentRecord:
    values: dict[str, object] = {
        "invoice_id": "INV2-X",
        "created_on": CREATED,
        "due_date": date(2026, 11, 16),
    }
    values.update(fields)
    return PaymentRecord(
        row_id="r",
        key="k",
        status=status,
        amount=Decimal(amount),
        currency=currency,
        **values,  # type: ignore[arg-type]
    )


def test_figures_are_per_currency_and_exact() -> None:
    records = [
        payment(
            PaymentStatus.PAID, "0.10", paid_amount=Decimal("0.10"), paid_on=CREATED + timedelta(hours=2)
        ),
        payment(
            PaymentStatus.PAID, "0.20", paid_amount=Decimal("0.20"), paid_on=CREATED + timedelta(hours=10)
        ),
        payment(PaymentStatus.SENT, "100.00"),  # due 16 Nov: overdue on the 23rd
        payment(
            PaymentStatus.PARTIALLY_PAID, "50.00", paid_amount=Decimal("20.00"), due_date=date(2026, 12, 1)
        ),
        payment(PaymentStatus.CANCELLED, "999.00"),
        payment(
            PaymentStatus.PARTIALLY_REFUNDED,
            "1000",
            currency="JPY",
            paid_amount=Decimal("1000"),
            refunded_amount=Decimal("300"),
            paid_on=CREATED + timedelta(hours=4),
        ),
        payment(PaymentStatus.FAILED, "5.00", invoice_id=None),
    ]
    report = summarise(records, date(2026, 11, 1), TODAY, TODAY)
    eur, jpy = report.currencies
    assert (eur.currency, eur.invoices, eur.cancelled) == ("EUR", 4, 1)
    assert (eur.invoiced, eur.paid, eur.overdue, eur.refunded) == (
        Decimal("150.30"),
        Decimal("20.30"),
        Decimal("100.00"),
        Decimal("0.00"),
    )
    assert eur.median_hours_to_pay == 6.0
    assert (jpy.invoiced, jpy.refunded) == (Decimal("1000"), Decimal("300"))
    assert report.invoices == 5
    assert report.median_hours_to_pay == 4.0
    dumped = report.model_dump(mode="json", by_alias=True)
    assert dumped["currencies"][0]["invoiced"] == "150.30"
    assert dumped["from"] == "2026-11-01"


def test_the_default_period_is_the_last_30_days() -> None:
    assert period(AnalyticsQuery(), TODAY) == (date(2026, 10, 25), TODAY)


def test_a_backwards_period_is_422_naming_from() -> None:
    with pytest.raises(Problem) as caught:
        period(AnalyticsQuery.model_validate({"from": "2026-11-20", "to": "2026-11-01"}), TODAY)
    assert caught.value.errors[0]["field"] == "from"

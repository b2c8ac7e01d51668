from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from connectors.common.retry import RetryPolicy
from connectors.paypal import (
    BillingInfo,
    InvoiceDetail,
    InvoiceItem,
    Invoicer,
    InvoiceRequest,
    Money,
    PayPalClient,
    PayPalCredential,
    PersonName,
    Recipient,
)
from local_runtime.simulators.paypal import PayPalSimulator

SECRET = "EHk2-very-secret-client-secret"


class SleepRecorder:
    """RetryPolicy.sleep stand-in: records each pause instead of sleeping."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


class CountingFetcher:
    """Certificate fetcher over real HTTP that records every URL it is asked for."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        response = requests.get(url, timeout=5)
        response.raise_for_status()
        return response.content


@pytest.fixture(scope="module")
def _simulator() -> Iterator[PayPalSimulator]:
    with PayPalSimulator(client_secret=SECRET, seed=7) as simulator:
        yield simulator


@pytest.fixture
def sim(_simulator: PayPalSimulator) -> PayPalSimulator:
    _simulator.reset()
    return _simulator


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(sim: PayPalSimulator, sleeps: SleepRecorder) -> Iterator[PayPalClient]:
    retry = RetryPolicy(max_attempts=3, base_delay=0.01, sleep=sleeps)
    with PayPalClient(sim.url, PayPalCredential(sim.client_id, SECRET), timeout=2.0, retry=retry) as paypal:
        yield paypal


@pytest.fixture
def fetcher() -> CountingFetcher:
    return CountingFetcher()


def make_invoice(number: str = "SO-10045", currency: str = "EUR", **detail: Any) -> InvoiceRequest:
    """An invoice shaped like the one the CRM order flow creates (reference = Dataverse order id)."""
    return InvoiceRequest(
        detail=InvoiceDetail(
            currency_code=currency,
            invoice_number=number,
            reference=detail.pop("reference", "3f2b1c9e-order-guid"),
            note="Thank you for your order.",
            **detail,
        ),
        invoicer=Invoicer(business_name="MyShop", email_address="billing@myshop.example"),
        primary_recipients=[
            Recipient(
                billing_info=BillingInfo(
                    name=PersonName(given_name="Olena", surname="Shevchenko"),
                    email_address="olena@example.com",
                    language="uk-UA",
                )
            )
        ],
        items=[
            InvoiceItem(name="Widget", quantity=Decimal(2), unit_amount=Money.of("40.00", currency)),
            InvoiceItem(name="Delivery", quantity=Decimal(1), unit_amount=Money.of("20.00", currency)),
        ],
    )

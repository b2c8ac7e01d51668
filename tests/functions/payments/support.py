"""Helpers shared by the payments tests: CRM orders in the emulator, polling, the payments stack."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import requests

from dataverse import AlternateKey, DataverseClient, StaticTokenAuth
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

T = TypeVar("T")

FUNCTION_KEY = "payments-key"
MASTER_KEY = "payments-master"


@contextmanager
def payments_stack(data_dir: Path, **env: str) -> Iterator[LocalStack]:
    settings = {"SMART_FUNCTION_KEY": FUNCTION_KEY, "SMART_MASTER_KEY": MASTER_KEY, **env}
    with LocalStack(port=0, data_dir=data_dir, env=settings, run_timers=False) as stack:
        yield stack


def session() -> requests.Session:
    http = requests.Session()
    http.headers["x-functions-key"] = FUNCTION_KEY
    return http


def dataverse(stack: LocalStack) -> DataverseClient:
    return DataverseClient(stack.env["DATAVERSE_URL"], StaticTokenAuth(EMULATOR_TOKEN))


def wait_until(probe: Callable[[], T | None], *, timeout: float = 10.0, what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy (short sleeps, a deadline, never a fixed wait)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def queues_idle(stack: LocalStack, *names: str) -> bool:
    assert stack.queue is not None
    for name in names:
        counts = stack.queue.counts(name)
        if counts["active"] or counts["locked"] or counts["scheduled"]:
            return False
    return True


def currency_id(client: DataverseClient, code: str) -> str:
    """The transactioncurrency row for ``code`` (created when the org does not have it yet)."""
    rows = list(client.query("transactioncurrencies", filter=f"isocurrencycode eq '{code}'"))
    if rows:
        return str(rows[0]["transactioncurrencyid"])
    return client.create(
        "transactioncurrencies",
        {"currencyname": code, "isocurrencycode": code, "currencyprecision": 0, "exchangerate": 1.0},
    )


def create_order(
    client: DataverseClient,
    *,
    currency: str = "EUR",
    lines: tuple[tuple[str, str, str], ...] = (("Widget", "2", "10.50"), ("Gadget", "1", "79.00")),
    email: str | None = "olena.koval@example.com",
    order_id: str | None = None,
    freight: str | None = None,
) -> str:
    """A contact, a salesorder in ``currency`` and its lines (name, quantity, price); returns the order id."""
    contact: dict[str, Any] = {"firstname": "Olena", "lastname": "Koval"}
    if email:
        contact["emailaddress1"] = email
    contact_id = client.create("contacts", contact)
    order_id = order_id or str(uuid.uuid4())
    order: dict[str, Any] = {
        "salesorderid": order_id,
        "name": f"Order {order_id[:8]}",
        "ordernumber": f"ORD-{order_id[:5].upper()}",
        "customerid_contact@odata.bind": f"/contacts({contact_id})",
        "transactioncurrencyid@odata.bind": f"/transactioncurrencies({currency_id(client, currency)})",
    }
    if freight is not None:
        order["freightamount"] = float(Decimal(freight))
    client.create("salesorders", order)
    for number, (name, quantity, price) in enumerate(lines, start=1):
        client.create(
            "salesorderdetails",
            {
                "salesorderid@odata.bind": f"/salesorders({order_id})",
                "productdescription": name,
                "quantity": float(Decimal(quantity)),
                "priceperunit": float(Decimal(price)),
                "lineitemnumber": number,
            },
        )
    return order_id


def payment_row(client: DataverseClient, key: str) -> dict[str, Any]:
    return client.retrieve("smart_payments", AlternateKey({"smart_idempotencykey": key}))


def payment_rows(client: DataverseClient) -> list[dict[str, Any]]:
    return list(client.query("smart_payments"))

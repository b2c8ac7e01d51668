"""The three webhooks as a hostile caller sees them, and ways to wait for the stack to go quiet."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import requests

from dataverse import DataverseClient
from local_runtime.stack import LocalStack
from tests.fuzz.conftest import CALLBACK_TOKEN, WEBHOOK_SECRET

T = TypeVar("T")


@dataclass(frozen=True)
class Webhook:
    name: str
    path: str
    queue: str  # where an accepted delivery goes

    def credentials(self, stack: LocalStack, body: bytes) -> tuple[str, dict[str, str]]:
        """(path with query, headers) that authenticate ``body`` the way this webhook's sender does."""
        if self.name == "dataverse":
            return self.path, {"X-Webhook-Secret": WEBHOOK_SECRET}
        if self.name == "gms":
            return f"{self.path}?token={CALLBACK_TOKEN}", {}
        return self.path, dict(stack.stand_ins["paypal"].sign(body))

    def post(
        self, stack: LocalStack, body: bytes, *, content_type: str = "application/json", signed: bool = True
    ) -> requests.Response:
        path, headers = self.credentials(stack, body) if signed else (self.path, {})
        headers = {**headers, "Content-Type": content_type}
        return requests.post(f"{stack.url}{path}", data=body, headers=headers, timeout=30)

    def post_declaring(self, stack: LocalStack, length: int, sent: bytes) -> tuple[int, str, bytes]:
        """Declare a ``length``-byte body, send only ``sent``; read the early answer (status, type, body)."""
        path, headers = self.credentials(stack, sent)
        parts = urlsplit(stack.url)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        try:
            connection.putrequest("POST", path)
            for name, value in {**headers, "Content-Type": "application/json"}.items():
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(length))
            connection.endheaders(sent)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type") or "", response.read()
        finally:
            connection.close()


WEBHOOKS = (
    Webhook("dataverse", "/api/dataverse/events", "dataverse-events"),
    Webhook("gms", "/api/gms/reports", "delivery-reports"),
    Webhook("paypal", "/api/paypal/webhook", "paypal-events"),
)


def wait_until(probe: Callable[[], T | None], *, timeout: float = 20.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def quiet(stack: LocalStack) -> bool:
    """No queue holds a message that is due or being handled, and no invocation is running."""
    assert stack.queue is not None and stack.host is not None
    for name in stack.queue.queue_names:
        counts = stack.queue.counts(name)
        if counts.get("active") or counts.get("locked"):
            return False
    return not any(i.outcome == "running" for i in list(stack.host.invocations))


def settle(stack: LocalStack) -> None:
    wait_until(lambda: quiet(stack), what="queues and invocations to go quiet")


def queued(stack: LocalStack, queue: str) -> int:
    """Messages that ever reached ``queue`` this run: handled (one invocation each) plus still waiting.

    A duplicate dropped by duplicate detection is not counted: it never reached the queue.
    """
    assert stack.queue is not None and stack.host is not None
    listeners = {f.name for f in stack.host.queue_functions if f.queue == queue}
    handled = {i.detail.get("message_id") for i in list(stack.host.invocations) if i.function in listeners}
    counts = stack.queue.counts(queue)
    return len(handled) + counts["active"] + counts["scheduled"]  # locked and dead ones were handled


def create_order(crm: DataverseClient, order_id: str, *, phone: str = "+380671112233") -> None:
    """A CRM order both payments (currency, lines, payer e-mail) and shipping (ship-to) can act on."""
    found = list(crm.query("transactioncurrencies", filter="isocurrencycode eq 'EUR'"))
    currency = (
        str(found[0]["transactioncurrencyid"])
        if found
        else crm.create(
            "transactioncurrencies",
            {"currencyname": "Euro", "isocurrencycode": "EUR", "currencyprecision": 2, "exchangerate": 1.0},
        )
    )
    contact = crm.create(
        "contacts",
        {
            "firstname": "Olena",
            "lastname": "Koval",
            "emailaddress1": "olena@example.com",
            "mobilephone": phone,
        },
    )
    crm.create(
        "salesorders",
        {
            "salesorderid": order_id,
            "name": "Replay order",
            "ordernumber": "ORD-REPLAY",
            "shipto_name": "Олена Коваль",
            "shipto_telephone": phone,
            "shipto_city": "Львів",
            "shipto_line1": "Відділення №2",
            "totalamount": 150,
            "customerid_contact@odata.bind": f"/contacts({contact})",
            "transactioncurrencyid@odata.bind": f"/transactioncurrencies({currency})",
        },
    )
    crm.create(
        "salesorderdetails",
        {"salesorderid@odata.bind": f"/salesorders({order_id})", "productdescription": "Кавоварка",
         "quantity": 1, "priceperunit": 150, "lineitemnumber": 1},
    )  # fmt: skip

"""Demo step for payments: invoice a CRM order with PayPal, the payer pays (the webhook lands in the CRM),
a refund's webhook is lost and the reconcile timer brings it in, then the analytics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from dataverse import AlternateKey, DataverseClient, StaticTokenAuth
from dataverse.schema import PaymentStatus
from local_runtime.stack import EMULATOR_TOKEN, LocalStack


def run(stack: LocalStack, session: requests.Session) -> dict[str, Any]:
    paypal = stack.env["PAYPAL_BASE_URL"]
    with DataverseClient(stack.env["DATAVERSE_URL"], StaticTokenAuth(EMULATOR_TOKEN)) as crm:
        order_id = _crm_order(crm)
        created = session.post(f"{stack.url}/api/invoices", json={"order_id": order_id}, timeout=30)
        created.raise_for_status()
        invoice = created.json()
        invoice_id = invoice["invoice_id"]
        key = invoice["idempotency_key"]

        _admin(paypal, f"invoices/{invoice_id}/pay")  # the payer pays on PayPal: signed webhooks follow
        _wait(lambda: _status(crm, key) is PaymentStatus.PAID, "the paid webhook to reach the CRM")

        _admin(paypal, "webhook-delivery", {"hold": True})  # the refund's webhooks get lost
        _admin(paypal, f"invoices/{invoice_id}/refund", {"amount": "40.00"})
        master = {"x-functions-key": stack.env.get("SMART_MASTER_KEY") or stack.function_key}
        requests.post(
            f"{stack.url}/admin/functions/reconcile_payments", headers=master, timeout=10
        ).raise_for_status()
        _wait(lambda: _status(crm, key) is PaymentStatus.PARTIALLY_REFUNDED, "the reconcile timer")
        _admin(paypal, "webhook-delivery", {"hold": False})
        _admin(paypal, "webhooks/flush")  # late webhooks: nothing left to change

        current = session.get(f"{stack.url}/api/invoices/{invoice_id}", timeout=10).json()
        analytics = session.get(f"{stack.url}/api/payments/analytics", timeout=10).json()
    return {
        "order": order_id,
        "invoice": f"{invoice_id} no. {invoice['invoice_number']}: {invoice['amount']} {invoice['currency']}",
        "payer link": invoice["payer_link"],
        "paid (webhook)": current["paid_amount"],
        "refunded (reconcile, webhook lost)": current["refunded_amount"],
        "state": current["state"],
        "analytics": analytics["currencies"],
    }


def _crm_order(crm: DataverseClient) -> str:
    """A customer and a confirmed EUR order with two lines, as a salesperson would enter them."""
    contact = crm.create(
        "contacts", {"firstname": "Olena", "lastname": "Koval", "emailaddress1": "olena.koval@example.com"}
    )
    euro = next(iter(crm.query("transactioncurrencies", filter="isocurrencycode eq 'EUR'")))
    order_id = str(uuid.uuid4())
    crm.create(
        "salesorders",
        {
            "salesorderid": order_id,
            "name": "Office furniture",
            "ordernumber": f"ORD-{order_id[:5].upper()}",
            "customerid_contact@odata.bind": f"/contacts({contact})",
            "transactioncurrencyid@odata.bind": f"/transactioncurrencies({euro['transactioncurrencyid']})",
        },
    )
    for number, (name, quantity, price) in enumerate((("Office chair", 2, 120.0), ("Desk", 1, 260.0)), 1):
        crm.create(
            "salesorderdetails",
            {
                "salesorderid@odata.bind": f"/salesorders({order_id})",
                "productdescription": name,
                "quantity": quantity,
                "priceperunit": price,
                "lineitemnumber": number,
            },
        )
    return order_id


def _admin(paypal_url: str, path: str, body: dict[str, Any] | None = None) -> None:
    requests.post(f"{paypal_url}/_sim/{path}", json=body or {}, timeout=10).raise_for_status()


def _status(crm: DataverseClient, key: str) -> PaymentStatus:
    row = crm.retrieve("smart_payments", AlternateKey({"smart_idempotencykey": key}), select=["smart_status"])
    return PaymentStatus.from_option_value(row["smart_status"])


def _wait(done: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)

"""State changes that emit webhooks: pay/refund/cancel an invoice, approve/capture an order.

Each function expects the simulator's state lock to be held; it queues signed events with
``sim.emit`` and returns them. Delivery happens after the lock is released.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from local_runtime.simulators.paypal._common import money, now_rfc3339
from local_runtime.simulators.paypal._orders import breakdown
from local_runtime.simulators.paypal._webhooks import SimEvent

if TYPE_CHECKING:
    from local_runtime.simulators.paypal._simulator import PayPalSimulator


def _summary(amount: dict[str, str], verb: str) -> str:
    return f"Payment {verb} for {amount['currency_code']} {amount['value']} {amount['currency_code']}"


def pay_invoice(sim: PayPalSimulator, invoice_id: str, amount: Decimal | None) -> list[SimEvent]:
    book, ids = sim.invoice_book, sim.ids
    capture_id = ids.resource()
    paid = book.pay(invoice_id, capture_id, amount)
    invoice = book.get(invoice_id)
    reference = invoice.body["detail"].get("reference")
    amount_paid = money(paid, invoice.currency)
    capture: dict[str, Any] = {
        "id": capture_id,
        "status": "COMPLETED",
        "amount": amount_paid,
        "final_capture": True,
        "invoice_id": invoice.number,
        "seller_receivable_breakdown": breakdown(paid, invoice.currency),
        "create_time": now_rfc3339(),
        "links": [{"href": f"{sim.url}/v2/payments/captures/{capture_id}", "rel": "self", "method": "GET"}],
    }
    if reference:
        capture["custom_id"] = reference
    paid_event = sim.emit(
        "INVOICING.INVOICE.PAID",
        "invoices",
        {"invoice": invoice.to_json(sim.url)},
        "An invoice is paid, partially paid, or payment is made and is pending.",
    )
    capture_event = sim.emit(
        "PAYMENT.CAPTURE.COMPLETED", "capture", capture, _summary(amount_paid, "completed")
    )
    return [paid_event, capture_event]


def refund_invoice(sim: PayPalSimulator, invoice_id: str, amount: Decimal | None) -> list[SimEvent]:
    book, ids = sim.invoice_book, sim.ids
    refund_id = ids.resource()
    refunded = book.refund(invoice_id, refund_id, amount)
    invoice = book.get(invoice_id)
    capture_id = str(invoice.payments[-1]["payment_id"]) if invoice.payments else ""
    amount_refunded = money(refunded, invoice.currency)
    refund: dict[str, Any] = {
        "id": refund_id,
        "status": "COMPLETED",
        "amount": amount_refunded,
        "invoice_id": invoice.number,
        "create_time": now_rfc3339(),
        "links": [
            {"href": f"{sim.url}/v2/payments/refunds/{refund_id}", "rel": "self", "method": "GET"},
            {"href": f"{sim.url}/v2/payments/captures/{capture_id}", "rel": "up", "method": "GET"},
        ],
    }
    invoice_event = sim.emit(
        "INVOICING.INVOICE.REFUNDED",
        "invoices",
        {"invoice": invoice.to_json(sim.url)},
        "An invoice is refunded.",
    )
    refund_event = sim.emit(
        "PAYMENT.CAPTURE.REFUNDED", "refund", refund, _summary(amount_refunded, "refunded")
    )
    return [invoice_event, refund_event]


def cancel_invoice(sim: PayPalSimulator, invoice_id: str) -> list[SimEvent]:
    if not sim.invoice_book.cancel(invoice_id):
        return []  # already cancelled: no second event
    resource = {"invoice": sim.invoice_book.get(invoice_id).to_json(sim.url)}
    return [sim.emit("INVOICING.INVOICE.CANCELLED", "invoices", resource, "An invoice is cancelled.")]


def approve_order(sim: PayPalSimulator, order_id: str) -> list[SimEvent]:
    order = sim.order_book.approve(order_id)
    return [
        sim.emit(
            "CHECKOUT.ORDER.APPROVED",
            "checkout-order",
            order.to_json(sim.url),
            "An order has been approved by buyer.",
        )
    ]


def capture_order(sim: PayPalSimulator, order_id: str) -> list[SimEvent]:
    capture = sim.order_book.capture(order_id, sim.url)
    return [
        sim.emit("PAYMENT.CAPTURE.COMPLETED", "capture", capture, _summary(capture["amount"], "completed"))
    ]

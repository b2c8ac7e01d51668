"""Payments: PayPal invoices for CRM orders, the PayPal webhook, the reconcile timer and analytics."""

from __future__ import annotations

import azure.functions as func

from functions.common.http import endpoint, json_response, parse_json, parse_query
from functions.common.operations import operation
from functions.common.ports import get_bus
from functions.common.queueing import queue_handler
from functions.payments import wiring
from functions.payments.events import parse_order_message
from functions.payments.models import (
    AnalyticsQuery,
    CreateInvoiceRequest,
    InvoiceActionRequest,
    InvoiceResult,
    PaymentAnalytics,
    WebhookAccepted,
)
from functions.payments.settings import reconcile_schedule
from functions.payments.webhooks import accept_webhook

bp = func.Blueprint()

_ID = {"id": "PayPal invoice id, e.g. INV2-Z56S-5LLA-Q52L-CPZ5."}
_ERRORS = (400, 401, 404, 409, 422, 502, 503)


def _action(req: func.HttpRequest) -> InvoiceActionRequest:
    return parse_json(req, InvoiceActionRequest) if req.get_body() else InvoiceActionRequest()


@bp.route(route="invoices", methods=["POST"])
@operation(
    connector="payments",
    operation_id="CreateInvoice",
    summary="Invoice an order with PayPal",
    description="Creates and sends a PayPal invoice for a CRM order (or explicit lines) and records the "
    "payment; repeating the call answers the same invoice.",
    request=CreateInvoiceRequest,
    response=InvoiceResult,
    status=201,
    errors=_ERRORS,
)
@endpoint
def create_invoice(req: func.HttpRequest) -> func.HttpResponse:
    result = wiring.get_invoice_service().create(parse_json(req, CreateInvoiceRequest))
    return json_response(result, 201 if result.created else 200)


@bp.route(route="invoices/{id}", methods=["GET"])
@operation(
    connector="payments",
    operation_id="GetInvoice",
    summary="Get an invoice",
    description="PayPal's current status and amounts of an invoice; the CRM payment is updated if it lagged.",
    response=InvoiceResult,
    path_parameters=_ID,
    errors=_ERRORS,
)
@endpoint
def get_invoice(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(wiring.get_invoice_service().get(req.route_params.get("id", "")))


@bp.route(route="invoices/{id}/cancel", methods=["POST"])
@operation(
    connector="payments",
    operation_id="CancelInvoice",
    summary="Cancel an invoice",
    description="Cancels a sent, unpaid PayPal invoice and records it; cancelling twice is harmless.",
    request=InvoiceActionRequest,
    response=InvoiceResult,
    path_parameters=_ID,
    errors=_ERRORS,
)
@endpoint
def cancel_invoice(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(wiring.get_invoice_service().cancel(req.route_params.get("id", ""), _action(req)))


@bp.route(route="invoices/{id}/remind", methods=["POST"])
@operation(
    connector="payments",
    operation_id="RemindInvoice",
    summary="Remind the payer",
    description="Sends a payment reminder for an unpaid invoice; an Idempotency-Key header makes "
    "retries safe.",
    request=InvoiceActionRequest,
    response=InvoiceResult,
    path_parameters=_ID,
    errors=_ERRORS,
)
@endpoint
def remind_invoice(req: func.HttpRequest) -> func.HttpResponse:
    service = wiring.get_invoice_service()
    key = req.headers.get("idempotency-key")
    return json_response(service.remind(req.route_params.get("id", ""), _action(req), key))


@bp.route(route="payments/analytics", methods=["GET"])
@operation(
    connector="payments",
    operation_id="GetPaymentAnalytics",
    summary="Payment analytics",
    description="Invoiced, paid, overdue and refunded amounts by currency and the median time to pay.",
    query=AnalyticsQuery,
    response=PaymentAnalytics,
    errors=(401, 422, 503),
)
@endpoint
def payment_analytics(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(wiring.get_analytics().report(parse_query(req, AnalyticsQuery)))


@bp.route(route="paypal/webhook", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@operation(
    operation_id="ReceivePayPalWebhook",
    summary="Receive a PayPal webhook",
    description="PayPal webhook: verifies the signature, queues the event and answers at once.",
    response=WebhookAccepted,
    errors=(400, 401, 503),
)
@endpoint
def paypal_webhook(req: func.HttpRequest) -> func.HttpResponse:
    event = accept_webhook(req.get_body(), dict(req.headers.items()), wiring.get_verifier(), get_bus())
    return json_response(WebhookAccepted(status="accepted", event_id=event.id, event_type=event.event_type))


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="payments", connection="SERVICEBUS_CONNECTION")
@queue_handler
def invoice_orders(msg: func.ServiceBusMessage) -> None:
    wiring.get_invoice_service().invoice_order(parse_order_message(msg.get_body()))


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="paypal-events", connection="SERVICEBUS_CONNECTION")
@queue_handler
def paypal_events(msg: func.ServiceBusMessage) -> None:
    wiring.get_event_applier().apply(msg.get_body())


@bp.timer_trigger(arg_name="timer", schedule=reconcile_schedule(), run_on_startup=False)
def reconcile_payments(timer: func.TimerRequest) -> None:
    wiring.get_reconciler().run()

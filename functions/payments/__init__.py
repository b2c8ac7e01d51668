"""Payments capability: PayPal invoices for CRM orders, verified webhooks, status sync, analytics.

Endpoints (function key unless stated): ``POST /api/invoices``, ``GET /api/invoices/{id}``,
``POST /api/invoices/{id}/cancel``, ``POST /api/invoices/{id}/remind``,
``GET /api/payments/analytics?from=&to=``, ``POST /api/paypal/webhook`` (anonymous, signature-checked).
Queues: ``payments`` (invoice a confirmed order), ``paypal-events`` (verified webhook events).
Timer: ``reconcile_payments`` on ``PAYPAL_RECONCILE_SCHEDULE`` (default every 30 minutes).
"""

from functions.payments.events import register_event_handlers
from functions.payments.settings import PaymentSettings

__all__ = ["PaymentSettings", "register_event_handlers"]

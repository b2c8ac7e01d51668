"""PayPalSimulator: OAuth, Invoicing v2, Orders v2 and webhooks over loopback HTTP, like PayPal."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from local_runtime.loopback import Faults, LoopbackServer, Request, Response
from local_runtime.simulators.paypal import _payments
from local_runtime.simulators.paypal._admin import handle_admin
from local_runtime.simulators.paypal._api import Route, build_routes
from local_runtime.simulators.paypal._common import ApiError, Ids, OAuthError
from local_runtime.simulators.paypal._invoices import InvoiceBook, SimInvoice
from local_runtime.simulators.paypal._orders import OrderBook
from local_runtime.simulators.paypal._signing import COMMON_NAME
from local_runtime.simulators.paypal._webhooks import (
    DeliveryOptions,
    SimEvent,
    WebhookHub,
    check_listener_url,
)

_TRANSIENT_NAMES = {429: "RATE_LIMIT_REACHED", 500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE"}


@dataclass
class FailRule:
    status: int = 503
    count: int = 1
    path_prefix: str = ""
    after_effect: bool = False  # process the request (create the invoice) and THEN answer the error
    retry_after: float | None = None


class PayPalSimulator:
    """A PayPal stand-in: ``PayPalClient(sim.url, PayPalCredential(sim.client_id, sim.client_secret))``."""

    def __init__(
        self,
        port: int = 0,
        *,
        client_id: str = "sim-client",
        client_secret: str = "sim-secret",  # noqa: S107 - the simulator's well-known test secret
        webhook_id: str = "WH-SIM-1",
        seed: int = 0,
        token_expires_in: int = 32400,
        webhook_listeners: Sequence[str] = (),
    ) -> None:
        self.client_id, self.client_secret, self.webhook_id = client_id, client_secret, webhook_id
        self.token_expires_in = token_expires_in
        self._lock = threading.RLock()
        self._ids = Ids(seed)
        self._server = LoopbackServer(self.handle, port=port, name="paypal-simulator")
        self._initial_listeners = [check_listener_url(url) for url in webhook_listeners]
        self.hub = WebhookHub(self._ids, webhook_id, self.cert_url, seed)
        self._outbox: list[SimEvent] = []
        self._routes = build_routes()
        self._reset_state()

    def _reset_state(self) -> None:
        with self._lock:
            self.invoice_book = InvoiceBook(self._ids)
            self.order_book = OrderBook(self._ids)
            self._tokens: dict[str, float] = {}
            self.tokens_issued = 0
            self._idempotency: dict[tuple[str, str], Response] = {}
            self._fail_rules: list[FailRule] = []
            self.counts: Counter[str] = Counter()
            self._outbox = []
        self.hub.reset(self._initial_listeners)
        self._server.reset_counts()

    # --- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def ids(self) -> Ids:
        return self._ids

    @property
    def server(self) -> LoopbackServer:
        return self._server

    def cert_url(self, name: str) -> str:
        return f"{self.url}/v1/notifications/certs/{name}"

    def start(self) -> PayPalSimulator:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> PayPalSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def verification_options(self) -> dict[str, Any]:
        """Keyword arguments for ``connectors.paypal.verify_offline`` against this simulator (local mode)."""
        return {
            "allowed_cert_hosts": (),
            "allow_http_hosts": ("127.0.0.1",),
            "cert_name_suffixes": ("." + COMMON_NAME.split(".", 1)[1],),
        }

    # --- request handling --------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/_sim/"):
            response = handle_admin(self, request)
        else:
            response = self._handle_api(request)
        self._flush_outbox()
        return response

    def _route(self, request: Request) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes:
            match = route.pattern.fullmatch(request.path)
            if match and route.method == request.method:
                return route, match.groupdict()
        return None

    def _handle_api(self, request: Request) -> Response:
        found = self._route(request)
        if found is None:
            return ApiError(404, "NOT_FOUND", "The requested resource was not found.").response(
                self._ids.debug_id()
            )
        route, params = found
        with self._lock:
            self.counts[route.name] += 1
        debug_id = self._ids.debug_id()
        rule = self._take_fail_rule(request.path, after_effect=False)
        if rule is not None:
            return self._fail(rule, debug_id)
        try:
            if route.authenticated:
                self._authenticate(request)
            response = self._dispatch(route, request, params)
        except ApiError as error:
            response = error.response(debug_id)
        response.headers.setdefault("PayPal-Debug-Id", debug_id)
        rule = self._take_fail_rule(request.path, after_effect=True)
        return self._fail(rule, debug_id) if rule is not None else response

    def _dispatch(self, route: Route, request: Request, params: dict[str, str]) -> Response:
        request_id = request.headers.get("PayPal-Request-Id")
        if not route.keyed or not request_id:
            with self._lock:
                return route.handler(self, request, params)
        with self._lock:  # one keyed call at a time: a concurrent duplicate waits and then replays
            key = (route.name, request_id)
            stored = self._idempotency.get(key)
            if stored is not None:
                status = 200 if route.name.endswith("/capture") and stored.status == 201 else stored.status
                return Response(status, stored.body, dict(stored.headers))
            try:
                response = route.handler(self, request, params)
            except ApiError as error:
                response = error.response(self._ids.debug_id())
            if response.status < 500:
                self._idempotency[key] = response
            return response

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("Authorization") or ""
        token = header[7:] if header.startswith("Bearer ") else ""
        with self._lock:
            expires_at = self._tokens.get(token)
        if expires_at is None:
            raise OAuthError(401, "invalid_token", "Token signature verification failed")
        if time.monotonic() >= expires_at:
            raise OAuthError(401, "invalid_token", "Access Token not found in cache")

    def _take_fail_rule(self, path: str, *, after_effect: bool) -> FailRule | None:
        with self._lock:
            for rule in self._fail_rules:
                if rule.after_effect == after_effect and path.startswith(rule.path_prefix) and rule.count > 0:
                    rule.count -= 1
                    self._fail_rules = [r for r in self._fail_rules if r.count > 0]
                    self.counts[f"fault {rule.status}"] += 1
                    return rule
        return None

    def _fail(self, rule: FailRule, debug_id: str) -> Response:
        name = _TRANSIENT_NAMES.get(rule.status, f"HTTP_{rule.status}")
        headers = {"Retry-After": f"{rule.retry_after:g}"} if rule.retry_after is not None else {}
        return ApiError(rule.status, name, "Injected fault.").response(debug_id, headers)

    def _flush_outbox(self) -> None:
        with self._lock:
            events, self._outbox = self._outbox, []
        self.hub.dispatch(events)

    # --- effects (Python API for tests and the admin API); webhooks go out after the lock is released

    def invoice(self, invoice_id: str) -> SimInvoice:
        with self._lock:
            return self.invoice_book.get(invoice_id)

    def pay_invoice(self, invoice_id: str, amount: Decimal | None = None) -> list[SimEvent]:
        """The payer pays (all, or ``amount``): INVOICING.INVOICE.PAID + PAYMENT.CAPTURE.COMPLETED."""
        return self._run_effect(lambda: _payments.pay_invoice(self, invoice_id, amount))

    def refund_invoice(self, invoice_id: str, amount: Decimal | None = None) -> list[SimEvent]:
        """The merchant refunds: INVOICING.INVOICE.REFUNDED + PAYMENT.CAPTURE.REFUNDED."""
        return self._run_effect(lambda: _payments.refund_invoice(self, invoice_id, amount))

    def cancel_invoice(self, invoice_id: str) -> list[SimEvent]:
        return self._run_effect(lambda: _payments.cancel_invoice(self, invoice_id))

    def approve_order(self, order_id: str) -> list[SimEvent]:
        """The buyer approves: CHECKOUT.ORDER.APPROVED (the merchant still has to capture)."""
        return self._run_effect(lambda: _payments.approve_order(self, order_id))

    def pay_order(self, order_id: str) -> list[SimEvent]:
        """Approve and capture in one go: CHECKOUT.ORDER.APPROVED + PAYMENT.CAPTURE.COMPLETED."""
        return self._run_effect(
            lambda: _payments.approve_order(self, order_id) + _payments.capture_order(self, order_id)
        )

    def _run_effect(self, effect: Callable[[], list[SimEvent]]) -> list[SimEvent]:
        with self._lock:
            events = effect()
        self._flush_outbox()
        return events

    def emit(self, event_type: str, resource_type: str, resource: dict[str, Any], summary: str) -> SimEvent:
        """Queue a signed event for delivery (callers hold the state lock; delivery happens later)."""
        event = self.hub.emit(event_type, resource_type, resource, summary, self.url)
        with self._lock:
            self._outbox.append(event)
        return event

    def issue_token(self) -> str:
        with self._lock:
            token = self._ids.token()
            self._tokens[token] = time.monotonic() + self.token_expires_in
            self.tokens_issued += 1
            return token

    # --- knobs (also reachable through the admin API) ------------------------------------------------

    def reset(self) -> None:
        """Forget invoices, orders, tokens, idempotency keys, events, rules, counters (not certificates)."""
        self._server.faults = Faults()
        self._reset_state()

    def expire_tokens(self) -> int:
        """Make every issued token expired: the next call with one gets 401 invalid_token."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = 0.0
            return len(self._tokens)

    def fail_next(
        self,
        status: int = 503,
        *,
        count: int = 1,
        path_prefix: str = "/v",
        after_effect: bool = False,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next ``count`` matching API requests with ``status``. ``after_effect=True`` first
        performs the request (creates the invoice, stores the idempotency key) and then fails, which
        is the case a retry with the same PayPal-Request-Id must survive."""
        with self._lock:
            self._fail_rules.append(FailRule(status, count, path_prefix, after_effect, retry_after))

    def set_faults(self, faults: Faults) -> None:
        """Random latency / 5xx / 429 / timeouts / drops for every request (see ``loopback.Faults``)."""
        self._server.faults = faults

    def add_webhook_listener(self, url: str) -> None:
        with self._lock:
            self.hub.listeners.append(check_listener_url(url))

    def set_webhook_delivery(self, *, duplicates: int = 0, reverse: bool = False, hold: bool = False) -> None:
        self.hub.options = DeliveryOptions(duplicates=duplicates, reverse=reverse, hold=hold)

    def flush_webhooks(self, order: str = "fifo") -> int:
        """Deliver held events in ``fifo``, ``reverse`` or ``shuffle`` (seeded) order; returns how many."""
        if order not in ("fifo", "reverse", "shuffle"):
            raise ValueError("order must be fifo, reverse or shuffle")
        return self.hub.flush(order)

    def use_certificate(self, *, expired: bool = False) -> str:
        """Sign from now on with a new test certificate (optionally already expired); returns its URL."""
        return self.cert_url(self.hub.rotate_certificate(expired=expired).name)

    def sign(self, body: bytes, *, webhook_id: str | None = None) -> dict[str, str]:
        """PayPal transmission headers for any body (to build signed or tampered fixtures)."""
        return self.hub.sign(body, webhook_id=webhook_id)

    @property
    def events(self) -> list[SimEvent]:
        return list(self.hub.events)

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        return list(self.hub.deliveries)

    @property
    def invoice_count(self) -> int:
        with self._lock:
            return len(self.invoice_book.invoices)

    @property
    def order_count(self) -> int:
        with self._lock:
            return len(self.order_book.orders)

    def state(self) -> dict[str, Any]:
        with self._lock:
            invoices = [
                {
                    "id": i.id,
                    "invoice_number": i.number,
                    "status": i.status,
                    "currency": i.currency,
                    "amount": str(i.total),
                    "reference": i.body["detail"].get("reference"),
                    "reminders": i.reminders,
                }
                for i in self.invoice_book.invoices.values()
            ]
            orders = [
                {
                    "id": o.id,
                    "status": o.status,
                    "currency": o.currency,
                    "amount": str(o.total),
                    "reference_ids": [u.get("reference_id") for u in o.units],
                    "captures": [c["id"] for c in o.captures],
                }
                for o in self.order_book.orders.values()
            ]
            result: dict[str, Any] = {
                "counts": dict(self.counts),
                "tokens_issued": self.tokens_issued,
                "invoices": invoices,
                "orders": orders,
                "pending_failures": [vars(rule) for rule in self._fail_rules],
            }
        result["server_counts"] = dict(self._server.counts)
        result["faults_injected"] = dict(self._server.faults_injected)
        result["webhooks"] = self.hub.snapshot()
        return result

"""The PayPal wire API of the simulator: routes and their handlers (called with the state lock held)."""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from local_runtime.loopback import Request, Response
from local_runtime.simulators.paypal import _payments
from local_runtime.simulators.paypal._common import ApiError, OAuthError, detail, invalid_request, not_found

if TYPE_CHECKING:
    from local_runtime.simulators.paypal._simulator import PayPalSimulator

Handler = Callable[["PayPalSimulator", Request, dict[str, str]], Response]

_PARAMETER = re.compile(r"\(\?P<(\w+)>\[\^/\]\+\)")


@dataclass(frozen=True)
class Route:
    name: str  # "POST /v2/invoicing/invoices/{id}/send": the key of the simulator's counters
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    authenticated: bool = True
    keyed: bool = False  # unsafe: honours PayPal-Request-Id by replaying the first result


def build_routes() -> list[Route]:
    inv, orders = r"/v2/invoicing/invoices", r"/v2/checkout/orders"
    table: list[tuple[str, str, Handler, bool, bool]] = [
        ("POST", r"/v1/oauth2/token", token, False, False),
        ("GET", r"/v1/notifications/certs/(?P<name>[^/]+)", certificate, False, False),
        ("POST", r"/v1/notifications/verify-webhook-signature", verify, True, False),
        ("GET", r"/v1/notifications/webhooks-events", list_events, True, False),
        ("POST", r"/v2/invoicing/generate-next-invoice-number", next_number, True, False),
        ("POST", r"/v2/invoicing/search-invoices", search, True, False),
        ("POST", inv, create_invoice, True, True),
        ("GET", inv + r"/(?P<id>[^/]+)", get_invoice, True, False),
        ("POST", inv + r"/(?P<id>[^/]+)/send", send_invoice, True, True),
        ("POST", inv + r"/(?P<id>[^/]+)/cancel", cancel_invoice, True, True),
        ("POST", inv + r"/(?P<id>[^/]+)/remind", remind_invoice, True, True),
        ("POST", orders, create_order, True, True),
        ("GET", orders + r"/(?P<id>[^/]+)", get_order, True, False),
        ("POST", orders + r"/(?P<id>[^/]+)/capture", capture_order, True, True),
    ]
    routes = []
    for method, pattern, handler, authenticated, keyed in table:
        name = method + " " + _PARAMETER.sub(r"{\1}", pattern)
        routes.append(Route(name, method, re.compile(pattern), handler, authenticated, keyed))
    return routes


def token(sim: PayPalSimulator, request: Request, _: dict[str, str]) -> Response:
    header = request.headers.get("Authorization") or ""
    try:
        user, _colon, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user, password = "", ""
    valid = header.startswith("Basic ") and hmac.compare_digest(
        f"{user}:{password}".encode(), f"{sim.client_id}:{sim.client_secret}".encode()
    )
    if not valid:
        raise OAuthError(401, "invalid_client", "Client Authentication failed")
    if b"grant_type=client_credentials" not in request.body:
        raise OAuthError(400, "unsupported_grant_type", "Grant Type is NULL or not supported")
    token = sim.issue_token()
    return Response.json(
        {
            "scope": "https://uri.paypal.com/services/invoicing https://uri.paypal.com/services/payments/payment",
            "access_token": token,
            "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T",
            "expires_in": sim.token_expires_in,
            "nonce": f"{time.strftime('%Y-%m-%dT%H:%M:%SZ')}{sim.ids.text(8)}",
        }
    )


def certificate(sim: PayPalSimulator, _: Request, params: dict[str, str]) -> Response:
    pem = sim.hub.certificate_pem(params["name"])
    if pem is None:
        raise not_found(params["name"])
    return Response(200, pem, {"Content-Type": "application/x-pem-file"})


def verify(sim: PayPalSimulator, request: Request, _: dict[str, str]) -> Response:
    return Response.json({"verification_status": sim.hub.verify(request.body)})


def list_events(sim: PayPalSimulator, _: Request, __: dict[str, str]) -> Response:
    events = [event.json() for event in sim.hub.events]
    return Response.json({"events": events, "count": len(events), "links": []})


def next_number(sim: PayPalSimulator, _: Request, __: dict[str, str]) -> Response:
    return Response.json({"invoice_number": sim.invoice_book.next_number()})


def create_invoice(sim: PayPalSimulator, request: Request, _: dict[str, str]) -> Response:
    invoice = sim.invoice_book.create(_json_body(request))
    if "return=representation" in (request.headers.get("Prefer") or ""):
        return Response.json(invoice.to_json(sim.url), 201)
    href = f"{sim.url}/v2/invoicing/invoices/{invoice.id}"
    return Response.json({"rel": "self", "href": href, "method": "GET"}, 201)


def get_invoice(sim: PayPalSimulator, _: Request, params: dict[str, str]) -> Response:
    return Response.json(sim.invoice_book.get(params["id"]).to_json(sim.url))


def send_invoice(sim: PayPalSimulator, _: Request, params: dict[str, str]) -> Response:
    if sim.invoice_book.send(params["id"]):
        return Response.empty(202)
    href = f"{sim.url}/invoice/p/#{params['id']}"
    return Response.json({"rel": "payer-view", "href": href, "method": "GET"})


def cancel_invoice(sim: PayPalSimulator, _: Request, params: dict[str, str]) -> Response:
    _payments.cancel_invoice(sim, params["id"])
    return Response.empty(204)


def remind_invoice(sim: PayPalSimulator, _: Request, params: dict[str, str]) -> Response:
    sim.invoice_book.remind(params["id"])
    return Response.empty(204)


def search(sim: PayPalSimulator, request: Request, _: dict[str, str]) -> Response:
    page, page_size = _int_arg(request, "page", 1, 1, 10_000), _int_arg(request, "page_size", 20, 1, 100)
    total_required = (request.arg("total_required") or "false").lower() == "true"
    found, total = sim.invoice_book.search(_json_body(request, {}), page, page_size)
    pages = max(1, -(-total // page_size))
    result: dict[str, Any] = {"items": [invoice.to_json(sim.url) for invoice in found], "links": []}
    if total_required:
        result["total_items"], result["total_pages"] = total, pages
    if page < pages:
        href = f"{sim.url}/v2/invoicing/search-invoices?page={page + 1}&page_size={page_size}"
        result["links"].append({"href": href, "rel": "next", "method": "POST"})
    return Response.json(result)


def create_order(sim: PayPalSimulator, request: Request, _: dict[str, str]) -> Response:
    order = sim.order_book.create(_json_body(request))
    full = order.to_json(sim.url)
    if "return=representation" in (request.headers.get("Prefer") or ""):
        return Response.json(full, 201)
    return Response.json({"id": full["id"], "status": full["status"], "links": full["links"]}, 201)


def get_order(sim: PayPalSimulator, _: Request, params: dict[str, str]) -> Response:
    return Response.json(sim.order_book.get(params["id"]).to_json(sim.url))


def capture_order(sim: PayPalSimulator, _: Request, params: dict[str, str]) -> Response:
    _payments.capture_order(sim, params["id"])
    return Response.json(sim.order_book.get(params["id"]).to_json(sim.url), 201)


def _json_body(request: Request, default: Any = None) -> Any:
    if not request.body:
        return default
    try:
        return request.json()
    except ValueError:
        raise ApiError(
            400,
            "INVALID_REQUEST",
            "Request is not well-formed.",
            [detail("/", "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")],
        ) from None


def _int_arg(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.arg(name)
    try:
        value = default if text is None else int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise invalid_request(
            [detail(name, "INVALID_PARAMETER_VALUE", f"{name} must be {low}-{high}.", text, "query")]
        )
    return value

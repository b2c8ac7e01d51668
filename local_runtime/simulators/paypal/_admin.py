"""The simulator's admin API under ``/_sim/`` (JSON), for the demo, chaos runs and other processes.

GET  /_sim/state                     counters, invoices, orders, tokens, webhook deliveries
POST /_sim/reset                     forget everything (certificates stay)
POST /_sim/faults                    body = loopback Faults fields (latency_ms, error_rate, ...)
POST /_sim/fail-next                 {"status":503,"count":1,"path_prefix":"/v2","after_effect":false,
                                      "retry_after":null}
POST /_sim/tokens/expire             every issued token is expired from now on
GET  /_sim/webhook-listeners         list;  POST {"url": "http://127.0.0.1:.../..."} adds (loopback only)
POST /_sim/webhook-delivery          {"duplicates":0,"reverse":false,"hold":false}
POST /_sim/webhooks/flush            {"order":"fifo"|"reverse"|"shuffle"} delivers held events
GET  /_sim/webhooks/events           every emitted event: id, type, exact body and signed headers
POST /_sim/certificate               {"expired": false} sign with a new (optionally expired) certificate
POST /_sim/invoices/{id}/pay         {"amount": "10.00"} optional (partial payment); /refund likewise; /cancel
POST /_sim/orders/{id}/approve       buyer approval;  /_sim/orders/{id}/pay approves and captures
"""

from __future__ import annotations

import json
import re
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from local_runtime.loopback import Faults, Request, Response
from local_runtime.simulators.paypal._common import ApiError

if TYPE_CHECKING:
    from local_runtime.simulators.paypal._simulator import PayPalSimulator

_EFFECT = re.compile(r"/_sim/(?P<kind>invoices|orders)/(?P<id>[^/]+)/(?P<action>pay|refund|cancel|approve)")


def _body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    data = json.loads(request.body)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _amount(body: dict[str, Any]) -> Decimal | None:
    if body.get("amount") is None:
        return None
    try:
        return Decimal(str(body["amount"]))
    except InvalidOperation as error:
        raise ValueError("amount must be a decimal string") from error


def _faults(body: dict[str, Any]) -> Faults:
    known = {f.name for f in fields(Faults)}
    unknown = set(body) - known
    if unknown:
        raise ValueError(f"unknown fault fields: {sorted(unknown)}")
    if "only_paths" in body:
        body = {**body, "only_paths": tuple(body["only_paths"])}
    return Faults(**body)


def _events(sim: PayPalSimulator) -> list[dict[str, Any]]:
    return [
        {"id": e.id, "event_type": e.event_type, "body": e.body.decode("utf-8"), "headers": e.headers}
        for e in sim.events
    ]


def _effect(sim: PayPalSimulator, kind: str, item_id: str, action: str, body: dict[str, Any]) -> list[Any]:
    if kind == "invoices" and action == "pay":
        events = sim.pay_invoice(item_id, _amount(body))
    elif kind == "invoices" and action == "refund":
        events = sim.refund_invoice(item_id, _amount(body))
    elif kind == "invoices" and action == "cancel":
        events = sim.cancel_invoice(item_id)
    elif kind == "orders" and action == "approve":
        events = sim.approve_order(item_id)
    elif kind == "orders" and action == "pay":
        events = sim.pay_order(item_id)
    else:
        raise ValueError(f"{action} is not available for {kind}")
    return [{"id": event.id, "event_type": event.event_type} for event in events]


def handle_admin(sim: PayPalSimulator, request: Request) -> Response:
    path, method = request.path.rstrip("/"), request.method
    try:
        body = _body(request) if method == "POST" else {}
        if (method, path) == ("GET", "/_sim/state"):
            return Response.json(sim.state())
        if (method, path) == ("POST", "/_sim/reset"):
            sim.reset()
            return Response.json({"reset": True})
        if (method, path) == ("POST", "/_sim/faults"):
            sim.set_faults(_faults(body))
            return Response.json({"faults": body})
        if (method, path) == ("POST", "/_sim/fail-next"):
            sim.fail_next(
                int(body.get("status", 503)),
                count=int(body.get("count", 1)),
                path_prefix=str(body.get("path_prefix", "/v")),
                after_effect=bool(body.get("after_effect", False)),
                retry_after=body.get("retry_after"),
            )
            return Response.json({"queued": True})
        if (method, path) == ("POST", "/_sim/tokens/expire"):
            return Response.json({"expired": sim.expire_tokens()})
        if path == "/_sim/webhook-listeners":
            if method == "POST":
                sim.add_webhook_listener(str(body.get("url", "")))
            return Response.json({"listeners": list(sim.hub.listeners)})
        if (method, path) == ("POST", "/_sim/webhook-delivery"):
            sim.set_webhook_delivery(
                duplicates=int(body.get("duplicates", 0)),
                reverse=bool(body.get("reverse", False)),
                hold=bool(body.get("hold", False)),
            )
            return Response.json({"delivery": body})
        if (method, path) == ("POST", "/_sim/webhooks/flush"):
            return Response.json({"delivered": sim.flush_webhooks(str(body.get("order", "fifo")))})
        if (method, path) == ("GET", "/_sim/webhooks/events"):
            return Response.json({"events": _events(sim)})
        if (method, path) == ("POST", "/_sim/certificate"):
            return Response.json({"cert_url": sim.use_certificate(expired=bool(body.get("expired", False)))})
        effect = _EFFECT.fullmatch(path)
        if effect and method == "POST":
            return Response.json(
                {"events": _effect(sim, effect["kind"], effect["id"], effect["action"], body)}
            )
    except ApiError as error:
        return error.response(sim.ids.debug_id())
    except (ValueError, TypeError) as error:
        return Response.json({"error": str(error)}, 400)
    return Response.json({"error": f"no admin endpoint {method} {path}"}, 404)

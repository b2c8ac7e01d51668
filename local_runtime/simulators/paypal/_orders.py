"""Orders v2 state of the simulator: create, approve (the buyer's step), capture. Callers hold the lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from local_runtime.simulators.paypal._common import (
    ApiError,
    Ids,
    decimals,
    detail,
    invalid_request,
    missing,
    money,
    not_found,
    now_rfc3339,
    parse_money,
    unprocessable,
)


@dataclass
class SimOrder:
    id: str
    status: str
    intent: str
    units: list[dict[str, Any]]  # reference_id, custom_id, invoice_id, description, amount
    currency: str
    total: Decimal
    payer_action: bool  # payment_source.paypal.experience_context flow: rel "payer-action"
    create_time: str
    captures: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, base_url: str) -> dict[str, Any]:
        self_url = f"{base_url}/v2/checkout/orders/{self.id}"
        units = [dict(unit) for unit in self.units]
        if self.captures:
            units[0]["payments"] = {"captures": self.captures}
        links = [{"href": self_url, "rel": "self", "method": "GET"}]
        if self.status in ("CREATED", "PAYER_ACTION_REQUIRED"):
            rel = "payer-action" if self.payer_action else "approve"
            links.append({"href": f"{base_url}/checkoutnow?token={self.id}", "rel": rel, "method": "GET"})
        links.append({"href": self_url, "rel": "update", "method": "PATCH"})
        links.append({"href": f"{self_url}/capture", "rel": "capture", "method": "POST"})
        return {
            "id": self.id,
            "intent": self.intent,
            "status": self.status,
            "purchase_units": units,
            "create_time": self.create_time,
            "links": links,
        }


class OrderBook:
    def __init__(self, ids: Ids) -> None:
        self._ids = ids
        self.orders: dict[str, SimOrder] = {}

    def create(self, body: Any) -> SimOrder:
        if not isinstance(body, dict):
            raise invalid_request([missing("/")])
        errors = []
        if body.get("intent") not in ("CAPTURE", "AUTHORIZE"):
            errors.append(
                missing("/intent")
                if not body.get("intent")
                else detail(
                    "/intent",
                    "INVALID_PARAMETER_VALUE",
                    "The value of a field is invalid.",
                    body.get("intent"),
                )
            )
        units = body.get("purchase_units")
        if not isinstance(units, list) or not units:
            errors.append(missing("/purchase_units"))
        else:
            errors.extend(
                missing(f"/purchase_units/{index}/amount")
                for index, unit in enumerate(units)
                if not isinstance(unit, dict) or not unit.get("amount")
            )
        if errors:
            raise invalid_request(errors)
        assert isinstance(units, list)
        amounts = [parse_money(unit["amount"], f"/purchase_units/{i}/amount") for i, unit in enumerate(units)]
        for index, unit in enumerate(units):
            for name in ("custom_id", "invoice_id"):
                if len(str(unit.get(name) or "")) > 127:
                    raise invalid_request(
                        [
                            detail(
                                f"/purchase_units/{index}/{name}",
                                "INVALID_STRING_LENGTH",
                                "The value of a field is too long.",
                            )
                        ]
                    )
            invoice_id = unit.get("invoice_id")
            if invoice_id and any(
                u.get("invoice_id") == invoice_id for o in self.orders.values() for u in o.units
            ):
                raise unprocessable(
                    f"/purchase_units/{index}/invoice_id",
                    "DUPLICATE_INVOICE_ID",
                    "Duplicate Invoice ID detected.",
                    invoice_id,
                )
        payer_action = isinstance(body.get("payment_source"), dict) and "paypal" in body["payment_source"]
        order = SimOrder(
            id=self._ids.resource(),
            status="PAYER_ACTION_REQUIRED" if payer_action else "CREATED",
            intent=body["intent"],
            units=[dict(unit) for unit in units],
            currency=amounts[0][0],
            total=sum((value for _, value in amounts), Decimal(0)),
            payer_action=payer_action,
            create_time=now_rfc3339(),
        )
        self.orders[order.id] = order
        return order

    def get(self, order_id: str) -> SimOrder:
        order = self.orders.get(order_id)
        if order is None:
            raise not_found(order_id)
        return order

    def approve(self, order_id: str) -> SimOrder:
        order = self.get(order_id)
        if order.status not in ("CREATED", "PAYER_ACTION_REQUIRED", "APPROVED"):
            raise ApiError(422, "UNPROCESSABLE_ENTITY", f"Order is {order.status}.")
        order.status = "APPROVED"
        return order

    def capture(self, order_id: str, base_url: str) -> dict[str, Any]:
        order = self.get(order_id)
        if order.status == "COMPLETED":
            raise unprocessable("/", "ORDER_ALREADY_CAPTURED", "Order already captured.", order_id)
        if order.status != "APPROVED":
            raise unprocessable("/", "ORDER_NOT_APPROVED", "Payer has not yet approved the Order.", order_id)
        unit = order.units[0]
        capture_id = self._ids.resource()
        capture = {
            "id": capture_id,
            "status": "COMPLETED",
            "amount": money(order.total, order.currency),
            "final_capture": True,
            "custom_id": unit.get("custom_id"),
            "invoice_id": unit.get("invoice_id"),
            "seller_receivable_breakdown": breakdown(order.total, order.currency),
            "supplementary_data": {"related_ids": {"order_id": order.id}},
            "create_time": now_rfc3339(),
            "links": [
                {"href": f"{base_url}/v2/payments/captures/{capture_id}", "rel": "self", "method": "GET"},
                {"href": f"{base_url}/v2/checkout/orders/{order.id}", "rel": "up", "method": "GET"},
            ],
        }
        capture = {key: value for key, value in capture.items() if value is not None}
        order.captures.append(capture)
        order.status = "COMPLETED"
        return capture


def breakdown(gross: Decimal, currency: str) -> dict[str, Any]:
    """seller_receivable_breakdown with an illustrative 3.49 % fee."""
    fee = (gross * Decimal("0.0349")).quantize(Decimal(1).scaleb(-decimals(currency)))
    return {
        "gross_amount": money(gross, currency),
        "paypal_fee": money(fee, currency),
        "net_amount": money(gross - fee, currency),
    }

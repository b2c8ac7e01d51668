"""Invoicing v2 state of the simulator: validation, life cycle, search. Callers hold the lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from local_runtime.simulators.paypal._common import (
    ApiError,
    Ids,
    detail,
    invalid_request,
    missing,
    money,
    not_found,
    now_rfc3339,
    parse_money,
    unprocessable,
)

_CANCELLABLE = {"SENT", "SCHEDULED", "UNPAID"}
_REMINDABLE = {"SENT", "UNPAID", "PARTIALLY_PAID", "PAYMENT_PENDING"}
_PAYABLE = {"SENT", "SCHEDULED", "UNPAID", "PARTIALLY_PAID", "PAYMENT_PENDING"}
_REFUNDABLE = {"PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED"}


def _status_error(invoice: SimInvoice, action: str) -> ApiError:
    return unprocessable(
        "/status",
        "INVALID_INVOICE_STATUS",
        f"Cannot {action} an invoice in status {invoice.status}.",
        invoice.status,
    )


@dataclass
class SimInvoice:
    id: str
    sequence: int
    status: str
    currency: str
    total: Decimal
    body: dict[str, Any]  # the request as sent (detail, invoicer, primary_recipients, items, ...)
    create_time: str
    paid: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    payments: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    reminders: int = 0

    @property
    def number(self) -> str:
        return str(self.body["detail"]["invoice_number"])

    @property
    def recipient_emails(self) -> set[str]:
        recipients = self.body.get("primary_recipients") or []
        return {str(r.get("billing_info", {}).get("email_address", "")).lower() for r in recipients}

    def to_json(self, base_url: str) -> dict[str, Any]:
        self_url = f"{base_url}/v2/invoicing/invoices/{self.id}"
        result: dict[str, Any] = {"id": self.id, "status": self.status, **self.body}
        result["detail"] = {
            **self.body["detail"],
            "metadata": {
                "create_time": self.create_time,
                "recipient_view_url": f"{base_url}/invoice/p/#{self.id}",
                "invoicer_view_url": f"{base_url}/invoice/details/{self.id}",
            },
        }
        result["amount"] = {
            **money(self.total, self.currency),
            "breakdown": {"item_total": money(self.total, self.currency)},
        }
        result["due_amount"] = money(max(Decimal(0), self.total - self.paid), self.currency)
        if self.payments:
            result["payments"] = {
                "paid_amount": money(self.paid, self.currency),
                "transactions": self.payments,
            }
        if self.refunds:
            result["refunds"] = {
                "refund_amount": money(self.refunded, self.currency),
                "transactions": self.refunds,
            }
        result["links"] = [
            {"href": self_url, "rel": "self", "method": "GET"},
            {"href": f"{self_url}/send", "rel": "send", "method": "POST"},
            {"href": f"{self_url}/cancel", "rel": "cancel", "method": "POST"},
        ]
        return result


def _validate(body: Any) -> tuple[str, Decimal]:
    """400 for shape problems (all of them at once, like PayPal), then 422 for business rules."""
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_REQUEST", "Request is not well-formed.", [missing("/")])
    errors: list[dict[str, Any]] = []
    invoice_detail = body.get("detail")
    if not isinstance(invoice_detail, dict):
        errors.append(missing("/detail"))
    elif not invoice_detail.get("currency_code"):
        errors.append(missing("/detail/currency_code"))
    items = body.get("items")
    if not isinstance(items, list) or not items:
        errors.append(missing("/items"))
    else:
        for index, item in enumerate(items):
            for name in ("name", "quantity", "unit_amount"):
                if not isinstance(item, dict) or item.get(name) in (None, ""):
                    errors.append(missing(f"/items/{index}/{name}"))
    if errors:
        raise invalid_request(errors)
    assert isinstance(invoice_detail, dict) and isinstance(items, list)
    currency, _ = parse_money({"currency_code": invoice_detail["currency_code"], "value": "0"}, "/detail")
    total = Decimal(0)
    for index, item in enumerate(items):
        item_currency, unit = parse_money(item["unit_amount"], f"/items/{index}/unit_amount")
        if item_currency != currency:
            raise unprocessable(
                f"/items/{index}/unit_amount/currency_code",
                "CURRENCY_MISMATCH",
                "Currency of all amounts in the invoice must be the same.",
                item_currency,
            )
        try:
            quantity = Decimal(str(item["quantity"]))
        except ArithmeticError:
            quantity = Decimal(-1)
        if not quantity.is_finite() or quantity <= 0:
            raise invalid_request(
                [detail(f"/items/{index}/quantity", "INVALID_PARAMETER_VALUE", "Invalid quantity.")]
            )
        total += quantity * unit
    return currency, total


class InvoiceBook:
    def __init__(self, ids: Ids) -> None:
        self._ids = ids
        self.invoices: dict[str, SimInvoice] = {}
        self._last_number = 0

    def next_number(self) -> str:
        return f"{self._last_number + 1:04d}"

    def create(self, body: Any) -> SimInvoice:
        currency, total = _validate(body)
        body = dict(body)
        invoice_detail = dict(body["detail"])
        number = invoice_detail.get("invoice_number") or self.next_number()
        if any(invoice.number == number for invoice in self.invoices.values()):
            raise unprocessable(
                "/detail/invoice_number", "DUPLICATE_INVOICE_NUMBER", "Invoice number already exists.", number
            )
        if str(number).isdigit():
            self._last_number = max(self._last_number, int(number))
        invoice_detail["invoice_number"] = number
        invoice_detail.setdefault("invoice_date", date.today().isoformat())
        invoice_detail.setdefault("payment_term", {"term_type": "DUE_ON_RECEIPT"})
        body["detail"] = invoice_detail
        invoice = SimInvoice(
            id=self._ids.invoice(),
            sequence=len(self.invoices) + 1,
            status="DRAFT",
            currency=currency,
            total=total,
            body=body,
            create_time=now_rfc3339(),
        )
        self.invoices[invoice.id] = invoice
        return invoice

    def get(self, invoice_id: str) -> SimInvoice:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise not_found(invoice_id)
        return invoice

    def send(self, invoice_id: str) -> bool:
        """DRAFT -> SENT (or SCHEDULED for a future invoice date); returns True when scheduled."""
        invoice = self.get(invoice_id)
        if invoice.status == "DRAFT":
            scheduled = str(invoice.body["detail"]["invoice_date"]) > date.today().isoformat()
            invoice.status = "SCHEDULED" if scheduled else "SENT"
        elif invoice.status not in _REMINDABLE | {"SCHEDULED"}:
            raise _status_error(invoice, "send")
        return invoice.status == "SCHEDULED"

    def cancel(self, invoice_id: str) -> bool:
        """Returns True when the invoice changed (a repeated cancel is a no-op)."""
        invoice = self.get(invoice_id)
        if invoice.status == "CANCELLED":
            return False
        if invoice.status not in _CANCELLABLE:
            raise _status_error(invoice, "cancel")
        invoice.status = "CANCELLED"
        return True

    def remind(self, invoice_id: str) -> None:
        invoice = self.get(invoice_id)
        if invoice.status not in _REMINDABLE:
            raise _status_error(invoice, "remind")
        invoice.reminders += 1

    def pay(self, invoice_id: str, capture_id: str, amount: Decimal | None = None) -> Decimal:
        invoice = self.get(invoice_id)
        if invoice.status not in _PAYABLE:
            raise _status_error(invoice, "pay")
        due = invoice.total - invoice.paid
        paid = due if amount is None else min(amount, due)
        invoice.paid += paid
        invoice.status = "PAID" if invoice.paid >= invoice.total else "PARTIALLY_PAID"
        invoice.payments.append(
            {
                "payment_id": capture_id,
                "payment_date": now_rfc3339()[:10],
                "method": "PAYPAL",
                "type": "PAYPAL",
                "amount": money(paid, invoice.currency),
            }
        )
        return paid

    def refund(self, invoice_id: str, refund_id: str, amount: Decimal | None = None) -> Decimal:
        invoice = self.get(invoice_id)
        if invoice.status not in _REFUNDABLE:
            raise _status_error(invoice, "refund")
        refundable = invoice.paid - invoice.refunded
        refunded = refundable if amount is None else min(amount, refundable)
        invoice.refunded += refunded
        invoice.status = "REFUNDED" if invoice.refunded >= invoice.paid else "PARTIALLY_REFUNDED"
        invoice.refunds.append(
            {
                "refund_id": refund_id,
                "refund_date": now_rfc3339()[:10],
                "method": "PAYPAL",
                "amount": money(refunded, invoice.currency),
            }
        )
        return refunded

    def search(self, criteria: Any, page: int, page_size: int) -> tuple[list[SimInvoice], int]:
        if not isinstance(criteria, dict):
            criteria = {}
        found = [invoice for invoice in self.invoices.values() if _matches(invoice, criteria)]
        found.sort(key=lambda invoice: invoice.sequence, reverse=True)  # newest first
        start = (page - 1) * page_size
        return found[start : start + page_size], len(found)


def _in_range(moment: str, date_range: Any) -> bool:
    if not isinstance(date_range, dict):
        return True

    def parse(value: Any) -> datetime:
        text = str(value).replace("Z", "+00:00")
        parsed = datetime.fromisoformat(text if "T" in text else text + "T00:00:00+00:00")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    when = parse(moment)
    return parse(date_range.get("start", "0001-01-01")) <= when <= parse(date_range.get("end", "9999-12-31"))


def _matches(invoice: SimInvoice, criteria: dict[str, Any]) -> bool:
    invoice_detail = invoice.body["detail"]
    checks = [
        not criteria.get("status") or invoice.status in criteria["status"],
        not criteria.get("invoice_number") or invoice.number == criteria["invoice_number"],
        not criteria.get("reference") or invoice_detail.get("reference") == criteria["reference"],
        not criteria.get("currency_code") or invoice.currency == criteria["currency_code"],
        not criteria.get("recipient_email")
        or str(criteria["recipient_email"]).lower() in invoice.recipient_emails,
        _in_range(invoice.create_time, criteria.get("creation_date_range")),
    ]
    return all(checks)

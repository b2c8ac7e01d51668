"""PayPal REST client: OAuth token, Invoicing v2, Orders v2, webhook signature check by API.

Every POST carries ``PayPal-Request-Id``. Unsafe calls (create, send, cancel, remind, create order)
take it as a required argument, derived by the caller from the CRM record, so a retry (ours, the
queue's, or a redelivered webhook's) cannot create a second invoice. Safe POSTs (token, next number,
search, verify) get a fresh one. Sending and retrying live in ``_transport.Transport`` only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from types import TracebackType
from typing import Any
from urllib.parse import quote

import requests

from connectors.common.retry import RetryPolicy
from connectors.paypal._transport import Transport, parse_json
from connectors.paypal.auth import PayPalCredential, TokenCache
from connectors.paypal.errors import PayPalApiError
from connectors.paypal.models import (
    ExperienceContext,
    Invoice,
    InvoicePage,
    InvoiceRequest,
    Link,
    Order,
    OrderRequest,
    PurchaseUnitRequest,
    SearchCriteria,
)
from connectors.paypal.money import Money, check_currency

MAX_PAGE_SIZE = 100
_MAX_REQUEST_ID = 108


def _check_request_id(request_id: str) -> str:
    if not isinstance(request_id, str) or not 1 <= len(request_id) <= _MAX_REQUEST_ID:
        raise ValueError(f"PayPal-Request-Id must be 1-{_MAX_REQUEST_ID} characters")
    return request_id


def _segment(value: str) -> str:
    if not value:
        raise ValueError("an id is required")
    return quote(value, safe="")


class PayPalClient:
    """``PayPalClient(base_url, credential)``; use as a context manager or call ``close()``."""

    def __init__(
        self,
        base_url: str,
        credential: PayPalCredential,
        *,
        session: requests.Session | None = None,
        timeout: float = 20.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, shared safely
        token_cache: TokenCache | None = None,
    ) -> None:
        self._transport = Transport(
            base_url,
            credential,
            session=session,
            timeout=timeout,
            retry=retry,
            token_cache=token_cache,
        )
        self._call = self._transport.call

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def __repr__(self) -> str:
        return f"PayPalClient({self._transport.base_url!r}, client_id={self._transport.client_id!r})"

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> PayPalClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- Invoicing v2 ------------------------------------------------------------------------------

    def generate_next_invoice_number(self) -> str:
        body = parse_json(self._call("POST", "/v2/invoicing/generate-next-invoice-number"))
        if not isinstance(body, Mapping) or not isinstance(body.get("invoice_number"), str):
            raise PayPalApiError(200, "INVALID_RESPONSE", "no invoice_number in response")
        return str(body["invoice_number"])

    def create_draft_invoice(self, invoice: InvoiceRequest, request_id: str) -> Invoice:
        """Create a DRAFT invoice. Repeating the call with the same ``request_id`` returns the same one."""
        check_currency(invoice.detail.currency_code)
        for item in invoice.items:
            check_currency(item.unit_amount.currency_code)
        response = self._call(
            "POST",
            "/v2/invoicing/invoices",
            payload=invoice.to_wire(),
            request_id=_check_request_id(request_id),
            prefer="return=representation",
        )
        body = parse_json(response)
        if isinstance(body, Mapping) and "id" in body:
            return Invoice.model_validate(body)
        if isinstance(body, Mapping) and isinstance(body.get("href"), str):  # return=minimal: a link
            return self.get_invoice(str(body["href"]).rstrip("/").rsplit("/", 1)[-1])
        raise PayPalApiError(response.status_code, "INVALID_RESPONSE", "create invoice returned no invoice")

    def send_invoice(
        self,
        invoice_id: str,
        request_id: str,
        *,
        send_to_recipient: bool = True,
        send_to_invoicer: bool = False,
        subject: str | None = None,
        note: str | None = None,
    ) -> Link | None:
        """Send (or share) a draft. Returns the payer-view link; ``None`` when PayPal scheduled it (202)."""
        payload: dict[str, Any] = {
            "send_to_recipient": send_to_recipient,
            "send_to_invoicer": send_to_invoicer,
        }
        payload.update({k: v for k, v in (("subject", subject), ("note", note)) if v is not None})
        response = self._call(
            "POST",
            f"/v2/invoicing/invoices/{_segment(invoice_id)}/send",
            payload=payload,
            request_id=_check_request_id(request_id),
        )
        body = parse_json(response)
        return Link.model_validate(body) if isinstance(body, Mapping) and "href" in body else None

    def get_invoice(self, invoice_id: str) -> Invoice:
        return Invoice.model_validate(
            parse_json(self._call("GET", f"/v2/invoicing/invoices/{_segment(invoice_id)}"))
        )

    def search_invoices(
        self,
        criteria: SearchCriteria | None = None,
        *,
        page: int = 1,
        page_size: int = 20,
        total_required: bool = True,
    ) -> InvoicePage:
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page must be >= 1 and page_size 1-{MAX_PAGE_SIZE}")
        params = {
            "page": str(page),
            "page_size": str(page_size),
            "total_required": str(total_required).lower(),
        }
        payload = (criteria or SearchCriteria()).to_wire()
        response = self._call("POST", "/v2/invoicing/search-invoices", payload=payload, params=params)
        return InvoicePage.model_validate(parse_json(response) or {})

    def iter_invoices(
        self, criteria: SearchCriteria | None = None, *, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[Invoice]:
        """Every invoice matching ``criteria``, page by page (one request per page, lazily)."""
        page = 1
        while True:
            result = self.search_invoices(criteria, page=page, page_size=page_size, total_required=True)
            yield from result.items
            last = result.total_pages is not None and page >= result.total_pages
            if last or len(result.items) < page_size:
                return
            page += 1

    def _notify(self, action: str, invoice_id: str, request_id: str, payload: dict[str, Any]) -> None:
        self._call(
            "POST",
            f"/v2/invoicing/invoices/{_segment(invoice_id)}/{action}",
            payload={k: v for k, v in payload.items() if v is not None},
            request_id=_check_request_id(request_id),
        )

    def cancel_invoice(
        self,
        invoice_id: str,
        request_id: str,
        *,
        subject: str | None = None,
        note: str | None = None,
        send_to_recipient: bool = True,
        send_to_invoicer: bool = False,
    ) -> None:
        self._notify(
            "cancel",
            invoice_id,
            request_id,
            {
                "subject": subject,
                "note": note,
                "send_to_recipient": send_to_recipient,
                "send_to_invoicer": send_to_invoicer,
            },
        )

    def remind_invoice(
        self,
        invoice_id: str,
        request_id: str,
        *,
        subject: str | None = None,
        note: str | None = None,
        send_to_recipient: bool = True,
        send_to_invoicer: bool = False,
    ) -> None:
        self._notify(
            "remind",
            invoice_id,
            request_id,
            {
                "subject": subject,
                "note": note,
                "send_to_recipient": send_to_recipient,
                "send_to_invoicer": send_to_invoicer,
            },
        )

    # --- Orders v2 ---------------------------------------------------------------------------------

    def create_order(
        self,
        amount: Decimal | int | str,
        currency: str,
        reference_id: str,
        request_id: str,
        *,
        custom_id: str | None = None,
        invoice_id: str | None = None,
        description: str | None = None,
        brand_name: str | None = None,
        locale: str | None = None,
        return_url: str | None = None,
        cancel_url: str | None = None,
    ) -> Order:
        """Create a CAPTURE order; ``order.approve_url`` is where to send the payer."""
        unit = PurchaseUnitRequest(
            reference_id=reference_id,
            amount=Money.of(amount, currency),
            custom_id=custom_id,
            invoice_id=invoice_id,
            description=description,
        )
        context = ExperienceContext(
            brand_name=brand_name, locale=locale, return_url=return_url, cancel_url=cancel_url
        )
        body = OrderRequest(purchase_units=[unit], payment_source={"paypal": {"experience_context": context}})
        response = self._call(
            "POST",
            "/v2/checkout/orders",
            payload=body.to_wire(),
            request_id=_check_request_id(request_id),
            prefer="return=representation",
        )
        order = Order.model_validate(parse_json(response))
        if order.approve_url is None:
            raise PayPalApiError(
                response.status_code, "INVALID_RESPONSE", f"order {order.id} has no approve link"
            )
        return order

    def capture_order(self, order_id: str, request_id: str) -> Order:
        """Capture an approved order; fulfil only when the capture (not the order) is COMPLETED."""
        response = self._call(
            "POST",
            f"/v2/checkout/orders/{_segment(order_id)}/capture",
            payload={},
            request_id=_check_request_id(request_id),
            prefer="return=representation",
        )
        return Order.model_validate(parse_json(response))

    def get_order(self, order_id: str) -> Order:
        response = self._call("GET", f"/v2/checkout/orders/{_segment(order_id)}")
        return Order.model_validate(parse_json(response))

    # --- Notifications -----------------------------------------------------------------------------

    def verify_webhook_signature(self, fields: Mapping[str, str], raw_event: bytes) -> str:
        """``POST /v1/notifications/verify-webhook-signature``; returns ``verification_status``.

        ``raw_event`` is embedded byte for byte as ``webhook_event`` (never decoded and re-encoded).
        """
        head = json.dumps(dict(fields), ensure_ascii=False)[:-1].encode()
        body = head + b', "webhook_event": ' + raw_event.strip() + b"}"
        response = self._call("POST", "/v1/notifications/verify-webhook-signature", raw_body=body)
        result = parse_json(response)
        if not isinstance(result, Mapping) or "verification_status" not in result:
            raise PayPalApiError(
                response.status_code, "INVALID_RESPONSE", "no verification_status in response"
            )
        return str(result["verification_status"])

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from connectors.paypal import (
    CertificateCache,
    EventType,
    PaymentState,
    PayPalClient,
    WebhookEventError,
    WebhookVerificationError,
    parse_event,
    requests_certificate_fetcher,
    verify_offline,
    verify_via_api,
)
from local_runtime.simulators.paypal import PayPalSimulator, SimEvent
from tests.connectors.paypal.conftest import CountingFetcher, make_invoice


def _paid_events(sim: PayPalSimulator, client: PayPalClient) -> list[SimEvent]:
    invoice = client.create_draft_invoice(make_invoice(), "crm-order-1")
    client.send_invoice(invoice.id, "crm-order-1-send")
    return sim.pay_invoice(invoice.id)


def _verify(sim: PayPalSimulator, headers: dict[str, str], body: bytes, fetcher: Any, **options: Any) -> None:
    verify_offline(
        headers,
        body,
        options.pop("webhook_id", sim.webhook_id),
        cert_fetcher=fetcher,
        **{**sim.verification_options(), **options},
    )


def test_signed_events_verify_offline_and_the_certificate_is_fetched_once(
    sim: PayPalSimulator, client: PayPalClient, fetcher: CountingFetcher
) -> None:
    events = _paid_events(sim, client)
    cached = CertificateCache(fetcher)

    for event in events:
        _verify(sim, event.headers, event.body, cached)

    assert [e.event_type for e in events] == [EventType.INVOICE_PAID, EventType.CAPTURE_COMPLETED]
    assert fetcher.urls == [events[0].headers["PAYPAL-CERT-URL"]]


def test_the_production_fetcher_downloads_pem_and_refuses_errors(
    sim: PayPalSimulator, client: PayPalClient
) -> None:
    event = _paid_events(sim, client)[0]
    fetch = requests_certificate_fetcher(timeout=5)

    _verify(sim, event.headers, event.body, fetch)
    with pytest.raises(WebhookVerificationError, match="HTTP 404"):
        fetch(event.headers["PAYPAL-CERT-URL"] + "-unknown")


def test_lower_cased_header_names_are_accepted(
    sim: PayPalSimulator, client: PayPalClient, fetcher: CountingFetcher
) -> None:
    event = _paid_events(sim, client)[0]

    _verify(sim, {name.lower(): value for name, value in event.headers.items()}, event.body, fetcher)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body: body.replace(b'"value":"100.00"', b'"value":"1.00"', 1),
        lambda body: json.dumps(json.loads(body), indent=1).encode(),  # re-encoded: same data, other bytes
        lambda body: body + b" ",
    ],
    ids=["amount-changed", "re-encoded", "trailing-space"],
)
def test_a_changed_body_fails_verification(
    sim: PayPalSimulator, client: PayPalClient, fetcher: CountingFetcher, tamper: Any
) -> None:
    event = _paid_events(sim, client)[0]
    body = tamper(event.body)
    assert body != event.body

    with pytest.raises(WebhookVerificationError, match="signature"):
        _verify(sim, event.headers, body, fetcher)


def test_another_webhook_id_fails_verification(
    sim: PayPalSimulator, client: PayPalClient, fetcher: CountingFetcher
) -> None:
    event = _paid_events(sim, client)[0]

    with pytest.raises(WebhookVerificationError, match="signature"):
        _verify(sim, event.headers, event.body, fetcher, webhook_id="WH-OTHER-ENVIRONMENT")


@pytest.mark.parametrize(
    "cert_url",
    [
        "https://evil.example.com/v1/notifications/certs/CERT-1",
        "https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1",
        "https://api.paypal.com@evil.example/v1/notifications/certs/CERT-1",
        "http://api.paypal.com/v1/notifications/certs/CERT-1",
        "file:///etc/passwd",
        "https://169.254.169.254/latest/meta-data",
    ],
)
def test_certificate_urls_off_the_allow_list_are_refused_without_fetching(
    sim: PayPalSimulator, client: PayPalClient, fetcher: CountingFetcher, cert_url: str
) -> None:
    event = _paid_events(sim, client)[0]
    headers = {**event.headers, "PAYPAL-CERT-URL": cert_url}

    with pytest.raises(WebhookVerificationError, match="certificate URL"):
        verify_offline(headers, event.body, sim.webhook_id, cert_fetcher=fetcher)

    assert fetcher.urls == []


def test_plain_http_to_the_simulator_needs_an_explicit_allowance(
    sim: PayPalSimulator, client: PayPalClient, fetcher: CountingFetcher
) -> None:
    event = _paid_events(sim, client)[0]

    with pytest.raises(WebhookVerificationError, match="certificate URL not allowed"):
        verify_offline(event.headers, event.body, sim.webhook_id, cert_fetcher=fetcher)

    assert fetcher.urls == []


def test_a_certificate_not_issued_to_paypal_is_refused(
    sim: PayPalSimulator, client: PayPalClient, fetcher: CountingFetcher
) -> None:
    event = _paid_events(sim, client)[0]

    with pytest.raises(WebhookVerificationError, match="subject"):
        _verify(sim, event.headers, event.body, fetcher, cert_name_suffixes=(".paypal.com",))


def test_an_expired_certificate_is_refused(
    sim: PayPalSimulator, client: PayPalClient, fetcher: CountingFetcher
) -> None:
    sim.use_certificate(expired=True)
    event = _paid_events(sim, client)[0]

    with pytest.raises(WebhookVerificationError, match="expired"):
        _verify(sim, event.headers, event.body, fetcher)


def test_old_transmissions_are_refused_when_a_replay_window_is_set(
    sim: PayPalSimulator, client: PayPalClient, fetcher: CountingFetcher
) -> None:
    event = _paid_events(sim, client)[0]
    tomorrow = datetime.now(UTC) + timedelta(days=1)

    _verify(sim, event.headers, event.body, fetcher, max_age=timedelta(minutes=10))
    with pytest.raises(WebhookVerificationError, match="replay"):
        _verify(sim, event.headers, event.body, fetcher, max_age=timedelta(minutes=10), now=tomorrow)


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("PAYPAL-TRANSMISSION-SIG", None, "PAYPAL-TRANSMISSION-SIG"),
        ("PAYPAL-AUTH-ALGO", "SHA1withRSA", "PAYPAL-AUTH-ALGO"),
        ("PAYPAL-TRANSMISSION-SIG", "not base64!", "base64"),
    ],
)
def test_bad_headers_are_refused_without_fetching(
    sim: PayPalSimulator,
    client: PayPalClient,
    fetcher: CountingFetcher,
    header: str,
    value: str | None,
    message: str,
) -> None:
    event = _paid_events(sim, client)[0]
    headers = {k: v for k, v in event.headers.items() if k != header}
    if value is not None:
        headers[header] = value

    with pytest.raises(WebhookVerificationError, match=message) as caught:
        _verify(sim, headers, event.body, fetcher)

    assert fetcher.urls == []
    assert event.headers["PAYPAL-TRANSMISSION-SIG"] not in str(caught.value)


def test_paypal_verifies_an_untouched_delivery(sim: PayPalSimulator, client: PayPalClient) -> None:
    for event in _paid_events(sim, client):
        verify_via_api(client, event.headers, event.body, sim.webhook_id)

    assert sim.counts["POST /v1/notifications/verify-webhook-signature"] == 2


@pytest.mark.parametrize("case", ["tampered", "re-encoded", "wrong-webhook-id"])
def test_paypal_rejects_a_changed_delivery(sim: PayPalSimulator, client: PayPalClient, case: str) -> None:
    event = _paid_events(sim, client)[0]
    body, webhook_id = event.body, sim.webhook_id
    if case == "tampered":
        body = body.replace(b'"status":"PAID"', b'"status":"DRAFT"', 1)
    elif case == "re-encoded":
        body = json.dumps(json.loads(body), indent=2, sort_keys=True).encode()
    else:
        webhook_id = "WH-OTHER"

    with pytest.raises(WebhookVerificationError, match="FAILURE"):
        verify_via_api(client, event.headers, body, webhook_id)


def test_paid_invoice_events_parse_into_typed_views(sim: PayPalSimulator, client: PayPalClient) -> None:
    paid, captured = (parse_event(event.body) for event in _paid_events(sim, client))

    invoice = paid.invoice()
    capture = captured.capture()
    assert invoice.status == "PAID" and invoice.detail.reference == "3f2b1c9e-order-guid"
    assert invoice.payments is not None and invoice.payments.transactions[0].payment_id == capture.id
    assert paid.payment_state() is captured.payment_state() is PaymentState.PAID
    assert capture.amount is not None and capture.amount.value == Decimal("100.00")
    assert (capture.invoice_id, capture.custom_id) == ("SO-10045", "3f2b1c9e-order-guid")
    with pytest.raises(WebhookEventError):
        paid.capture()


def test_refund_and_cancel_events_report_their_states(sim: PayPalSimulator, client: PayPalClient) -> None:
    paid = parse_event(_paid_events(sim, client)[0].body).invoice()
    assert paid.payments is not None
    capture_id = paid.payments.transactions[0].payment_id
    refunded, capture_refunded = (parse_event(e.body) for e in sim.refund_invoice(paid.id))
    other = client.create_draft_invoice(make_invoice("SO-2"), "crm-order-2")
    client.send_invoice(other.id, "crm-order-2-send")
    (cancelled,) = (parse_event(e.body) for e in sim.cancel_invoice(other.id))

    assert refunded.payment_state() is PaymentState.REFUNDED
    assert capture_refunded.refund().capture_id == capture_id
    assert capture_refunded.payment_state() is PaymentState.PARTIALLY_REFUNDED  # lower bound, see events.py
    assert cancelled.event_type == EventType.INVOICE_CANCELLED
    assert cancelled.payment_state() is PaymentState.CANCELLED


# The reference's illustrative PAYMENT.CAPTURE.COMPLETED event (providers.md §3.4).
DOCUMENTED_CAPTURE_EVENT: dict[str, Any] = {
    "id": "WH-2WR32451HC0233532-67976317FL4543714",
    "event_version": "1.0",
    "create_time": "2025-11-25T10:00:00.000Z",
    "resource_type": "capture",
    "resource_version": "2.0",
    "event_type": "PAYMENT.CAPTURE.COMPLETED",
    "summary": "Payment completed for EUR 100.0 EUR",
    "resource": {
        "id": "3C679366HH908993F",
        "status": "COMPLETED",
        "amount": {"currency_code": "EUR", "value": "100.00"},
        "final_capture": True,
        "custom_id": "order-guid",
        "invoice_id": "SO-10045",
        "seller_receivable_breakdown": {
            "gross_amount": {"currency_code": "EUR", "value": "100.00"},
            "paypal_fee": {"currency_code": "EUR", "value": "3.74"},
            "net_amount": {"currency_code": "EUR", "value": "96.26"},
        },
        "supplementary_data": {"related_ids": {"order_id": "5O190127TN364715T"}},
        "links": [{"href": "https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T", "rel": "up"}],
    },
    "links": [],
}


def test_paypal_documented_capture_event_parses() -> None:
    body = json.dumps(DOCUMENTED_CAPTURE_EVENT).encode()

    event = parse_event(body)

    assert event.capture().order_id == "5O190127TN364715T"
    assert event.payment_state() is PaymentState.PAID


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"id": "WH-1"}'])
def test_a_body_that_is_not_an_event_is_refused(body: bytes) -> None:
    with pytest.raises(WebhookEventError):
        parse_event(body)

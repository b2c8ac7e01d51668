"""Webhook intake: only a delivery PayPal signed is queued; anything else is 401 and queues nothing.

Fixtures are real simulator transmissions (signed with its test certificate, served over loopback)
that the tests then tamper with.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal

import pytest

from connectors.paypal import (
    PAYPAL_CERT_HOSTS,
    PAYPAL_CERT_NAME_SUFFIXES,
    BillingInfo,
    CertificateCache,
    InvoiceDetail,
    InvoiceItem,
    InvoiceRequest,
    Money,
    PayPalClient,
    PayPalCredential,
    Recipient,
    requests_certificate_fetcher,
)
from functions.common.bus import OutboundMessage
from functions.common.problems import Problem
from functions.payments.webhooks import ApiVerifier, OfflineVerifier, accept_webhook
from local_runtime.simulators.paypal import PayPalSimulator, SimEvent


class ListBus:
    backend = "list"

    def __init__(self) -> None:
        self.sent: list[tuple[str, OutboundMessage]] = []

    def send(self, queue: str, message: OutboundMessage) -> None:
        self.sent.append((queue, message))

    def send_many(self, queue: str, messages: Sequence[OutboundMessage]) -> None:
        self.sent.extend((queue, message) for message in messages)


class CountingFetcher:
    def __init__(self) -> None:
        self.urls: list[str] = []
        self._fetch = requests_certificate_fetcher()

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self._fetch(url)


@pytest.fixture(scope="module")
def sim() -> Iterator[PayPalSimulator]:
    with PayPalSimulator() as running:
        yield running


@pytest.fixture(scope="module")
def paid_events(sim: PayPalSimulator) -> list[SimEvent]:
    with PayPalClient(sim.url, PayPalCredential(sim.client_id, sim.client_secret)) as client:
        request = InvoiceRequest(
            detail=InvoiceDetail(currency_code="EUR", reference="order-webhook-test"),
            primary_recipients=[Recipient(billing_info=BillingInfo(email_address="olena@example.com"))],
            items=[InvoiceItem(name="Widget", quantity=Decimal(1), unit_amount=Money.of("25.00", "EUR"))],
        )
        invoice = client.create_draft_invoice(request, "webhook-test:create")
        client.send_invoice(invoice.id, "webhook-test:send")
    return sim.pay_invoice(invoice.id)


def local_verifier(
    sim: PayPalSimulator, fetcher: CountingFetcher, webhook_id: str | None = None
) -> OfflineVerifier:
    options = sim.verification_options()
    return OfflineVerifier(
        webhook_id or sim.webhook_id,
        fetcher,
        allowed_cert_hosts=options["allowed_cert_hosts"],
        allow_http_hosts=options["allow_http_hosts"],
        cert_name_suffixes=options["cert_name_suffixes"],
    )


def refused(event_body: bytes, headers: dict[str, str], verifier: OfflineVerifier | ApiVerifier) -> Problem:
    bus = ListBus()
    with pytest.raises(Problem) as caught:
        accept_webhook(event_body, headers, verifier, bus)
    assert bus.sent == []
    return caught.value


def test_a_signed_delivery_is_queued_under_its_event_id(
    sim: PayPalSimulator, paid_events: list[SimEvent]
) -> None:
    bus = ListBus()
    fetcher = CountingFetcher()
    verifier = local_verifier(sim, fetcher)
    for event in paid_events:
        lowered = {name.lower(): value for name, value in event.headers.items()}  # as Azure hands them over
        accepted = accept_webhook(event.body, lowered, verifier, bus)
        assert accepted.id == event.id
    assert [(queue, message.message_id) for queue, message in bus.sent] == [
        ("paypal-events", event.id) for event in paid_events
    ]
    assert bus.sent[0][1].body == paid_events[0].body  # the exact bytes, never re-serialised


def test_a_tampered_body_is_401(sim: PayPalSimulator, paid_events: list[SimEvent]) -> None:
    event = paid_events[0]
    tampered = event.body.replace(b'"PAID"', b'"REFUNDED"', 1)
    assert tampered != event.body
    problem = refused(tampered, event.headers, local_verifier(sim, CountingFetcher()))
    assert problem.status == 401
    assert "signature" in problem.detail


def test_a_re_serialised_body_fails_verification(sim: PayPalSimulator, paid_events: list[SimEvent]) -> None:
    event = paid_events[0]
    reformatted = json.dumps(json.loads(event.body), indent=1).encode()
    assert refused(reformatted, event.headers, local_verifier(sim, CountingFetcher())).status == 401


def test_a_delivery_for_another_webhook_id_is_401(sim: PayPalSimulator, paid_events: list[SimEvent]) -> None:
    event = paid_events[0]
    assert (
        refused(event.body, event.headers, local_verifier(sim, CountingFetcher(), "WH-SOMEONE-ELSE")).status
        == 401
    )
    signed_for_other = sim.sign(event.body, webhook_id="WH-SOMEONE-ELSE")
    assert refused(event.body, signed_for_other, local_verifier(sim, CountingFetcher())).status == 401


def test_a_foreign_certificate_url_is_refused_without_fetching_it(
    sim: PayPalSimulator, paid_events: list[SimEvent]
) -> None:
    event = paid_events[0]
    fetcher = CountingFetcher()
    for url in (
        "https://evil.example.com/certs/paypal.pem",
        "http://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
    ):
        problem = refused(event.body, {**event.headers, "PAYPAL-CERT-URL": url}, local_verifier(sim, fetcher))
        assert problem.status == 401
    assert fetcher.urls == []


def test_production_settings_refuse_the_simulator_certificate(
    sim: PayPalSimulator, paid_events: list[SimEvent]
) -> None:
    fetcher = CountingFetcher()
    production = OfflineVerifier(
        sim.webhook_id,
        fetcher,
        allowed_cert_hosts=PAYPAL_CERT_HOSTS,
        cert_name_suffixes=PAYPAL_CERT_NAME_SUFFIXES,
    )
    assert refused(paid_events[0].body, paid_events[0].headers, production).status == 401
    assert fetcher.urls == []  # http on 127.0.0.1 is not PayPal: never fetched


def test_unsigned_or_stale_deliveries_are_401(sim: PayPalSimulator, paid_events: list[SimEvent]) -> None:
    event = paid_events[0]
    assert (
        refused(
            event.body, {"Content-Type": "application/json"}, local_verifier(sim, CountingFetcher())
        ).status
        == 401
    )
    options = sim.verification_options()
    strict = OfflineVerifier(
        sim.webhook_id,
        CountingFetcher(),
        allowed_cert_hosts=options["allowed_cert_hosts"],
        allow_http_hosts=options["allow_http_hosts"],
        cert_name_suffixes=options["cert_name_suffixes"],
        max_age=timedelta(seconds=-1),
    )
    assert refused(event.body, event.headers, strict).status == 401


def test_an_expired_certificate_is_401(sim: PayPalSimulator) -> None:
    body = json.dumps({"id": "WH-EXPIRED", "event_type": "INVOICING.INVOICE.PAID"}).encode()
    sim.use_certificate(expired=True)
    try:
        headers = sim.sign(body)
    finally:
        sim.use_certificate()
    assert refused(body, headers, local_verifier(sim, CountingFetcher())).status == 401


def test_certificates_are_fetched_once_per_url(sim: PayPalSimulator, paid_events: list[SimEvent]) -> None:
    fetcher = CountingFetcher()
    options = sim.verification_options()
    cached = OfflineVerifier(
        sim.webhook_id,
        CertificateCache(fetcher),
        allowed_cert_hosts=options["allowed_cert_hosts"],
        allow_http_hosts=options["allow_http_hosts"],
        cert_name_suffixes=options["cert_name_suffixes"],
    )
    for event in paid_events:
        accept_webhook(event.body, event.headers, cached, ListBus())
    assert len(fetcher.urls) == 1


def test_api_verification_accepts_the_real_delivery_and_refuses_a_tampered_one(
    sim: PayPalSimulator, paid_events: list[SimEvent]
) -> None:
    event = paid_events[1]
    with PayPalClient(sim.url, PayPalCredential(sim.client_id, sim.client_secret)) as client:
        verifier = ApiVerifier(client, sim.webhook_id)
        bus = ListBus()
        accept_webhook(event.body, event.headers, verifier, bus)
        assert len(bus.sent) == 1
        tampered = event.body.replace(b'"COMPLETED"', b'"REFUNDED"', 1)
        assert refused(tampered, event.headers, verifier).status == 401


def test_a_verified_body_that_is_not_an_event_is_400(sim: PayPalSimulator) -> None:
    body = b'{"hello": "world"}'
    assert refused(body, sim.sign(body), local_verifier(sim, CountingFetcher())).status == 400

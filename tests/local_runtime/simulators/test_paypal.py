"""The PayPal simulator on the wire: raw HTTP, PayPal's shapes, the admin API, webhook delivery."""

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.paypal import verify_offline
from local_runtime.loopback import LoopbackServer, Request, Response
from local_runtime.simulators.paypal import PayPalSimulator


class Listener:
    """A loopback webhook receiver that records every delivery (headers and exact body)."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[Request] = []
        self._lock = threading.Lock()
        self.server = LoopbackServer(self._handle, name="paypal-listener")

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.received.append(request)
        return Response.empty(self.status)

    @property
    def url(self) -> str:
        return self.server.url + "/api/payments/paypal/webhook"

    def event_ids(self) -> list[str]:
        return [json.loads(request.body)["id"] for request in self.received]


@pytest.fixture(scope="module")
def _simulator() -> Iterator[PayPalSimulator]:
    with PayPalSimulator(seed=3) as simulator:
        yield simulator


@pytest.fixture
def sim(_simulator: PayPalSimulator) -> PayPalSimulator:
    _simulator.reset()
    return _simulator


@pytest.fixture
def listener() -> Iterator[Listener]:
    receiver = Listener()
    with receiver.server:
        yield receiver


def _token(sim: PayPalSimulator) -> str:
    response = requests.post(
        sim.url + "/v1/oauth2/token",
        auth=(sim.client_id, sim.client_secret),
        data={"grant_type": "client_credentials"},
        timeout=5,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 32400
    return str(body["access_token"])


def _api(sim: PayPalSimulator, method: str, path: str, body: Any = None, **headers: str) -> requests.Response:
    auth = {"Authorization": f"Bearer {_token(sim)}", **headers}
    return requests.request(method, sim.url + path, json=body, headers=auth, timeout=5)


def _invoice_body(number: str = "SO-1", currency: str = "EUR", value: str = "100.00") -> dict[str, Any]:
    return {
        "detail": {"currency_code": currency, "invoice_number": number, "reference": "order-guid"},
        "primary_recipients": [{"billing_info": {"email_address": "buyer@example.com"}}],
        "items": [
            {"name": "Widget", "quantity": "1", "unit_amount": {"currency_code": currency, "value": value}}
        ],
    }


def _sent_invoice(sim: PayPalSimulator, number: str = "SO-1") -> str:
    created = _api(
        sim, "POST", "/v2/invoicing/invoices", _invoice_body(number), **{"PayPal-Request-Id": number}
    )
    invoice_id = str(created.json()["href"]).rsplit("/", 1)[-1]
    _api(
        sim,
        "POST",
        f"/v2/invoicing/invoices/{invoice_id}/send",
        {},
        **{"PayPal-Request-Id": f"{number}-send"},
    )
    return invoice_id


def test_token_needs_the_client_credentials(sim: PayPalSimulator) -> None:
    bad = requests.post(
        sim.url + "/v1/oauth2/token", auth=(sim.client_id, "nope"), data={"grant_type": "x"}, timeout=5
    )

    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_client"
    assert sim.tokens_issued == 0


def test_api_calls_need_a_live_bearer_token(sim: PayPalSimulator) -> None:
    token = _token(sim)
    headers = {"Authorization": f"Bearer {token}"}
    anonymous = requests.post(sim.url + "/v2/invoicing/generate-next-invoice-number", timeout=5)
    fine = requests.post(sim.url + "/v2/invoicing/generate-next-invoice-number", headers=headers, timeout=5)
    requests.post(sim.url + "/_sim/tokens/expire", timeout=5)
    expired = requests.post(
        sim.url + "/v2/invoicing/generate-next-invoice-number", headers=headers, timeout=5
    )

    assert anonymous.status_code == 401
    assert fine.json() == {"invoice_number": "0001"}
    assert expired.status_code == 401 and expired.json()["error"] == "invalid_token"


def test_missing_fields_are_a_400_naming_each_field(sim: PayPalSimulator) -> None:
    body = {"detail": {"invoice_number": "SO-1"}, "items": [{"name": "Widget"}]}

    response = _api(sim, "POST", "/v2/invoicing/invoices", body, **{"PayPal-Request-Id": "r1"})

    error = response.json()
    assert response.status_code == 400
    assert error["name"] == "INVALID_REQUEST" and error["debug_id"] == response.headers["PayPal-Debug-Id"]
    fields = {d["field"] for d in error["details"] if d["issue"] == "MISSING_REQUIRED_PARAMETER"}
    assert fields == {"/detail/currency_code", "/items/0/quantity", "/items/0/unit_amount"}
    assert sim.invoice_count == 0


@pytest.mark.parametrize(
    ("currency", "value", "issue"),
    [("UAH", "100.00", "CURRENCY_NOT_SUPPORTED"), ("JPY", "100.50", "DECIMAL_PRECISION")],
)
def test_business_rules_are_a_422_with_the_issue(
    sim: PayPalSimulator, currency: str, value: str, issue: str
) -> None:
    response = _api(
        sim,
        "POST",
        "/v2/invoicing/invoices",
        _invoice_body(currency=currency, value=value),
        **{"PayPal-Request-Id": "r"},
    )

    assert response.status_code == 422
    assert response.json()["name"] == "UNPROCESSABLE_ENTITY"
    assert response.json()["details"][0]["issue"] == issue
    assert sim.invoice_count == 0


def test_repeated_request_id_replays_the_first_result(sim: PayPalSimulator) -> None:
    headers = {"PayPal-Request-Id": "crm-order-1", "Prefer": "return=representation"}
    first = _api(sim, "POST", "/v2/invoicing/invoices", _invoice_body(), **headers)
    second = _api(sim, "POST", "/v2/invoicing/invoices", _invoice_body(), **headers)
    other = _api(
        sim, "POST", "/v2/invoicing/invoices", _invoice_body(), **{"PayPal-Request-Id": "crm-order-2"}
    )

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert other.json()["details"][0]["issue"] == "DUPLICATE_INVOICE_NUMBER"
    assert sim.invoice_count == 1


def test_search_refuses_pages_over_100(sim: PayPalSimulator) -> None:
    response = _api(sim, "POST", "/v2/invoicing/search-invoices?page=1&page_size=101", {})

    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "page_size"


def test_order_create_gives_a_payer_link_and_capture_needs_approval(sim: PayPalSimulator) -> None:
    body = {
        "intent": "CAPTURE",
        "purchase_units": [{"reference_id": "default", "amount": {"currency_code": "EUR", "value": "10.00"}}],
    }
    order = _api(sim, "POST", "/v2/checkout/orders", body, **{"PayPal-Request-Id": "o1"}).json()
    early = _api(sim, "POST", f"/v2/checkout/orders/{order['id']}/capture", {}, **{"PayPal-Request-Id": "c1"})
    requests.post(f"{sim.url}/_sim/orders/{order['id']}/approve", timeout=5)
    captured = _api(
        sim, "POST", f"/v2/checkout/orders/{order['id']}/capture", {}, **{"PayPal-Request-Id": "c2"}
    )
    replay = _api(
        sim, "POST", f"/v2/checkout/orders/{order['id']}/capture", {}, **{"PayPal-Request-Id": "c2"}
    )

    assert order["status"] == "CREATED"
    assert [link["rel"] for link in order["links"]].count("approve") == 1
    assert early.json()["details"][0]["issue"] == "ORDER_NOT_APPROVED"
    assert (captured.status_code, replay.status_code) == (201, 200)
    assert captured.json()["purchase_units"][0]["payments"]["captures"][0]["status"] == "COMPLETED"


def test_paying_an_invoice_delivers_signed_events_to_listeners(
    sim: PayPalSimulator, listener: Listener
) -> None:
    requests.post(sim.url + "/_sim/webhook-listeners", json={"url": listener.url}, timeout=5)
    invoice_id = _sent_invoice(sim)

    paid = requests.post(f"{sim.url}/_sim/invoices/{invoice_id}/pay", json={}, timeout=5).json()

    types = [json.loads(request.body)["event_type"] for request in listener.received]
    assert types == ["INVOICING.INVOICE.PAID", "PAYMENT.CAPTURE.COMPLETED"]
    assert [e["event_type"] for e in paid["events"]] == types
    for request in listener.received:
        assert request.headers["PAYPAL-AUTH-ALGO"] == "SHA256withRSA"
        headers = {name: request.headers[name] for name in request.headers}
        verify_offline(
            headers,
            request.body,
            sim.webhook_id,
            cert_fetcher=lambda url: requests.get(url, timeout=5).content,
            **sim.verification_options(),
        )


def test_duplicates_and_reordering_can_be_injected(sim: PayPalSimulator, listener: Listener) -> None:
    sim.add_webhook_listener(listener.url)
    sim.set_webhook_delivery(duplicates=1, reverse=True)
    invoice_id = _sent_invoice(sim)

    events = sim.pay_invoice(invoice_id)

    paid, captured = (event.id for event in events)
    assert listener.event_ids() == [captured, captured, paid, paid]


def test_held_events_are_released_in_the_requested_order(sim: PayPalSimulator, listener: Listener) -> None:
    sim.add_webhook_listener(listener.url)
    requests.post(sim.url + "/_sim/webhook-delivery", json={"hold": True}, timeout=5)
    invoice_id = _sent_invoice(sim)
    emitted = [event.id for event in sim.pay_invoice(invoice_id) + sim.refund_invoice(invoice_id)]
    assert listener.received == []

    flushed = requests.post(sim.url + "/_sim/webhooks/flush", json={"order": "reverse"}, timeout=5).json()

    assert flushed == {"delivered": 4}
    assert listener.event_ids() == list(reversed(emitted))


def test_listeners_must_be_on_loopback(sim: PayPalSimulator) -> None:
    response = requests.post(
        sim.url + "/_sim/webhook-listeners", json={"url": "https://example.com/hook"}, timeout=5
    )

    assert response.status_code == 400
    assert sim.hub.listeners == []


def test_failed_deliveries_are_recorded(sim: PayPalSimulator) -> None:
    receiver = Listener(status=500)
    with receiver.server:
        sim.add_webhook_listener(receiver.url)
        sim.pay_invoice(_sent_invoice(sim))

    assert [delivery["status"] for delivery in sim.state()["webhooks"]["deliveries"]] == [500, 500]


def test_verify_endpoint_checks_the_exact_event_bytes(sim: PayPalSimulator) -> None:
    event = sim.pay_invoice(_sent_invoice(sim))[0]
    fields = {
        "auth_algo": event.headers["PAYPAL-AUTH-ALGO"],
        "cert_url": event.headers["PAYPAL-CERT-URL"],
        "transmission_id": event.headers["PAYPAL-TRANSMISSION-ID"],
        "transmission_sig": event.headers["PAYPAL-TRANSMISSION-SIG"],
        "transmission_time": event.headers["PAYPAL-TRANSMISSION-TIME"],
        "webhook_id": sim.webhook_id,
    }
    exact = json.dumps(fields)[:-1].encode() + b', "webhook_event": ' + event.body + b"}"
    reencoded = json.dumps({**fields, "webhook_event": json.loads(event.body)}, indent=1).encode()
    headers = {"Authorization": f"Bearer {_token(sim)}", "Content-Type": "application/json"}
    url = sim.url + "/v1/notifications/verify-webhook-signature"

    assert requests.post(url, data=exact, headers=headers, timeout=5).json() == {
        "verification_status": "SUCCESS"
    }
    assert requests.post(url, data=reencoded, headers=headers, timeout=5).json() == {
        "verification_status": "FAILURE"
    }


def test_certificates_are_served_as_pem(sim: PayPalSimulator) -> None:
    event = sim.pay_invoice(_sent_invoice(sim))[0]

    response = requests.get(event.headers["PAYPAL-CERT-URL"], timeout=5)

    assert response.status_code == 200
    assert response.content.startswith(b"-----BEGIN CERTIFICATE-----")


def test_state_counts_endpoints_and_records_effects(sim: PayPalSimulator) -> None:
    invoice_id = _sent_invoice(sim)

    state = requests.get(sim.url + "/_sim/state", timeout=5).json()

    assert state["counts"]["POST /v2/invoicing/invoices"] == 1
    assert state["counts"]["POST /v2/invoicing/invoices/{id}/send"] == 1
    assert state["tokens_issued"] == 2
    assert [(i["id"], i["status"]) for i in state["invoices"]] == [(invoice_id, "SENT")]


def test_fail_next_and_faults_through_the_admin_api(sim: PayPalSimulator) -> None:
    requests.post(
        sim.url + "/_sim/fail-next", json={"status": 503, "path_prefix": "/v2/invoicing"}, timeout=5
    )
    failed = _api(sim, "POST", "/v2/invoicing/generate-next-invoice-number")
    after = _api(sim, "POST", "/v2/invoicing/generate-next-invoice-number")
    requests.post(
        sim.url + "/_sim/faults",
        json={"error_rate": 1.0, "error_status": 500, "only_paths": ["/v2"]},
        timeout=5,
    )
    faulted = _api(sim, "POST", "/v2/invoicing/generate-next-invoice-number")
    requests.post(sim.url + "/_sim/reset", timeout=5)
    recovered = _api(sim, "POST", "/v2/invoicing/generate-next-invoice-number")

    assert (failed.status_code, failed.json()["name"]) == (503, "SERVICE_UNAVAILABLE")
    assert (after.status_code, faulted.status_code, recovered.status_code) == (200, 500, 200)


def test_admin_refuses_unknown_fault_fields(sim: PayPalSimulator) -> None:
    response = requests.post(sim.url + "/_sim/faults", json={"explode": True}, timeout=5)

    assert response.status_code == 400


def test_seeded_simulators_produce_the_same_ids() -> None:
    def first_token(seed: int) -> str:
        with PayPalSimulator(seed=seed) as simulator:
            return _token(simulator)

    assert first_token(11) == first_token(11) != first_token(12)

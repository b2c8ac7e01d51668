"""Outbound calls go only to the configured provider hosts.

- No client follows a redirect: a "provider" that answers 302/307 to another host gets an error from
  the client, and the other host sees nothing (a followed 307 would re-send the body: Nova Poshta's
  API key, GMS's phone numbers, Dataverse rows).
- PayPal certificates are fetched only from PayPal's hosts over https (the production default).
- The GMS callback URL the app registers is its own.
- During a workload, every request leaving the process goes to a configured base URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from connectors.common.retry import RetryPolicy
from connectors.gms import GmsClient, GmsCredential, GmsError, SendRequest
from connectors.novaposhta import NovaPoshtaClient, NovaPoshtaError
from connectors.paypal import (
    PAYPAL_CERT_HOSTS,
    PayPalClient,
    PayPalCredential,
    PayPalError,
    WebhookVerificationError,
    requests_certificate_fetcher,
)
from connectors.paypal.webhooks import check_cert_url
from connectors.youcontrol import YouScoreClient, YouScoreError, YouScoreKeys
from dataverse import DataverseClient, DataverseError, StaticTokenAuth
from functions.messaging.wiring import get_policy
from functions.payments.settings import PaymentSettings
from local_runtime.loopback import LoopbackServer, Request, Response
from local_runtime.stack import LocalStack
from tests.fuzz._webhooks import settle, wait_until
from tests.security._workload import Client, counterparty_part, messaging_part, shipping_and_payments_part
from tests.security.conftest import SECRETS

ONCE = RetryPolicy(max_attempts=1)
ERRORS = (GmsError, NovaPoshtaError, PayPalError, WebhookVerificationError, YouScoreError, DataverseError)
SEND = {
    "phone_number": "380671234501",
    "extra_id": "redirect-1",
    "channels": ["sms"],
    "channel_options": {"sms": {"text": "Hello", "ttl": 300, "alpha_name": "MyBrand"}},
}


class Elsewhere:
    """A host that must never be reached; it records whatever arrives."""

    def __init__(self) -> None:
        self.seen: list[Request] = []
        self._lock = threading.Lock()
        self.server = LoopbackServer(self._handle, name="elsewhere")

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.seen.append(request)
        return Response.json({"success": True, "data": [], "access_token": "x", "expires_in": 60})


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[Elsewhere]:
    target = Elsewhere()
    with target.server:
        yield target


def _redirecting(status: int, to: str) -> LoopbackServer:
    def handle(request: Request) -> Response:
        query = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
        location = f"{to}{request.path}" + (f"?{query}" if query else "")
        return Response(status, b"", {"Location": location})

    return LoopbackServer(handle, name=f"redirect-{status}")


def _gms(url: str) -> None:
    with GmsClient(url, GmsCredential("login", SECRETS["GMS_PASSWORD"], "12345"), retry=ONCE) as client:
        client.send_message(SendRequest.model_validate(SEND))


def _gms_report(url: str) -> None:
    with GmsClient(url, GmsCredential("login", SECRETS["GMS_PASSWORD"], "12345"), retry=ONCE) as client:
        client.get_report(extra_id="redirect-1")


def _novaposhta(url: str) -> None:
    with NovaPoshtaClient(url, SECRETS["NOVAPOSHTA_API_KEY"], retry=ONCE) as client:
        client.search_settlements("Київ")


def _paypal(url: str) -> None:
    credential = PayPalCredential("client", SECRETS["PAYPAL_CLIENT_SECRET"])
    with PayPalClient(url, credential, retry=ONCE) as client:
        client.get_invoice("INV2-AAAA-BBBB-CCCC-DDDD")


def _youscore(url: str) -> None:
    with YouScoreClient(url, YouScoreKeys.shared(SECRETS["YOUSCORE_API_KEY"]), retry=ONCE) as client:
        client.get_registry_card("00032129")


def _dataverse_read(url: str) -> None:
    with DataverseClient(url, StaticTokenAuth(SECRETS["DATAVERSE_ACCESS_TOKEN"]), retry=ONCE) as client:
        client.retrieve("contacts", "00000000-0000-0000-0000-000000000001")


def _dataverse_write(url: str) -> None:
    with DataverseClient(url, StaticTokenAuth(SECRETS["DATAVERSE_ACCESS_TOKEN"]), retry=ONCE) as client:
        client.create("contacts", {"firstname": "Olena", "mobilephone": "+380671234501"})


def _paypal_certificate(url: str) -> None:
    requests_certificate_fetcher()(f"{url}/v1/notifications/certs/CERT-1")


CALLS: dict[str, Callable[[str], None]] = {
    "gms-send": _gms,
    "gms-report": _gms_report,
    "novaposhta": _novaposhta,
    "paypal": _paypal,
    "youscore": _youscore,
    "dataverse-read": _dataverse_read,
    "dataverse-write": _dataverse_write,
    "paypal-certificate": _paypal_certificate,
}


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("client", sorted(CALLS))
def test_no_client_follows_a_redirect_to_another_host(client: str, status: int, elsewhere: Elsewhere) -> None:
    before = len(elsewhere.seen)
    with _redirecting(status, elsewhere.server.url) as provider, pytest.raises(Exception) as failure:
        CALLS[client](provider.url)
    assert isinstance(failure.value, ERRORS), f"{client}: a {status} is {failure.value!r}, not its own error"
    leaked = [(r.method, r.path) for r in elsewhere.seen[before:]]
    assert leaked == [], f"{client} followed a {status} to another host: {leaked}"
    assert not any(secret in str(failure.value) for secret in SECRETS.values())


def test_paypal_certificates_come_only_from_paypal_over_https_by_default() -> None:
    assert PaymentSettings.model_fields["cert_hosts"].default == PAYPAL_CERT_HOSTS
    assert PaymentSettings.model_fields["cert_http_hosts"].default == ()
    check_cert_url("https://api.paypal.com/v1/notifications/certs/CERT-360caa42", PAYPAL_CERT_HOSTS)
    for url in (
        "http://api.paypal.com/v1/notifications/certs/CERT-1",
        "https://evil.example.com/v1/notifications/certs/CERT-1",
        "https://api.paypal.com.evil.example.com/cert.pem",
        "https://api.paypal.com@evil.example.com/cert.pem",
        "https://user:pass@api.paypal.com/cert.pem",
        "ftp://api.paypal.com/cert.pem",
        "file:///etc/passwd",
        "https://127.0.0.1/cert.pem",
        "//api.paypal.com/cert.pem",
    ):
        with pytest.raises(WebhookVerificationError):
            check_cert_url(url, PAYPAL_CERT_HOSTS)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every URL any requests.Session in this process sends to (observed, not altered)."""
    seen: list[str] = []
    send = requests.Session.send

    def recording(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        seen.append(str(request.url))
        return send(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", recording)
    yield seen


def test_every_outbound_call_goes_to_a_configured_host(stack: LocalStack, outbound: list[str]) -> None:
    settings = (
        "DATAVERSE_URL", "GMS_BASE_URL", "GMS_BATCH_BASE_URL", "GMS_REPORT_BASE_URL", "NOVAPOSHTA_BASE_URL",
        "NOVAPOSHTA_PRINT_BASE_URL", "PAYPAL_BASE_URL", "YOUSCORE_BASE_URL", "SMART_PUBLIC_BASE_URL",
    )  # fmt: skip
    configured = {_origin(stack.env[name]) for name in settings if stack.env.get(name)}
    client = Client(stack)
    messaging_part(client)
    shipping_and_payments_part(client)
    counterparty_part(client)
    settle(stack)
    assert len(outbound) > 50
    stray = sorted({_origin(url) for url in outbound} - configured)
    assert stray == [], f"calls to hosts no setting names: {stray}"
    provider_origins = configured - {_origin(stack.url)}
    assert {_origin(url) for url in outbound} & provider_origins == provider_origins  # each was called


def test_the_gms_callback_url_is_the_apps_own(stack: LocalStack) -> None:
    ours = f"{stack.env['SMART_PUBLIC_BASE_URL']}/api/gms/reports?token="
    assert str(get_policy().callback_url).startswith(ours)
    client, gms = Client(stack), stack.stand_ins["gms"]
    body = {"to": "+380671234509", "text": "Callback check", "purpose": "transactional"}
    key = client.call("POST", "/api/messages", json=body).json()["idempotency_key"]
    wait_until(lambda: any(m.get("extra_id") == key for m in gms.messages()), what="GMS to accept it")
    gms.flush()  # GMS posts the reports to the callback URL it was given; only our app acknowledges them
    assert any(report.get("extra_id") == key for report in gms.delivered_reports)

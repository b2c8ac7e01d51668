"""Verify, then parse, PayPal webhook deliveries.

Two ways to verify, both working on the RAW body bytes (in Azure Functions: ``req.get_body()``):

- ``verify_via_api``: ask PayPal (``POST /v1/notifications/verify-webhook-signature``).
- ``verify_offline``: check the RSA signature over
  ``{transmission_id}|{transmission_time}|{webhook_id}|{crc32(raw_body)}`` with the certificate named
  in ``PAYPAL-CERT-URL``; the URL is vetted (scheme, host allow-list) before anything is fetched.

Both raise ``WebhookVerificationError`` saying why, and return ``None`` on success. Header names
are read case-insensitively (Azure Functions lower-cases them).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from connectors.paypal.client import PayPalClient
from connectors.paypal.errors import WebhookVerificationError

TRANSMISSION_ID = "PAYPAL-TRANSMISSION-ID"
TRANSMISSION_TIME = "PAYPAL-TRANSMISSION-TIME"
TRANSMISSION_SIG = "PAYPAL-TRANSMISSION-SIG"
CERT_URL = "PAYPAL-CERT-URL"
AUTH_ALGO = "PAYPAL-AUTH-ALGO"

SUPPORTED_AUTH_ALGO = "SHA256withRSA"
PAYPAL_CERT_HOSTS: tuple[str, ...] = (
    "api.paypal.com",
    "api.sandbox.paypal.com",
    "api-m.paypal.com",
    "api-m.sandbox.paypal.com",
)
PAYPAL_CERT_NAME_SUFFIXES: tuple[str, ...] = (".paypal.com",)

_MAX_PEM_BYTES = 64 * 1024

CertificateFetcher = Callable[[str], bytes]
"""Given a vetted certificate URL, return the PEM bytes (leaf certificate first)."""


@dataclass(frozen=True)
class TransmissionHeaders:
    transmission_id: str
    transmission_time: str
    transmission_sig: str
    cert_url: str
    auth_algo: str

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> TransmissionHeaders:
        lowered = {str(name).lower(): str(value) for name, value in headers.items()}
        names = (TRANSMISSION_ID, TRANSMISSION_TIME, TRANSMISSION_SIG, CERT_URL, AUTH_ALGO)
        values = [lowered.get(name.lower(), "").strip() for name in names]
        missing = [name for name, value in zip(names, values, strict=True) if not value]
        if missing:
            raise WebhookVerificationError(f"missing webhook header(s): {', '.join(missing)}")
        return cls(*values)


def crc32_decimal(raw_body: bytes) -> str:
    """CRC32 of the exact body bytes as an unsigned decimal string (not a hash, not hex)."""
    return str(binascii.crc32(raw_body) & 0xFFFFFFFF)


def expected_message(transmission_id: str, transmission_time: str, webhook_id: str, raw_body: bytes) -> bytes:
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{crc32_decimal(raw_body)}".encode()


class CertificateCache:
    """Wrap a fetcher so each certificate URL is fetched once (thread-safe); pass it as ``cert_fetcher``."""

    def __init__(self, fetch: CertificateFetcher, *, max_entries: int = 32) -> None:
        self._fetch = fetch
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._pem: dict[str, bytes] = {}

    def __call__(self, url: str) -> bytes:
        with self._lock:
            cached = self._pem.get(url)
        if cached is not None:
            return cached
        pem = self._fetch(url)
        with self._lock:
            if len(self._pem) >= self._max_entries:
                self._pem.pop(next(iter(self._pem)))
            self._pem[url] = pem
        return pem


def requests_certificate_fetcher(
    session: requests.Session | None = None, *, timeout: float = 10.0
) -> CertificateFetcher:
    """A fetcher for production: plain GET (TLS verified by requests), no redirects, PEM size capped.

    Wrap it in ``CertificateCache`` so each certificate URL is downloaded once per process.
    """
    http = session if session is not None else requests.Session()

    def fetch(url: str) -> bytes:
        try:
            response = http.get(url, timeout=timeout, allow_redirects=False)
        except requests.RequestException as error:
            raise WebhookVerificationError(f"certificate download failed ({type(error).__name__})") from error
        if response.status_code != 200 or len(response.content) > _MAX_PEM_BYTES:
            raise WebhookVerificationError(f"certificate download failed (HTTP {response.status_code})")
        return response.content

    return fetch


def check_cert_url(
    url: str, allowed_cert_hosts: tuple[str, ...], allow_http_hosts: tuple[str, ...] = ()
) -> None:
    """Refuse a certificate URL that is not https on an allowed host (http only for listed hosts)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as error:
        raise WebhookVerificationError("certificate URL is malformed") from error
    if parts.username is not None or parts.password is not None or not host:
        raise WebhookVerificationError("certificate URL must name a plain host")
    if parts.scheme == "https" and host in {h.lower() for h in allowed_cert_hosts}:
        return
    if parts.scheme == "http" and host in {h.lower() for h in allow_http_hosts}:
        return
    raise WebhookVerificationError(f"certificate URL not allowed (scheme {parts.scheme!r}, host {host!r})")


def _load_certificate(pem: bytes) -> x509.Certificate:
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as error:
        raise WebhookVerificationError("certificate is not valid PEM") from error
    return certificates[0]


def _check_certificate(cert: x509.Certificate, now: datetime, name_suffixes: tuple[str, ...]) -> None:
    if now < cert.not_valid_before_utc:
        raise WebhookVerificationError("certificate is not yet valid")
    if now > cert.not_valid_after_utc:
        raise WebhookVerificationError("certificate has expired")
    if name_suffixes:
        names = [str(attr.value) for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if not any(name.lower().endswith(suffix.lower()) for name in names for suffix in name_suffixes):
            raise WebhookVerificationError("certificate subject is not an allowed name")


def _parse_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise WebhookVerificationError("PAYPAL-TRANSMISSION-TIME is not an RFC 3339 time") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def verify_offline(
    headers: Mapping[str, str],
    raw_body: bytes,
    webhook_id: str,
    *,
    cert_fetcher: CertificateFetcher,
    allowed_cert_hosts: tuple[str, ...] = PAYPAL_CERT_HOSTS,
    allow_http_hosts: tuple[str, ...] = (),
    cert_name_suffixes: tuple[str, ...] = PAYPAL_CERT_NAME_SUFFIXES,
    max_age: timedelta | None = None,
    now: datetime | None = None,
) -> None:
    """Check the delivery's signature with PayPal's certificate; raise ``WebhookVerificationError`` if bad.

    The certificate URL is vetted before ``cert_fetcher`` is called. ``max_age`` (off by default)
    rejects transmissions older than that (replay window); ``now`` is for tests.
    """
    if not webhook_id:
        raise WebhookVerificationError("webhook_id is required")
    transmission = TransmissionHeaders.from_headers(headers)
    if transmission.auth_algo.lower() != SUPPORTED_AUTH_ALGO.lower():
        raise WebhookVerificationError(f"unsupported PAYPAL-AUTH-ALGO {transmission.auth_algo!r}")
    check_cert_url(transmission.cert_url, allowed_cert_hosts, allow_http_hosts)
    moment = now or datetime.now(UTC)
    if max_age is not None and moment - _parse_time(transmission.transmission_time) > max_age:
        raise WebhookVerificationError("transmission is older than the replay window")
    try:
        signature = base64.b64decode(transmission.transmission_sig, validate=True)
    except binascii.Error as error:
        raise WebhookVerificationError("PAYPAL-TRANSMISSION-SIG is not base64") from error
    cert = _load_certificate(cert_fetcher(transmission.cert_url))
    _check_certificate(cert, moment, cert_name_suffixes)
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise WebhookVerificationError("certificate key is not RSA")
    message = expected_message(
        transmission.transmission_id, transmission.transmission_time, webhook_id, raw_body
    )
    try:
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as error:
        raise WebhookVerificationError(
            "signature does not match body, webhook id and transmission"
        ) from error


def verify_via_api(
    client: PayPalClient, headers: Mapping[str, str], raw_body: bytes, webhook_id: str
) -> None:
    """Ask PayPal to verify the delivery. ``PayPalApiError``/``PayPalConnectionError`` pass through
    (a transient one means "try again later", not "forged")."""
    if not webhook_id:
        raise WebhookVerificationError("webhook_id is required")
    transmission = TransmissionHeaders.from_headers(headers)
    try:
        event = json.loads(raw_body)
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deep
        raise WebhookVerificationError("webhook body is not JSON") from error
    if not isinstance(event, dict):
        raise WebhookVerificationError("webhook body is not a JSON object")
    fields = {
        "auth_algo": transmission.auth_algo,
        "cert_url": transmission.cert_url,
        "transmission_id": transmission.transmission_id,
        "transmission_sig": transmission.transmission_sig,
        "transmission_time": transmission.transmission_time,
        "webhook_id": webhook_id,
    }
    status = client.verify_webhook_signature(fields, raw_body)
    if status != "SUCCESS":
        raise WebhookVerificationError(f"PayPal verification status {status!r}")

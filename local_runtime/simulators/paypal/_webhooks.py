"""Webhook side of the simulator: sign events like PayPal, deliver them to loopback listeners
(with injectable duplicates, reordering and holding), and answer verify-webhook-signature."""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from local_runtime.simulators.paypal._common import Ids, invalid_request, missing
from local_runtime.simulators.paypal._signing import AUTH_ALGO, SigningCertificate, message

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_VERIFY_FIELDS = (
    "auth_algo",
    "cert_url",
    "transmission_id",
    "transmission_sig",
    "transmission_time",
    "webhook_id",
    "webhook_event",
)


@dataclass(frozen=True)
class SimEvent:
    """One emitted event: the exact body bytes and the signed PayPal headers sent with it."""

    id: str
    event_type: str
    body: bytes
    headers: dict[str, str]

    def json(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.body)
        return result


@dataclass
class DeliveryOptions:
    duplicates: int = 0  # extra copies of every delivery
    reverse: bool = False  # deliver the events of one action newest first
    hold: bool = False  # queue events until flush()


def check_listener_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in LOOPBACK_HOSTS:
        raise ValueError("webhook listeners must be http(s) URLs on loopback")
    return url


def _extract_raw_event(body: bytes) -> bytes | None:
    """The bytes of the top-level ``webhook_event`` value exactly as sent (CRC is over these)."""
    text = body.decode("utf-8", errors="strict")
    marker = text.find('"webhook_event"')
    if marker < 0:
        return None
    colon = text.find(":", marker + len('"webhook_event"'))
    start = colon + 1
    while start < len(text) and text[start] in " \t\r\n":
        start += 1
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return None
    return text[start:end].encode("utf-8")


class WebhookHub:
    def __init__(self, ids: Ids, webhook_id: str, cert_url: Callable[[str], str], seed: int) -> None:
        self._ids = ids
        self.webhook_id = webhook_id
        self._cert_url = cert_url
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self.certificates: dict[str, SigningCertificate] = {}
        self._current = self.rotate_certificate()
        self.events: list[SimEvent] = []
        self.listeners: list[str] = []
        self.options = DeliveryOptions()
        self.pending: list[SimEvent] = []
        self.deliveries: list[dict[str, Any]] = []

    def rotate_certificate(self, *, expired: bool = False) -> SigningCertificate:
        with self._lock:
            name = f"CERT-SIM-{len(self.certificates) + 1}-{self._ids.text(8, '0123456789abcdef')}"
            self._current = SigningCertificate.generate(name, expired=expired)
            self.certificates[name] = self._current
            return self._current

    def certificate_pem(self, name: str) -> bytes | None:
        with self._lock:
            cert = self.certificates.get(name)
        return cert.pem if cert else None

    def sign(self, body: bytes, *, webhook_id: str | None = None) -> dict[str, str]:
        """The PayPal transmission headers for ``body`` signed with the current test certificate."""
        with self._lock:
            cert = self._current
        transmission_id, transmission_time = (
            self._ids.uuid(),
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        data = message(transmission_id, transmission_time, webhook_id or self.webhook_id, body)
        return {
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-TRANSMISSION-SIG": cert.sign(data),
            "PAYPAL-CERT-URL": self._cert_url(cert.name),
            "PAYPAL-AUTH-ALGO": AUTH_ALGO,
        }

    def emit(
        self, event_type: str, resource_type: str, resource: dict[str, Any], summary: str, base_url: str
    ) -> SimEvent:
        event_id = self._ids.event()
        envelope = {
            "id": event_id,
            "event_version": "1.0",
            "create_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z",
            "resource_type": resource_type,
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": summary,
            "resource": resource,
            "links": [
                {
                    "href": f"{base_url}/v1/notifications/webhooks-events/{event_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {
                    "href": f"{base_url}/v1/notifications/webhooks-events/{event_id}/resend",
                    "rel": "resend",
                    "method": "POST",
                },
            ],
        }
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        event = SimEvent(event_id, event_type, body, self.sign(body))
        with self._lock:
            self.events.append(event)
        return event

    def find(self, event_id: str) -> SimEvent | None:
        with self._lock:
            return next((event for event in self.events if event.id == event_id), None)

    # --- delivery (never called with the simulator's state lock held) ------------------------------

    def dispatch(self, events: list[SimEvent]) -> None:
        if not events:
            return
        with self._lock:
            if self.options.hold:
                self.pending.extend(events)
                return
            batch = list(reversed(events)) if self.options.reverse else list(events)
        self._deliver(batch)

    def flush(self, order: str = "fifo") -> int:
        with self._lock:
            batch, self.pending = self.pending, []
            if order == "reverse":
                batch.reverse()
            elif order == "shuffle":
                self._random.shuffle(batch)
        self._deliver(batch)
        return len(batch)

    def _deliver(self, events: list[SimEvent]) -> None:
        with self._lock:
            listeners, copies = list(self.listeners), 1 + max(0, self.options.duplicates)
        for event in events:
            for _ in range(copies):
                for url in listeners:
                    self._post(url, event)

    def _post(self, url: str, event: SimEvent) -> None:
        record: dict[str, Any] = {"event_id": event.id, "event_type": event.event_type, "url": url}
        headers = {**event.headers, "Content-Type": "application/json"}
        try:
            response = requests.post(url, data=event.body, headers=headers, timeout=10, allow_redirects=False)
            record["status"] = response.status_code
        except requests.RequestException as error:
            record["status"], record["error"] = None, type(error).__name__
            logger.info("PayPal simulator: delivery of %s to %s failed: %s", event.id, url, record["error"])
        with self._lock:
            self.deliveries.append(record)

    # --- POST /v1/notifications/verify-webhook-signature ------------------------------------------

    def verify(self, raw_request: bytes) -> str:
        try:
            payload = json.loads(raw_request)
        except ValueError:
            raise invalid_request([missing("/")]) from None
        if not isinstance(payload, dict):
            raise invalid_request([missing("/")])
        absent = [missing(f"/{name}") for name in _VERIFY_FIELDS if not payload.get(name)]
        if absent:
            raise invalid_request(absent)
        raw_event = _extract_raw_event(raw_request)
        stored = (
            self.find(str(payload["webhook_event"].get("id", "")))
            if isinstance(payload["webhook_event"], dict)
            else None
        )
        cert_name = str(payload["cert_url"]).rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            cert = self.certificates.get(cert_name)
        ok = (
            raw_event is not None
            and stored is not None
            and cert is not None
            and payload["cert_url"] == self._cert_url(cert_name)
            and payload["webhook_id"] == self.webhook_id
            and str(payload["auth_algo"]).lower() == AUTH_ALGO.lower()
            and cert.verifies(
                str(payload["transmission_sig"]),
                message(
                    str(payload["transmission_id"]),
                    str(payload["transmission_time"]),
                    self.webhook_id,
                    raw_event,
                ),
            )
        )
        return "SUCCESS" if ok else "FAILURE"

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "listeners": list(self.listeners),
                "delivery": asdict(self.options),
                "events": [{"id": e.id, "event_type": e.event_type} for e in self.events],
                "pending": [e.id for e in self.pending],
                "deliveries": list(self.deliveries),
                "certificates": [self._cert_url(name) for name in self.certificates],
            }

    def reset(self, listeners: list[str]) -> None:
        with self._lock:
            self._current = next(iter(self.certificates.values()))
            self.events, self.pending, self.deliveries = [], [], []
            self.listeners = list(listeners)
            self.options = DeliveryOptions()

"""PayPal webhooks: verify the delivery, queue it, and (from the queue) apply it to the payment row.

The endpoint does the minimum before answering PayPal: verify the signature on the raw body (offline
by default, or by PayPal's verify API), check it parses as an event, and queue the exact body on
``paypal-events`` with ``message_id`` = the event id, so a duplicate delivery inside the queue's
detection window is dropped there. The queue handler then finds the payment (by invoice id for
invoice events, by ``custom_id`` = our key or by invoice number for capture events) and applies the
event through ``changes_for``: monotonic, so a late or repeated event changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Literal, Protocol

from connectors.paypal import (
    CertificateFetcher,
    EventType,
    PayPalClient,
    PayPalError,
    WebhookEvent,
    WebhookEventError,
    WebhookVerificationError,
    parse_event,
    verify_offline,
    verify_via_api,
)
from functions.common.bus import MessageBus, OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.common.problems import Problem
from functions.common.queues import PAYPAL_EVENTS
from functions.payments.errors import problem_from_paypal
from functions.payments.ports import Clock, PaymentStore, utc_now
from functions.payments.rules import (
    Observation,
    PaymentRecord,
    observe_capture,
    observe_invoice,
    observe_refund,
)
from functions.payments.sync import apply_observation

logger = logging.getLogger("smart.payments.webhooks")

Outcome = Literal["applied", "unchanged", "not-ours", "ignored"]


class WebhookVerifier(Protocol):
    def verify(self, headers: Mapping[str, str], raw_body: bytes) -> None:
        """Return when the delivery is PayPal's; raise ``WebhookVerificationError`` otherwise."""


class OfflineVerifier:
    """CRC32 + RSA check with the certificate named in the delivery (its URL vetted first)."""

    def __init__(
        self,
        webhook_id: str,
        fetcher: CertificateFetcher,
        *,
        allowed_cert_hosts: tuple[str, ...],
        allow_http_hosts: tuple[str, ...] = (),
        cert_name_suffixes: tuple[str, ...],
        max_age: timedelta | None = None,
    ) -> None:
        self._webhook_id = webhook_id
        self._fetcher = fetcher
        self._hosts = allowed_cert_hosts
        self._http_hosts = allow_http_hosts
        self._suffixes = cert_name_suffixes
        self._max_age = max_age

    def verify(self, headers: Mapping[str, str], raw_body: bytes) -> None:
        verify_offline(
            headers,
            raw_body,
            self._webhook_id,
            cert_fetcher=self._fetcher,
            allowed_cert_hosts=self._hosts,
            allow_http_hosts=self._http_hosts,
            cert_name_suffixes=self._suffixes,
            max_age=self._max_age,
        )


class ApiVerifier:
    """Asks PayPal (``verify-webhook-signature``); one extra call per delivery."""

    def __init__(self, client: PayPalClient, webhook_id: str) -> None:
        self._client = client
        self._webhook_id = webhook_id

    def verify(self, headers: Mapping[str, str], raw_body: bytes) -> None:
        verify_via_api(self._client, headers, raw_body, self._webhook_id)


def accept_webhook(
    raw_body: bytes, headers: Mapping[str, str], verifier: WebhookVerifier, bus: MessageBus
) -> WebhookEvent:
    """Verify, then parse, then queue. Unverified: 401 and nothing is queued."""
    try:
        verifier.verify(headers, raw_body)
    except WebhookVerificationError as error:
        logger.warning("refused a PayPal webhook delivery: %s", error)
        raise Problem(401, f"The PayPal signature could not be verified: {error}.") from None
    except PayPalError as error:  # verify API unreachable: PayPal will deliver again
        raise problem_from_paypal(error, what="PayPal's verification service") from error
    try:
        event = parse_event(raw_body)
    except WebhookEventError as error:
        raise Problem(400, f"The verified body is not a PayPal event: {error}.") from None
    message = OutboundMessage(raw_body, message_id=event.id, subject=event.event_type)
    bus.send(PAYPAL_EVENTS.name, message)
    logger.info("queued PayPal event %s (%s)", event.id, event.event_type)
    return event


class EventApplier:
    """Applies one queued PayPal event to its payment row (idempotent, never backwards)."""

    def __init__(self, store: PaymentStore, *, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock

    def apply(self, raw_body: bytes) -> Outcome:
        try:
            event = parse_event(raw_body)
            found = self._locate(event)
        except (WebhookEventError, ValueError) as error:
            raise PoisonMessageError(f"unusable PayPal event: {error}") from error
        if found is None:
            return "ignored"
        record, seen = found
        if record is None:
            logger.info("PayPal event %s (%s) concerns no payment of ours", event.id, event.event_type)
            return "not-ours"
        _, written = apply_observation(self._store, record, seen, self._clock())
        logger.info("PayPal event %s (%s) on payment %s: %s", event.id, event.event_type, record.key,
                    "applied" if written else "nothing to change")  # fmt: skip
        return "applied" if written else "unchanged"

    def _locate(self, event: WebhookEvent) -> tuple[PaymentRecord | None, Observation] | None:
        """(payment row, what the event says), or None for an event type we do not act on."""
        if event.is_invoice_event:
            invoice = event.invoice()
            paid_on = event.create_time if event.event_type == EventType.INVOICE_PAID else None
            return self._store.find_by_invoice_id(invoice.id), observe_invoice(invoice, paid_on=paid_on)
        if event.is_refund_event:
            refund = event.refund()
            record = self._find(refund.custom_id, refund.invoice_id)
            reversed_ = event.event_type == EventType.CAPTURE_REVERSED
            return record, observe_refund(refund, record, reversed_=reversed_) if record else Observation()
        if event.is_capture_event:
            try:
                capture = event.capture()
            except WebhookEventError:
                logger.info("PayPal event %s (%s) is not acted on", event.id, event.event_type)
                return None
            record = self._find(capture.custom_id, capture.invoice_id)
            return record, observe_capture(
                capture, record, when=event.create_time
            ) if record else Observation()
        logger.info("PayPal event %s (%s) is not acted on", event.id, event.event_type)
        return None

    def _find(self, custom_id: str | None, invoice_number: str | None) -> PaymentRecord | None:
        """Our invoices carry the payment key as ``reference``, which PayPal copies to ``custom_id``."""
        if custom_id:
            record = self._store.find_by_key(custom_id)
            if record is not None:
                return record
        return self._store.find_by_invoice_number(invoice_number) if invoice_number else None

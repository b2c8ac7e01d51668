"""Send one message: validate and record it (``accept``), send it from the queue (``deliver``), show it.

``accept`` records the ``smart_message`` row by a create-only upsert on the idempotency key and
enqueues it with the key as the Service Bus message id (duplicate detection). ``deliver`` sends
through GMS with ``extra_id`` = key and never twice: a row that already has a provider id or a status
past ``scheduled`` is left alone, and a redelivered queue message first asks GMS whether the key was
already accepted (``send_message_once(check_first=True)``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from connectors.gms import (
    GmsApiError,
    GmsAuthenticationError,
    GmsError,
    GmsNotFoundError,
    SendRequest,
    SendResult,
)
from dataverse.schema import MessageStatus
from functions.common.bus import MessageBus, OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.common.logging import mask_phone
from functions.common.problems import Problem
from functions.common.queues import MESSAGES_OUTBOUND
from functions.messaging.directory import Contact
from functions.messaging.models import MessageAccepted, MessageView, SendMessageRequest
from functions.messaging.phones import InvalidPhoneError, normalize_phone
from functions.messaging.policy import SenderError, SendPolicy
from functions.messaging.repository import STATE_COLUMNS, MessageRecord, Planner, parse_time, state_of
from functions.messaging.rules import (
    ConsentFacts,
    ConsentValue,
    Purpose,
    TextLimitError,
    check_text,
    message_row_id,
    new_key,
    quiet_until,
)
from functions.messaging.statuses import MessageState, StatusChange, sent_change

log = logging.getLogger(__name__)
_WAITING = (MessageStatus.QUEUED, MessageStatus.SCHEDULED)


class Messages(Protocol):
    def create(self, record: MessageRecord) -> bool: ...
    def get(self, row_id: str) -> dict[str, Any] | None: ...
    def state(self, row_id: str) -> MessageState | None: ...
    def stream(self, filter: str, select: Sequence[str]) -> Iterable[dict[str, Any]]: ...
    def write(
        self, items: Sequence[tuple[MessageState, Planner]]
    ) -> list[tuple[MessageState, StatusChange]]: ...


class Directory(Protocol):
    def contact(self, contact_id: str) -> Contact | None: ...
    def consent_points(self, phones: Iterable[str]) -> dict[str, dict[tuple[str, Purpose], ConsentValue]]: ...
    def recent_counts(self, phones: Iterable[str], since: datetime) -> dict[str, int]: ...


class Sender(Protocol):
    def send_message_once(self, request: SendRequest, *, check_first: bool = False) -> SendResult: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class MessageService:
    def __init__(
        self,
        messages: Messages,
        directory: Directory,
        bus: MessageBus,
        gms: Sender,
        policy: SendPolicy,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.messages, self.directory, self.bus, self.gms = messages, directory, bus, gms
        self.policy, self.clock = policy, clock

    # ---- POST /api/messages --------------------------------------------------------------------

    def accept(self, request: SendMessageRequest, *, request_id: str | None = None) -> MessageAccepted:
        key = request.idempotency_key or new_key()
        contact = None
        if request.regarding is not None:
            contact = self.directory.contact(str(request.regarding.id))
            if contact is None:
                raise _field_problem("regarding.id", "no contact with this id")
        phone = _phone(request.to, contact, self.policy.default_region, "to")
        try:
            segments = check_text(request.text, request.channels)
            self.policy.sender_for(request.sender, request.channels)
        except TextLimitError as error:
            raise _field_problem("text", str(error)) from None
        except SenderError as error:
            raise _field_problem("sender", str(error)) from None
        now = self.clock()
        facts = ConsentFacts(
            donot_sms=bool(contact and contact.donot_sms),
            donot_viber=bool(contact and contact.donot_viber),
            points=self.directory.consent_points([phone]).get(phone, {}),
        )
        recent = 0
        if self.policy.caps_frequency and request.purpose is Purpose.COMMERCIAL:
            recent = self.directory.recent_counts([phone], now - self.policy.frequency_period).get(phone, 0)
        screening = self.policy.screen(
            request.purpose, request.channels, facts, recent=recent, journey=request.journey, now=now
        )
        record = MessageRecord(
            id=message_row_id(key),
            key=key,
            phone=phone,
            text=request.text,
            channels=screening.channels,
            status=screening.status,
            segments=segments,
            campaign=request.campaign,
            journey=request.journey,
            request_id=request_id,
            contact_id=contact.id if contact else None,
            queued_on=now,
            error=screening.reason,
        )
        created = self.messages.create(record)
        if not created:
            return self._replay(record, request)
        if screening.status in _WAITING:
            self._enqueue(record, request, screening.scheduled_for)
        log.info("message %s to %s recorded as %s", key, mask_phone(phone), screening.status.value)
        return MessageAccepted(
            id=record.id,
            idempotency_key=key,
            status=screening.status.value,
            scheduled_for=screening.scheduled_for,
            segments=segments,
            reason=screening.reason,
        )

    def _replay(self, record: MessageRecord, request: SendMessageRequest) -> MessageAccepted:
        """The key was used before: answer with that message; enqueue it again if it never left (the
        first call may have failed between recording and enqueueing; duplicate detection and the
        handler's checks keep this from sending twice)."""
        row = self.messages.get(record.id)
        if row is None:
            raise Problem(409, "A message with this idempotency key exists but could not be read; retry.")
        state = state_of(row)
        if state.status in _WAITING and state.provider_id is None:
            wake = None
            if state.status is MessageStatus.SCHEDULED:  # still in quiet hours, or due now
                wake = quiet_until(self.clock(), self.policy.quiet_window, self.policy.zone)
            self._enqueue(record, request, wake)
        return MessageAccepted(
            id=state.id,
            idempotency_key=state.key,
            status=state.status.value,
            segments=int(row.get("smart_segments") or 0),
            reason=row.get("smart_error"),
        )

    def _enqueue(self, record: MessageRecord, request: SendMessageRequest, when: datetime | None) -> None:
        send = self.policy.send_request(
            key=record.key,
            phone=record.phone,
            text=record.text,
            channels=record.channels,
            sender=request.sender,
            ttl=request.ttl,
            viber=request.viber,
            campaign=request.campaign,
            with_callback=False,
        )
        body = {"id": record.id, "key": record.key, "request": send.to_wire()}
        message = OutboundMessage.of_json(body, message_id=record.key, scheduled_enqueue_time_utc=when)
        self.bus.send(MESSAGES_OUTBOUND.name, message)

    # ---- GET /api/messages/{id} ----------------------------------------------------------------

    def view(self, message_id: str) -> MessageView:
        row = self.messages.get(message_id)
        if row is None:
            raise Problem(404, f"No message {message_id}.")
        return message_view(row)

    # ---- messages-outbound queue ---------------------------------------------------------------

    def deliver(self, body: bytes, *, delivery_count: int, max_deliveries: int) -> str:
        """Send one queued message; returns what happened (for the log)."""
        try:
            payload = json.loads(body)
            row_id, key = str(payload["id"]), str(payload["key"])
            request = self.policy.with_callback(SendRequest.model_validate(payload["request"]))
        except (ValueError, KeyError, TypeError, ValidationError) as error:
            raise PoisonMessageError(f"not a messages-outbound body: {type(error).__name__}") from None
        state = self.messages.state(row_id)
        if state is None:
            raise PoisonMessageError(f"message row {row_id} (key {key}) does not exist")
        if state.provider_id is not None or state.status not in _WAITING:
            return f"already {state.status.value}; not sent again"
        try:
            result = self.gms.send_message_once(request, check_first=delivery_count > 1)
        except GmsError as error:
            if not is_refusal(error) and delivery_count < max_deliveries:
                raise
            refusal, when = error, self.clock()
            self.messages.write([(state, lambda s: refused_change(s, refusal, when))])
            return f"{'rejected' if is_refusal(refusal) else 'failed'}: {refusal}"
        now = self.clock()
        self.messages.write([(state, lambda s: sent_change(s, result.message_id, now))])
        return f"sent as {result.message_id}{' (recovered)' if result.recovered else ''}"

    # ---- contact opted out (Dataverse event) --------------------------------------------------------

    def cancel_scheduled(self, contact_id: str) -> int:
        """Messages waiting for the end of quiet hours (commercial by construction) that the contact's
        opt-out flags now refuse on every channel of their cascade end as not sent."""
        contact = self.directory.contact(contact_id)
        if contact is None or not (contact.donot_sms or contact.donot_viber):
            return 0
        refused = {"sms"} if contact.donot_sms else set()
        refused |= {"viber"} if contact.donot_viber else set()
        scheduled = MessageStatus.SCHEDULED.option_value
        condition = f"_smart_contactid_value eq {contact_id} and smart_status eq {scheduled}"
        rows = self.messages.stream(condition, [*STATE_COLUMNS, "smart_channelorder"])
        now = self.clock()
        items: list[tuple[MessageState, Planner]] = [
            (state_of(row), _opted_out(now))
            for row in rows
            if set(str(row.get("smart_channelorder") or "").split(",")) <= refused
        ]
        written = self.messages.write(items)
        if written:
            log.info(
                "%d scheduled message(s) of contact %s cancelled after an opt-out", len(written), contact_id
            )
        return len(written)


def _opted_out(when: datetime) -> Planner:
    def plan(state: MessageState) -> StatusChange:
        if state.status is not MessageStatus.SCHEDULED:
            return StatusChange()
        return StatusChange(
            status=MessageStatus.NOT_SENT,
            failed_at=when,
            error="The contact opted out before the scheduled send.",
        )

    return plan


def is_refusal(error: GmsError) -> bool:
    """GMS refused this message's data (an error body such as 36024 "phone number incorrect"): retrying
    cannot help. Outages, throttling and our own misconfiguration (401/403/404) are not refusals: the
    queue retries them and, past the delivery limit, records the message as failed."""
    return (
        isinstance(error, GmsApiError)
        and not error.is_transient
        and error.code is not None
        and not isinstance(error, GmsAuthenticationError | GmsNotFoundError)
    )


def refused_change(state: MessageState, error: GmsError, when: datetime) -> StatusChange:
    """GMS said no for good (or never answered within every delivery): a terminal status with the reason."""
    status = MessageStatus.REJECTED if is_refusal(error) else MessageStatus.FAILED
    if not state.status.can_move_to(status) or state.provider_id is not None:
        return StatusChange()
    code = getattr(error, "code", None)
    return StatusChange(
        status=status, failed_at=when, error_code=str(code) if code else None, error=str(error)
    )


def message_view(row: dict[str, Any]) -> MessageView:
    state = state_of(row)
    return MessageView(
        id=state.id,
        idempotency_key=state.key,
        status=state.status.value,
        channel=state.channel.value if state.channel else None,
        channels=[c for c in str(row.get("smart_channelorder") or "").split(",") if c],
        to=str(row.get("smart_phone") or ""),
        provider_message_id=state.provider_id,
        segments=state.segments,
        cost=row.get("smart_cost"),
        campaign=row.get("smart_campaign"),
        journey=row.get("smart_journeyid"),
        contact_id=state.contact_id,
        batch_id=state.batch_id,
        error_code=row.get("smart_errorcode"),
        error=row.get("smart_error"),
        queued_on=parse_time(row.get("smart_queuedon")),
        sent_on=parse_time(row.get("smart_senton")),
        delivered_on=state.delivered_at,
        read_on=state.read_at,
        failed_on=parse_time(row.get("smart_failedon")),
    )


def _phone(raw: str, contact: Contact | None, default_region: str, field: str) -> str:
    try:
        return normalize_phone(
            raw, contact_country=contact.country if contact else None, default_region=default_region
        )
    except InvalidPhoneError as error:
        raise _field_problem(field, str(error)) from None


def _field_problem(field: str, message: str) -> Problem:
    return Problem(422, f"Invalid value for {field}.", errors=[{"field": field, "message": message}])

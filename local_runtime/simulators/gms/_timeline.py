"""What happens to a simulated message after GMS accepts it: the outcome, its channel attempts, and
the report payloads (pushed callbacks and pulled simple/advanced reports) built from them.

Status codes come from ``connectors.gms.statuses``, the one table both the client and the
simulator use (it marks which codes are assumptions, e.g. "seen").
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from connectors.gms import statuses as codes
from connectors.gms.segments import sms_segments


class SimOutcome(StrEnum):
    VIBER_DELIVERED = "viber_delivered"
    VIBER_READ = "viber_read"  # delivered, then a "seen" report
    SMS_DELIVERED = "sms_delivered"  # Viber not delivered within its TTL, SMS fallback delivered
    FAILED = "failed"
    EXPIRED = "expired"
    BLOCKED = "blocked"  # GMS itself blocked the message (sent_via "hyber")


DEFAULT_WEIGHTS: dict[SimOutcome, float] = {
    SimOutcome.VIBER_DELIVERED: 0.55,
    SimOutcome.VIBER_READ: 0.20,
    SimOutcome.SMS_DELIVERED: 0.15,
    SimOutcome.FAILED: 0.05,
    SimOutcome.EXPIRED: 0.05,
    SimOutcome.BLOCKED: 0.0,
}


@dataclass(frozen=True)
class Event:
    """One status change: ``pushed`` events become callbacks, the others only show in pull reports."""

    codes: codes.StatusCodes
    channel: str
    offset_ms: int
    pushed: bool
    sms_parts: tuple[int, int] | None = None  # (total, delivered)


@dataclass
class SimMessage:
    sequence: int
    message_id: str
    extra_id: str | None
    phone: str
    channels: list[str]
    texts: dict[str, str]
    ttls: dict[str, int]
    tag: str | None
    callback_url: str | None
    accepted_ms: int
    outcome: SimOutcome
    events: list[Event] = field(default_factory=list)
    applied: int = -1  # index of the furthest event that has happened
    job_id: str | None = None

    def record(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "extra_id": self.extra_id,
            "phone_number": self.phone,
            "channels": self.channels,
            "texts": self.texts,
            "tag": self.tag,
            "accepted_at": self.accepted_ms,
            "outcome": self.outcome.value,
            "events_happened": self.applied + 1,
            "job_id": self.job_id,
        }


def applicable(outcome: SimOutcome, channels: list[str]) -> bool:
    if outcome in (SimOutcome.VIBER_DELIVERED, SimOutcome.VIBER_READ):
        return "viber" in channels
    if outcome is SimOutcome.SMS_DELIVERED:
        return "sms" in channels
    return True


def choose_outcome(rng: random.Random, weights: dict[SimOutcome, float], channels: list[str]) -> SimOutcome:
    options = [
        (outcome, weight)
        for outcome, weight in weights.items()
        if weight > 0 and applicable(outcome, channels)
    ]
    if not options:
        return SimOutcome.SMS_DELIVERED if "sms" in channels else SimOutcome.VIBER_DELIVERED
    return rng.choices([outcome for outcome, _ in options], [weight for _, weight in options])[0]


def plan_events(
    outcome: SimOutcome, channels: list[str], texts: dict[str, str], push_seen: bool
) -> list[Event]:
    def sms_parts(delivered: bool) -> tuple[int, int]:
        total = max(1, sms_segments(texts.get("sms", "")).segments)
        return (total, total if delivered else 0)

    def failure(channel: str, last: bool, kind: SimOutcome) -> Event:
        if kind is SimOutcome.EXPIRED:
            status = codes.SMS_EXPIRED if channel == "sms" else codes.NOT_DELIVERED_WITHIN_TTL
        else:
            status = codes.SENDING_ERROR
        parts = sms_parts(False) if channel == "sms" else None
        return Event(status, channel, 0, last, parts)

    if outcome is SimOutcome.BLOCKED:
        events = [Event(codes.SENDING_ERROR, codes.BLOCKED_BY_PLATFORM, 0, True)]
    elif outcome is SimOutcome.VIBER_DELIVERED and "viber" in channels:
        events = [Event(codes.VIBER_DELIVERED, "viber", 0, True)]
    elif outcome is SimOutcome.VIBER_READ and "viber" in channels:
        events = [
            Event(codes.VIBER_DELIVERED, "viber", 0, True),
            Event(codes.VIBER_SEEN, "viber", 0, push_seen),
        ]
    elif outcome is SimOutcome.SMS_DELIVERED and "sms" in channels:
        before = channels[: channels.index("sms")]
        events = [Event(codes.NOT_DELIVERED_WITHIN_TTL, channel, 0, False) for channel in before]
        events.append(Event(codes.SMS_DELIVERED, "sms", 0, True, sms_parts(True)))
    elif outcome in (SimOutcome.FAILED, SimOutcome.EXPIRED):
        events = [
            failure(channel, index == len(channels) - 1, outcome) for index, channel in enumerate(channels)
        ]
    else:  # push or WhatsApp only: delivered on the first channel
        events = [Event(codes.StatusCodes(2, 23, None), channels[0], 0, True)]
    return [
        Event(event.codes, event.channel, 1000 * (index + 1), event.pushed, event.sms_parts)
        for index, event in enumerate(events)
    ]


def _codes_fields(event: Event) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": event.codes.status}
    if event.codes.substatus is not None:
        fields["substatus"] = event.codes.substatus
    if event.codes.hyber_status is not None:
        fields["hyber_status"] = event.codes.hyber_status
    if event.sms_parts is not None:
        fields["total_sms_parts"], fields["delivered_sms_parts"] = event.sms_parts
    return fields


def callback_payload(message: SimMessage, event: Event, *, number_as_text: bool) -> dict[str, Any]:
    """A pushed report. The docs show ``number`` as a JSON number for single reports and as a string
    in batched ones; the simulator does the same."""
    payload: dict[str, Any] = {
        "number": message.phone if number_as_text else int(message.phone),
        "time": message.accepted_ms + event.offset_ms,
        **_codes_fields(event),
        "message_id": message.message_id,
    }
    if message.extra_id is not None:
        payload["extra_id"] = message.extra_id
    payload["sent_via"] = event.channel
    return payload


def _attempt(message: SimMessage, event: Event) -> dict[str, Any]:
    attempt: dict[str, Any] = {"phone_number": message.phone, "message_id": message.message_id}
    if message.extra_id is not None:
        attempt["extra_id"] = message.extra_id
    attempt["time"] = message.accepted_ms + event.offset_ms
    attempt["last_partner"] = event.channel
    return {**attempt, **_codes_fields(event)}


def simple_report(message: SimMessage) -> dict[str, Any]:
    if message.applied < 0:
        report = {
            "phone_number": message.phone,
            "last_partner": codes.BLOCKED_BY_PLATFORM,
            "message_id": message.message_id,
            "time": message.accepted_ms,
            "status": codes.ACCEPTED.status,
            "substatus": codes.ACCEPTED.substatus,
        }
        if message.extra_id is not None:
            report["extra_id"] = message.extra_id
        return report
    return _attempt(message, message.events[message.applied])


def advanced_report(message: SimMessage) -> dict[str, Any]:
    latest: dict[str, Event] = {}
    for event in message.events[: message.applied + 1]:
        latest[event.channel] = event
    final = message.applied == len(message.events) - 1
    delivered = [event.channel for event in latest.values() if event.codes.status == 2]
    return {
        "reports": [_attempt(message, event) for event in latest.values()],
        "started": message.applied >= 0,
        "processing": not final,
        "delivered_via": delivered[-1] if delivered else codes.BLOCKED_BY_PLATFORM,
        "channels": [
            {"channel": channel, "ttl": message.ttls.get(channel, 0)} for channel in message.channels
        ],
    }


def job_item(message: SimMessage) -> dict[str, Any]:
    item = simple_report(message)
    item.pop("last_partner", None)
    final = message.applied == len(message.events) - 1
    return {**item, "processed": not final, "accepted": True}

"""Turn bulk recipients into message rows: phone, text from the template, consent, cap and quiet hours.

The lookups a rule needs are made once per chunk (consent rows and recent counts by ``In`` queries),
never per recipient.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dataverse.schema import MessageStatus
from functions.messaging.directory import Contact
from functions.messaging.phones import InvalidPhoneError, normalize_phone
from functions.messaging.policy import SendPolicy
from functions.messaging.repository import MessageRecord
from functions.messaging.rules import (
    ConsentFacts,
    ConsentValue,
    Purpose,
    TemplateError,
    TextLimitError,
    check_text,
    message_row_id,
    recipient_key,
    render,
)


class Lookups(Protocol):
    def consent_points(self, phones: Iterable[str]) -> dict[str, dict[tuple[str, Purpose], ConsentValue]]: ...
    def recent_counts(self, phones: Iterable[str], since: datetime) -> Mapping[str, int]: ...


@dataclass(frozen=True)
class Candidate:
    index: int
    to: str | None = None
    contact: Contact | None = None
    text: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchSettings:
    """What every message of a batch shares."""

    batch_id: str
    batch_key: str
    template: str
    channels: tuple[str, ...]
    purpose: Purpose
    campaign: str | None = None
    journey: str | None = None
    request_id: str | None = None


@dataclass
class Plan:
    records: list[MessageRecord] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)  # {"field", "message"} per refused recipient


class RecipientPlanner:
    def __init__(self, lookups: Lookups, policy: SendPolicy) -> None:
        self.lookups, self.policy = lookups, policy

    def plan(
        self,
        candidates: Sequence[Candidate],
        batch: BatchSettings,
        *,
        now: datetime,
        prefix: str = "recipients",
    ) -> Plan:
        plan = Plan()
        drafts: list[tuple[Candidate, str, str, int]] = []
        for candidate in candidates:
            where = f"{prefix}[{candidate.index}]"
            raw = candidate.to or (candidate.contact.phone if candidate.contact else None)
            if not raw:
                plan.errors.append(
                    {"field": f"{where}.to", "message": "no phone (the contact has no mobile phone)"}
                )
                continue
            country = candidate.contact.country if candidate.contact else None
            try:
                phone = normalize_phone(
                    raw, contact_country=country, default_region=self.policy.default_region
                )
            except InvalidPhoneError as error:
                plan.errors.append({"field": f"{where}.to", "message": str(error)})
                continue
            variables = {**(candidate.contact.variables if candidate.contact else {}), **candidate.variables}
            try:
                text = render(candidate.text or batch.template, variables)
                segments = check_text(text, batch.channels)
            except TemplateError as error:
                plan.errors.append({"field": f"{where}.variables", "message": str(error)})
                continue
            except TextLimitError as error:
                plan.errors.append({"field": f"{where}.text", "message": str(error)})
                continue
            drafts.append((candidate, phone, text, segments))
        phones = [phone for _, phone, _, _ in drafts]
        points = self.lookups.consent_points(phones) if phones else {}
        recent: Mapping[str, int] = {}
        if phones and self.policy.caps_frequency and batch.purpose is Purpose.COMMERCIAL:
            recent = self.lookups.recent_counts(phones, now - self.policy.frequency_period)
        for candidate, phone, text, segments in drafts:
            contact = candidate.contact
            facts = ConsentFacts(
                donot_sms=bool(contact and contact.donot_sms),
                donot_viber=bool(contact and contact.donot_viber),
                points=points.get(phone, {}),
            )
            screening = self.policy.screen(
                batch.purpose,
                batch.channels,
                facts,
                recent=recent.get(phone, 0),
                journey=batch.journey,
                now=now,
            )
            key = recipient_key(batch.batch_key, candidate.index)
            plan.records.append(
                MessageRecord(
                    id=message_row_id(key),
                    key=key,
                    phone=phone,
                    text=text,
                    channels=screening.channels,
                    status=screening.status,
                    segments=segments,
                    campaign=batch.campaign,
                    journey=batch.journey,
                    request_id=batch.request_id,
                    contact_id=contact.id if contact else None,
                    batch_id=batch.batch_id,
                    queued_on=now,
                    error=screening.reason,
                )
            )
        return plan


def count_statuses(records: Iterable[MessageRecord]) -> dict[MessageStatus, int]:
    counts: dict[MessageStatus, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    return counts

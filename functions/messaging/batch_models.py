"""Request and response shapes of the bulk-send endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.messaging.models import KEY_PATTERN, SendOptions

MAX_INLINE_RECIPIENTS = 10_000
BatchStatusName = Literal["received", "queued", "sending", "completed", "partially_failed", "failed"]


class BatchRecipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str | None = Field(
        default=None,
        min_length=3,
        max_length=32,
        title="To",
        description="Phone; optional when contact_id is given (the contact's mobile phone is used).",
        examples=["+380501234567"],
    )
    contact_id: uuid.UUID | None = Field(
        default=None, title="Contact", description="Contact: timeline, consent, country and mobile phone."
    )
    text: str | None = Field(
        default=None, min_length=1, max_length=1000, title="Text", description="This recipient's own text."
    )
    variables: dict[str, str | int | float | None] = Field(
        default_factory=dict,
        title="Variables",
        description="Values for the {placeholders} of the batch text.",
        examples=[{"first_name": "Olena", "promo": "BDAY-15"}],
    )

    @model_validator(mode="after")
    def _someone(self) -> BatchRecipient:
        if self.to is None and self.contact_id is None:
            raise ValueError("give to or contact_id")
        return self


class Selection(BaseModel):
    """Recipients chosen in Dataverse: contact ids, a FetchXML query on contact, or a saved view."""

    model_config = ConfigDict(extra="forbid")

    contact_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_INLINE_RECIPIENTS,
        title="Contact ids",
        description="Up to 10,000 contacts to message.",
    )
    fetch_xml: str | None = Field(
        default=None,
        min_length=20,
        max_length=100_000,
        title="FetchXML",
        description="A FetchXML query on contact (<fetch><entity name='contact'>...).",
    )
    saved_view_id: uuid.UUID | None = Field(
        default=None, title="Saved view", description="A system or personal view on contact."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Selection:
        given = [v for v in (self.contact_ids, self.fetch_xml, self.saved_view_id) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of contact_ids, fetch_xml, saved_view_id")
        return self


class BatchRequest(SendOptions):
    name: str | None = Field(default=None, min_length=1, max_length=200, title="Name", description="Label.")
    text: str = Field(
        min_length=1,
        max_length=1000,
        title="Text",
        description="Text for every recipient; {name} placeholders take the recipient's variables (or, for "
        "a Dataverse selection, contact columns and first_name / last_name / full_name).",
        examples=["Happy birthday, {first_name}! Your code: {promo}"],
    )
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=KEY_PATTERN,
        title="Idempotency key",
        description="Same key, same batch: a retried call never sends twice. Generated when omitted.",
    )
    recipients: list[BatchRecipient] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_INLINE_RECIPIENTS,
        title="Recipients",
        description="Up to 10,000 recipients, each with its own text or variables.",
    )
    selection: Selection | None = Field(
        default=None, title="Selection", description="Recipients from Dataverse instead of inline."
    )

    @model_validator(mode="after")
    def _one_source(self) -> BatchRequest:
        if (self.recipients is None) == (self.selection is None):
            raise ValueError("give exactly one of recipients and selection")
        return self


class BatchAccepted(BaseModel):
    id: str = Field(description="Batch id (GET /api/messages/batches/{id}).")
    idempotency_key: str = Field(description="The key the batch is recorded under.")
    status: BatchStatusName = Field(
        description="queued (inline recipients recorded) or received (selection)."
    )
    total: int | None = Field(default=None, description="Recipients recorded (inline batches).")
    not_sent: int = Field(default=0, description="Recipients not sent (consent, frequency cap).")
    scheduled_for: datetime | None = Field(
        default=None, description="Quiet hours: when sending starts (UTC)."
    )


class BatchView(BaseModel):
    id: str = Field(description="Batch id.")
    idempotency_key: str = Field(description="The key the batch is recorded under.")
    name: str | None = Field(default=None, description="Label.")
    status: BatchStatusName = Field(
        description="received, queued, sending, then completed or (partially) failed."
    )
    campaign: str | None = Field(default=None, description="Campaign tag.")
    total: int = Field(description="Messages recorded for the batch so far.")
    counts: dict[str, int] = Field(description="Messages by status (queued, sent, delivered, read, ...).")
    completed_on: datetime | None = Field(default=None, description="When every message was handed to GMS.")

"""Request and response shapes of the single-message endpoints (they also build the connector's OpenAPI)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from functions.messaging.rules import Purpose

ChannelName = Literal["viber", "sms"]
StatusName = Literal[
    "queued", "scheduled", "sent", "delivered", "read", "failed", "expired", "rejected", "not_sent"
]
KEY_PATTERN = r"^[A-Za-z0-9._:#@/+=-]+$"


def _default_channels() -> list[ChannelName]:
    return ["viber", "sms"]


class Regarding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: Literal["contact"] = Field(
        default="contact", title="Table", description="Table of the record the message is about."
    )
    id: uuid.UUID = Field(title="Record id", description="Id of the contact the message goes to.")


class ViberContent(BaseModel):
    """Extra Viber content: an image and/or a button (caption and URL go together)."""

    model_config = ConfigDict(extra="forbid")

    image_url: str | None = Field(
        default=None, max_length=256, pattern=r"^https://\S+$", title="Image URL", description="HTTPS image."
    )
    button_caption: str | None = Field(
        default=None, min_length=1, max_length=30, title="Button caption", description="Button label."
    )
    button_url: str | None = Field(
        default=None,
        max_length=256,
        pattern=r"^(https?|viber|tel):\S+$",
        title="Button URL",
        description="Where the button leads (https:, viber: or tel:).",
    )

    @model_validator(mode="after")
    def _button_pairs(self) -> ViberContent:
        if (self.button_caption is None) != (self.button_url is None):
            raise ValueError("button_caption and button_url go together")
        return self


class SendOptions(BaseModel):
    """What a single send and a bulk send share."""

    model_config = ConfigDict(extra="forbid")

    channels: list[ChannelName] = Field(
        default_factory=_default_channels,
        min_length=1,
        max_length=2,
        title="Channels",
        description="Cascade order: the next channel is tried when the previous one fails or expires.",
        examples=[["viber", "sms"]],
    )
    sender: str | None = Field(
        default=None,
        min_length=1,
        max_length=11,
        title="Sender",
        description="Alpha name registered with GMS (SMS: up to 11 Latin characters); default from settings.",
        examples=["MyBrand"],
    )
    ttl: int | None = Field(
        default=None,
        ge=40,
        le=259_200,
        title="Time to live",
        description="Seconds the first channel gets before the fallback (Viber 40..86400, SMS 300..259200).",
        examples=[600],
    )
    purpose: Purpose = Field(
        default=Purpose.COMMERCIAL,
        title="Purpose",
        description="commercial (consent enforced) or transactional (not blocked by marketing opt-outs).",
    )
    campaign: str | None = Field(
        default=None, min_length=1, max_length=64, title="Campaign", description="Campaign tag (GMS tag)."
    )
    journey: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        title="Journey",
        description="Journey id when a journey sends; quiet hours do not apply to journey messages.",
    )
    viber: ViberContent | None = Field(default=None, title="Viber content", description="Image or button.")

    @field_validator("channels")
    @classmethod
    def _unique(cls, channels: list[str]) -> list[str]:
        if len(set(channels)) != len(channels):
            raise ValueError("channels must not repeat a channel")
        return channels

    @field_validator("ttl")
    @classmethod
    def _ttl_fits_first_channel(cls, ttl: int | None, info: ValidationInfo) -> int | None:
        channels = info.data.get("channels") or []
        if ttl is not None and channels[:1] == ["viber"] and ttl > 86_400:
            raise ValueError("Viber allows a ttl of 40..86400 seconds")
        if ttl is not None and channels[:1] == ["sms"] and ttl < 300:
            raise ValueError("SMS allows a ttl of 300..259200 seconds")
        return ttl


class SendMessageRequest(SendOptions):
    to: str = Field(
        min_length=3,
        max_length=32,
        title="To",
        description="Phone number; without a country code the contact's country (then UA) is assumed.",
        examples=["+380501234567"],
    )
    text: str = Field(
        min_length=1,
        max_length=1000,
        title="Text",
        description="Message text (Viber up to 1,000 characters; SMS up to 5 parts).",
        examples=["Your order 1042 is on its way."],
    )
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=KEY_PATTERN,
        title="Idempotency key",
        description="Same key, same message: a retried call never sends twice. Generated when omitted.",
        examples=["order-1042-shipped"],
    )
    regarding: Regarding | None = Field(
        default=None, title="Regarding", description="The contact: timeline, consent and country."
    )


class MessageAccepted(BaseModel):
    id: str = Field(description="Message id (use it with GET /api/messages/{id}).")
    idempotency_key: str = Field(description="The key the message is recorded under (also GMS extra_id).")
    status: StatusName = Field(description="queued, scheduled (quiet hours) or not_sent (consent, cap).")
    scheduled_for: datetime | None = Field(
        default=None, description="When a scheduled message goes out (UTC)."
    )
    segments: int = Field(description="SMS parts the text takes (0 without SMS).")
    reason: str | None = Field(default=None, description="Why the message is not sent.")


class MessageView(BaseModel):
    id: str = Field(description="Message id.")
    idempotency_key: str = Field(description="Idempotency key (GMS extra_id).")
    status: StatusName = Field(description="Current status; it never moves backwards.")
    channel: Literal["viber", "sms", "blocked"] | None = Field(default=None, description="Channel used.")
    channels: list[str] = Field(default_factory=list, description="Requested cascade.")
    to: str = Field(description="Recipient in E.164.")
    provider_message_id: str | None = Field(default=None, description="GMS message_id.")
    segments: int | None = Field(default=None, description="SMS parts (0 when delivered via Viber).")
    cost: Decimal | None = Field(default=None, description="Cost, where prices are configured.")
    campaign: str | None = Field(default=None, description="Campaign tag.")
    journey: str | None = Field(default=None, description="Journey id, when a journey sent it.")
    contact_id: str | None = Field(default=None, description="The contact the message went to.")
    batch_id: str | None = Field(default=None, description="The bulk send it belongs to.")
    error_code: str | None = Field(default=None, description="GMS error or status code of a failure.")
    error: str | None = Field(default=None, description="Why it was not sent or not delivered.")
    queued_on: datetime | None = Field(default=None, description="When it was accepted (UTC).")
    sent_on: datetime | None = Field(default=None, description="When GMS accepted it (UTC).")
    delivered_on: datetime | None = Field(default=None, description="When it was delivered (UTC).")
    read_on: datetime | None = Field(default=None, description="When it was read on Viber (UTC).")
    failed_on: datetime | None = Field(default=None, description="When it failed (UTC).")

"""Request and send-result shapes of the GMS JSON V2 API, validated the way GMS validates them.

Limits come from the GMS docs ("Description of the request parameters"). The SMS text limit (335
Cyrillic / 765 Latin characters) is exactly five SMS parts in either encoding, so it is checked as
"at most five parts" with ``segments.sms_segments``.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from connectors.gms.segments import is_gsm7_basic, sms_segments

MAX_SMS_SEGMENTS = 5
MAX_RECIPIENTS_PER_MASS_REQUEST = 50_000
_PHONE = re.compile(r"[1-9][0-9]{6,14}")

Url = Annotated[str, Field(min_length=1, max_length=256)]


class Channel(StrEnum):
    PUSH = "push"
    VIBER = "viber"
    SMS = "sms"
    WHATSAPP = "whatsapp"


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ctr: bool | None = None


class ViberOptions(_Options):
    text: str | None = Field(default=None, min_length=1, max_length=1000)
    ttl: int = Field(ge=40, le=86_400)
    alpha_name: str | None = Field(default=None, min_length=1, max_length=64)
    img: Url | None = None
    caption: str | None = Field(default=None, min_length=1, max_length=30)
    action: Url | None = None
    device: Literal["all", "phone"] | None = None
    file_name: str | None = Field(default=None, min_length=1, max_length=25, pattern=r"\.[A-Za-z0-9]+$")

    @model_validator(mode="after")
    def _has_content(self) -> ViberOptions:
        if self.text is None and self.img is None and self.file_name is None:
            raise ValueError("viber: give text, img or file_name")
        if (self.caption is None) != (self.action is None) and self.file_name is None:
            raise ValueError("viber.caption and viber.action go together (a button needs both)")
        return self


class SmsOptions(_Options):
    text: str = Field(min_length=1)
    ttl: int = Field(ge=300, le=259_200)
    alpha_name: str = Field(min_length=1, max_length=11)

    @field_validator("text")
    @classmethod
    def _fits_five_parts(cls, text: str) -> str:
        info = sms_segments(text)
        if info.segments > MAX_SMS_SEGMENTS:
            raise ValueError(
                f"sms.text needs {info.segments} SMS parts ({info.encoding}); at most {MAX_SMS_SEGMENTS} "
                "(335 Cyrillic or 765 Latin characters)"
            )
        return text

    @field_validator("alpha_name")
    @classmethod
    def _gsm7_sender(cls, alpha_name: str) -> str:
        if not is_gsm7_basic(alpha_name):
            raise ValueError("sms.alpha_name may use GSM-7 basic characters only")
        return alpha_name


class PushOptions(_Options):
    text: str = Field(min_length=1, max_length=1000)
    ttl: int = Field(ge=30, le=86_400)
    title: str = Field(min_length=1, max_length=20)
    img: Url | None = None
    caption: str | None = Field(default=None, min_length=1, max_length=30)
    action: Url | None = None


class WhatsAppOptions(_Options):
    text: str | None = Field(default=None, min_length=1, max_length=1000)
    ttl: Literal[604_800] = 604_800


class ChannelOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    push: PushOptions | None = None
    viber: ViberOptions | None = None
    sms: SmsOptions | None = None
    whatsapp: WhatsAppOptions | None = None

    def for_channel(self, channel: Channel) -> _Options | None:
        option: _Options | None = getattr(self, channel.value)
        return option


class SendRequest(BaseModel):
    """One message to one phone, tried channel by channel in ``channels`` order (cascade).

    ``phone_number``: international format without ``+`` (a leading ``+`` is dropped); sent to GMS as
    a JSON number. ``extra_id``: our correlation id (GMS has no idempotency key); use a stable id.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    phone_number: str
    extra_id: str | None = Field(default=None, min_length=1, max_length=64)
    callback_url: Url | None = None
    tag: str | None = Field(default=None, min_length=1, max_length=64)
    division_code: str | None = Field(default=None, min_length=1, max_length=100)
    start_time: datetime | None = None
    channels: list[Channel] = Field(min_length=1)
    channel_options: ChannelOptions

    @field_validator("phone_number", mode="before")
    @classmethod
    def _digits(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            value = value.strip().removeprefix("+")
            if not _PHONE.fullmatch(value):
                raise ValueError("phone_number must be 7 to 15 digits in international format, no leading 0")
        return value

    @field_validator("channels")
    @classmethod
    def _no_duplicates(cls, channels: list[Channel]) -> list[Channel]:
        if len(set(channels)) != len(channels):
            raise ValueError("channels must not repeat a channel")
        return channels

    @field_validator("channel_options")
    @classmethod
    def _one_block_per_channel(cls, options: ChannelOptions, info: ValidationInfo) -> ChannelOptions:
        if "channels" not in info.data:
            return options  # channels itself is invalid and already reported
        channels: list[Channel] = info.data["channels"]
        for channel in Channel:
            name = channel.value
            given = options.for_channel(channel) is not None
            if channel in channels and not given:
                raise ValueError(f"channel_options.{name} is required: '{name}' is in channels")
            if channel not in channels and given:
                raise ValueError(f"channel_options.{name} given but '{name}' is not in channels")
        return options

    @field_validator("start_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("start_time must carry a UTC offset (GMS would assume Kyiv time)")
        return value

    @field_serializer("phone_number")
    def _as_number(self, phone_number: str) -> int:
        return int(phone_number)

    @field_serializer("start_time")
    def _gms_time(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        text = value.strftime("%Y-%m-%d %H:%M:%S%z")
        return f"{text[:-2]}:{text[-2:]}"

    def to_wire(self) -> dict[str, Any]:
        """The JSON body GMS expects for a single send."""
        return self.model_dump(mode="json", exclude_none=True)

    def channel_texts(self) -> dict[Channel, str]:
        texts: dict[Channel, str] = {}
        for channel in self.channels:
            text = getattr(self.channel_options.for_channel(channel), "text", None)
            if text is not None:
                texts[channel] = text
        return texts


class SendResult(BaseModel):
    """``recovered`` is True when ``send_message_once`` found an earlier accepted attempt by extra_id."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    extra_id: str | None = None
    recovered: bool = False


class BatchItemResult(BaseModel):
    """One recipient of a ``/batch/sync`` send, in the order of the requests given."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    phone_number: str
    extra_id: str | None = None
    message_id: str | None = None
    accepted: bool = False
    processed: bool | None = None
    error_code: int | None = None
    error_text: str | None = None

    @field_validator("phone_number", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

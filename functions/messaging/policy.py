"""The sending policy built from settings: defaults, the GMS request for a message, and screening
(consent, frequency cap, quiet hours) that decides queued, scheduled or not sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from connectors.gms import ChannelOptions, SendRequest, SmsOptions, ViberOptions
from connectors.gms.segments import is_gsm7_basic
from dataverse.schema import MessageStatus
from functions.messaging.models import ViberContent
from functions.messaging.rules import ConsentFacts, Purpose, decide_consent, over_frequency_cap, quiet_until
from functions.messaging.settings import MessagingSettings
from functions.messaging.statuses import Prices


class SenderError(ValueError):
    """No usable sender (alpha name) for the requested channels."""


@dataclass(frozen=True)
class SendPolicy:
    default_region: str = "UA"
    default_sender: str | None = None
    viber_ttl: int = 600
    sms_ttl: int = 86_400
    quiet_window: tuple[time, time] | None = None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Kyiv"))
    enforcement: str = "opt_out"
    frequency_cap: int | None = None
    frequency_period: timedelta = timedelta(hours=24)
    callback_url: str | None = None
    prices: Prices = field(default_factory=Prices)

    @classmethod
    def from_settings(cls, settings: MessagingSettings) -> SendPolicy:
        callback = None
        if settings.public_base_url:
            token = settings.gms_callback_token.get_secret_value()
            callback = f"{settings.public_base_url.rstrip('/')}/api/gms/reports?token={token}"
        return cls(
            default_region=settings.default_region,
            default_sender=settings.default_sender,
            viber_ttl=settings.viber_ttl,
            sms_ttl=settings.sms_ttl,
            quiet_window=settings.quiet_window(),
            zone=settings.zone(),
            enforcement=settings.commercial_consent,
            frequency_cap=settings.frequency_cap,
            frequency_period=timedelta(hours=settings.frequency_period_hours),
            callback_url=callback,
            prices=Prices(settings.cost_per_sms_segment, settings.cost_per_viber),
        )

    def sender_for(self, sender: str | None, channels: Sequence[str]) -> str | None:
        chosen = sender or self.default_sender
        if "sms" in channels:
            if not chosen:
                raise SenderError("SMS needs a sender: give sender or set MESSAGING_DEFAULT_SENDER")
            if len(chosen) > 11 or not is_gsm7_basic(chosen):
                raise SenderError("an SMS sender is at most 11 GSM-7 characters (Latin letters, digits)")
        return chosen

    def send_request(
        self,
        *,
        key: str,
        phone: str,
        text: str,
        channels: Sequence[str],
        sender: str | None,
        ttl: int | None = None,
        viber: ViberContent | None = None,
        campaign: str | None = None,
        with_callback: bool = True,
    ) -> SendRequest:
        """The GMS single-send request: the cascade in order, ``ttl`` for the first channel.

        ``with_callback=False`` leaves out the callback URL (it carries the callback token, a secret
        that has no place in a queue message); ``with_callback`` adds it back when sending.
        """
        alpha = self.sender_for(sender, channels)
        ttls = {"viber": self.viber_ttl, "sms": self.sms_ttl}
        if ttl is not None and channels:
            ttls[channels[0]] = ttl
        options: dict[str, object] = {}
        if "viber" in channels:
            content = viber or ViberContent()
            options["viber"] = ViberOptions(
                text=text,
                ttl=ttls["viber"],
                alpha_name=alpha,
                img=content.image_url,
                caption=content.button_caption,
                action=content.button_url,
            )
        if "sms" in channels:
            assert alpha is not None
            options["sms"] = SmsOptions(text=text, ttl=ttls["sms"], alpha_name=alpha)
        try:
            return SendRequest(
                phone_number=phone,
                extra_id=key,
                callback_url=self.callback_url if with_callback else None,
                tag=campaign,
                channels=list(channels),
                channel_options=ChannelOptions.model_validate(options),
            )
        except ValidationError as error:
            raise ValueError(error.errors(include_input=False, include_url=False)[0]["msg"]) from None

    def with_callback(self, request: SendRequest) -> SendRequest:
        return (
            request.model_copy(update={"callback_url": self.callback_url}) if self.callback_url else request
        )

    def screen(
        self,
        purpose: Purpose,
        channels: Sequence[str],
        facts: ConsentFacts,
        *,
        recent: int,
        journey: str | None,
        now: datetime,
    ) -> Screening:
        decision = decide_consent(purpose, channels, facts, enforcement=self.enforcement)
        if not decision.allowed:
            return Screening(tuple(channels), MessageStatus.NOT_SENT, decision.reason)
        commercial = purpose is Purpose.COMMERCIAL
        if commercial and over_frequency_cap(recent, self.frequency_cap):
            hours = int(self.frequency_period.total_seconds() // 3600)
            cap = self.frequency_cap
            reason = f"Frequency cap: {recent} messages to this phone in the last {hours} h (cap {cap})."
            return Screening(decision.channels, MessageStatus.NOT_SENT, reason)
        wake = quiet_until(now, self.quiet_window, self.zone) if commercial and journey is None else None
        if wake is not None:
            return Screening(decision.channels, MessageStatus.SCHEDULED, None, wake)
        return Screening(decision.channels, MessageStatus.QUEUED)

    @property
    def caps_frequency(self) -> bool:
        return self.frequency_cap is not None


@dataclass(frozen=True)
class Screening:
    channels: tuple[str, ...]
    status: MessageStatus
    reason: str | None = None
    scheduled_for: datetime | None = None

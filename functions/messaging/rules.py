"""Pure sending rules: text limits, consent by purpose, quiet hours, frequency cap, templates, keys.

Consent follows Customer Insights - Journeys: a message is ``commercial`` or ``transactional``.
Commercial messages follow the configured enforcement (``opt_in``: only with an opt-in; ``opt_out``:
unless opted out); transactional messages ignore marketing opt-outs (the contact's ``smart_donotsms`` /
``smart_donotviber`` flags and commercial consent rows) and stop only at an explicit transactional
opt-out in the contact-point consent table. Each channel is decided on its own: a contact who opted
out of Viber still gets the SMS of a Viber-then-SMS cascade.
"""

from __future__ import annotations

import hashlib
import string
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from connectors.gms import MAX_SMS_SEGMENTS, sms_segments

VIBER_MAX_CHARACTERS = 1000
MAX_EXTRA_ID = 64
_ROW_NAMESPACE = uuid.UUID("6b0f3c1e-2a4d-4f59-9e1b-7d3c2a1f0e5b")
_BATCH_NAMESPACE = uuid.UUID("9c2e4a6b-1d3f-4a5c-8e7b-0f2d4c6a8e1b")


class Purpose(StrEnum):
    COMMERCIAL = "commercial"
    TRANSACTIONAL = "transactional"


class ConsentValue(StrEnum):
    """``msdynmkt_contactpointconsent4.msdynmkt_value``."""

    NOT_SET = "not_set"
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"


class TextLimitError(ValueError):
    """The text does not fit a requested channel."""


@dataclass(frozen=True)
class ConsentFacts:
    """What Dataverse says about one recipient. ``points`` maps (channel, purpose) to the consent row's
    value from the contact-point consent table (absent: no row, or the table is not installed)."""

    donot_sms: bool = False
    donot_viber: bool = False
    points: Mapping[tuple[str, Purpose], ConsentValue] = field(default_factory=dict)


@dataclass(frozen=True)
class ConsentDecision:
    channels: tuple[str, ...]
    reason: str | None = None  # set when no channel is left: why the message is not sent

    @property
    def allowed(self) -> bool:
        return bool(self.channels)


def sms_segment_count(text: str, channels: Sequence[str]) -> int:
    """SMS parts the text takes when SMS is in the cascade (0 otherwise)."""
    return sms_segments(text).segments if "sms" in channels else 0


def check_text(text: str, channels: Sequence[str]) -> int:
    """Raise ``TextLimitError`` when the text does not fit a channel; return the SMS segment count."""
    if "viber" in channels and len(text) > VIBER_MAX_CHARACTERS:
        raise TextLimitError(
            f"Viber allows at most {VIBER_MAX_CHARACTERS} characters; this text has {len(text)}"
        )
    if "sms" in channels:
        info = sms_segments(text)
        if info.segments > MAX_SMS_SEGMENTS:
            raise TextLimitError(
                f"SMS allows at most {MAX_SMS_SEGMENTS} parts (335 Cyrillic or 765 Latin characters); "
                f"this text needs {info.segments} ({info.encoding})"
            )
        return info.segments
    return 0


def decide_consent(
    purpose: Purpose, channels: Sequence[str], facts: ConsentFacts, *, enforcement: str
) -> ConsentDecision:
    """Which requested channels may carry the message, in cascade order, and why none if none."""
    allowed: list[str] = []
    refused: list[str] = []
    for channel in channels:
        reason = _channel_refusal(purpose, channel, facts, enforcement)
        if reason is None:
            allowed.append(channel)
        else:
            refused.append(f"{channel}: {reason}")
    if allowed:
        return ConsentDecision(tuple(allowed))
    return ConsentDecision((), f"No consent for a {purpose.value} message ({'; '.join(refused)}).")


def _channel_refusal(purpose: Purpose, channel: str, facts: ConsentFacts, enforcement: str) -> str | None:
    point = facts.points.get((channel, purpose), ConsentValue.NOT_SET)
    if point is ConsentValue.OPTED_OUT:
        return f"opted out of {purpose.value} messages"
    if purpose is Purpose.TRANSACTIONAL:
        return None
    if (channel == "sms" and facts.donot_sms) or (channel == "viber" and facts.donot_viber):
        return "contact does not allow this channel"
    if enforcement == "opt_in" and point is not ConsentValue.OPTED_IN:
        return "no opt-in (commercial consent is opt-in)"
    return None


def quiet_until(now: datetime, window: tuple[time, time] | None, zone: ZoneInfo) -> datetime | None:
    """When ``now`` falls in the quiet window, the window's end (UTC); else None.

    The window may cross midnight (21:00-09:00). Times are wall-clock times in ``zone``, so the end
    follows daylight-saving changes.
    """
    if window is None:
        return None
    start, end = window
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    crosses_midnight = start > end
    inside = (clock >= start or clock < end) if crosses_midnight else (start <= clock < end)
    if not inside:
        return None
    wake = datetime.combine(local.date(), end, tzinfo=zone)
    if wake <= local:
        wake = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=zone)
    return wake.astimezone(UTC)


def over_frequency_cap(recent: int, cap: int | None) -> bool:
    return cap is not None and recent >= cap


class TemplateError(ValueError):
    def __init__(self, message: str, *, variable: str | None = None) -> None:
        super().__init__(message)
        self.variable = variable


def template_fields(template: str) -> list[str]:
    """The ``{name}`` placeholders of a text (``{{`` and ``}}`` are literal braces)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise TemplateError(f"the text is not a valid template: {error}") from None
    names: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"placeholder {{{name}}} must be a plain name such as {{first_name}}")
        names.append(name)
    return list(dict.fromkeys(names))


def render(template: str, variables: Mapping[str, object]) -> str:
    """Fill ``{name}`` placeholders; a missing variable raises ``TemplateError`` naming it."""
    names = template_fields(template)
    for name in names:
        if variables.get(name) is None:
            raise TemplateError(f"variable {name!r} is missing", variable=name)
    if not names:
        return template.replace("{{", "{").replace("}}", "}")
    return template.format_map({name: str(variables[name]) for name in names})


def new_key(prefix: str = "msg") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def fit_key(text: str) -> str:
    """A key of at most 64 characters (GMS ``extra_id``): the text itself, or a stable digest of it."""
    if len(text) <= MAX_EXTRA_ID:
        return text
    return "h-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:48]


def recipient_key(batch_key: str, index: int) -> str:
    """The idempotency key of the ``index``-th recipient of a batch (stable across redeliveries)."""
    suffix = f"#{index}"
    head = batch_key if len(batch_key) + len(suffix) <= MAX_EXTRA_ID else fit_key("b:" + batch_key)[:40]
    return head + suffix


def message_row_id(key: str) -> str:
    """The ``smart_messageid`` of the message with this idempotency key (so GET /messages/{id} and the
    queue handler address the row without a key lookup)."""
    return str(uuid.uuid5(_ROW_NAMESPACE, key))


def batch_row_id(key: str) -> str:
    return str(uuid.uuid5(_BATCH_NAMESPACE, key))


def ordered_unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))

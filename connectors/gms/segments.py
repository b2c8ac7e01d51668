"""How many SMS parts a text takes, the way handsets and SMS centres count them.

GSM-7 (3GPP TS 23.038 default alphabet) packs 160 septets into one SMS and 153 into each part of a
concatenated SMS (the rest of the 140 bytes carries the concatenation header). Characters of the
extension table (``^{}\\[~]|€`` and form feed) are sent as ESC + char, so they take two septets.
Any character outside both tables switches the whole text to UCS-2 (UTF-16): 70 code units single,
67 per part; a character outside the Basic Multilingual Plane (most emoji) is a surrogate pair, two
units. A character is never split across two parts (neither an ESC pair nor a surrogate pair), so a
part may end up to one unit short of its capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 basic character set (without ESC, which only introduces extension characters)."""

GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
"""Characters sent as ESC + char: two septets each."""

_GSM7_SINGLE, _GSM7_PART = 160, 153
_UCS2_SINGLE, _UCS2_PART = 70, 67


class SmsEncoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentInfo:
    """``characters``: code points in the text; ``units``: septets (GSM-7) or UTF-16 code units."""

    encoding: SmsEncoding
    segments: int
    characters: int
    units: int
    units_per_segment: int


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic set or its extension table."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def is_gsm7_basic(text: str) -> bool:
    """True when every character is in the GSM-7 basic set (what an SMS sender name may use)."""
    return all(char in GSM7_BASIC for char in text)


def sms_segments(text: str) -> SegmentInfo:
    """Encoding and number of SMS parts for ``text``. An empty text takes no part."""
    if is_gsm7(text):
        costs = [2 if char in GSM7_EXTENSION else 1 for char in text]
        encoding, single, part = SmsEncoding.GSM7, _GSM7_SINGLE, _GSM7_PART
    else:
        costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
        encoding, single, part = SmsEncoding.UCS2, _UCS2_SINGLE, _UCS2_PART
    units = sum(costs)
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = _pack(costs, part)
    capacity = single if segments <= 1 else part
    return SegmentInfo(encoding, segments, len(text), units, capacity)


def _pack(costs: list[int], capacity: int) -> int:
    segments, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            segments += 1
            used = 0
        used += cost
    return segments

"""Request checks the simulator applies, written from the GMS docs independently of the client's
models (so a test of client against simulator checks two readings of the docs, not one).

Only ``36024`` ("Phone number incorrect") is a documented error code. GMS's full code table is not
public, so every other refusal uses the stand-in ``36001`` with the field named in ``error_text``;
the real API's codes and texts will differ.
"""

from __future__ import annotations

import re
from typing import Any

PHONE_INCORRECT = 36024
INVALID_PARAMETER = 36001  # stand-in, not a documented GMS code
TOO_MANY_RECIPIENTS = 36002  # stand-in, not a documented GMS code
MAX_RECIPIENTS = 50_000

CHANNELS = ("push", "viber", "sms", "whatsapp")
_PHONE = re.compile(r"[1-9][0-9]{6,14}")
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = set("^{}\\[~]|€\f")

# (field, required, kind, low, high): kind "int" checks the range, "str" the length (low..high)
_RULES: dict[str, list[tuple[str, bool, str, int, int]]] = {
    "viber": [
        ("text", False, "str", 1, 1000),
        ("ttl", True, "int", 40, 86_400),
        ("alpha_name", False, "str", 1, 64),
        ("img", False, "str", 1, 256),
        ("caption", False, "str", 1, 30),
        ("action", False, "str", 1, 256),
        ("file_name", False, "str", 1, 25),
    ],
    "sms": [
        ("text", True, "str", 1, 765),
        ("ttl", True, "int", 300, 259_200),
        ("alpha_name", True, "str", 1, 11),
    ],
    "push": [("text", True, "str", 1, 1000), ("ttl", True, "int", 30, 86_400), ("title", True, "str", 1, 20)],
    "whatsapp": [("text", False, "str", 1, 1000), ("ttl", True, "int", 604_800, 604_800)],
}
_TOP = [("extra_id", 64), ("callback_url", 256), ("tag", 64), ("division_code", 100)]


class Refusal(Exception):
    """GMS's refusal: answered as ``{"error_code", "error_text"}`` with HTTP 200, like the real API."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text

    def body(self) -> dict[str, Any]:
        return {"error_code": self.code, "error_text": self.text}


def invalid(field: str, why: str) -> Refusal:
    return Refusal(INVALID_PARAMETER, f"Invalid parameter {field}: {why}")


def phone_of(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Refusal(PHONE_INCORRECT, "Phone number incorrect")
    text = str(value)
    if not _PHONE.fullmatch(text):
        raise Refusal(PHONE_INCORRECT, "Phone number incorrect")
    return text


def check_common(body: Any) -> list[str]:
    """Check everything but the phone and per-message fields; return the channel list."""
    if not isinstance(body, dict):
        raise invalid("body", "must be a JSON object")
    for name, longest in _TOP:
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= longest):
            raise invalid(name, f"string of 1..{longest} characters")
    channels = body.get("channels")
    if not isinstance(channels, list) or not channels:
        raise invalid("channels", "required, a non-empty list")
    if any(channel not in CHANNELS for channel in channels) or len(set(channels)) != len(channels):
        raise invalid("channels", "unknown or repeated channel")
    options = body.get("channel_options")
    if not isinstance(options, dict):
        raise invalid("channel_options", "required object")
    for channel in channels:
        if not isinstance(options.get(channel), dict):
            raise invalid(f"channel_options.{channel}", "required for every channel listed")
    return [str(channel) for channel in channels]


def check_channel(channel: str, block: dict[str, Any]) -> None:
    """Check one channel block, texts included."""
    prefix = f"channel_options.{channel}"
    for name, required, kind, low, high in _RULES[channel]:
        value = block.get(name)
        if value is None:
            if required:
                raise invalid(f"{prefix}.{name}", "required")
            continue
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise invalid(f"{prefix}.{name}", f"must be {low}..{high}")
        elif not isinstance(value, str) or not low <= len(value) <= high:
            raise invalid(f"{prefix}.{name}", f"must be {low}..{high} characters")
    if channel == "sms":
        text, alpha = block["text"], block["alpha_name"]
        gsm = all(char in _GSM7_BASIC or char in _GSM7_EXTENSION for char in text)
        if not gsm and len(text) > 335:
            raise invalid(f"{prefix}.text", "at most 335 characters outside the GSM-7 alphabet")
        if any(char not in _GSM7_BASIC for char in alpha):
            raise invalid(f"{prefix}.alpha_name", "GSM-7 characters only")
    if channel == "viber" and block.get("device") not in (None, "all", "phone"):
        raise invalid(f"{prefix}.device", "all or phone")
    if channel == "viber" and not any(block.get(name) for name in ("text", "img", "file_name")):
        raise invalid(f"{prefix}", "needs text, img or file_name")


def texts_of(channels: list[str], options: dict[str, Any]) -> dict[str, str]:
    return {channel: options[channel]["text"] for channel in channels if options[channel].get("text")}

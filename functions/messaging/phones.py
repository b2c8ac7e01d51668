"""Phone numbers to E.164 with ``phonenumbers``: the contact's country first, then the default region.

A number written with ``+`` (or ``00``) carries its own country; one without takes the region of the
recipient contact's ``address1_country`` (an ISO code such as ``UA`` or a common country name) and,
failing that, the configured default region (``SMART_DEFAULT_REGION``, UA).
"""

from __future__ import annotations

import phonenumbers

__all__ = ["InvalidPhoneError", "normalize_phone", "region_of_country"]

# address1_country is free text in Dataverse: the names CRM users type for the countries this
# product serves most, in English, Ukrainian and Russian; anything else may be an ISO 3166 code.
_COUNTRY_NAMES: dict[str, str] = {
    "ukraine": "UA", "україна": "UA", "украина": "UA",
    "poland": "PL", "polska": "PL", "польща": "PL", "польша": "PL",
    "moldova": "MD", "молдова": "MD",
    "romania": "RO", "румунія": "RO",
    "slovakia": "SK", "hungary": "HU", "czechia": "CZ", "czech republic": "CZ",
    "germany": "DE", "deutschland": "DE", "німеччина": "DE",
    "lithuania": "LT", "latvia": "LV", "estonia": "EE", "georgia": "GE", "kazakhstan": "KZ",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB",
    "united states": "US", "usa": "US", "сша": "US",
}  # fmt: skip


class InvalidPhoneError(ValueError):
    """The text is not a valid phone number for any region we could apply."""


def region_of_country(country: str | None) -> str | None:
    """``"Ukraine"`` / ``"UA"`` / ``"україна"`` -> ``"UA"``; None when unknown."""
    if not country or not country.strip():
        return None
    text = country.strip()
    if len(text) == 2 and text.isalpha():
        code = text.upper()
        return code if code in phonenumbers.SUPPORTED_REGIONS else None
    return _COUNTRY_NAMES.get(text.lower())


def normalize_phone(raw: str, *, contact_country: str | None = None, default_region: str = "UA") -> str:
    """E.164 (``+380501234567``) or ``InvalidPhoneError`` saying why (without echoing the number)."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    region = region_of_country(contact_country) or default_region.upper()
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneError("is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        where = "" if text.startswith("+") else f" for region {region}"
        raise InvalidPhoneError(f"is not a valid phone number{where}; write it as +<country code><number>")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

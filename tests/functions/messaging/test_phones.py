"""Phone numbers to E.164: own country code, then the contact's country, then the default region."""

from __future__ import annotations

import pytest

from functions.messaging.phones import InvalidPhoneError, normalize_phone, region_of_country


def test_international_numbers_keep_their_country() -> None:
    assert normalize_phone("+380 50 123 45 67") == "+380501234567"
    assert normalize_phone("0048 512 345 678") == "+48512345678"


def test_a_national_number_takes_the_contacts_country_then_the_default_region() -> None:
    assert normalize_phone("512 345 678", contact_country="Poland") == "+48512345678"
    assert normalize_phone("512345678", contact_country="PL") == "+48512345678"
    assert normalize_phone("050 123 45 67") == "+380501234567"
    assert normalize_phone("050 123 45 67", contact_country="Atlantis") == "+380501234567"


def test_invalid_numbers_are_refused_without_echoing_them() -> None:
    with pytest.raises(InvalidPhoneError) as raised:
        normalize_phone("12345")
    assert "12345" not in str(raised.value)
    with pytest.raises(InvalidPhoneError):
        normalize_phone("not a phone")


def test_country_names_and_codes_map_to_regions() -> None:
    assert region_of_country("Україна") == "UA"
    assert region_of_country("ua") == "UA"
    assert region_of_country("") is None
    assert region_of_country("Narnia") is None

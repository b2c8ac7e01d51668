"""Company (ЄДРПОУ) and sole-trader (РНОКПП) code checks.

Vectors: python-stdnum doctests (arthurdejong/python-stdnum, stdnum/ua/edrpou.py and rntrc.py), the
YouScore spec's example card (39404434), and register codes whose first remainder is 10.
"""

from __future__ import annotations

import pytest

from connectors.youcontrol import (
    CounterpartyKind,
    InvalidCodeError,
    edrpou_check_digit,
    generate_codes,
    is_valid_edrpou,
    is_valid_rnokpp,
    make_edrpou,
    make_rnokpp,
    mask_code,
    parse_code,
    rnokpp_check_digit,
)


@pytest.mark.parametrize("code", ["32855961", "39404434", "41761770", "25083040", "00032129", "14360506"])
def test_valid_company_codes_are_accepted(code: str) -> None:
    assert is_valid_edrpou(code)
    parsed = parse_code(code)
    assert parsed.kind is CounterpartyKind.COMPANY
    assert parsed.value == code


def test_codes_from_30_to_60_million_use_the_shifted_weights() -> None:
    # (7,1,2,3,4,5,6) gives 1 for 3285596; the plain (1..7) weights would give 7.
    assert edrpou_check_digit("3285596") == 1
    assert not is_valid_edrpou("32855967")
    # the edges of 30000000-59999999: 29999999 and 60000000 take the plain weights, 30000000 and
    # 59999999 the shifted ones
    assert edrpou_check_digit("2999999") == (1 * 2 + 9 * (2 + 3 + 4 + 5 + 6 + 7)) % 11  # 245 -> 3
    assert edrpou_check_digit("3000000") == (9 * 3) % 11  # 21 % 11 = 10, so +2 weights: 27 -> 5
    assert edrpou_check_digit("5999999") == (7 * 5 + 9 * (1 + 2 + 3 + 4 + 5 + 6)) % 11  # 224 -> 4
    assert edrpou_check_digit("6000000") == (1 * 6) % 11


def test_a_second_remainder_of_ten_gives_check_digit_zero() -> None:
    # 4176177: first pass (7,1,2,3,4,5,6) leaves 10, the +2 pass leaves 10 again -> 0
    weights = (7, 1, 2, 3, 4, 5, 6)
    digits = [int(d) for d in "4176177"]
    assert sum(w * d for w, d in zip(weights, digits, strict=True)) % 11 == 10
    assert edrpou_check_digit("4176177") == 0


@pytest.mark.parametrize("code", ["32855968", "39404435", "41761771", "00032120"])
def test_company_code_with_wrong_check_digit_is_rejected_and_named(code: str) -> None:
    with pytest.raises(InvalidCodeError) as caught:
        parse_code(code)
    assert code in str(caught.value)
    assert "ЄДРПОУ" in str(caught.value)
    assert caught.value.code == code


@pytest.mark.parametrize("code", ["1759013776", "3124501589"])
def test_valid_sole_trader_codes_are_accepted(code: str) -> None:
    assert is_valid_rnokpp(code)
    assert parse_code(code).kind is CounterpartyKind.SOLE_TRADER


def test_sole_trader_check_digit_uses_the_published_weights() -> None:
    weights = (-1, 5, 7, 9, 4, 6, 10, 5, 7)
    for body in ("175901377", "000000001", "999999999", "100000000"):
        expected = sum(w * int(d) for w, d in zip(weights, body, strict=True)) % 11 % 10
        assert rnokpp_check_digit(body) == expected
    assert rnokpp_check_digit("175901377") == 6


def test_sole_trader_code_with_wrong_check_digit_is_rejected_with_the_code_masked() -> None:
    with pytest.raises(InvalidCodeError) as caught:
        parse_code("1759013770")
    message = str(caught.value)
    assert "17******70" in message and "1759013770" not in message
    assert "РНОКПП" in message
    assert caught.value.code == "1759013770"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("code", ["1234567", "123456789", "12345678901", "3285596A", "", "   ", "32-855961"])
def test_wrong_length_or_non_digits_are_rejected(code: str) -> None:
    with pytest.raises(InvalidCodeError) as caught:
        parse_code(code)
    assert caught.value.code == code


def test_non_ascii_digits_are_not_digits() -> None:
    with pytest.raises(InvalidCodeError):
        parse_code("٣٢٨٥٥٩٦١")  # Arabic-Indic 32855961


def test_wrong_length_error_says_what_was_expected() -> None:
    with pytest.raises(InvalidCodeError, match=r"1234567.*7 digits; expected 8"):
        parse_code("1234567")


def test_surrounding_spaces_are_ignored() -> None:
    assert parse_code(" 32855961 ").value == "32855961"


def test_generated_codes_are_valid_distinct_and_repeatable() -> None:
    companies = generate_codes(300, seed=7)
    traders = generate_codes(300, seed=7, kind=CounterpartyKind.SOLE_TRADER)
    assert len(set(companies)) == 300 and len(set(traders)) == 300
    assert all(is_valid_edrpou(code) for code in companies)
    assert all(is_valid_rnokpp(code) for code in traders)
    assert generate_codes(300, seed=7) == companies
    assert generate_codes(300, seed=8) != companies


def test_make_helpers_complete_a_code() -> None:
    assert make_edrpou("3285596") == "32855961"
    assert make_rnokpp("175901377") == "1759013776"


def test_masking_keeps_two_characters_each_side() -> None:
    assert mask_code("1759013776") == "17******76"
    assert mask_code("32855961") == "32****61"
    assert "1759013776" not in repr(parse_code("1759013776"))

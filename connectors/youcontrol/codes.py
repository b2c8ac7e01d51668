"""Counterparty codes: the company code (ЄДРПОУ, 8 digits) and the sole trader's tax number (РНОКПП, 10).

Both carry a check digit. The algorithms follow python-stdnum, the most widely reused public
implementation (GitHub ``arthurdejong/python-stdnum``, ``stdnum/ua/edrpou.py`` at commit 0e857fb8 and
``stdnum/ua/rntrc.py``), which cites uk.wikipedia.org/wiki/Код_ЄДРПОУ and 1cinfo.com.ua:

- ЄДРПОУ: weights (1, 2, 3, 4, 5, 6, 7) over the first seven digits, or (7, 1, 2, 3, 4, 5, 6) when the
  code lies in 30000000-59999999 (first digit 3, 4 or 5). If the weighted sum mod 11 is 10, repeat with
  every weight + 2 and take the result mod 11 mod 10 (so a second remainder of 10 gives check digit 0;
  codes such as 41761770 and 25083040 exist in the register).
- РНОКПП: weights (-1, 5, 7, 9, 4, 6, 10, 5, 7) over the first nine digits; check digit = sum mod 11
  mod 10 (Python's non-negative modulo, as in python-stdnum).

A РНОКПП is personal data: ``mask_code`` hides its middle in messages and log lines.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from connectors.youcontrol.errors import InvalidCodeError

_EDRPOU_WEIGHTS = (1, 2, 3, 4, 5, 6, 7)
_EDRPOU_WEIGHTS_MIDDLE_RANGE = (7, 1, 2, 3, 4, 5, 6)  # codes 30000000-59999999
_RNOKPP_WEIGHTS = (-1, 5, 7, 9, 4, 6, 10, 5, 7)
_EDRPOU_LENGTH = 8
_RNOKPP_LENGTH = 10


class CounterpartyKind(StrEnum):
    COMPANY = "company"  # legal entity, authority or branch: ЄДРПОУ
    SOLE_TRADER = "sole_trader"  # ФОП: РНОКПП (ІПН)


@dataclass(frozen=True)
class CounterpartyCode:
    """A checked code. ``str(code)`` is the bare value, ready for a URL path."""

    kind: CounterpartyKind
    value: str

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"CounterpartyCode(kind={self.kind.value!r}, value={mask_code(self.value)!r})"

    @property
    def masked(self) -> str:
        return mask_code(self.value)


def _is_ascii_digits(value: str, length: int) -> bool:
    # str.isdigit() alone accepts non-ASCII digits such as "٣"; a register code is ASCII only.
    return len(value) == length and value.isascii() and value.isdigit()


def edrpou_check_digit(first_seven: str) -> int:
    """The eighth digit of a company code, given its first seven digits."""
    if not _is_ascii_digits(first_seven, _EDRPOU_LENGTH - 1):
        raise ValueError("an ЄДРПОУ body is seven ASCII digits")
    weights = _EDRPOU_WEIGHTS_MIDDLE_RANGE if first_seven[0] in "345" else _EDRPOU_WEIGHTS
    digits = [int(d) for d in first_seven]
    remainder = sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
    if remainder < 10:
        return remainder
    return sum((w + 2) * d for w, d in zip(weights, digits, strict=True)) % 11 % 10


def rnokpp_check_digit(first_nine: str) -> int:
    """The tenth digit of a sole trader's tax number, given its first nine digits."""
    if not _is_ascii_digits(first_nine, _RNOKPP_LENGTH - 1):
        raise ValueError("an РНОКПП body is nine ASCII digits")
    return sum(w * int(d) for w, d in zip(_RNOKPP_WEIGHTS, first_nine, strict=True)) % 11 % 10


def is_valid_edrpou(value: str) -> bool:
    return _is_ascii_digits(value, _EDRPOU_LENGTH) and edrpou_check_digit(value[:7]) == int(value[7])


def is_valid_rnokpp(value: str) -> bool:
    return _is_ascii_digits(value, _RNOKPP_LENGTH) and rnokpp_check_digit(value[:9]) == int(value[9])


def mask_code(value: str) -> str:
    """``3940****34`` style: first two and last two characters kept (whole value if 4 or shorter)."""
    if len(value) <= 4:
        return value
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def _shown(value: str) -> str:
    """How an invalid input appears in an error message: 10-digit inputs (likely personal) masked."""
    if len(value) == _RNOKPP_LENGTH and value.isdigit():
        return mask_code(value)
    return value if len(value) <= 20 else value[:17] + "..."


def parse_code(value: str | CounterpartyCode) -> CounterpartyCode:
    """Check ``value`` and say which kind of counterparty it names; surrounding spaces are ignored.

    Raises ``InvalidCodeError`` (a ``ValueError``) naming the code and the reason. A sole trader who
    refused an РНОКПП is registered under a passport number; such codes are not accepted here.
    """
    if isinstance(value, CounterpartyCode):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if not text or not text.isascii() or not text.isdigit():
        shown = _shown(str(value))
        raise InvalidCodeError(f"counterparty code {shown!r} must contain digits only", code=str(value))
    if len(text) == _EDRPOU_LENGTH:
        if not is_valid_edrpou(text):
            raise InvalidCodeError(f"company code (ЄДРПОУ) {text!r} fails its check digit", code=text)
        return CounterpartyCode(CounterpartyKind.COMPANY, text)
    if len(text) == _RNOKPP_LENGTH:
        if not is_valid_rnokpp(text):
            raise InvalidCodeError(
                f"sole-trader code (РНОКПП) {mask_code(text)!r} fails its check digit", code=text
            )
        return CounterpartyCode(CounterpartyKind.SOLE_TRADER, text)
    raise InvalidCodeError(
        f"counterparty code {_shown(text)!r} has {len(text)} digits; expected 8 (ЄДРПОУ) or 10 (РНОКПП)",
        code=text,
    )


def make_edrpou(first_seven: str) -> str:
    """A valid company code with the given first seven digits (for fixtures and load tests)."""
    return first_seven + str(edrpou_check_digit(first_seven))


def make_rnokpp(first_nine: str) -> str:
    """A valid sole-trader code with the given first nine digits (for fixtures and load tests)."""
    return first_nine + str(rnokpp_check_digit(first_nine))


def generate_codes(
    count: int, *, seed: int = 0, kind: CounterpartyKind = CounterpartyKind.COMPANY
) -> list[str]:
    """``count`` distinct valid codes of one kind, the same for the same seed."""
    rng = random.Random(seed)
    width = _EDRPOU_LENGTH - 1 if kind is CounterpartyKind.COMPANY else _RNOKPP_LENGTH - 1
    make = make_edrpou if kind is CounterpartyKind.COMPANY else make_rnokpp
    codes: dict[str, None] = {}
    while len(codes) < count:
        codes[make(f"{rng.randrange(10 ** (width - 1), 10**width):0{width}d}")] = None
    return list(codes)

"""Money for PayPal: Decimal end to end, currency rules, amounts on the wire as exact strings.

PayPal's ``money.value`` is a string that must follow the currency's decimal rules; HUF, JPY and TWD
take no decimals and PayPal errors on a decimal amount. UAH is not a PayPal currency. Floats are
refused everywhere: ``0.1 + 0.2`` is not an amount of money.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, field_serializer, field_validator, model_validator

from connectors.paypal.errors import AmountPrecisionError, UnsupportedCurrencyError

# developer.paypal.com/reference/currency-codes (REST API). BRL, CNY and MYR are in-country only.
# fmt: off
SUPPORTED_CURRENCIES: frozenset[str] = frozenset({
    "AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR",
    "MXN", "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD",
})
# fmt: on

_ZERO_DECIMAL = frozenset({"HUF", "JPY", "TWD"})


def check_currency(currency: str) -> str:
    """Return the upper-cased code, or raise ``UnsupportedCurrencyError`` (before any call)."""
    code = currency.strip().upper() if isinstance(currency, str) else ""
    if code not in SUPPORTED_CURRENCIES:
        raise UnsupportedCurrencyError(str(currency))
    return code


def minor_units(currency: str) -> int:
    """Decimals PayPal accepts for ``currency`` (0 for HUF, JPY, TWD; 2 otherwise)."""
    return 0 if check_currency(currency) in _ZERO_DECIMAL else 2


def to_decimal(amount: Decimal | int | str) -> Decimal:
    """Exact Decimal from a Decimal, int or numeric string; floats and non-finite values are refused."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
        raise AmountPrecisionError(f"amount must be Decimal, int or str, not {type(amount).__name__}")
    try:
        value = Decimal(amount.strip() if isinstance(amount, str) else amount)
    except InvalidOperation as error:
        raise AmountPrecisionError(f"not a number: {amount!r}") from error
    if not value.is_finite():
        raise AmountPrecisionError(f"not a finite amount: {amount!r}")
    return value


def quantize(amount: Decimal | int | str, currency: str, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round explicitly to the currency's decimals (the caller decides to round; nothing else does)."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return to_decimal(amount).quantize(exponent, rounding=rounding)


def format_amount(amount: Decimal | int | str, currency: str) -> str:
    """The wire string for ``amount``: ``Decimal("100") , "EUR"`` -> ``"100.00"``; JPY -> ``"100"``.

    Raises ``AmountPrecisionError`` when the amount has more decimals than the currency allows,
    rather than rounding money silently.
    """
    value = to_decimal(amount)
    exact = quantize(value, currency)
    if exact != value:
        raise AmountPrecisionError(
            f"{value} has more than {minor_units(currency)} decimals allowed for {check_currency(currency)}"
        )
    return f"{exact:f}"


def parse_amount(value: str, currency: str) -> Decimal:
    """A Decimal from PayPal's string ``value`` (exact; never a float)."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-minor_units(currency)))


class Money(BaseModel):
    """PayPal's ``money`` object: ``value`` is a Decimal in Python, an exact string on the wire."""

    model_config = ConfigDict(frozen=True)

    currency_code: str
    value: Decimal

    @field_validator("currency_code", mode="before")
    @classmethod
    def _currency(cls, currency: object) -> str:
        return check_currency(currency if isinstance(currency, str) else "")

    @field_validator("value", mode="before")
    @classmethod
    def _no_float(cls, value: object) -> Decimal:
        if isinstance(value, Decimal | int | str) and not isinstance(value, bool):
            return to_decimal(value)
        raise AmountPrecisionError(f"amount must be Decimal, int or str, not {type(value).__name__}")

    @model_validator(mode="after")
    def _precision(self) -> Money:
        format_amount(self.value, self.currency_code)
        return self

    @field_serializer("value", when_used="json")
    def _serialise_value(self, value: Decimal) -> str:
        return format_amount(value, self.currency_code)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(currency_code=currency, value=to_decimal(amount))

    def to_wire(self) -> dict[str, str]:
        return {"currency_code": self.currency_code, "value": format_amount(self.value, self.currency_code)}

    def __str__(self) -> str:
        return f"{format_amount(self.value, self.currency_code)} {self.currency_code}"

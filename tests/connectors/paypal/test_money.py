from decimal import Decimal

import pytest

from connectors.paypal import (
    SUPPORTED_CURRENCIES,
    InvoiceItem,
    Money,
    UnsupportedCurrencyError,
    check_currency,
    format_amount,
    minor_units,
    parse_amount,
    quantize,
)
from connectors.paypal.errors import AmountPrecisionError


@pytest.mark.parametrize(
    ("currency", "decimals"), [("JPY", 0), ("HUF", 0), ("TWD", 0), ("EUR", 2), ("usd", 2)]
)
def test_minor_units_follow_paypal_rules(currency: str, decimals: int) -> None:
    assert minor_units(currency) == decimals


@pytest.mark.parametrize("currency", ["UAH", "RUB", "XYZ", "", "EURO"])
def test_unsupported_currencies_are_refused(currency: str) -> None:
    with pytest.raises(UnsupportedCurrencyError):
        check_currency(currency)
    with pytest.raises(UnsupportedCurrencyError):
        Money.of("1", currency)


def test_common_crm_currencies_are_supported() -> None:
    assert {"USD", "EUR", "PLN", "GBP", "CZK"} <= SUPPORTED_CURRENCIES
    assert "UAH" not in SUPPORTED_CURRENCIES


@pytest.mark.parametrize(
    ("amount", "currency", "wire"),
    [
        (Decimal("100"), "EUR", "100.00"),
        (Decimal("0.1") + Decimal("0.2"), "EUR", "0.30"),
        ("19.9", "PLN", "19.90"),
        (1500, "JPY", "1500"),
        (Decimal("1500.00"), "HUF", "1500"),
        (Decimal("1E+3"), "USD", "1000.00"),
    ],
)
def test_amounts_are_written_with_the_currency_decimals(
    amount: Decimal | int | str, currency: str, wire: str
) -> None:
    assert format_amount(amount, currency) == wire
    assert Money.of(amount, currency).model_dump(mode="json") == {"currency_code": currency, "value": wire}


@pytest.mark.parametrize(
    ("amount", "currency"), [("10.5", "JPY"), ("10.005", "EUR"), ("NaN", "EUR"), ("abc", "USD")]
)
def test_amounts_that_do_not_fit_the_currency_are_refused_not_rounded(amount: str, currency: str) -> None:
    with pytest.raises(AmountPrecisionError):
        format_amount(amount, currency)


def test_floats_are_refused_everywhere() -> None:
    with pytest.raises(AmountPrecisionError):
        format_amount(0.3, "EUR")  # type: ignore[arg-type]
    with pytest.raises(AmountPrecisionError):
        Money(currency_code="EUR", value=0.3)
    with pytest.raises(ValueError, match="quantity"):
        InvoiceItem(name="x", quantity=1.5, unit_amount=Money.of("1", "EUR"))


def test_rounding_happens_only_when_asked() -> None:
    assert quantize("10.005", "EUR") == Decimal("10.01")
    assert quantize("10.5", "JPY") == Decimal("11")


def test_values_from_paypal_parse_to_exact_decimals() -> None:
    assert parse_amount("3.7", "EUR") == Decimal("3.70")
    assert Money.model_validate({"currency_code": "EUR", "value": "96.26", "breakdown": {}}).value == Decimal(
        "96.26"
    )
    assert str(Money.of("96.26", "EUR")) == "96.26 EUR"

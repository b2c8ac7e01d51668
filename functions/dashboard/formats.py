"""How the page prints days, counts, rates, durations, money and long text (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from functions.dashboard.svg import number


def day(value: date) -> str:
    return value.strftime("%d %b").lstrip("0")


def count(n: int, noun: str) -> str:
    return f"{number(n)} {noun}{'' if n == 1 else 's'}"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def duration(hours: float | None) -> str:
    if hours is None:
        return "–"
    if hours < 1 / 60:
        return "< 1 min"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def money(amount: Decimal) -> str:
    return number(float(amount), 2)


def clip(text: str | None, length: int = 90) -> str:
    text = text or ""
    return text if len(text) <= length else text[: length - 1] + "…"

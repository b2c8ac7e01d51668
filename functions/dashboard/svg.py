"""Charts as inline SVG strings, server-side, no script or external library (pure functions).

Every chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``, with a legend,
axis labels and one ``class="mark"`` element per data point (a bar or a donut slice) carrying
``data-series``, ``data-category``, ``data-value`` and a ``<title>`` tooltip. Text is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif'"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#e4e7eb"
_LEGEND_ROW = 24
Number = int | float


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    color: str


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: the title and desc ids derive from it
    title: str
    description: str
    width: int = 640
    height: int = 300


def nice_scale(maximum: float, ticks: int = 5) -> tuple[float, float]:
    """(top, step) of an axis from 0 holding ``maximum`` in about ``ticks`` round steps (1, 2, 2.5, 5 x 10^n);
    whole steps once ``maximum`` is 1 or more, so counts never get fractional ticks."""
    if maximum <= 0:
        return 1.0, 1.0
    raw = maximum / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    multipliers = (1.0, 2.0, 2.5, 5.0, 10.0) if power >= 10 else (1.0, 2.0, 5.0, 10.0)
    step = next(m * power for m in multipliers if m * power >= raw * (1 - 1e-9))
    if maximum >= 1 and step < 1:
        step = 1.0
    return step * math.ceil(maximum / step - 1e-9), step


def number(value: Number, decimals: int = 0) -> str:
    """1234567.5 -> '1 234 567.50' (narrow no-break spaces), what the charts print."""
    return f"{value:,.{decimals}f}".replace(",", "\u202f")


def stacked_columns(
    chart: Chart,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[Number]],
    *,
    y_label: str,
    tick_every: int = 1,
) -> str:
    """Vertical bars, one per category, stacked by series (``values[category][series]``)."""
    return _columns(chart, categories, series, values, y_label=y_label, stacked=True, tick_every=tick_every)


def grouped_columns(
    chart: Chart,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[Number]],
    *,
    y_label: str,
    decimals: int = 0,
) -> str:
    """Vertical bars side by side per category (``values[category][series]``)."""
    return _columns(chart, categories, series, values, y_label=y_label, stacked=False, decimals=decimals)


def _columns(
    chart: Chart,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[Number]],
    *,
    y_label: str,
    stacked: bool,
    decimals: int = 0,
    tick_every: int = 1,
) -> str:
    left, right, top, bottom = 56, 12, 12 + _LEGEND_ROW, 40
    plot_w, plot_h = chart.width - left - right, chart.height - top - bottom
    totals = [sum(row) if stacked else max(row, default=0) for row in values]
    labelled = not stacked and len(categories) * len(series) <= 12  # room to print each bar's value
    axis_top, step = nice_scale(max(totals, default=0) * (1.1 if labelled else 1))
    parts = [_legend(series, left, 4), *_y_axis(axis_top, step, left, top, plot_w, plot_h)]
    parts.append(_axis_title(y_label, 14, top + plot_h / 2, vertical=True))
    band = plot_w / max(len(categories), 1)
    bar_w = min(band * (0.62 if stacked else 0.8), (80 if stacked else 64 * len(series)))
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        x = left + index * band + (band - bar_w) / 2
        if index % max(tick_every, 1) == 0:
            parts.append(
                _text(category, left + (index + 0.5) * band, top + plot_h + 16, anchor="middle", size=11)
            )
        base = float(top + plot_h)
        for offset, (item, value) in enumerate(zip(series, row, strict=True)):
            if value <= 0:
                if labelled:  # a zero is an answer too (nothing overdue): print it on the baseline
                    middle = x + (offset + 0.45) * bar_w / len(series)
                    parts.append(
                        _text(number(0, decimals), middle, top + plot_h - 5, anchor="middle", size=11)
                    )
                continue
            height = plot_h * value / axis_top
            if stacked:
                base -= height
                parts.append(_bar(item, category, value, x, base, bar_w, height, decimals))
                continue
            width = bar_w / len(series)
            y = top + plot_h - height
            parts.append(_bar(item, category, value, x + offset * width, y, width * 0.9, height, decimals))
            if labelled:
                middle = x + (offset + 0.45) * width
                parts.append(
                    _text(number(value, decimals), middle, y - 5, anchor="middle", size=11, color=INK)
                )
    if not any(totals):
        parts.append(_empty(left + plot_w / 2, top + plot_h / 2))
    parts.append(_line(left, top + plot_h, left + plot_w, top + plot_h, MUTED))
    return _svg(chart, parts)


def stacked_rows(
    chart: Chart,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[Number]],
    *,
    x_label: str,
    colors: Sequence[str] | None = None,
    legend: bool = True,
) -> str:
    """Horizontal bars, one row per category, stacked by series. With one series, ``colors`` may give
    each row its own colour. The total is printed at each bar's end (0 included)."""
    label_w = min(220, 24 + 7 * max((len(c) for c in categories), default=4))
    left, right = label_w, 48
    top, bottom = (12 + _LEGEND_ROW) if legend else 10, 34
    plot_w, plot_h = chart.width - left - right, chart.height - top - bottom
    totals = [sum(row) for row in values]
    axis_top, step = nice_scale(max(totals, default=0))
    parts = [_legend(series, left, 4)] if legend else []
    parts += _x_axis(axis_top, step, left, top, plot_w, plot_h)
    parts.append(_axis_title(x_label, left + plot_w / 2, chart.height - 4))
    band = plot_h / max(len(categories), 1)
    bar_h = min(band * 0.64, 30)
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        y = top + index * band + (band - bar_h) / 2
        parts.append(_text(_clip(category, label_w // 7), left - 8, y + bar_h / 2 + 4, anchor="end", size=12))
        x = float(left)
        for offset, (item, value) in enumerate(zip(series, row, strict=True)):
            if value <= 0:
                continue
            width = plot_w * value / axis_top
            shown = Series(item.key, item.label, colors[index]) if colors and len(series) == 1 else item
            parts.append(_bar(shown, category, value, x, y, width, bar_h, 0, offset=offset))
            x += width
        parts.append(_text(number(totals[index]), x + 6, y + bar_h / 2 + 4, size=12, color=INK, weight="600"))
    if not categories:
        parts.append(_empty(left + plot_w / 2, top + plot_h / 2))
    parts.append(_line(left, top, left, top + plot_h, MUTED))
    return _svg(chart, parts)


def donut(
    chart: Chart, slices: Sequence[tuple[Series, Number]], *, center_value: str, center_label: str
) -> str:
    """A ring of slices (zero slices left out) with a total in the middle and a legend with counts."""
    cx, cy = chart.height / 2, chart.height / 2
    outer, inner = chart.height / 2 - 14, chart.height / 2 - 58
    total = sum(value for _, value in slices)
    parts: list[str] = []
    angle = -math.pi / 2
    for item, value in slices:
        if value <= 0:
            continue
        sweep = 2 * math.pi * value / total
        parts.append(_slice(item, value, cx, cy, outer, inner, angle, min(sweep, 2 * math.pi - 1e-4)))
        angle += sweep
    if total <= 0:
        ring = (
            f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='{(outer + inner) / 2:.1f}' fill='none' stroke='{GRID}'"
        )
        parts.append(ring + f" stroke-width='{outer - inner:.1f}'/>")
    parts.append(_text(center_value, cx, cy + 6, anchor="middle", size=26, color=INK, weight="700"))
    parts.append(_text(center_label, cx, cy + 26, anchor="middle", size=12))
    x, y = chart.height + 16, 28.0
    for item, value in slices:
        parts.append(_swatch(item.color, x, y - 10))
        parts.append(_text(f"{item.label}", x + 20, y, size=12, color=INK))
        parts.append(
            _text(number(value), chart.width - 12, y, anchor="end", size=12, color=INK, weight="600")
        )
        y += 22
    return _svg(chart, parts)


# -- pieces ------------------------------------------------------------------------------------------------


def _svg(chart: Chart, parts: Sequence[str]) -> str:
    ids = f"{chart.id}-title {chart.id}-desc"
    return (
        f"<svg class='chart' id='{escape(chart.id)}' role='img' aria-labelledby='{escape(ids)}'"
        f" viewBox='0 0 {chart.width} {chart.height}' width='100%' preserveAspectRatio='xMidYMid meet'"
        f" xmlns='http://www.w3.org/2000/svg' {FONT}>"
        f"<title id='{escape(chart.id)}-title'>{escape(chart.title)}</title>"
        f"<desc id='{escape(chart.id)}-desc'>{escape(chart.description)}</desc>" + "".join(parts) + "</svg>"
    )


def _bar(
    item: Series,
    category: str,
    value: Number,
    x: float,
    y: float,
    w: float,
    h: float,
    decimals: int,
    offset: int = 0,
) -> str:
    tip = f"{category} · {item.label}: {number(value, decimals)}"
    return (
        f"<rect class='mark' data-series='{escape(item.key)}' data-category='{escape(category)}'"
        f" data-value='{value}' x='{x:.1f}' y='{y:.1f}' width='{max(w, 0.5):.1f}' height='{max(h, 0.5):.1f}'"
        f" fill='{item.color}' rx='2'><title>{escape(tip)}</title></rect>"
    )


def _slice(
    item: Series, value: Number, cx: float, cy: float, outer: float, inner: float, start: float, sweep: float
) -> str:
    end = start + sweep
    large = 1 if sweep > math.pi else 0

    def point(radius: float, angle: float) -> str:
        return f"{cx + radius * math.cos(angle):.2f} {cy + radius * math.sin(angle):.2f}"

    path = (
        f"M {point(outer, start)} A {outer:.2f} {outer:.2f} 0 {large} 1 {point(outer, end)}"
        f" L {point(inner, end)} A {inner:.2f} {inner:.2f} 0 {large} 0 {point(inner, start)} Z"
    )
    tip = f"{item.label}: {number(value)}"
    return (
        f"<path class='mark' data-series='{escape(item.key)}' data-category='{escape(item.key)}'"
        f" data-value='{value}' d='{path}' fill='{item.color}' stroke='#fff' stroke-width='2'>"
        f"<title>{escape(tip)}</title></path>"
    )


def _legend(series: Sequence[Series], x: float, y: float) -> str:
    items, cursor = [], x
    for item in series:
        items.append(
            _swatch(item.color, cursor, y + 3) + _text(item.label, cursor + 18, y + 14, size=12, color=INK)
        )
        cursor += 30 + 7 * len(item.label)
    return "<g class='legend'>" + "".join(items) + "</g>"


def _ticks(top_value: float, step: float) -> list[tuple[float, str]]:
    """Each tick's value and its label (decimals only when the step needs them)."""
    decimals = 0 if float(step).is_integer() else max(1, -math.floor(math.log10(step)))
    return [(i * step, number(i * step, decimals)) for i in range(round(top_value / step) + 1)]


def _y_axis(top_value: float, step: float, left: float, top: float, width: float, height: float) -> list[str]:
    parts = []
    for tick, label in _ticks(top_value, step):
        y = top + height - height * tick / top_value
        parts.append(_line(left, y, left + width, y, GRID))
        parts.append(_text(label, left - 6, y + 4, anchor="end", size=11))
    return parts


def _x_axis(top_value: float, step: float, left: float, top: float, width: float, height: float) -> list[str]:
    parts = []
    for tick, label in _ticks(top_value, step):
        x = left + width * tick / top_value
        parts.append(_line(x, top, x, top + height, GRID))
        parts.append(_text(label, x, top + height + 14, anchor="middle", size=11))
    return parts


def _axis_title(text: str, x: float, y: float, *, vertical: bool = False) -> str:
    turn = f" transform='rotate(-90 {x:.1f} {y:.1f})'" if vertical else ""
    return (
        f"<text class='axis-title' x='{x:.1f}' y='{y:.1f}' text-anchor='middle' font-size='11'"
        f" fill='{MUTED}'{turn}>{escape(text)}</text>"
    )


def _text(
    text: str,
    x: float,
    y: float,
    *,
    anchor: str = "start",
    size: int = 12,
    color: str = MUTED,
    weight: str = "400",
) -> str:
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}' font-size='{size}' font-weight='{weight}'"
        f" fill='{color}'>{escape(text)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, color: str) -> str:
    return (
        f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='{color}' stroke-width='1'/>"
    )


def _swatch(color: str, x: float, y: float) -> str:
    return f"<rect x='{x:.1f}' y='{y:.1f}' width='12' height='12' rx='2' fill='{color}'/>"


def _empty(x: float, y: float) -> str:
    return _text("No data in this window", x, y, anchor="middle", size=13)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: max(length - 1, 1)] + "…"

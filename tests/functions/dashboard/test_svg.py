"""SVG charts: well-formed, labelled for screen readers, one mark per value, bar sizes in proportion."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from functions.dashboard import svg
from functions.dashboard.svg import Chart, Series

NS = {"s": "http://www.w3.org/2000/svg"}
A, B = Series("a", "Alpha", "#111111"), Series("b", "Beta", "#222222")


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup


def _marks(root: ET.Element) -> list[ET.Element]:
    return [element for element in root.iter() if element.get("class") == "mark"]


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [(0, (1.0, 1.0)), (1, (1.0, 1.0)), (3, (3.0, 1.0)), (22, (25.0, 5.0)), (500, (500.0, 100.0)),
     (1234, (1250.0, 250.0)), (0.3, (0.3, 0.1))],
)  # fmt: skip
def test_axes_use_round_steps_that_hold_the_largest_value(
    maximum: float, expected: tuple[float, float]
) -> None:
    top, step = svg.nice_scale(maximum)
    assert (round(top, 6), round(step, 6)) == expected
    assert top >= maximum


def test_a_chart_is_labelled_by_its_own_title_and_description() -> None:
    root = _parse(
        svg.stacked_columns(Chart("c1", "Per day", "3 messages."), ["1 Nov"], [A], [[3]], y_label="n")
    )

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find("s:title", NS).text == "Per day"  # type: ignore[union-attr]
    assert root.find("s:desc", NS).text == "3 messages."  # type: ignore[union-attr]


def test_stacked_columns_stack_each_value_in_proportion() -> None:
    markup = svg.stacked_columns(
        Chart("c", "t", "d"),
        ["1 Nov", "2 Nov", "3 Nov"],
        [A, B],
        [[2, 2], [0, 0], [4, 0]],
        y_label="messages",
    )
    root = _parse(markup)

    marks = _marks(root)
    assert [(m.get("data-category"), m.get("data-series"), m.get("data-value")) for m in marks] == [
        ("1 Nov", "a", "2"), ("1 Nov", "b", "2"), ("3 Nov", "a", "4"),
    ]  # fmt: skip
    heights = [float(m.get("height", "0")) for m in marks]
    assert heights[0] == pytest.approx(heights[1]) and heights[2] == pytest.approx(2 * heights[0])
    first, second = marks[0], marks[1]
    assert float(second.get("y", 0)) + float(second.get("height", 0)) == pytest.approx(
        float(first.get("y", 0))
    )
    assert "1 Nov · Alpha: 2" in markup  # the tooltip
    assert {"Alpha", "Beta"} <= {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}


def test_an_empty_chart_says_so_instead_of_drawing_nothing() -> None:
    markup = svg.stacked_columns(Chart("c", "t", "d"), ["1 Nov"], [A], [[0]], y_label="n")

    assert _marks(_parse(markup)) == [] and "No data in this window" in markup


def test_grouped_columns_print_each_value_and_a_zero_on_the_baseline() -> None:
    markup = svg.grouped_columns(
        Chart("p", "t", "d"), ["EUR", "UAH"], [A, B], [[500, 0], [120.5, 60]], y_label="amount", decimals=2
    )
    root = _parse(markup)

    assert [m.get("data-value") for m in _marks(root)] == ["500", "120.5", "60"]
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"500.00", "0.00", "120.50", "60.00"} <= set(texts)


def test_stacked_rows_print_every_total_and_colour_rows_one_by_one() -> None:
    markup = svg.stacked_rows(
        Chart("r", "t", "d"),
        ["Low", "High"],
        [A],
        [[3], [0]],
        x_label="accounts",
        colors=["#00aa00", "#aa0000"],
    )
    root = _parse(markup)

    [mark] = _marks(root)
    assert (mark.get("fill"), mark.get("data-category")) == ("#00aa00", "Low")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "3" in texts and "0" in texts


def test_donut_slices_share_the_ring_and_zero_slices_are_left_out() -> None:
    markup = svg.donut(
        Chart("d", "t", "d", height=240), [(A, 3), (B, 1), (Series("c", "Gamma", "#333"), 0)],
        center_value="4", center_label="shipments",
    )  # fmt: skip
    root = _parse(markup)

    assert [m.get("data-series") for m in _marks(root)] == ["a", "b"]
    assert all(m.get("d", "").startswith("M ") for m in _marks(root))
    assert "Gamma" in markup  # listed in the legend with its 0


def test_a_lone_slice_still_draws_a_full_ring() -> None:
    [mark] = _marks(_parse(svg.donut(Chart("d", "t", "d"), [(A, 5)], center_value="5", center_label="x")))

    assert " A " in mark.get("d", "")


def test_text_from_the_crm_is_escaped() -> None:
    name = "<script>alert('x')</script> & co"
    markup = svg.stacked_rows(Chart("r", name, name), [name], [A], [[1]], x_label="messages")

    assert "<script>" not in markup
    root = _parse(markup)
    assert root.find("s:title", NS).text == name  # type: ignore[union-attr]
    assert _marks(root)[0].get("data-category") == name


def test_numbers_group_thousands_with_narrow_spaces() -> None:
    assert svg.number(1234567.5, 2) == "1\u202f234\u202f567.50"

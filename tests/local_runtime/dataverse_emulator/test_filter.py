"""Unit tests of the $filter compiler on plain rows."""

from __future__ import annotations

from typing import Any

import pytest

from local_runtime.dataverse_emulator._errors import ODataError
from local_runtime.dataverse_emulator._filter import compile_filter

KINDS = {"name": "string", "age": "number", "id": "guid", "born": "date", "seen": "datetime", "vip": "bool"}
ROWS: list[dict[str, Any]] = [
    {
        "name": "Ann",
        "age": 30,
        "id": "0f0c8a1e-2b3c-4d5e-8f90-a1b2c3d4e5f6",
        "born": "1994-05-01",
        "seen": "2024-01-02T10:00:00Z",
        "vip": True,
    },
    {
        "name": "bob",
        "age": 41,
        "id": "1f0c8a1e-2b3c-4d5e-8f90-a1b2c3d4e5f6",
        "born": "1983-01-01",
        "seen": "2024-03-02T10:00:00Z",
        "vip": False,
    },
    {
        "name": None,
        "age": None,
        "id": "2f0c8a1e-2b3c-4d5e-8f90-a1b2c3d4e5f6",
        "born": None,
        "seen": None,
        "vip": None,
    },
]


def _names(expression: str) -> list[Any]:
    check = compile_filter(expression, lambda name: (name, KINDS[name]))
    return [row["id"][0] for row in ROWS if check(row)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("name eq 'ANN'", ["0"]),
        ("age gt 30 or name eq 'ann'", ["0", "1"]),
        ("not (age ge 40) and age ne null", ["0"]),
        ("age eq null", ["2"]),
        ("id eq 1F0C8A1E-2B3C-4D5E-8F90-A1B2C3D4E5F6", ["1"]),
        ("born lt 1990-01-01", ["1"]),
        ("seen ge 2024-02-01T00:00:00Z", ["1"]),
        ("seen ge 2024-02-01", ["1"]),
        ("vip eq true", ["0"]),
        ("endswith(name,'OB')", ["1"]),
        ("name eq 'a' or name eq 'b' and age eq 1", []),
        ("Microsoft.Dynamics.CRM.NotIn(PropertyName='name',PropertyValues=[\"ann\"])", ["1"]),
    ],
)
def test_filter_semantics(expression: str, expected: list[str]) -> None:
    assert _names(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "name eq",
        "name eq 'x' and",
        "(name eq 'x'",
        "name like 'x'",
        "id eq 'text'",
        "born gt 'x'",
        "lower(name) eq 'x'",
        "name gt null",
    ],
)
def test_malformed_or_mistyped_filters_are_400(expression: str) -> None:
    with pytest.raises(ODataError) as raised:
        _names(expression)
    assert raised.value.status == 400

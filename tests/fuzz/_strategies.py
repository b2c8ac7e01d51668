"""Hypothesis strategies from Swagger 2.0 schemas: values that conform, and values that almost do.

``Schemas.valid(schema)`` draws instances the schema accepts (enums, bounds, lengths, patterns,
formats, nullability, the field's example now and then), so requests get past validation and reach
the use cases. ``Schemas.mutant(schema)`` takes such an instance and breaks it in one place: a
nested value replaced by a JSON value of any type, a property dropped or an unknown one added.
``JSON`` is any JSON document. Sizes are kept small: the point is shape, not volume (the hostile
payload tests send the big and deep bodies).
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from datetime import UTC
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

MAX_ITEMS = 3
MAX_TEXT = 40

_TEXT = st.characters(codec="utf-8")  # any character JSON can carry (UTF-8 has no lone surrogates)
_TOKEN = st.text(string.ascii_letters + string.digits + "-_.", min_size=1, max_size=24)

SCALAR: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(_TEXT, max_size=MAX_TEXT),
)
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALAR,
    lambda inner: (
        st.lists(inner, max_size=MAX_ITEMS)
        | st.dictionaries(st.text(_TEXT, max_size=12), inner, max_size=MAX_ITEMS)
    ),
    max_leaves=8,
)


class Schemas:
    def __init__(self, definitions: Mapping[str, Any]) -> None:
        self._definitions = definitions
        self._cache: dict[str, st.SearchStrategy[Any]] = {}

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self._definitions[str(schema["$ref"]).rsplit("/", 1)[-1]]
        return schema

    # --- conforming ------------------------------------------------------------------------------

    def valid(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        if "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            if name not in self._cache:
                self._cache[name] = st.deferred(lambda: self._plain(self._definitions[name]))
            strategy = self._cache[name]
        else:
            strategy = self._plain(schema)
        return st.none() | strategy if schema.get("x-nullable") else strategy

    def _plain(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return self._object(schema)
        if kind == "array":
            low = int(schema.get("minItems", 0))
            high = min(int(schema.get("maxItems", low + MAX_ITEMS)), low + MAX_ITEMS)
            return st.lists(self.valid(schema.get("items", {})), min_size=low, max_size=high)
        if kind == "string":
            strategy = self._string(schema)
        elif kind == "integer":
            strategy = self._integer(schema)
        elif kind == "number":
            strategy = self._number(schema)
        elif kind == "boolean":
            strategy = st.booleans()
        else:  # no type: any scalar
            strategy = SCALAR.filter(lambda value: value is not None)
        if "example" in schema and not isinstance(schema["example"], dict | list):
            strategy = st.just(schema["example"]) | strategy
        return strategy

    def _object(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        if not properties:
            extra = schema.get("additionalProperties")
            values = self.valid(extra) if isinstance(extra, dict) else JSON
            return st.dictionaries(_TOKEN, values, max_size=MAX_ITEMS)
        return st.fixed_dictionaries(
            {name: self.valid(prop) for name, prop in properties.items() if name in required},
            optional={name: self.valid(prop) for name, prop in properties.items() if name not in required},
        )

    def _string(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", max(low, MAX_TEXT)))
        fmt = schema.get("format")
        if fmt == "date-time":
            return st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())
        if fmt == "date":
            return st.dates().map(lambda d: d.isoformat())
        if fmt == "uuid":
            return st.uuids().map(str)
        if fmt == "email":
            return st.emails().filter(lambda e: low <= len(e) <= high)
        if fmt == "decimal":
            amounts = st.decimals(Decimal("0.01"), Decimal("100000"), places=2, allow_nan=False)
            return amounts.map(str)
        if "pattern" in schema:
            return st.from_regex(str(schema["pattern"]), fullmatch=True).filter(
                lambda s: low <= len(s) <= high
            )
        return st.text(_TEXT, min_size=low, max_size=min(high, low + MAX_TEXT))

    def _integer(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and schema.get("exclusiveMinimum"):
            low += 1
        if high is not None and schema.get("exclusiveMaximum"):
            high -= 1
        return st.integers(min_value=low, max_value=high)

    def _number(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        return st.floats(
            min_value=schema.get("minimum"),
            max_value=schema.get("maximum"),
            exclude_min=bool(schema.get("exclusiveMinimum")),
            exclude_max=bool(schema.get("exclusiveMaximum")),
            allow_nan=False,
            allow_infinity=False,
        )

    # --- almost conforming -----------------------------------------------------------------------

    def mutant(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        return mutated(self.valid(schema))


def mutated(base: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Values of ``base`` broken in one place (replaced, dropped or an unknown property added)."""
    return _mutate(base)


@st.composite
def _mutate(draw: st.DrawFn, base: st.SearchStrategy[Any]) -> Any:
    value = draw(base)
    spots = list(_spots(value, ()))
    if not spots:
        return draw(JSON)
    path = draw(st.sampled_from(spots))
    action = draw(st.sampled_from(["replace", "drop", "add"]))
    if not path:
        return draw(JSON)
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "drop" and isinstance(parent, dict):
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.text(_TEXT, min_size=1, max_size=12))] = draw(JSON)
    else:
        parent[last] = draw(JSON)
    return value


def _spots(value: Any, path: tuple[Any, ...]) -> Any:
    """Every place in a JSON value (the root included) as a path of keys and indexes."""
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _spots(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _spots(inner, (*path, index))


def parameter(
    schema: Mapping[str, Any], schemas: Schemas, *, hostile: bool, known: Sequence[str] = ()
) -> st.SearchStrategy[str]:
    """A path or query parameter's value as text: conforming (or a ``known`` real value, so the request
    reaches the use case instead of stopping at validation), or any text at all."""
    if hostile:
        return st.text(_TEXT, min_size=1, max_size=MAX_TEXT)
    if known:
        return st.sampled_from(list(known)) | parameter(schema, schemas, hostile=False)
    plain = {k: v for k, v in schema.items() if k not in ("name", "in", "required", "description")}
    if plain.get("type") == "string" and not plain.get("format") and not plain.get("pattern"):
        values: st.SearchStrategy[Any] = _TOKEN if "enum" not in plain else st.sampled_from(plain["enum"])
    else:
        values = schemas.valid(plain)
    return values.map(_as_text)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

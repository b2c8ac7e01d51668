"""FetchXML over the Web API (``GET /{set}?fetchXml=...``): a basic subset.

``<fetch top|count|page|paging-cookie>``, one ``<entity>`` (no ``link-entity``), ``<attribute>`` /
``<all-attributes>``, nested ``<filter type="and|or">`` with ``<condition>`` operators eq, ne, neq,
gt, ge, lt, le, like, not-like, begins-with, ends-with, in, not-in, null, not-null, and ``<order>``.
Paging answers with ``@Microsoft.Dynamics.CRM.morerecords`` and a double-encoded paging cookie.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from local_runtime.dataverse_emulator._errors import bad_request
from local_runtime.dataverse_emulator._filter import kind_of, row_value
from local_runtime.dataverse_emulator._query import MAX_PAGE, Prefer, QueryEngine
from local_runtime.dataverse_emulator._schema import Attribute, Entity

Row = Mapping[str, Any]
Check = Callable[[Row], bool]
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: bool(a == b), "ne": lambda a, b: bool(a != b), "neq": lambda a, b: bool(a != b),
    "gt": lambda a, b: bool(a > b), "ge": lambda a, b: bool(a >= b), "lt": lambda a, b: bool(a < b),
    "le": lambda a, b: bool(a <= b),
}  # fmt: skip


def run_fetch(
    engine: QueryEngine, entity: Entity, text: str, prefer: Prefer, service_root: str
) -> dict[str, Any]:
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - local emulator, loopback clients only
    except ElementTree.ParseError as error:
        raise bad_request(f"The FetchXML is not well formed: {error}.") from None
    node = root.find("entity")
    if root.tag != "fetch" or node is None:
        raise bad_request("FetchXML must be <fetch><entity name=...>...</entity></fetch>.")
    if node.get("name") != entity.logical_name:
        raise bad_request("The entity name specified in FetchXml does not match the entity name in the URL.")
    if node.find(".//link-entity") is not None:
        raise bad_request("link-entity is not supported by the emulator.")
    columns = None if node.find("all-attributes") is not None else _columns(entity, node)
    check = _filter(entity, node.find("filter"))
    rows = [row for row in engine.store.scan(entity.logical_name) if check is None or check(row.data)]
    orders = [
        _attribute(entity, order.get("attribute", "")).column
        + (" desc" if order.get("descending") == "true" else " asc")
        for order in node.findall("order")
    ]
    if orders:
        rows = engine.sort(entity, rows, ",".join(orders))
    payload: dict[str, Any] = {"@odata.context": f"{service_root}$metadata#{entity.entity_set}"}
    top = root.get("top")
    if top is not None:
        if root.get("count") or root.get("page"):
            raise bad_request("The top attribute can't be specified with paging attribute page or count.")
        page_rows, more = rows[: int(top)], False
    else:
        count = min(int(root.get("count") or MAX_PAGE), MAX_PAGE)
        page = int(root.get("page") or 1)
        page_rows = rows[(page - 1) * count : page * count]
        more = len(rows) > page * count
        last = page_rows[-1].id if page_rows else ""
        cookie = f'<cookie page="{page}"><{entity.primary_id} last="{last}" /></cookie>'
        payload["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"] = (
            f'<cookie pagenumber="{page + 1}" pagingcookie="{quote(quote(cookie))}" istracking="False" />'
        )
    payload["@Microsoft.Dynamics.CRM.morerecords"] = more
    payload["value"] = engine.shape(entity, page_rows, columns, prefer.annotations, None)
    return payload


def _attribute(entity: Entity, name: str) -> Attribute:
    attribute = entity.attributes.get(name)
    if attribute is None:
        raise bad_request(
            f"'{entity.logical_name}' entity doesn't contain attribute with Name = '{name}' "
            "and NameMapping = 'Logical'.",
            "0x80041103",
        )
    return attribute


def _columns(entity: Entity, node: ElementTree.Element) -> list[Attribute]:
    chosen = [_attribute(entity, element.get("name", "")) for element in node.findall("attribute")]
    primary = entity.attributes[entity.primary_id]
    return chosen if primary in chosen else [primary, *chosen]


def _filter(entity: Entity, node: ElementTree.Element | None) -> Check | None:
    if node is None:
        return None
    checks: list[Check] = [_condition(entity, child) for child in node.findall("condition")]
    checks += [check for child in node.findall("filter") if (check := _filter(entity, child)) is not None]
    if node.get("type", "and") == "or":
        return lambda row: any(check(row) for check in checks)
    return lambda row: all(check(row) for check in checks)


def _condition(entity: Entity, node: ElementTree.Element) -> Check:
    attribute = _attribute(entity, node.get("attribute", ""))
    column = attribute.column
    kind = kind_of(attribute.type, attribute.date_only)
    operator = node.get("operator", "")
    raw_values = [element.text or "" for element in node.findall("value")]
    if node.get("value") is not None:
        raw_values.insert(0, node.get("value", ""))
    values = [_convert(kind, value) for value in raw_values]
    if operator == "null":
        return lambda row: row.get(column) is None
    if operator == "not-null":
        return lambda row: row.get(column) is not None
    if operator in ("in", "not-in"):
        wanted = set(values)
        positive = operator == "in"
        return lambda row: (
            (actual := row_value(kind, row.get(column))) is not None and (actual in wanted) == positive
        )
    if not values:
        raise bad_request(f"The condition operator '{operator}' needs a value.")
    if operator in ("like", "not-like", "begins-with", "ends-with", "not-begin-with", "not-end-with"):
        pattern = str(raw_values[0]).casefold()
        if operator in ("begins-with", "not-begin-with"):
            pattern += "%"
        elif operator in ("ends-with", "not-end-with"):
            pattern = "%" + pattern
        regex = re.compile(_like_to_regex(pattern), re.DOTALL)
        positive = operator in ("like", "begins-with", "ends-with")
        return lambda row: (
            isinstance(row.get(column), str) and bool(regex.fullmatch(row[column].casefold())) == positive
        )
    compare = _COMPARE.get(operator)
    if compare is None:
        raise bad_request(f"The condition operator '{operator}' is not supported by the emulator.")
    expected = values[0]

    def check(row: Row) -> bool:
        actual = row_value(kind, row.get(column))
        try:
            return actual is not None and compare(actual, expected)
        except TypeError:
            return False

    return check


def _convert(kind: str, text: str) -> Any:
    text = text.strip()
    if kind == "guid":
        return text.strip("{}").lower()
    if kind == "bool":
        return text.lower() in ("1", "true")
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise bad_request(f"'{text}' is not a valid number.") from None
    if kind == "datetime":
        return row_value("datetime", text)
    if kind == "date":
        return text[:10]
    return text.casefold()


def _like_to_regex(pattern: str) -> str:
    out = []
    for char in pattern:
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return "".join(out)

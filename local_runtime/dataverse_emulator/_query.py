"""Reading rows: ``$select``, ``$filter``, ``$orderby``, ``$top``, ``$count``, ``$expand``, paging.

Paging follows Dataverse: ``Prefer: odata.maxpagesize`` (at most 5,000) and an ``@odata.nextLink``
whose ``$skiptoken`` is a paging cookie. Without ``$orderby`` rows come in primary-key order and the
cookie holds the last id (keyset paging, no duplicates or gaps); with ``$orderby`` it holds an offset.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from local_runtime.dataverse_emulator._catalog import Catalog
from local_runtime.dataverse_emulator._errors import bad_request, unknown_query_property
from local_runtime.dataverse_emulator._filter import Predicate, compile_filter, kind_of, row_value
from local_runtime.dataverse_emulator._paths import split_outside_quotes
from local_runtime.dataverse_emulator._schema import Attribute, Entity
from local_runtime.dataverse_emulator._store import Store, StoredRow
from local_runtime.dataverse_emulator._values import (
    FORMATTED,
    LOOKUP_NAME,
    NAVIGATION,
    TARGET_SUFFIX,
    RowCodec,
)

MAX_PAGE = 5000
_ALL_ANNOTATIONS = frozenset({FORMATTED, LOOKUP_NAME, NAVIGATION})


@dataclass(frozen=True)
class Prefer:
    maxpagesize: int | None = None
    return_representation: bool = False
    annotations: frozenset[str] = frozenset()
    continue_on_error: bool = False


def parse_prefer(header: str | None) -> Prefer:
    maxpagesize = None
    representation = continue_on_error = False
    annotations: set[str] = set()
    for preference in _split_preferences(header or ""):
        name, _, value = preference.strip().partition("=")
        name = name.strip().lower()
        value = value.strip().strip('"')
        if name == "odata.maxpagesize" and value.isdigit():
            maxpagesize = int(value)
        elif name == "return" and value == "representation":
            representation = True
        elif name == "odata.continue-on-error":
            continue_on_error = True
        elif name == "odata.include-annotations":
            for pattern in value.split(","):
                pattern = pattern.strip()
                prefix = pattern.rstrip("*")
                annotations.update(
                    a
                    for a in _ALL_ANNOTATIONS
                    if a == pattern or (pattern.endswith("*") and a.startswith(prefix))
                )
    return Prefer(maxpagesize, representation, frozenset(annotations), continue_on_error)


def _split_preferences(header: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


class QueryEngine:
    def __init__(self, catalog: Catalog, store: Store, codec: RowCodec) -> None:
        self.catalog = catalog
        self.store = store
        self.codec = codec

    # ---- pieces ----------------------------------------------------------------------------------

    def columns(self, entity: Entity, select: str | None) -> list[Attribute] | None:
        if not select:
            return None
        chosen: list[Attribute] = []
        for name in select.split(","):
            attribute = entity.by_column(name.strip())
            if attribute is None:
                raise unknown_query_property(entity.logical_name, name.strip())
            chosen.append(attribute)
        return chosen

    def predicate(self, entity: Entity, text: str | None) -> Predicate | None:
        if not text:
            return None

        def resolve(name: str) -> tuple[str, str]:
            attribute = entity.by_column(name)
            if attribute is None:
                raise unknown_query_property(entity.logical_name, name)
            return attribute.column, kind_of(attribute.type, attribute.date_only)

        return compile_filter(text, resolve)

    def sort(self, entity: Entity, rows: list[StoredRow], orderby: str) -> list[StoredRow]:
        keys: list[tuple[str, str, bool]] = []
        for clause in split_outside_quotes(orderby, ","):
            words = clause.split()
            if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
                raise bad_request(f"Syntax error in $orderby: '{clause.strip()}'.")
            attribute = entity.by_column(words[0])
            if attribute is None:
                raise unknown_query_property(entity.logical_name, words[0])
            keys.append(
                (
                    attribute.column,
                    kind_of(attribute.type, attribute.date_only),
                    len(words) == 2 and words[1].lower() == "desc",
                )
            )
        ordered = sorted(rows, key=lambda row: row.id)
        for column, kind, descending in reversed(keys):
            ordered.sort(key=_sort_key(column, kind), reverse=descending)
        return ordered

    # ---- collections -----------------------------------------------------------------------------

    def collection(
        self, entity: Entity, query: Mapping[str, str], prefer: Prefer, service_root: str
    ) -> dict[str, Any]:
        predicate = self.predicate(entity, query.get("$filter"))
        columns = self.columns(entity, query.get("$select"))
        top = _int_option(query, "$top")
        page_size = min(prefer.maxpagesize or MAX_PAGE, MAX_PAGE)
        if top is not None:
            page_size = min(top, MAX_PAGE)
        cookie = _read_cookie(query.get("$skiptoken"))
        orderby = query.get("$orderby")
        if orderby:
            matches = [
                row
                for row in self.store.scan(entity.logical_name)
                if predicate is None or predicate(row.data)
            ]
            ordered = self.sort(entity, matches, orderby)
            offset = int(cookie.get("offset", 0))
            page = ordered[offset : offset + page_size]
            more = top is None and offset + page_size < len(ordered)
            next_cookie = {"offset": str(offset + page_size), "page": str(int(cookie.get("page", 1)) + 1)}
            total = len(ordered)
        else:
            page, more = self._keyset_page(
                entity, predicate, cookie.get("last"), page_size if top is None else top
            )
            more = more and top is None
            next_cookie = {"last": page[-1].id if page else "", "page": str(int(cookie.get("page", 1)) + 1)}
            total = -1
        payload: dict[str, Any] = {"@odata.context": f"{service_root}$metadata#{entity.entity_set}"}
        if query.get("$count", "").lower() == "true":
            if total < 0:
                total = sum(
                    1
                    for row in self.store.scan(entity.logical_name)
                    if predicate is None or predicate(row.data)
                )
            payload["@odata.count"] = min(total, MAX_PAGE)
            payload["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = total > MAX_PAGE
        payload["value"] = self.shape(entity, page, columns, prefer.annotations, query.get("$expand"))
        if more:
            params = {name: value for name, value in query.items() if name != "$skiptoken"}
            params["$skiptoken"] = _write_cookie(entity, next_cookie)
            query_string = "&".join(f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in params.items())
            payload["@odata.nextLink"] = f"{service_root}{entity.entity_set}?{query_string}"
        return payload

    def _keyset_page(
        self, entity: Entity, predicate: Predicate | None, after: str | None, size: int
    ) -> tuple[list[StoredRow], bool]:
        page: list[StoredRow] = []
        with closing(self.store.scan(entity.logical_name, after)) as rows:
            for row in rows:
                if predicate is None or predicate(row.data):
                    if len(page) == size:
                        return page, True
                    page.append(row)
        return page, False

    def shape(
        self,
        entity: Entity,
        rows: list[StoredRow],
        columns: list[Attribute] | None,
        annotations: frozenset[str],
        expand: str | None,
    ) -> list[dict[str, Any]]:
        cache: dict[tuple[str, str], Any] = {}
        shaped = [self.codec.output(entity, row, columns, annotations, cache) for row in rows]
        if expand:
            for item in split_outside_quotes(expand, ","):
                self._expand(entity, rows, shaped, item.strip(), annotations)
        return shaped

    def _expand(
        self,
        entity: Entity,
        rows: list[StoredRow],
        shaped: list[dict[str, Any]],
        item: str,
        annotations: frozenset[str],
    ) -> None:
        name, _, options_text = item.partition("(")
        options = _nested_options(options_text.removesuffix(")")) if options_text else {}
        attribute = entity.by_navigation(name)
        if attribute is not None:
            targets = attribute.navigation[name]
            for row, out in zip(rows, shaped, strict=True):
                target_id = row.data.get(attribute.column)
                target = row.data.get(attribute.column + TARGET_SUFFIX) or targets[0]
                related = self.store.get(target, target_id) if target_id and target in targets else None
                out[name] = None
                if related is not None:
                    target_entity = self.catalog.entity(target)
                    out[name] = self.shape(
                        target_entity,
                        [related],
                        self.columns(target_entity, options.get("$select")),
                        annotations,
                        options.get("$expand"),
                    )[0]
            return
        relationship = self.catalog.collection_navigation(entity, name)
        if relationship is None:
            raise bad_request(
                f"Could not find a property named '{name}' on type "
                f"'Microsoft.Dynamics.CRM.{entity.logical_name}'."
            )
        child = self.catalog.entity(relationship.referencing_entity)
        column = f"_{relationship.referencing_attribute}_value"
        predicate = self.predicate(child, options.get("$filter"))
        wanted = {row.id for row in rows}
        children: dict[str, list[StoredRow]] = {}
        for candidate in self.store.scan(child.logical_name):
            parent = candidate.data.get(column)
            if parent in wanted and (predicate is None or predicate(candidate.data)):
                children.setdefault(parent, []).append(candidate)
        columns = self.columns(child, options.get("$select"))
        for row, out in zip(rows, shaped, strict=True):
            kids = children.get(row.id, [])
            if options.get("$orderby"):
                kids = self.sort(child, kids, options["$orderby"])
            if options.get("$top"):
                kids = kids[: int(options["$top"])]
            out[name] = self.shape(child, kids, columns, annotations, options.get("$expand"))


def _sort_key(column: str, kind: str) -> Callable[[StoredRow], tuple[bool, Any]]:
    def key(row: StoredRow) -> tuple[bool, Any]:
        value = row_value(kind if kind != "bool" else "number", row.data.get(column))
        return (value is not None, value if value is not None else 0)

    return key


def _int_option(query: Mapping[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise bad_request(f"Invalid value '{value}' for {name}.")
    return int(value)


def _nested_options(text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for part in split_outside_quotes(text, ";"):
        name, sep, value = part.partition("=")
        if sep:
            options[name.strip()] = value.strip()
    return options


def _write_cookie(entity: Entity, values: Mapping[str, str]) -> str:
    inner = " ".join(f'{name}="{value}"' for name, value in values.items() if name != "page")
    cookie = f'<cookie page="{int(values.get("page", 2)) - 1}"><{entity.primary_id} {inner} /></cookie>'
    page = values.get("page", 2)
    return f'<cookie pagenumber="{page}" pagingcookie="{quote(quote(cookie))}" istracking="False" />'


def _read_cookie(token: str | None) -> dict[str, str]:
    if not token:
        return {}
    match = re.search(r'pagingcookie="([^"]*)"', token)
    page = re.search(r'pagenumber="(\d+)"', token)
    values: dict[str, str] = {"page": page.group(1)} if page else {}
    inner = unquote(unquote(match.group(1))) if match else ""
    for name in ("last", "offset"):
        found = re.search(rf'{name}="([^"]*)"', inner)
        if found:
            values[name] = found.group(1)
    if not values.get("last") and not values.get("offset"):
        raise bad_request("The $skiptoken is not valid.")
    return values

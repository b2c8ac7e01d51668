"""Reading collections page by page: OData ``@odata.nextLink`` and FetchXML paging cookies."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

import requests

MAX_PAGE_SIZE = 5000
FORMATTED_VALUE = "OData.Community.Display.V1.FormattedValue"

GetPage = Callable[[str, Mapping[str, str] | None, Mapping[str, str]], requests.Response]


def prefer_header(page_size: int | None, formatted: bool) -> dict[str, str]:
    preferences = []
    if page_size is not None:
        preferences.append(f"odata.maxpagesize={max(1, min(page_size, MAX_PAGE_SIZE))}")
    if formatted:
        preferences.append(f'odata.include-annotations="{FORMATTED_VALUE}"')
    return {"Prefer": ",".join(preferences)} if preferences else {}


def iterate_odata(
    get: GetPage, url: str, params: Mapping[str, str], headers: Mapping[str, str], top: int | None
) -> Iterator[dict[str, Any]]:
    """Yield rows, following ``@odata.nextLink`` as given (it carries the paging cookie)."""
    next_url: str | None = url
    next_params: Mapping[str, str] | None = params
    yielded = 0
    while next_url:
        payload = get(next_url, next_params, headers).json()
        for row in payload.get("value", []):
            yield row
            yielded += 1
            if top is not None and yielded >= top:
                return
        next_url = payload.get("@odata.nextLink")
        next_params = None


def iterate_fetch_xml(
    get: GetPage, url: str, xml: str, headers: Mapping[str, str], page_size: int | None
) -> Iterator[dict[str, Any]]:
    """Yield rows of a FetchXML query, paging with ``page``/``count``/``paging-cookie`` unless ``top``."""
    root = ElementTree.fromstring(xml)  # noqa: S314 - FetchXML written by this application
    if root.tag != "fetch":
        raise ValueError("FetchXML must start with <fetch>")
    paged = root.get("top") is None
    if paged:
        root.set("count", str(max(1, min(page_size or root_count(root), MAX_PAGE_SIZE))))
        root.set("page", root.get("page") or "1")
    while True:
        query = ElementTree.tostring(root, encoding="unicode")
        payload = get(url, {"fetchXml": query}, headers).json()
        yield from payload.get("value", [])
        if not paged or not payload.get("@Microsoft.Dynamics.CRM.morerecords"):
            return
        page, cookie = _next_page(payload.get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"))
        root.set("page", str(page or int(root.get("page", "1")) + 1))
        if cookie:
            root.set("paging-cookie", cookie)


def root_count(root: ElementTree.Element) -> int:
    return int(root.get("count") or MAX_PAGE_SIZE)


def _next_page(annotation: Any) -> tuple[int | None, str | None]:
    """Dataverse returns ``<cookie pagenumber="2" pagingcookie="%253ccookie..." />``: double-encoded."""
    if not isinstance(annotation, str) or not annotation.strip():
        return None, None
    element = ElementTree.fromstring(annotation)  # noqa: S314 - returned by Dataverse for our own query
    number = element.get("pagenumber")
    cookie = element.get("pagingcookie")
    return (int(number) if number and number.isdigit() else None), (
        unquote(unquote(cookie)) if cookie else None
    )

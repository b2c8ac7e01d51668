"""``DataverseClient``: the Dataverse Web API over requests, for real environments and the emulator alike."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, overload

import requests

from connectors.common.retry import RetryPolicy
from dataverse import _bulk, _paging
from dataverse._multipart import build_body, parse_response, plan_units, results_for
from dataverse._transport import ClientStats, Transport
from dataverse.addressing import RowRef, entity_path, guid_from_entity_id
from dataverse.auth import TokenCredential, scope_for
from dataverse.batch import MAX_BATCH_OPERATIONS, BatchOperation, BatchResult, UpsertMode, upsert_headers
from dataverse.errors import NotFoundError, error_from_parts

__all__ = ["DEFAULT_BULK_CHUNK_SIZE", "DEFAULT_RETRY", "DataverseClient"]

DEFAULT_RETRY = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=8.0, max_retry_after=30.0)
DEFAULT_BULK_CHUNK_SIZE = 500
"""Rows per CreateMultiple/UpdateMultiple/UpsertMultiple request.

Microsoft's guidance for bulk messages on standard tables is roughly 100-1,000 rows per request. 500
halves the request count of 100-row chunks twice over while keeping each request's execution time
(which counts toward the 20-minute-per-5-minutes service protection budget, and must finish inside
the 2-minute request timeout even with synchronous plug-ins) and the blast radius of an all-or-nothing
failure at half of the 1,000 upper end. Tune per call with ``chunk_size``."""


class DataverseClient:
    """One Dataverse environment. ``base_url`` is the org URL (``https://contoso.crm4.dynamics.com``)."""

    def __init__(
        self,
        base_url: str,
        credential: TokenCredential,
        *,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        max_concurrency: int = 16,
        api_version: str = "v9.2",
        bulk_chunk_size: int = DEFAULT_BULK_CHUNK_SIZE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_url = f"{self.base_url}/api/data/{api_version}/"
        self.bulk_chunk_size = bulk_chunk_size
        self._owns_session = session is None
        self._session = session or requests.Session()
        self._session.headers.update(
            {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}
        )
        self._transport = Transport(
            credential,
            scope_for(self.base_url),
            session=self._session,
            timeout=timeout,
            retry=retry,
            max_concurrency=max_concurrency,
        )

    # ---- plumbing ------------------------------------------------------------------------------

    @property
    def dop_hint(self) -> int | None:
        """The last ``x-ms-dop-hint`` Dataverse sent: its recommended degree of parallelism."""
        return self._transport.dop_hint

    @property
    def stats(self) -> ClientStats:
        return self._transport.stats

    @property
    def scope(self) -> str:
        return self._transport.scope

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> DataverseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DataverseClient({self.base_url!r})"

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Any Web API call relative to the service root (metadata, actions, functions).

        Returns the parsed JSON body, or None for an empty one. ``idempotent`` defaults to "not a
        POST"; pass True for a POST that is safe to repeat so that 5xx and timeouts are retried.
        """
        response = self._send(
            method, path, json_body=json, headers=headers, params=params, idempotent=idempotent
        )
        return response.json() if response.content else None

    def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        data: bytes | None = None,
        accept_statuses: tuple[int, ...] = (),
    ) -> requests.Response:
        url = path if path.startswith(("http://", "https://")) else self.api_url + path.lstrip("/")
        merged = dict(headers or {})
        if json_body is not None:
            merged.setdefault("Content-Type", "application/json; charset=utf-8")
        return self._transport.send(
            method.upper(),
            url,
            idempotent=method.upper() != "POST" if idempotent is None else idempotent,
            params=params,
            headers=merged,
            json_body=json_body,
            data=data,
            accept_statuses=accept_statuses,
        )

    # ---- single rows ---------------------------------------------------------------------------

    @overload
    def create(
        self,
        entity_set: str,
        data: Mapping[str, Any],
        *,
        return_representation: Literal[False] = False,
        select: Sequence[str] | None = None,
        idempotent: bool = False,
    ) -> str: ...

    @overload
    def create(
        self,
        entity_set: str,
        data: Mapping[str, Any],
        *,
        return_representation: Literal[True],
        select: Sequence[str] | None = None,
        idempotent: bool = False,
    ) -> dict[str, Any]: ...

    def create(
        self,
        entity_set: str,
        data: Mapping[str, Any],
        *,
        return_representation: bool = False,
        select: Sequence[str] | None = None,
        idempotent: bool = False,
    ) -> str | dict[str, Any]:
        """POST a new row; returns its id (or the row with ``return_representation``).

        A plain create is not retried after a 5xx or a timeout (it may have happened). Pass
        ``idempotent=True`` when the data carries its own primary id or an alternate-key value, so
        a repeat fails with DuplicateRecordError instead of writing a second row.
        """
        headers = {"Prefer": "return=representation"} if return_representation else {}
        params = {"$select": ",".join(select)} if select else None
        response = self._send(
            "POST", entity_set, json_body=dict(data), headers=headers, params=params, idempotent=idempotent
        )
        if return_representation:
            return dict(response.json())
        return guid_from_entity_id(response.headers["OData-EntityId"])

    def retrieve(
        self,
        entity_set: str,
        row: RowRef,
        *,
        select: Sequence[str] | None = None,
        expand: str | None = None,
        formatted: bool = False,
    ) -> dict[str, Any]:
        """GET one row by id or alternate key; raises NotFoundError when it does not exist."""
        params = _query_params(select=select, expand=expand)
        headers = _paging.prefer_header(None, formatted)
        return dict(self._send("GET", entity_path(entity_set, row), params=params, headers=headers).json())

    def update(
        self,
        entity_set: str,
        row: RowRef,
        data: Mapping[str, Any],
        *,
        etag: str | None = None,
        return_representation: bool = False,
    ) -> dict[str, Any] | None:
        """PATCH an existing row (never creates: ``If-Match`` is the etag or ``*``).

        With ``etag`` a row changed since it was read raises PreconditionFailedError.
        """
        headers = {"If-Match": etag or "*"}
        if return_representation:
            headers["Prefer"] = "return=representation"
        response = self._send("PATCH", entity_path(entity_set, row), json_body=dict(data), headers=headers)
        return dict(response.json()) if return_representation else None

    def upsert(
        self, entity_set: str, row: RowRef, data: Mapping[str, Any], *, mode: UpsertMode = "upsert"
    ) -> str:
        """PATCH on an id or alternate key: creates the row when missing; returns its id.

        ``create_only`` (``If-None-Match: *``) raises DuplicateRecordError when the row exists: the
        idempotent "record this once" write. ``update_only`` (``If-Match: *``) raises NotFoundError
        when it does not.
        """
        response = self._send(
            "PATCH", entity_path(entity_set, row), json_body=dict(data), headers=upsert_headers(mode)
        )
        return guid_from_entity_id(response.headers["OData-EntityId"])

    def delete(
        self, entity_set: str, row: RowRef, *, etag: str | None = None, missing_ok: bool = False
    ) -> None:
        headers = {"If-Match": etag} if etag else None
        try:
            self._send("DELETE", entity_path(entity_set, row), headers=headers)
        except NotFoundError:
            if not missing_ok:
                raise

    # ---- queries -------------------------------------------------------------------------------

    def query(
        self,
        entity_set: str,
        *,
        filter: str | None = None,
        select: Sequence[str] | None = None,
        orderby: str | Sequence[str] | None = None,
        top: int | None = None,
        expand: str | None = None,
        page_size: int = _paging.MAX_PAGE_SIZE,
        formatted: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Rows matching an OData query, fetched lazily page by page (``Prefer: odata.maxpagesize``)."""
        params = _query_params(select=select, expand=expand, filter=filter, orderby=orderby, top=top)
        headers = _paging.prefer_header(page_size, formatted)
        return _paging.iterate_odata(self._get_page, self.api_url + entity_set, params, headers, top)

    def fetch_xml(
        self, entity_set: str, xml: str, *, page_size: int | None = None, formatted: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Rows of a FetchXML query; pages with ``page``/``count``/paging cookie unless it sets ``top``."""
        headers = _paging.prefer_header(None, formatted)
        return _paging.iterate_fetch_xml(self._get_page, self.api_url + entity_set, xml, headers, page_size)

    def who_am_i(self) -> dict[str, Any]:
        return dict(self._send("GET", "WhoAmI").json())

    def _get_page(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str]
    ) -> requests.Response:
        return self._send("GET", url, params=params, headers=headers)

    # ---- many rows -----------------------------------------------------------------------------

    def execute_batch(
        self, operations: Sequence[BatchOperation], *, atomic: bool = True, continue_on_error: bool = False
    ) -> list[BatchResult]:
        """Send operations as ``$batch`` requests of at most 1,000; one result per operation, in order.

        ``atomic``: consecutive writes share a change set (all or nothing). Longer lists are split
        into several batches, each its own transaction. Without ``continue_on_error`` Dataverse stops
        at the first failure and this method sends no further batch; unexecuted operations have
        ``status == 0``.
        """
        results: list[BatchResult] = []
        for start in range(0, len(operations), MAX_BATCH_OPERATIONS):
            chunk = list(operations[start : start + MAX_BATCH_OPERATIONS])
            if results and not continue_on_error and any(not result.ok for result in results):
                results.extend(BatchResult(operation, 0) for operation in chunk)
                continue
            results.extend(self._execute_one_batch(chunk, atomic, continue_on_error))
        return results

    def _execute_one_batch(
        self, operations: list[BatchOperation], atomic: bool, continue_on_error: bool
    ) -> list[BatchResult]:
        units = plan_units(operations, atomic)
        content_type, body = build_body(operations, units, self.api_url)
        headers = {"Content-Type": content_type}
        if continue_on_error:
            headers["Prefer"] = "odata.continue-on-error"
        response = self._send(
            "POST",
            "$batch",
            data=body,
            headers=headers,
            idempotent=all(operation.idempotent for operation in operations),
            accept_statuses=(400, 404, 405, 409, 412, 413, 415),
        )
        try:
            parsed = parse_response(response.headers.get("Content-Type", ""), response.content)
        except ValueError:
            raise error_from_parts(response.status_code, response.headers, response.content) from None
        return results_for(operations, units, parsed)

    def create_multiple(
        self,
        entity_set: str,
        logical_name: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        chunk_size: int | None = None,
        max_parallel: int = 1,
    ) -> list[str]:
        """CreateMultiple in chunks; returns the new ids in row order. Each chunk is all-or-nothing."""
        return _bulk.create_multiple(
            self, entity_set, logical_name, rows, chunk_size or self.bulk_chunk_size, max_parallel
        )

    def update_multiple(
        self,
        entity_set: str,
        logical_name: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        chunk_size: int | None = None,
        max_parallel: int = 1,
    ) -> None:
        """UpdateMultiple in chunks; every row carries its primary id column."""
        _bulk.send_multiple(
            self,
            "UpdateMultiple",
            entity_set,
            logical_name,
            rows,
            chunk_size or self.bulk_chunk_size,
            max_parallel,
        )

    def upsert_multiple(
        self,
        entity_set: str,
        logical_name: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        key: Sequence[str] | None = None,
        chunk_size: int | None = None,
        max_parallel: int = 1,
    ) -> None:
        """UpsertMultiple in chunks. With ``key`` (alternate-key columns) each row is addressed by
        ``@odata.id`` built from its own values of those columns."""
        targets = [_bulk.with_key(entity_set, row, key) for row in rows] if key else rows
        _bulk.send_multiple(
            self,
            "UpsertMultiple",
            entity_set,
            logical_name,
            targets,
            chunk_size or self.bulk_chunk_size,
            max_parallel,
        )


def _query_params(
    *,
    select: Sequence[str] | None = None,
    expand: str | None = None,
    filter: str | None = None,
    orderby: str | Sequence[str] | None = None,
    top: int | None = None,
) -> dict[str, str]:
    params: dict[str, str] = {}
    if select:
        params["$select"] = ",".join(select)
    if filter:
        params["$filter"] = filter
    if orderby:
        params["$orderby"] = orderby if isinstance(orderby, str) else ",".join(orderby)
    if top is not None:
        params["$top"] = str(top)
    if expand:
        params["$expand"] = expand
    return params

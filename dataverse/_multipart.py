"""The ``$batch`` wire format: multipart/mixed requests with change sets, and their responses mapped back
to the operations that caused them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dataverse.batch import BatchOperation, BatchResult
from dataverse.errors import error_from_parts

_CRLF = "\r\n"


Unit = tuple[Literal["single", "changeset"], list[int]]


def plan_units(operations: Sequence[BatchOperation], atomic: bool) -> list[Unit]:
    units: list[Unit] = []
    for index, operation in enumerate(operations):
        if atomic and not operation.is_read and not operation.standalone:
            if units and units[-1][0] == "changeset":
                units[-1][1].append(index)
            else:
                units.append(("changeset", [index]))
        else:
            units.append(("single", [index]))
    return units


def content_ids(operations: Sequence[BatchOperation]) -> list[str]:
    ids = [operation.content_id or str(index + 1) for index, operation in enumerate(operations)]
    if len(set(ids)) != len(ids):
        raise ValueError("Content-IDs must be unique within a batch")
    return ids


def build_body(
    operations: Sequence[BatchOperation], units: Sequence[Unit], api_url: str
) -> tuple[str, bytes]:
    """(Content-Type header, body) of a ``$batch`` request."""
    boundary = f"batch_{uuid.uuid4()}"
    ids = content_ids(operations)
    chunks: list[str] = []
    for kind, indexes in units:
        if kind == "single":
            chunks.append(f"--{boundary}{_CRLF}{_request_part(operations[indexes[0]], api_url, None)}")
            continue
        changeset = f"changeset_{uuid.uuid4()}"
        inner = "".join(
            f"--{changeset}{_CRLF}{_request_part(operations[i], api_url, ids[i])}" for i in indexes
        )
        chunks.append(
            f"--{boundary}{_CRLF}Content-Type: multipart/mixed; boundary={changeset}{_CRLF}{_CRLF}"
            f"{inner}--{changeset}--{_CRLF}"
        )
    body = "".join(chunks) + f"--{boundary}--{_CRLF}"
    return f"multipart/mixed; boundary={boundary}", body.encode("utf-8")


def _request_part(operation: BatchOperation, api_url: str, content_id: str | None) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    target = operation.path if operation.path.startswith("$") else api_url + operation.path
    lines += ["", f"{operation.method.upper()} {target} HTTP/1.1"]
    if operation.body is not None:
        lines.append("Content-Type: application/json; type=entry")
    lines += [f"{name}: {value}" for name, value in operation.headers.items()]
    lines.append("")
    payload = json.dumps(operation.body, ensure_ascii=False) if operation.body is not None else ""
    return _CRLF.join(lines) + _CRLF + payload + _CRLF


@dataclass(frozen=True)
class _ResponsePart:
    status: int
    headers: dict[str, str]
    body: Any
    content_id: str | None


def parse_response(content_type: str, body: bytes) -> list[list[_ResponsePart]]:
    """Top-level parts of a ``$batch`` response; a change set part yields several responses."""
    boundary = _boundary(content_type)
    if boundary is None:
        raise ValueError("the $batch response is not multipart/mixed")
    units: list[list[_ResponsePart]] = []
    for headers, payload in _split(body.decode("utf-8"), boundary):
        inner_boundary = _boundary(headers.get("content-type", ""))
        if inner_boundary is not None:
            units.append(
                [_http_part(inner, ih.get("content-id")) for ih, inner in _split(payload, inner_boundary)]
            )
        else:
            units.append([_http_part(payload, headers.get("content-id"))])
    return units


def results_for(
    operations: Sequence[BatchOperation], units: Sequence[Unit], parsed: Sequence[Sequence[_ResponsePart]]
) -> list[BatchResult]:
    results: list[BatchResult | None] = [None] * len(operations)
    ids = content_ids(operations)
    for position, (kind, indexes) in enumerate(units):
        if position >= len(parsed):
            break
        parts = parsed[position]
        if kind == "changeset" and len(parts) == 1 and len(indexes) > 1 and parts[0].status >= 400:
            failure = _result(operations[indexes[0]], parts[0])
            for index in indexes:
                results[index] = BatchResult(
                    operations[index], failure.status, failure.headers, failure.body, failure.error, True
                )
            continue
        by_id = {part.content_id: part for part in parts if part.content_id is not None}
        for offset, index in enumerate(indexes):
            part = by_id.get(ids[index]) if kind == "changeset" else None
            part = part or (parts[offset] if offset < len(parts) else None)
            if part is not None:
                result = _result(operations[index], part)
                failed_changeset = kind == "changeset" and result.error is not None
                results[index] = BatchResult(
                    result.operation,
                    result.status,
                    result.headers,
                    result.body,
                    result.error,
                    failed_changeset,
                )
    return [
        result if result is not None else BatchResult(operations[index], 0)
        for index, result in enumerate(results)
    ]


def _result(operation: BatchOperation, part: _ResponsePart) -> BatchResult:
    error = error_from_parts(part.status, part.headers, part.body) if part.status >= 400 else None
    return BatchResult(operation, part.status, part.headers, part.body, error)


def _boundary(content_type: str) -> str | None:
    if "multipart/mixed" not in content_type.lower():
        return None
    for piece in content_type.split(";"):
        name, _, value = piece.strip().partition("=")
        if name.lower() == "boundary":
            return value.strip().strip('"')
    return None


def _split(text: str, boundary: str) -> list[tuple[dict[str, str], str]]:
    delimiter = f"--{boundary}"
    parts: list[tuple[dict[str, str], str]] = []
    for chunk in text.split(delimiter)[1:]:
        if chunk.startswith("--"):
            break
        chunk = chunk.removeprefix(_CRLF).removeprefix("\n")
        head, _, payload = chunk.replace(_CRLF, "\n").partition("\n\n")
        parts.append((_headers(head), payload))
    return parts


def _headers(block: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def _http_part(text: str, content_id: str | None) -> _ResponsePart:
    status_line, _, rest = text.partition("\n")
    pieces = status_line.split(" ", 2)
    status = int(pieces[1]) if len(pieces) > 1 and pieces[1].isdigit() else 500
    head, _, payload = rest.partition("\n\n")
    payload = payload.strip()
    body: Any = None
    if payload:
        try:
            body = json.loads(payload)
        except ValueError:
            body = payload
    return _ResponsePart(status, _headers(head), body, content_id)

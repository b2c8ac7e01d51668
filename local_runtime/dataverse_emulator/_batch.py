"""``$batch``: multipart/mixed requests with atomic change sets, Content-ID references and
``Prefer: odata.continue-on-error``. The whole batch counts as one request for service protection.

Without continue-on-error the first failure stops the batch, which then answers with that failure's
status (the parts before it are still in the body); with it, every part runs and the batch answers 200.
A failed change set is rolled back and answered by a single part holding the failure.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local_runtime.dataverse_emulator._call import Call
from local_runtime.dataverse_emulator._errors import ODataError, bad_request
from local_runtime.dataverse_emulator._paths import split_segments
from local_runtime.dataverse_emulator._store import Store
from local_runtime.loopback import Response

Route = Callable[[Call], Response]
_CRLF = "\r\n"
_API_PATH = re.compile(r"^(?:https?://[^/]+)?/api/data/v9\.\d+/")


class _ChangesetFailed(Exception):
    def __init__(self, response: Response, content_id: str | None) -> None:
        self.response = response
        self.content_id = content_id


def run_batch(call: Call, store: Store, route: Route) -> Response:
    boundary = _boundary(call.header("content-type") or "")
    if boundary is None:
        raise bad_request("A $batch request must be multipart/mixed with a boundary.")
    continue_on_error = call.prefer.continue_on_error
    answer = f"batchresponse_{uuid.uuid4()}"
    chunks: list[str] = []
    failure: int | None = None
    with store.lock:
        for headers, payload in _split(call.body.decode("utf-8"), boundary):
            if failure is not None and not continue_on_error:
                break
            inner_boundary = _boundary(headers.get("content-type", ""))
            if inner_boundary is None:
                response = _execute(call, payload, {}, route)
                chunks.append(_response_part(response, headers.get("content-id")))
                failure = failure if response.status < 400 else (failure or response.status)
                continue
            text, failed_status = _changeset(call, payload, inner_boundary, store, route)
            chunks.append(text)
            failure = failure or failed_status
    body = "".join(f"--{answer}{_CRLF}{chunk}" for chunk in chunks) + f"--{answer}--{_CRLF}"
    status = 200 if failure is None or continue_on_error else failure
    headers = {"Content-Type": f"multipart/mixed; boundary={answer}", "OData-Version": "4.0"}
    return Response(status, body.encode("utf-8"), headers)


def _changeset(call: Call, payload: str, boundary: str, store: Store, route: Route) -> tuple[str, int | None]:
    content_ids: dict[str, str] = {}
    answered: list[tuple[str | None, Response]] = []
    try:
        with store.transaction():
            for headers, part in _split(payload, boundary):
                content_id = headers.get("content-id")
                response = _execute(call, part, content_ids, route, in_changeset=True)
                if response.status >= 400:
                    raise _ChangesetFailed(response, content_id)
                entity_id = response.headers.get("OData-EntityId")
                if content_id and entity_id:
                    content_ids[content_id] = entity_id
                answered.append((content_id, response))
    except _ChangesetFailed as failed:
        return _response_part(failed.response, failed.content_id), failed.response.status
    inner = f"changesetresponse_{uuid.uuid4()}"
    parts = "".join(f"--{inner}{_CRLF}{_response_part(response, cid)}" for cid, response in answered)
    return f"Content-Type: multipart/mixed; boundary={inner}{_CRLF}{_CRLF}{parts}--{inner}--{_CRLF}", None


def _execute(
    outer: Call, text: str, content_ids: dict[str, str], route: Route, *, in_changeset: bool = False
) -> Response:
    try:
        inner = _parse_request(outer, text, content_ids)
        if in_changeset and inner.method == "GET":
            raise bad_request("GET requests are not allowed inside a change set.")
        if inner.segments and inner.segments[0] == "$batch":
            raise bad_request("A $batch request can't contain another $batch request.")
        return route(inner)
    except ODataError as error:
        return error.response()


def _parse_request(outer: Call, text: str, content_ids: dict[str, str]) -> Call:
    request_line, _, rest = text.replace(_CRLF, "\n").partition("\n")
    pieces = request_line.split(" ")
    if len(pieces) < 2:
        raise bad_request("A batch part must start with an HTTP request line.")
    method, url = pieces[0].upper(), pieces[1]
    head, _, body = rest.partition("\n\n")
    headers = _headers(head)
    if url.startswith("$"):
        reference, _, tail = url[1:].partition("/")
        if reference not in content_ids:
            raise bad_request(f"Content-ID reference '${reference}' was not found in this change set.")
        url = content_ids[reference] + (f"/{tail}" if tail else "")
    split = urlsplit(url)
    path = _API_PATH.sub("", split.path if split.scheme else url.split("?", 1)[0]).lstrip("/")
    query = {name: values[0] for name, values in parse_qs(split.query, keep_blank_values=True).items()}
    payload = body.strip().encode("utf-8")
    if content_ids and payload:
        payload = _resolve_references(payload, content_ids)
    return Call(method, split_segments(path), query, headers, payload, outer.service_root, in_batch=True)


def _resolve_references(payload: bytes, content_ids: dict[str, str]) -> bytes:
    try:
        data: Any = json.loads(payload)
    except ValueError:
        return payload
    if isinstance(data, dict):
        for name, value in data.items():
            if name.endswith("@odata.bind") and isinstance(value, str) and value.startswith("$"):
                data[name] = content_ids.get(value[1:], value)
    return json.dumps(data).encode("utf-8")


def _response_part(response: Response, content_id: str | None) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        lines.append(f"Content-ID: {content_id}")
    reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else ""
    lines += ["", f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    return _CRLF.join(lines) + _CRLF + _CRLF + response.body.decode("utf-8") + _CRLF


def _boundary(content_type: str) -> str | None:
    if "multipart/mixed" not in content_type.lower():
        return None
    match = re.search(r'boundary="?([^";,\s]+)"?', content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _split(text: str, boundary: str) -> list[tuple[dict[str, str], str]]:
    parts: list[tuple[dict[str, str], str]] = []
    for chunk in text.split(f"--{boundary}")[1:]:
        if chunk.startswith("--"):
            break
        chunk = chunk.replace(_CRLF, "\n").removeprefix("\n")
        head, _, payload = chunk.partition("\n\n")
        parts.append((_headers(head), payload.rstrip("\n")))
    return parts


def _headers(block: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers

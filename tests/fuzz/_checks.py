"""The properties every answer must have, as a function returning what is wrong (empty: nothing).

- never a 5xx;
- every 4xx is ``application/problem+json`` with ``status`` (equal to the HTTP status), ``title`` and
  ``detail``; any ``errors`` entry names its ``field``; a 422 (validation) has at least one;
- every 2xx body matches the operation's documented success schema.

``tests/fuzz/test_checks.py`` feeds deliberately broken answers to prove each property can fail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tests.fuzz._openapi import ResponseValidator

PROBLEM_JSON = "application/problem+json"


def answer_problems(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    responses: Mapping[str, Any],
    validator: ResponseValidator,
) -> list[str]:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    media = content_type.split(";")[0].strip().lower()
    if status >= 500:
        return [f"server error {status}: {body[:300]!r}"]
    if status >= 400:
        return problem_details_problems(status, media, body)
    if 200 <= status < 300:
        return success_problems(status, media, body, responses, validator)
    return []


def problem_details_problems(status: int, media: str, body: bytes) -> list[str]:
    if media != PROBLEM_JSON:
        return [f"{status} answered as {media or 'no content type'!r}, not {PROBLEM_JSON}: {body[:200]!r}"]
    try:
        problem = json.loads(body)
    except ValueError:
        return [f"{status} problem body is not JSON: {body[:200]!r}"]
    if not isinstance(problem, dict):
        return [f"{status} problem body is not an object: {body[:200]!r}"]
    found = []
    if problem.get("status") != status:
        found.append(f"problem status {problem.get('status')!r} differs from the HTTP status {status}")
    for name in ("title", "detail"):
        if not isinstance(problem.get(name), str) or not problem[name].strip():
            found.append(f"{status} problem has no {name}: {problem}")
    errors = problem.get("errors")
    named = isinstance(errors, list) and all(
        isinstance(e, dict) and isinstance(e.get("field"), str) and e["field"] for e in errors
    )
    if errors is not None and not named:
        found.append(f"{status} problem errors do not all name a field: {errors!r}")
    if status == 422 and not errors:
        found.append(f"422 problem names no field: {problem}")
    return found


def success_problems(
    status: int, media: str, body: bytes, responses: Mapping[str, Any], validator: ResponseValidator
) -> list[str]:
    documented = responses.get(str(status)) or next(
        (r for code, r in sorted(responses.items()) if code.startswith("2")), None
    )
    if documented is None:
        return [f"{status} is not a documented answer"]
    schema = documented.get("schema")
    if schema is None:
        return []
    if media != "application/json":
        return [f"{status} answered as {media!r}, not application/json"]
    try:
        payload = json.loads(body)
    except ValueError:
        return [f"{status} body is not JSON: {body[:200]!r}"]
    return [f"{status} body does not match the schema at {e}" for e in validator.errors(schema, payload)]

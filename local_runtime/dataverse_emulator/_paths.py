"""Web API URL pieces: path segments, key predicates ``set(k='v',n=5)`` and OData literals."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import unquote

from local_runtime.dataverse_emulator._errors import bad_request

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?$")

Key = str | dict[str, Any] | None
"""None (a collection), a GUID (lowercase) or named key values."""


def split_segments(path: str) -> list[str]:
    """Split on ``/`` outside single quotes, then percent-decode each segment."""
    segments: list[str] = []
    current: list[str] = []
    quoted = False
    for char in path:
        if char == "'":
            quoted = not quoted
        if char == "/" and not quoted:
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    segments.append("".join(current))
    return [unquote(segment) for segment in segments if segment]


def parse_segment(segment: str) -> tuple[str, Key]:
    """``contacts`` -> (contacts, None); ``contacts(guid)``; ``contacts(a='x',b=5)`` -> named values."""
    if "(" not in segment:
        return segment, None
    if not segment.endswith(")"):
        raise bad_request(f"Bad Request - Error in query syntax: '{segment}'.")
    name, _, inner = segment[:-1].partition("(")
    if inner.strip() == "":
        return name, None
    pairs = split_outside_quotes(inner, ",")
    if len(pairs) == 1 and "=" not in _unquoted_part(pairs[0]):
        value = parse_literal(pairs[0].strip())
        if not isinstance(value, str) or not GUID_RE.match(value):
            raise bad_request(f"Bad Request - Error in query syntax: '{segment}'.")
        return name, value.lower()
    values: dict[str, Any] = {}
    for pair in pairs:
        column, sep, literal = pair.partition("=")
        if not sep:
            raise bad_request(f"Bad Request - Error in query syntax: '{segment}'.")
        values[column.strip()] = parse_literal(literal.strip())
    return name, values


def parse_literal(text: str) -> Any:
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    lowered = text.lower()
    if lowered == "null":
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    if GUID_RE.match(text):
        return str(uuid.UUID(text))
    if _NUMBER_RE.match(text):
        number = text.rstrip("mMdDfFlL")
        return float(number) if any(c in number for c in ".eE") else int(number)
    raise bad_request(f"Unrecognized literal '{text}'.")


def split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        if char == separator and not quoted and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unquoted_part(text: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "", text)

"""Azure Functions route templates (ASP.NET Core style) matched the way the host matches them.

Supported: literal segments, ``{name}``, optional ``{name?}``, catch-all ``{*rest}``, and the
constraints ``int``, ``long``, ``guid``, ``alpha``, ``bool``, ``minlength(n)``, ``maxlength(n)``,
``length(n)``, ``regex(...)``. Literal segments win over parameters, as in the real host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_PARAM = re.compile(
    r"^\{(?P<star>\*)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<constraints>(:[^{}?]+)*)(?P<opt>\?)?\}$"
)

_SIMPLE_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "guid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    "alpha": r"[A-Za-z]+",
    "bool": r"(?i:true|false)",
}


@dataclass(frozen=True)
class _Segment:
    literal: str | None
    name: str | None = None
    optional: bool = False
    catch_all: bool = False
    checks: tuple[str, ...] = ()


class RouteTemplate:
    def __init__(self, template: str) -> None:
        self.template = template.strip("/")
        self.segments = tuple(_parse_segment(part) for part in self.template.split("/") if part)

    @property
    def precedence(self) -> tuple[int, ...]:
        """Sort key: more literal segments first, then fewer optional/catch-all parameters."""
        literals = sum(1 for s in self.segments if s.literal is not None)
        flexible = sum(1 for s in self.segments if s.optional or s.catch_all)
        ranks = tuple(0 if s.literal is not None else (2 if s.catch_all else 1) for s in self.segments)
        return (-literals, flexible, *ranks)

    def match(self, path: str) -> dict[str, str] | None:
        parts = [unquote(p) for p in path.strip("/").split("/") if p]
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.catch_all:
                values[segment.name or ""] = "/".join(parts[index:])
                return values
            if index >= len(parts):
                if segment.optional and all(s.optional or s.catch_all for s in self.segments[index:]):
                    return values
                return None
            part = parts[index]
            if segment.literal is not None:
                if part.lower() != segment.literal.lower():
                    return None
                continue
            if not all(re.fullmatch(check, part) for check in segment.checks):
                return None
            values[segment.name or ""] = part
        return values if len(parts) == len(self.segments) else None


def _parse_segment(part: str) -> _Segment:
    found = _PARAM.match(part)
    if found is None:
        return _Segment(literal=part)
    checks: list[str] = []
    for constraint in filter(None, (found.group("constraints") or "").split(":")):
        checks.append(_constraint_pattern(constraint))
    return _Segment(
        literal=None,
        name=found.group("name"),
        optional=bool(found.group("opt")),
        catch_all=bool(found.group("star")),
        checks=tuple(checks),
    )


def _constraint_pattern(constraint: str) -> str:
    if constraint in _SIMPLE_CONSTRAINTS:
        return _SIMPLE_CONSTRAINTS[constraint]
    call = re.fullmatch(r"(\w+)\((.*)\)", constraint)
    if call is None:
        raise ValueError(f"unsupported route constraint {constraint!r}")
    kind, argument = call.group(1), call.group(2)
    if kind == "regex":
        return argument
    if kind == "minlength":
        return rf".{{{int(argument)},}}"
    if kind == "maxlength":
        return rf".{{0,{int(argument)}}}"
    if kind == "length":
        return rf".{{{int(argument)}}}"
    raise ValueError(f"unsupported route constraint {constraint!r}")

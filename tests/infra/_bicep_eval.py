"""Static evaluation of the values our checks need, and loading a tree of Bicep files.

Only what is known before deployment evaluates: literals, objects, arrays, ``var`` references, loop
variables and string interpolations of those. Anything else (resource properties, function calls,
module parameters) raises ``Unresolved``; ``render`` shows such parts as ``<expr>`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.infra._bicep_nodes import (
    Arr,
    BicepFile,
    Cond,
    Declaration,
    Expr,
    Literal,
    Loop,
    Node,
    Obj,
    Ref,
    Str,
)
from tests.infra._bicep_parse import parse_file as _parse_file
from tests.infra._bicep_tokens import Interpolation
from tests.infra._bicep_tokens import Token as _Token

AZURE_DIR = Path(__file__).resolve().parents[2] / "infra" / "azure"


class Unresolved(ValueError):
    """The value depends on something only known at deployment time."""


@dataclass
class BicepTree:
    """Every .bicep and .bicepparam file under one folder, parsed."""

    root: Path
    files: dict[Path, BicepFile]

    def templates(self) -> list[BicepFile]:
        return [f for p, f in sorted(self.files.items()) if p.suffix == ".bicep"]

    def parameter_files(self) -> list[BicepFile]:
        return [f for p, f in sorted(self.files.items()) if p.suffix == ".bicepparam"]

    def resources(self, resource_type: str) -> list[tuple[BicepFile, Declaration]]:
        """Declared (not ``existing``) resources of one type, e.g. Microsoft.Web/sites/config."""
        return [
            (file, declaration)
            for file in self.templates()
            for declaration in file.of_kind("resource")
            if declaration.type.split("@")[0].lower() == resource_type.lower() and not declaration.existing
        ]


def load_tree(root: Path = AZURE_DIR, overrides: Mapping[str, str] | None = None) -> BicepTree:
    """Parse every template under ``root``; ``overrides`` maps a relative path to replacement text."""
    overrides = dict(overrides or {})
    files: dict[Path, BicepFile] = {}
    for path in sorted([*root.rglob("*.bicep"), *root.rglob("*.bicepparam")]):
        relative = path.relative_to(root).as_posix()
        files[path] = _parse_file(path, overrides.pop(relative, None))
    if overrides:
        raise FileNotFoundError(f"no such template to override: {sorted(overrides)}")
    return BicepTree(root, files)


def evaluate(node: Node | None, file: BicepFile, scope: Mapping[str, Any] | None = None) -> Any:
    """The Python value of ``node`` or ``Unresolved``."""
    scope = scope or {}
    if node is None:
        raise Unresolved("no value")
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Obj):
        return {key: evaluate(value, file, scope) for key, value in node.entries.items()}
    if isinstance(node, Arr):
        return [evaluate(item, file, scope) for item in node.items]
    if isinstance(node, Ref):
        return _reference(node.path, file, scope)
    if isinstance(node, Str):
        return "".join(
            part if isinstance(part, str) else _interpolation(part, file, scope) for part in node.token.parts
        )
    if isinstance(node, Loop):
        return [evaluate(node.body, file, {**scope, **bound}) for bound in loop_scopes(node, file, scope)]
    if isinstance(node, Cond | Expr):
        raise Unresolved(f"{file.path.name}: {describe(node)} is only known at deployment")
    raise TypeError(node)


def loop_scopes(loop: Loop, file: BicepFile, scope: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """One variable binding per iteration of ``[for item in source: ...]`` / ``[for (item, i) in ...]``."""
    items = evaluate(loop.source, file, scope)
    if not isinstance(items, list):
        raise Unresolved(f"{file.path.name}: loop source is not an array")
    scopes = []
    for index, item in enumerate(items):
        bound = {loop.variables[0]: item}
        if len(loop.variables) == 2:
            bound[loop.variables[1]] = index
        scopes.append(bound)
    return scopes


def render(node: Node | None, file: BicepFile, scope: Mapping[str, Any] | None = None) -> str:
    """A string value with the parts only known at deployment shown as ``<expr>``."""
    if isinstance(node, Str):
        rendered = []
        for part in node.token.parts:
            if isinstance(part, str):
                rendered.append(part)
            else:
                try:
                    rendered.append(str(_interpolation(part, file, scope or {})))
                except Unresolved:
                    rendered.append("<expr>")
        return "".join(rendered)
    try:
        return str(evaluate(node, file, scope))
    except Unresolved:
        return "<expr>"


def describe(node: Node | None) -> str:
    """Source text of a node, for messages."""
    if node is None:
        return "(nothing)"
    if isinstance(node, Literal | Str):
        return node.token.text
    if isinstance(node, Ref):
        return ".".join(node.path)
    if isinstance(node, Expr):
        return node.text
    return type(node).__name__.lower()


def _reference(path: tuple[str, ...], file: BicepFile, scope: Mapping[str, Any]) -> Any:
    head, rest = path[0], path[1:]
    if head in scope:
        value = scope[head]
    else:
        variable = file.named("var", head)
        if variable is None:
            raise Unresolved(f"{file.path.name}: {'.'.join(path)} is not a var or loop variable")
        value = evaluate(variable.value, file, {})
    for key in rest:
        if not isinstance(value, dict) or key not in value:
            raise Unresolved(f"{file.path.name}: {'.'.join(path)} has no property {key!r}")
        value = value[key]
    return value


def _interpolation(part: Interpolation, file: BicepFile, scope: Mapping[str, Any]) -> Any:
    tokens = [t for t in part.tokens if t.kind != "eof"]
    if tokens and all(_is_ref_token(i, t) for i, t in enumerate(tokens)) and len(tokens) % 2 == 1:
        return _reference(tuple(t.text for t in tokens[::2]), file, scope)
    raise Unresolved(f"{file.path.name}: ${{{part.text}}} is only known at deployment")


def _is_ref_token(index: int, token: _Token) -> bool:
    return token.kind == "ident" if index % 2 == 0 else token.text == "."

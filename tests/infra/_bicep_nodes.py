"""The nodes the Bicep parser produces: values (literals, references, objects, arrays, loops,
conditions, other expressions) and declarations, grouped per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.infra._bicep_tokens import Token


@dataclass(frozen=True)
class Literal:
    value: str | int | bool | None
    token: Token


@dataclass(frozen=True)
class Str:
    """A string with interpolations (a literal string without any is a ``Literal``)."""

    token: Token


@dataclass(frozen=True)
class Ref:
    path: tuple[str, ...]
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Expr:
    text: str
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Obj:
    entries: dict[str, Node]
    line: int


@dataclass(frozen=True)
class Arr:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Loop:
    variables: tuple[str, ...]
    source: Node
    body: Node


@dataclass(frozen=True)
class Cond:
    condition: Node
    body: Node


Node = Literal | Str | Ref | Expr | Obj | Arr | Loop | Cond


@dataclass(frozen=True)
class Decorator:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Declaration:
    """``kind`` is param, var, resource, module, output, using, targetScope, metadata, import, type, func."""

    kind: str
    name: str
    line: int
    value: Node | None = None
    type: str = ""  # param/output type, resource 'Type@version', module path, using path
    existing: bool = False
    decorators: tuple[Decorator, ...] = ()


@dataclass
class BicepFile:
    path: Path
    source: str
    tokens: list[Token]
    declarations: list[Declaration] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Declaration]:
        return [d for d in self.declarations if d.kind == kind]

    def named(self, kind: str, name: str) -> Declaration | None:
        return next((d for d in self.declarations if d.kind == kind and d.name == name), None)

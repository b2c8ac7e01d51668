"""A small Bicep linter of our own, standing in for `bicep build` (which cannot run here).

Each function returns sentences describing problems; an empty list means clean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from tests.infra._bicep_arguments import default_constraints, module_parameters, parameter_files
from tests.infra._bicep_eval import BicepTree
from tests.infra._bicep_nodes import Arr, BicepFile, Cond, Loop, Node, Obj
from tests.infra._bicep_tokens import IDENT, NEWLINE, STRING, Token

KEYWORDS = frozenset(
    (
        "param",
        "var",
        "resource",
        "module",
        "output",
        "targetScope",
        "using",
        "existing",
        "for",
        "in",
        "if",
        "true",
        "false",
        "null",
        "metadata",
        "import",
        "type",
        "func",
        "as",
        "with",
    )
)
# Bicep's built-in functions and namespaces.
BUILTINS = frozenset(
    (
        "az",
        "sys",
        "resourceGroup",
        "subscription",
        "tenant",
        "managementGroup",
        "deployment",
        "environment",
        "uniqueString",
        "guid",
        "newGuid",
        "utcNow",
        "concat",
        "format",
        "toLower",
        "toUpper",
        "take",
        "skip",
        "length",
        "empty",
        "contains",
        "union",
        "intersection",
        "first",
        "last",
        "replace",
        "split",
        "join",
        "substring",
        "startsWith",
        "endsWith",
        "indexOf",
        "lastIndexOf",
        "string",
        "int",
        "bool",
        "json",
        "any",
        "base64",
        "base64ToString",
        "uri",
        "uriComponent",
        "subscriptionResourceId",
        "resourceId",
        "tenantResourceId",
        "extensionResourceId",
        "managementGroupResourceId",
        "reference",
        "filter",
        "map",
        "reduce",
        "sort",
        "toObject",
        "items",
        "range",
        "min",
        "max",
        "coalesce",
        "trim",
        "dateTimeAdd",
        "dateTimeFromEpoch",
        "loadTextContent",
        "loadJsonContent",
        "loadFileAsBase64",
        "readEnvironmentVariable",
        "array",
        "createArray",
        "createObject",
        "objectKeys",
        "flatten",
        "shallowMerge",
        "tryGet",
        "pickZones",
        "padLeft",
        "getSecret",
    )
)
_RESOURCE_TYPE = re.compile(r"^[A-Za-z]+\.[A-Za-z.]+/[A-Za-z/]+@\d{4}-\d{2}-\d{2}(-preview)?$")
_SECRET_LOOKING = (
    re.compile(
        r"(?i)\b(AccountKey|SharedAccessKey|SharedAccessSignature|InstrumentationKey|Password|Pwd)\s*="
    ),
    re.compile(r"(?i)Endpoint=sb://"),
    re.compile(r"-----BEGIN [A-Z ]+-----"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # a JWT
    re.compile(r"^[A-Za-z0-9+/]{32,}={0,2}$"),  # a base64 key
    re.compile(r"(?i)\b(sig|sv)=[A-Za-z0-9%]{8,}"),  # a SAS token
)


def references(tokens: Sequence[Token]) -> Iterator[Token]:
    """Identifier tokens in reference position: not keywords, property names, object keys, decorators,
    declared names or types."""
    for index, token in enumerate(tokens):
        if token.kind == STRING:
            for part in token.interpolations:
                yield from references(part.tokens)
            continue
        if token.kind != IDENT or token.text in KEYWORDS:
            continue
        previous = tokens[index - 1] if index else None
        before = tokens[index - 2] if index > 1 else None
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if previous is not None and previous.text in (".", ".?", "::", "@"):
            continue
        if (
            following is not None
            and following.text == ":"
            and (previous is None or previous.kind == NEWLINE or previous.text in ("{", ","))
        ):
            continue  # object key
        if previous is not None and previous.text in (
            "param",
            "var",
            "resource",
            "module",
            "output",
            "metadata",
        ):
            continue  # the declared name
        if before is not None and before.text in ("param", "output") and previous is not None:
            continue  # the type after a param/output name
        yield token


def declared_symbols(file: BicepFile) -> set[str]:
    symbols = {d.name for d in file.declarations if d.name}
    for declaration in file.declarations:
        for node in _walk(declaration.value):
            if isinstance(node, Loop):
                symbols.update(node.variables)
    tokens = file.tokens
    symbols.update(
        t.text for i, t in enumerate(tokens[:-1]) if t.kind == IDENT and tokens[i + 1].text == "=>"
    )
    return symbols


def undefined_identifiers(file: BicepFile) -> list[str]:
    known = declared_symbols(file) | BUILTINS
    return [
        f"{file.path.name}:{token.line}: unknown identifier {token.text!r}"
        for token in references(file.tokens)
        if token.text not in known
    ]


def unused_declarations(file: BicepFile) -> list[str]:
    if file.path.suffix != ".bicep":
        return []
    used = {token.text for token in references(file.tokens)}
    return [
        f"{file.path.name}:{d.line}: {d.kind} {d.name!r} is never used"
        for d in file.declarations
        if d.kind in ("param", "var") and d.name not in used
    ]


def resources_without_names(file: BicepFile) -> list[str]:
    problems = []
    for declaration in file.of_kind("resource") + file.of_kind("module"):
        body = declaration.value
        while isinstance(body, Loop | Cond):
            body = body.body
        if not isinstance(body, Obj) or "name" not in body.entries:
            problems.append(
                f"{file.path.name}:{declaration.line}: {declaration.kind} {declaration.name} has no name"
            )
        if declaration.kind == "resource" and not _RESOURCE_TYPE.match(declaration.type):
            problems.append(
                f"{file.path.name}:{declaration.line}: resource type {declaration.type!r} has no API version"
            )
    return problems


def plain_secrets(file: BicepFile) -> list[str]:
    """No literal that looks like a key, password or connection string; secrets never leave via outputs."""
    problems = []
    for token in _all_tokens(file.tokens):
        for part in token.parts:
            if isinstance(part, str) and any(pattern.search(part) for pattern in _SECRET_LOOKING):
                problems.append(f"{file.path.name}:{token.line}: literal looks like a secret: {part[:12]}...")
    for param in file.of_kind("param"):
        secure = any(d.name == "secure" for d in param.decorators)
        if secure and param.value is not None:
            problems.append(f"{file.path.name}: secure parameter {param.name} must not have a default")
    if re.search(r"\blist[A-Z]\w*\(|\.list[A-Z]\w*\(", file.source):
        problems.append(f"{file.path.name}: uses a list*() function; access is by identity, keys never flow")
    return problems


def _all_tokens(tokens: Sequence[Token]) -> Iterator[Token]:
    for token in tokens:
        if token.kind == STRING:
            yield token
            for part in token.interpolations:
                yield from _all_tokens(part.tokens)


def _walk(node: Node | None) -> Iterator[Node]:
    if node is None:
        return
    yield node
    if isinstance(node, Obj):
        for value in node.entries.values():
            yield from _walk(value)
    elif isinstance(node, Arr):
        for item in node.items:
            yield from _walk(item)
    elif isinstance(node, Loop):
        yield from _walk(node.source)
        yield from _walk(node.body)
    elif isinstance(node, Cond):
        yield from _walk(node.condition)
        yield from _walk(node.body)


def lint_tree(tree: BicepTree) -> list[str]:
    problems: list[str] = []
    for file in tree.files.values():
        problems += undefined_identifiers(file) + unused_declarations(file) + plain_secrets(file)
        if file.path.suffix == ".bicep":
            problems += resources_without_names(file) + default_constraints(file)
    return problems + module_parameters(tree) + parameter_files(tree)

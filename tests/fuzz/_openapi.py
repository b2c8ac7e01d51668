"""One Swagger 2.0 document for EVERY HTTP function of the app, and its schemas as JSON Schema.

The published connectors (``cli/connectors.py``) carry only operations with a connector; the fuzzer
also needs the webhooks and the internal endpoints, so the document is built here from the app
index (route template, method, auth level of each HTTP trigger) plus each function's ``@operation``,
by the same generator the connectors use (``functions.common.openapi``). Problems that only matter
for publishing (a field without a description on an operation no connector carries) are tolerated;
anything that makes the definition wrong is not.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs installed (types-jsonschema)

from functions.common.openapi import Endpoint, _Builder
from functions.common.operations import operation_of
from local_runtime.app_index import index_app

PUBLISHING_ONLY = ("no description (give the field one)",)


@dataclass(frozen=True)
class FuzzOperation:
    """One operation of the document: where it is, what it takes and what it answers."""

    method: str
    path: str  # Swagger path, e.g. /invoices/{id}
    operation_id: str
    auth_level: str
    parameters: tuple[dict[str, Any], ...]
    body: dict[str, Any] | None  # the body parameter's schema, when the operation takes one
    responses: Mapping[str, Any]

    def parameters_in(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == where]


def http_endpoints(app: Any) -> list[Endpoint]:
    """Every HTTP function of the app, published or not, once per method."""
    endpoints = []
    for function in index_app(app):
        if function.trigger_type != "httpTrigger":
            continue
        described = operation_of(function.user_function)
        if described is None:
            raise AssertionError(f"{function.name} has no @operation: it cannot be documented or fuzzed")
        assert function.route is not None and function.methods, f"{function.name} lists no route/method"
        for method in sorted(function.methods):
            endpoints.append(Endpoint(function.route.template, method, described, function.auth_level))
    return endpoints


def build_document(endpoints: list[Endpoint]) -> dict[str, Any]:
    """The Swagger 2.0 ``paths`` and ``definitions`` of all endpoints (see the module docstring)."""
    builder = _Builder(endpoints)
    paths = builder.paths()
    definitions = builder.definitions(paths)
    ids = [e.operation.operation_id for e in endpoints]
    unpublished_ids = {e.operation.operation_id for e in endpoints if e.operation.connector is None}
    reach: dict[bool, set[str]] = {True: set(), False: set()}
    for methods in paths.values():
        for op in methods.values():
            unpublished = _own_id(op["operationId"], ids) in unpublished_ids
            reach[unpublished] |= _closure(_refs(op), definitions)
    only_unpublished = reach[True] - reach[False]
    blocking = [
        p for p in builder.problems
        if not (p.endswith(PUBLISHING_ONLY) and p.split(".", 1)[0] in only_unpublished)
    ]  # fmt: skip
    if blocking:
        raise AssertionError("the OpenAPI definition cannot be generated: " + "; ".join(blocking))
    return {"swagger": "2.0", "basePath": "/api", "paths": paths, "definitions": definitions}


def _own_id(operation_id: str, ids: Iterable[str]) -> str:
    """The @operation id a document operation comes from (``XByName`` variants share X's)."""
    return max((i for i in ids if operation_id.startswith(i)), key=len)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {str(node["$ref"]).rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def _closure(names: set[str], definitions: Mapping[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen and name in definitions:
            seen.add(name)
            todo += _refs(definitions[name])
    return seen


def operations(document: Mapping[str, Any], endpoints: list[Endpoint]) -> list[FuzzOperation]:
    auth = {e.operation.operation_id: e.auth_level for e in endpoints}
    found = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            body = next((p["schema"] for p in op["parameters"] if p["in"] == "body"), None)
            base_id = _own_id(op["operationId"], auth)
            found.append(
                FuzzOperation(
                    method.upper(),
                    path,
                    op["operationId"],
                    auth[base_id],
                    tuple(p for p in op["parameters"] if p["in"] != "body"),
                    body,
                    op["responses"],
                )
            )
    return found


# --- Swagger 2.0 schema -> JSON Schema (draft 4), for validating answers -------------------------


def to_json_schema(schema: Any) -> Any:
    """``x-nullable`` becomes "or null"; vendor extensions and examples are dropped."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key.startswith("x-") or key in ("example", "readOnly"):
            continue
        if key == "properties":
            out[key] = {name: to_json_schema(prop) for name, prop in value.items()}
        elif key in ("items", "additionalProperties", "allOf", "definitions"):
            out[key] = (
                {name: to_json_schema(d) for name, d in value.items()}
                if key == "definitions"
                else to_json_schema(value)
            )
        else:
            out[key] = copy.deepcopy(value)
    if schema.get("x-nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


class ResponseValidator:
    """Validates a decoded JSON answer against a response schema of the document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._definitions = to_json_schema({"definitions": document["definitions"]})["definitions"]

    def errors(self, schema: Mapping[str, Any], instance: Any) -> list[str]:
        root = {**to_json_schema(dict(schema)), "definitions": self._definitions}
        validator = jsonschema.Draft4Validator(root)
        return [
            f"{'/'.join(str(p) for p in error.absolute_path) or '$'}: {error.message[:200]}"
            for error in validator.iter_errors(instance)
        ]

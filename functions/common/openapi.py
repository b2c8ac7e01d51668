"""OpenAPI 2.0 definitions of the custom connectors, generated from the HTTP functions' metadata.

Input: one ``Endpoint`` per published route and method (the route template and auth level the
function is registered with, plus its ``Operation``). Output: the ``apiDefinition.swagger.json``
document of one connector. Pydantic's JSON Schema is translated to what Swagger 2.0 and Power
Platform accept: ``x-nullable`` instead of ``anyOf [.., null]``, Decimal as a ``decimal`` string,
enums inlined, ``example`` instead of ``examples``, ``x-ms-summary`` from each field's title.

Conventions a model author controls through ``Field(json_schema_extra={...})``: any ``x-ms-*`` key
(``x-ms-visibility``, ``x-ms-dynamic-values``, ``x-ms-dynamic-list``, ...) is copied as given. A
field named ``idempotency_key`` that is optional is ``advanced`` unless it says otherwise.
Anything the translation cannot express honestly (a real union, a field without a description)
is collected and raised as one ``DefinitionError``, never papered over.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from functions.common.operations import Operation

__all__ = [
    "BASE_PATH",
    "EVERY_CONNECTOR",
    "FUNCTION_KEY_HEADER",
    "PLACEHOLDER_HOST",
    "PROBLEM",
    "SECURITY_SCHEME",
    "ConnectorInfo",
    "DefinitionError",
    "Endpoint",
    "build_swagger",
    "published_in",
]

PLACEHOLDER_HOST = "smart-connectors.azurewebsites.net"  # replaced per connection (dynamichosturl)
BASE_PATH = "/api"
SECURITY_SCHEME = "api_key"
FUNCTION_KEY_HEADER = "x-functions-key"
EVERY_CONNECTOR = "*"  # Operation.connector of operations every connector carries (test connection)
PROBLEM = "Problem"

_REF = "#/definitions/"
_PARAMETER_KEYS = (
    "type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "pattern", "multipleOf",
)  # fmt: skip
_SCHEMA_KEYS = frozenset(
    {*_PARAMETER_KEYS, "$ref", "title", "description", "maxItems", "minItems", "uniqueItems", "maxProperties",
     "minProperties", "required", "additionalProperties", "allOf", "properties", "readOnly", "example"}
)  # fmt: skip
_MINOR_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
)
_SCALARS = frozenset({"string", "integer", "number", "boolean"})
_DROPPED = frozenset({"deprecated", "writeOnly", "propertyNames", "$schema"})
_SEGMENT = re.compile(r"^\{(?P<star>\*)?(?P<name>[A-Za-z_]\w*)(?P<constraints>(:[^{}?]+)*)(?P<opt>\?)?\}$")
_CONSTRAINT_TYPES = {
    "int": {"type": "integer", "format": "int32"},
    "long": {"type": "integer", "format": "int64"},
    "bool": {"type": "boolean"},
    "guid": {"type": "string", "format": "uuid"},
    "alpha": {"type": "string", "pattern": "^[A-Za-z]+$"},
    "double": {"type": "number", "format": "double"},
    "float": {"type": "number", "format": "float"},
    "decimal": {"type": "string", "format": "decimal"},
    "datetime": {"type": "string", "format": "date-time"},
}


@dataclass(frozen=True)
class Endpoint:
    """One published route and method: what the Functions host registers, plus its Operation."""

    route: str
    method: str
    operation: Operation
    auth_level: str = "function"


@dataclass(frozen=True)
class ConnectorInfo:
    name: str
    title: str
    description: str
    website: str
    privacy_policy: str
    categories: tuple[str, ...]
    version: str = "1.0"


class DefinitionError(ValueError):
    """The code cannot be published as a connector as it stands; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


def published_in(connector: str, endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    """The endpoints one connector carries: its own operations and those every connector carries."""
    chosen = [e for e in endpoints if e.operation.connector in (connector, EVERY_CONNECTOR)]
    return sorted(chosen, key=lambda e: (e.route.lower(), e.method))


def build_swagger(info: ConnectorInfo, endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    """The connector's OpenAPI 2.0 document, keys in the order of Microsoft's coding standards."""
    builder = _Builder(endpoints)
    paths = builder.paths()
    definitions = builder.definitions(paths)
    if builder.problems:
        raise DefinitionError(builder.problems)
    return {
        "swagger": "2.0",
        "info": {"title": info.title, "description": info.description, "version": info.version},
        "host": PLACEHOLDER_HOST,
        "basePath": BASE_PATH,
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": paths,
        "definitions": definitions,
        "parameters": {},
        "responses": {},
        "securityDefinitions": {
            SECURITY_SCHEME: {"type": "apiKey", "in": "header", "name": FUNCTION_KEY_HEADER}
        },
        "security": [{SECURITY_SCHEME: []}],
        "tags": [],
        "x-ms-connector-metadata": [
            {"propertyName": "Website", "propertyValue": info.website},
            {"propertyName": "Privacy policy", "propertyValue": info.privacy_policy},
            {"propertyName": "Categories", "propertyValue": ";".join(info.categories)},
        ],
    }


class _PublishedSchema(GenerateJsonSchema):
    """Pydantic's generator, with the two shapes Swagger 2.0 has its own words for."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        return {"type": "string", "format": "decimal"}

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return {**self.generate_inner(schema["schema"]), "x-nullable": True}


@dataclass
class _Builder:
    endpoints: Sequence[Endpoint]
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
        for endpoint in self.endpoints:
            op = endpoint.operation
            for model in (op.request, op.query):
                if model is not None:
                    wanted[(model, "validation")] = None
            if op.response is not None:
                wanted[(op.response, "serialization")] = None
        refs, schema = models_json_schema(
            list(wanted), ref_template=_REF + "{model}", schema_generator=_PublishedSchema
        )
        self.refs = {key: str(value["$ref"]) for key, value in refs.items()}
        self.raw = dict(schema.get("$defs", {}))

    # --- paths ---------------------------------------------------------------------------------

    def paths(self) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        seen: set[str] = set()
        for endpoint in self.endpoints:
            for path, operation_id, parameters in _variants(endpoint, self.problems):
                if operation_id in seen:
                    self.problems.append(f"operationId {operation_id} is used twice")
                seen.add(operation_id)
                document = self._operation(endpoint, operation_id, parameters)
                paths.setdefault(path, {})[endpoint.method.lower()] = document
        return {path: paths[path] for path in sorted(paths)}

    def _operation(self, endpoint: Endpoint, operation_id: str, path_params: list[Any]) -> dict[str, Any]:
        op = endpoint.operation
        document: dict[str, Any] = {
            "summary": op.summary,
            "description": op.description,
            "operationId": operation_id,
        }
        if op.deprecated:
            document["deprecated"] = True
        if op.visibility:
            document["x-ms-visibility"] = op.visibility
        if op.tags:
            document["tags"] = list(op.tags)
        parameters = list(path_params)
        if op.query is not None:
            parameters += self._query_parameters(op.query, operation_id)
        if op.request is not None:
            parameters.append(self._body(op.request, op))
        document["parameters"] = parameters
        document["responses"] = self._responses(op)
        if endpoint.auth_level == "anonymous":
            document["security"] = []
        return document

    def _query_parameters(self, model: type[BaseModel], operation_id: str) -> list[dict[str, Any]]:
        raw = self.raw[self.refs[(model, "validation")].removeprefix(_REF)]
        required = set(raw.get("required", ()))
        parameters = []
        for name, prop in raw.get("properties", {}).items():
            where = f"{operation_id} query {name}"
            schema = self._property(prop, name, where, optional=name not in required, inbound=True)
            if schema.get("type") not in _SCALARS:
                self.problems.append(f"{where}: a query parameter must be a single plain value")
                continue
            parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
            parameter.update({k: schema[k] for k in _PARAMETER_KEYS if k in schema})
            parameter.update({k: v for k, v in schema.items() if k.startswith("x-ms-")})
            parameter["description"] = schema.get("description", "")
            parameters.append(parameter)
        return parameters

    def _body(self, model: type[BaseModel], op: Operation) -> dict[str, Any]:
        ref = self.refs[(model, "validation")]
        raw = self.raw[ref.removeprefix(_REF)]
        return {
            "name": "body",
            "in": "body",
            "required": True,
            "schema": {"$ref": ref},
            "description": _text(raw.get("description") or op.description),
            "x-ms-summary": _words(model.__name__),
        }

    def _responses(self, op: Operation) -> dict[str, Any]:
        success: dict[str, Any] = {"description": HTTPStatus(op.status).phrase}
        if op.response is not None:
            success["schema"] = {"$ref": self.refs[(op.response, "serialization")]}
        responses = {str(op.status): success}
        for status in sorted(op.errors):
            error: dict[str, Any] = {
                "description": HTTPStatus(status).phrase,
                "schema": {"$ref": _REF + PROBLEM},
            }
            if status in (429, 503):
                error["headers"] = {
                    "Retry-After": {"type": "integer", "description": "Seconds to wait before trying again."}
                }
            responses[str(status)] = error
        return responses

    # --- definitions ---------------------------------------------------------------------------

    def definitions(self, paths: dict[str, Any]) -> dict[str, Any]:
        """The object models the paths refer to (directly or through other models), and ``Problem``."""
        inputs = {ref.removeprefix(_REF) for (_, mode), ref in self.refs.items() if mode == "validation"}
        inbound = _closure(inputs, self.raw)
        out: dict[str, Any] = {}
        for name, raw in self.raw.items():
            if "enum" not in raw:  # enums are written inline where used
                out[name] = self._schema(raw, name, top=True, inbound=name in inbound)
        if PROBLEM in out:
            self.problems.append(f"a model named {PROBLEM} clashes with the shared problem definition")
        out[PROBLEM] = _problem_definition()
        used = _closure(_refs_in(paths), out)
        return {name: out[name] for name in sorted(used)}

    def _property(
        self, prop: dict[str, Any], name: str, where: str, *, optional: bool, inbound: bool
    ) -> dict[str, Any]:
        schema = self._schema(prop, where, inbound=inbound)
        target = self.raw.get(str(prop.get("$ref", "")).removeprefix(_REF), {})
        summary = _title_case(schema.pop("title", None) or prop.get("title") or _words(name))
        description = schema.get("description") or _text(target.get("description", ""))
        if not description:
            self.problems.append(f"{where}: no description (give the field one)")
        schema["description"] = description
        schema["x-ms-summary"] = summary
        if name == "idempotency_key" and optional and inbound:
            schema.setdefault("x-ms-visibility", "advanced")
        if schema.get("x-ms-visibility") == "internal" and not optional and "default" not in schema:
            self.problems.append(f"{where}: a required internal field needs a default")
        return schema

    def _schema(
        self, raw: dict[str, Any], where: str, *, top: bool = False, inbound: bool = False
    ) -> dict[str, Any]:
        ref = str(raw.get("$ref", ""))
        enum = self.raw.get(ref.removeprefix(_REF), {}) if ref else {}
        if "enum" in enum:  # inline the enum, the property's own words win
            own = {k: v for k, v in raw.items() if k != "$ref"}
            raw = {**{k: v for k, v in enum.items() if k != "title"}, **own}
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key == "anyOf" and all(member.get("type") in _SCALARS for member in value):
                continue  # e.g. str | int | float: any scalar, which Swagger 2.0 says by giving no type
            if key in ("anyOf", "oneOf", "not", "prefixItems", "if", "discriminator"):
                self.problems.append(f"{where}: {key} cannot be expressed in OpenAPI 2.0; use one plain type")
            elif key == "type" and not isinstance(value, str):
                self.problems.append(f"{where}: one type expected, not {value}")
            elif key == "const":
                out["enum"] = [value]
            elif key == "examples":
                if value:
                    out["example"] = value[0]
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
                out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
                out[key] = True
            elif (key == "default" and value is None) or key in _DROPPED or (key == "title" and top):
                continue
            elif key == "description":
                out[key] = _text(value)
            elif key == "properties":
                required = set(raw.get("required", ()))
                out[key] = {
                    name: self._property(
                        prop, name, f"{where}.{name}", optional=name not in required, inbound=inbound
                    )
                    for name, prop in value.items()
                }
            elif key == "items" or (key == "additionalProperties" and isinstance(value, dict)):
                out[key] = self._schema(value, f"{where}[]", inbound=inbound)
            elif key in _SCHEMA_KEYS or key.startswith("x-"):
                out[key] = value
            else:
                self.problems.append(f"{where}: {key} is not a Swagger 2.0 schema keyword")
        if "$ref" in out:  # a reference keeps only what Power Platform reads next to it
            kept = ("$ref", "title", "description")
            out = {k: v for k, v in out.items() if k in kept or k.startswith("x-")}
        return out


def _refs_in(node: Any) -> set[str]:
    """Names of the definitions a document fragment refers to."""
    if isinstance(node, dict):
        found = {str(node["$ref"]).removeprefix(_REF)} if "$ref" in node else set()
        return found.union(*(_refs_in(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs_in(value) for value in node))
    return set()


def _closure(names: set[str], definitions: dict[str, Any]) -> set[str]:
    """``names`` and every definition they refer to, transitively."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen and name in definitions:
            seen.add(name)
            todo += _refs_in(definitions[name])
    return seen


def _variants(endpoint: Endpoint, problems: list[str]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(path, operationId, path parameters) per published form of a route.

    A trailing optional parameter (``{city?}``) gives two forms: without it (the operation's own id)
    and with it (``...By<Name>``), because Swagger 2.0 path parameters are always required.
    """
    op = endpoint.operation
    literal: list[str] = []
    parameters: list[dict[str, Any]] = []
    variants: list[tuple[str, str, list[dict[str, Any]]]] = []
    suffix = ""
    for part in filter(None, endpoint.route.strip("/").split("/")):
        found = _SEGMENT.match(part)
        if found is None:
            literal.append(part)
            continue
        name = found.group("name")
        if found.group("opt"):
            variants.append(("/" + "/".join(literal), op.operation_id + suffix, list(parameters)))
            suffix += "By" + _words(name).replace(" ", "")
        elif variants:
            problems.append(f"{op.operation_id}: only trailing route parameters may be optional")
        description = op.path_parameters.get(name)
        if not description:
            problems.append(f"{op.operation_id}: path parameter {name} has no description (path_parameters)")
        parameter: dict[str, Any] = {"name": name, "in": "path", "required": True, "type": "string"}
        for constraint in filter(None, (found.group("constraints") or "").split(":")):
            parameter.update(_constraint(constraint, op.operation_id, problems))
        parameter["description"] = description or ""
        parameter["x-ms-summary"] = _words(name)
        if found.group("star"):
            parameter["x-ms-url-encoding"] = "single"
        parameters.append(parameter)
        literal.append("{" + name + "}")
    variants.append(("/" + "/".join(literal), op.operation_id + suffix, parameters))
    return variants


def _constraint(constraint: str, operation_id: str, problems: list[str]) -> dict[str, Any]:
    if constraint in _CONSTRAINT_TYPES:
        return dict(_CONSTRAINT_TYPES[constraint])
    call = re.fullmatch(r"(\w+)\((.*)\)", constraint)
    kind, argument = (call.group(1), call.group(2)) if call else (constraint, "")
    if kind == "minlength":
        return {"minLength": int(argument)}
    if kind == "maxlength":
        return {"maxLength": int(argument)}
    if kind == "length":
        return {"minLength": int(argument), "maxLength": int(argument)}
    if kind == "regex":
        return {"pattern": argument}
    problems.append(f"{operation_id}: route constraint {constraint!r} is not published")
    return {}


def _problem_definition() -> dict[str, Any]:
    def text(summary: str, description: str, kind: str = "string") -> dict[str, Any]:
        return {"type": kind, "description": description, "x-ms-summary": summary}

    item = {
        "type": "object",
        "properties": {
            "field": text("Field", "Path of the offending input, e.g. recipients[3].phone."),
            "message": text("Message", "Why the value was refused."),
            "type": text("Error type", "Machine-readable kind of the error."),
        },
    }
    return {
        "type": "object",
        "description": "RFC 9457 problem details: what went wrong and, for bad input, which fields.",
        "properties": {
            "type": text("Type", "URI reference of the problem type; about:blank when the status is enough."),
            "title": text("Title", "Short summary of the problem type."),
            "status": {**text("Status", "HTTP status code.", "integer"), "format": "int32"},
            "detail": text("Detail", "What went wrong in this occurrence."),
            "errors": {
                **text("Errors", "One entry per refused field.", "array"),
                "items": item,
            },
        },
        "required": ["type", "title", "status", "detail"],
    }


def _words(name: str) -> str:
    """``warehouse_ref`` -> ``Warehouse Ref``; ``CreateInvoiceRequest`` -> ``Create Invoice Request``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").strip()
    words = spaced.split()
    return " ".join("ID" if w.lower() == "id" else w if w.isupper() else w.capitalize() for w in words)


def _title_case(text: str) -> str:
    """Power Platform wants x-ms-summary in title case: ``Idempotency key`` -> ``Idempotency Key``."""
    words = text.split()
    return " ".join(
        word if (index and word in _MINOR_WORDS) or not word[:1].islower() else word[:1].upper() + word[1:]
        for index, word in enumerate(words)
    )


def _text(value: Any) -> str:
    """Docstring-style text as one line for the maker's designer (no RST double backticks)."""
    return " ".join(str(value).replace("``", "").split())

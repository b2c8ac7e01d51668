"""The Power Platform custom connector rules we can check offline, as one function.

Sources: Microsoft's custom connector requirements (OpenAPI 2.0 only, under 1 MB), its coding
standards (PascalCase operationIds, a summary and a description ending with a period on every
operation), the openapi-extensions page (x-ms-summary, x-ms-visibility, x-ms-dynamic-values), the
PowerPlatformConnectors PR checklist (descriptions everywhere, response schemas, brand colour not
#007ee5/#ffffff) and paconn's README (stackOwner blocks ``paconn update``), plus our own: the function
key as the only security scheme, a TestConnection operation, a host set per connection.
"""

from __future__ import annotations

import json
import re
from typing import Any

from functions.common.openapi import PLACEHOLDER_HOST

MAX_BYTES = 1_000_000
PASCAL_CASE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
OPENAPI_3_KEYS = frozenset(
    {"anyOf", "oneOf", "not", "nullable", "$defs", "components", "servers", "requestBody", "openapi", "const",
     "prefixItems", "writeOnly"}
)  # fmt: skip
NAME_MAPS = frozenset(
    {"properties", "definitions", "paths", "responses", "securityDefinitions", "parameters"}
)
VISIBILITY = frozenset({"important", "advanced", "internal"})
FORBIDDEN_COLOURS = frozenset({"#007ee5", "#ffffff"})
FORBIDDEN_TITLE_WORDS = ("API", "Connector", "Power Apps", "Power Automate", "Power BI", "Power Platform")


def operations(swagger: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for methods in swagger.get("paths", {}).values() for op in methods.values()]


def _walk(node: Any, path: str = "", names: bool = False) -> list[tuple[str, str, Any]]:
    """(path, key, value) of every keyword in the document; keys of name maps are names, not keywords."""
    found: list[tuple[str, str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if not names:
                found.append((path, key, value))
            found += _walk(value, f"{path}/{key}", names=not names and key in NAME_MAPS)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _walk(value, f"{path}/{index}")
    return found


def _schemas_with_properties(swagger: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{path}/properties", value) for path, key, value in _walk(swagger) if key == "properties"]


def connector_rule_violations(swagger_text: str, properties: dict[str, Any]) -> list[str]:
    """Every broken rule, as a sentence. An empty list means the connector passes."""
    swagger: dict[str, Any] = json.loads(swagger_text)
    problems: list[str] = []
    if len(swagger_text.encode("utf-8")) >= MAX_BYTES:
        problems.append("definition is 1 MB or larger")
    if swagger.get("swagger") != "2.0":
        problems.append("swagger must be 2.0")
    info = swagger.get("info", {})
    if not 30 <= len(info.get("description", "")) <= 500:
        problems.append("info.description must be 30-500 characters")
    problems += [f"title contains {w!r}" for w in FORBIDDEN_TITLE_WORDS if w in info.get("title", "")]

    every = operations(swagger)
    ids = [op.get("operationId", "") for op in every]
    problems += [f"operationId {i!r} is not PascalCase" for i in ids if not PASCAL_CASE.match(i)]
    problems += [f"operationId {i!r} is not unique" for i in sorted(set(ids)) if ids.count(i) > 1]
    by_id = {op.get("operationId"): op for op in every}
    for op in every:
        name = op.get("operationId")
        if not op.get("summary"):
            problems.append(f"{name}: no summary")
        if not str(op.get("description", "")).endswith("."):
            problems.append(f"{name}: description must end with a period")
        if op.get("x-ms-visibility", "important") not in VISIBILITY:
            problems.append(f"{name}: unknown x-ms-visibility")
        for parameter in op.get("parameters", []):
            where = f"{name} parameter {parameter.get('name')}"
            if not parameter.get("x-ms-summary") or not parameter.get("description"):
                problems.append(f"{where}: needs x-ms-summary and description")
            if (
                parameter.get("x-ms-visibility") == "internal"
                and parameter.get("required")
                and ("default" not in parameter)
            ):
                problems.append(f"{where}: required internal parameter without a default")
        for status, response in op.get("responses", {}).items():
            if status.startswith("2") and "schema" not in response and status not in ("202", "204"):
                problems.append(f"{name}: {status} response has no schema")

    for where, props in _schemas_with_properties(swagger):
        for prop_name, prop in props.items():
            if not prop.get("x-ms-summary") or not prop.get("description"):
                problems.append(f"{where}/{prop_name}: needs x-ms-summary and description")
    for path, key, value in _walk(swagger):
        if key in OPENAPI_3_KEYS:
            problems.append(f"{path}: {key} is not OpenAPI 2.0")
        if key in ("x-ms-dynamic-values", "x-ms-dynamic-list"):
            target = by_id.get(value.get("operationId"))
            if target is None:
                problems.append(f"{path}: {key} names unknown operation {value.get('operationId')!r}")
                continue
            accepted = {p.get("name") for p in target.get("parameters", [])}
            problems += [
                f"{path}: {key} passes {p!r}, which {value['operationId']} does not take"
                for p in value.get("parameters", {})
                if p not in accepted
            ]

    test = by_id.get("TestConnection")
    if test is None or any(p.get("required") for p in test.get("parameters", [])):
        problems.append("no TestConnection operation without required parameters")
    schemes = swagger.get("securityDefinitions", {})
    wanted = {"type": "apiKey", "in": "header", "name": "x-functions-key"}
    if len(schemes) != 1 or any(scheme != wanted for scheme in schemes.values()):
        problems.append("securityDefinitions must be one apiKey in header x-functions-key")

    props = properties.get("properties", {})
    api_key = props.get("connectionParameters", {}).get("api_key", {})
    ui = api_key.get("uiDefinition", {})
    described = all(ui.get(k) for k in ("displayName", "description", "tooltip"))
    if api_key.get("type") != "securestring" or not described:
        problems.append("connection parameter api_key must be a described securestring")
    if ui.get("constraints", {}).get("required") != "true":
        problems.append("connection parameter api_key must be required")
    colour = str(props.get("iconBrandColor", "")).lower()
    if colour in FORBIDDEN_COLOURS or not re.fullmatch(r"#[0-9a-f]{6}", colour):
        problems.append(f"iconBrandColor {colour!r} is not allowed")
    if "stackOwner" in props:
        problems.append("stackOwner blocks paconn update in your own environment")
    if swagger.get("host") == PLACEHOLDER_HOST:
        policies = props.get("policyTemplateInstances", [])
        hosts = [p["parameters"] for p in policies if p.get("templateId") == "dynamichosturl"]
        url = hosts[0].get("x-ms-apimTemplateParameter.urlTemplate", "") if hosts else ""
        named = re.findall(r"@connectionParameters\('([^']+)'\)", url)
        if not named or any(n not in props.get("connectionParameters", {}) for n in named):
            problems.append("placeholder host without a dynamichosturl policy on a connection parameter")
        if not url.endswith(swagger.get("basePath", "")):
            problems.append("dynamichosturl replaces the base path too: the template must end with it")
    return problems

"""Custom connector definitions: generated from the code, committed as generated, valid Swagger 2.0,
and within the Power Platform connector rules that can be checked offline (written down below)."""

from __future__ import annotations

import copy
import dataclasses
import json
from argparse import Namespace
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from cli.connectors import (
    CATALOGUE,
    CONNECTORS_DIR,
    LEDGER,
    PROPERTIES,
    README,
    SWAGGER,
    Connector,
    api_properties,
    app_endpoints,
    render,
    rendered_all,
    run,
    stale_files,
)
from functions.common.openapi import (
    EVERY_CONNECTOR,
    ConnectorInfo,
    DefinitionError,
    Endpoint,
    build_swagger,
)
from functions.common.operations import Operation
from tests.infra._connector_rules import MAX_BYTES, connector_rule_violations, operations

# --- the real connectors ---------------------------------------------------------------------------

CATALOGUE_NAMES = [c.info.name for c in CATALOGUE]
COMMITTED = sorted(p.name for p in CONNECTORS_DIR.iterdir() if p.is_dir()) if CONNECTORS_DIR.exists() else []


@pytest.fixture(scope="module")
def endpoints() -> list[Endpoint]:
    return app_endpoints()


@pytest.fixture(scope="module")
def generated(endpoints: list[Endpoint]) -> tuple[dict[str, dict[str, str]], list[str]]:
    return rendered_all(endpoints)


def _committed(name: str, filename: str) -> str:
    return (CONNECTORS_DIR / name / filename).read_text(encoding="utf-8")


def test_the_code_can_be_published_as_connectors(generated: tuple[dict[str, Any], list[str]]) -> None:
    rendered, problems = generated
    assert problems == [], "fix the routes/models (or Operation metadata):\n" + "\n".join(problems)
    assert rendered, "no connector has operations"


def test_committed_files_are_what_the_code_generates(generated: tuple[dict[str, Any], list[str]]) -> None:
    rendered, problems = generated
    failed = {p.split(":", 1)[0] for p in problems}
    assert stale_files(rendered, failed=failed) == [], "run `smart-connectors connectors generate`"


def test_a_changed_model_or_route_makes_the_committed_files_stale(endpoints: list[Endpoint]) -> None:
    name = COMMITTED[0]
    connector = next(c for c in CATALOGUE if c.info.name == name)
    own = next(e for e in endpoints if e.operation.connector == name)
    changed = [dataclasses.replace(e, route=e.route + "/v2") if e is own else e for e in endpoints]
    files = render(connector, changed)
    assert f"{name}/{SWAGGER}" in stale_files({name: files}, failed=set(CATALOGUE_NAMES) - {name})


@pytest.mark.parametrize("name", COMMITTED)
def test_each_definition_validates_as_swagger_2(name: str) -> None:
    try:
        from openapi_spec_validator import OpenAPIV2SpecValidator, validate
    except ImportError:
        pytest.fail("openapi-spec-validator is a dev dependency (pyproject [dev]): pip install -e '.[dev]'")
    validate(json.loads(_committed(name, SWAGGER)), cls=OpenAPIV2SpecValidator)


@pytest.mark.parametrize("name", COMMITTED)
def test_each_connector_keeps_the_connector_rules(name: str) -> None:
    properties = json.loads(_committed(name, PROPERTIES))
    assert connector_rule_violations(_committed(name, SWAGGER), properties) == []
    assert (CONNECTORS_DIR / name / README).exists()


@pytest.mark.parametrize("name", COMMITTED)
def test_published_operations_are_never_removed(name: str) -> None:
    published = set(json.loads(_committed(name, LEDGER))["published"])
    present = {op["operationId"] for op in operations(json.loads(_committed(name, SWAGGER)))}
    assert published <= present, f"gone: {sorted(published - present)}; add a V2 and deprecate instead"


def test_generation_refuses_to_drop_a_published_operation(endpoints: list[Endpoint]) -> None:
    name = COMMITTED[0]
    connector = next(c for c in CATALOGUE if c.info.name == name)
    locked = json.loads(_committed(name, LEDGER))["published"]
    dropped = next(op for op in locked if op != "TestConnection")
    remaining = [e for e in endpoints if e.operation.operation_id != dropped]
    with pytest.raises(DefinitionError, match=f"{dropped} is gone; add a V2"):
        render(connector, remaining, locked)


def test_a_connector_without_operations_is_skipped(endpoints: list[Endpoint]) -> None:
    only_common = [e for e in endpoints if e.operation.connector == EVERY_CONNECTOR]
    assert render(CATALOGUE[0], only_common) == {}


# --- a small app of our own, for the generator and the rules ---------------------------------------


class Kind(StrEnum):
    """Kind of thing."""

    SMALL = "small"
    LARGE = "large"


class Part(BaseModel):
    """One part of a thing."""

    label: str = Field(title="Label", description="What the part is called.")


WAREHOUSES = {
    "operationId": "ListThings",
    "parameters": {"city": {"parameter": "city"}},
    "value-collection": "items",
    "value-path": "value",
    "value-title": "title",
}
ADVANCED: dict[str, Any] = {"x-ms-visibility": "advanced"}
INTERNAL: dict[str, Any] = {"x-ms-visibility": "internal"}


class ThingQuery(BaseModel):
    city: str = Field(title="City", description="City ref.", examples=["kyiv"])
    warehouse: str | None = Field(
        None,
        title="Warehouse",
        description="Warehouse ref.",
        json_schema_extra={"x-ms-dynamic-values": WAREHOUSES},
    )
    limit: int = Field(20, ge=1, le=50, description="Most items.", json_schema_extra=ADVANCED)
    kind: Kind = Field(Kind.SMALL, title="Kind", description="Which kind.")


class ThingRequest(BaseModel):
    """A thing to make."""

    name: str = Field(title="Name", description="Its name.")
    price: Decimal = Field(gt=0, title="Price", description="UAH.", examples=["10.50"])
    due: str | None = Field(None, title="Due", description="When.")
    mode: Literal["fast", "slow"] = Field("fast", title="Mode", description="How.")
    source: str = Field("crm", title="Source", description="Who asks.", json_schema_extra=INTERNAL)
    idempotency_key: str | None = Field(None, title="Idempotency key", description="Repeat-safe key.")
    parts: list[Part] = Field(default_factory=list, title="Parts", description="Its parts.")


class Thing(BaseModel):
    id: int = Field(title="ID", description="Thing id.")
    kind: Kind = Field(title="Kind", description="Which kind.")
    idempotency_key: str | None = Field(None, title="Idempotency key", description="Key it was made under.")


class Check(BaseModel):
    status: str = Field(title="Status", description="ok.")


def _op(operation_id: str, **kwargs: Any) -> Operation:
    defaults: dict[str, Any] = {"summary": "Do it", "description": "Does it.", "connector": "things"}
    return Operation(operation_id=operation_id, **{**defaults, **kwargs})


APP = [
    Endpoint("connection", "GET", _op("TestConnection", connector=EVERY_CONNECTOR, response=Check,
                                      visibility="internal", errors=(401,))),
    Endpoint("things", "GET", _op("ListThings", query=ThingQuery, response=Thing)),
    Endpoint("things", "POST", _op("CreateThing", request=ThingRequest, response=Thing, status=201)),
    Endpoint("things/{id:int}", "GET", _op("GetThing", response=Thing, path_parameters={"id": "Thing id."})),
    Endpoint("kinds/{kind?}", "GET", _op("ListKinds", response=Thing,
                                         path_parameters={"kind": "Kind name."})),
    Endpoint("things/{id:int}", "DELETE", _op("DeleteThing", status=204, path_parameters={"id": "Thing id."},
                                              deprecated=True)),
]  # fmt: skip
THINGS = Connector(
    ConnectorInfo("things", "SMART Things (Test)", "Makes and lists things, for the generator's own tests.",
                  website="https://example.com", privacy_policy="https://example.com", categories=("Data",)),
    brand_color="#da3b01", provider="Things", provider_account="a things account",
)  # fmt: skip


def _swagger(endpoints: list[Endpoint] = APP) -> dict[str, Any]:
    return build_swagger(THINGS.info, endpoints)


def _operation(swagger: dict[str, Any], operation_id: str) -> dict[str, Any]:
    return next(op for op in operations(swagger) if op["operationId"] == operation_id)


def test_route_templates_become_swagger_paths_with_typed_parameters() -> None:
    swagger = _swagger()
    get = swagger["paths"]["/things/{id}"]["get"]
    assert get["parameters"] == [
        {"name": "id", "in": "path", "required": True, "type": "integer", "format": "int32",
         "description": "Thing id.", "x-ms-summary": "ID"}
    ]  # fmt: skip
    assert swagger["paths"]["/kinds"]["get"]["operationId"] == "ListKinds"
    assert swagger["paths"]["/kinds/{kind}"]["get"]["operationId"] == "ListKindsByKind"
    assert swagger["paths"]["/things/{id}"]["delete"]["deprecated"] is True


def test_query_models_become_query_parameters_and_field_metadata_wins() -> None:
    parameters = {p["name"]: p for p in _operation(_swagger(), "ListThings")["parameters"]}
    assert parameters["city"] == {
        "name": "city", "in": "query", "required": True, "type": "string", "x-ms-summary": "City",
        "description": "City ref.",
    }  # fmt: skip
    assert parameters["limit"]["x-ms-visibility"] == "advanced"
    assert parameters["limit"]["x-ms-summary"] == "Limit"  # no title: the name, title-cased
    limit = parameters["limit"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 50, 20)
    assert parameters["kind"]["enum"] == ["small", "large"] and parameters["kind"]["default"] == "small"
    assert parameters["warehouse"]["x-ms-dynamic-values"]["operationId"] == "ListThings"


def test_models_translate_to_swagger_2_schemas() -> None:
    swagger = _swagger()
    request = swagger["definitions"]["ThingRequest"]["properties"]
    assert request["price"] == {
        "type": "string", "format": "decimal", "description": "UAH.", "example": "10.50",
        "x-ms-summary": "Price",
    }  # fmt: skip
    assert request["due"]["x-nullable"] is True and request["due"]["type"] == "string"
    assert request["mode"]["enum"] == ["fast", "slow"]
    assert request["source"]["x-ms-visibility"] == "internal" and request["source"]["default"] == "crm"
    assert request["idempotency_key"]["x-ms-summary"] == "Idempotency Key"  # titles in title case
    assert request["idempotency_key"]["x-ms-visibility"] == "advanced"  # an input key is tucked away ...
    output_key = swagger["definitions"]["Thing"]["properties"]["idempotency_key"]
    assert "x-ms-visibility" not in output_key  # ... an output one is not
    assert request["parts"]["items"] == {"$ref": "#/definitions/Part"}
    assert "Kind" not in swagger["definitions"]  # enums are inlined
    assert "ThingQuery" not in swagger["definitions"]  # only what the paths use
    create = _operation(swagger, "CreateThing")
    assert create["parameters"][0]["schema"] == {"$ref": "#/definitions/ThingRequest"}
    assert create["responses"]["201"]["schema"] == {"$ref": "#/definitions/Thing"}
    assert create["responses"]["422"]["schema"] == {"$ref": "#/definitions/Problem"}
    assert "schema" not in _operation(swagger, "DeleteThing")["responses"]["204"]


def test_what_swagger_2_cannot_say_is_refused_not_papered_over() -> None:
    class Undocumented(BaseModel):
        note: str

    class Either(BaseModel):
        value: Part | Check = Field(description="One or the other.")

    broken = [
        Endpoint("a", "POST", _op("MakeA", request=Undocumented)),
        Endpoint("b", "POST", _op("MakeB", request=Either)),
        Endpoint("c/{id}", "GET", _op("GetC", response=Check)),
        Endpoint("d", "GET", _op("GetC", response=Check)),
    ]
    with pytest.raises(DefinitionError) as raised:
        _swagger(broken)
    text = "\n".join(raised.value.problems)
    assert "Undocumented.note: no description" in text
    assert "Either.value: anyOf cannot be expressed" in text
    assert "path parameter id has no description" in text
    assert "operationId GetC is used twice" in text


def test_the_generated_files_of_a_small_app_keep_every_rule() -> None:
    files = render(THINGS, APP)
    assert set(files) == {SWAGGER, PROPERTIES, README, LEDGER}
    assert connector_rule_violations(files[SWAGGER], json.loads(files[PROPERTIES])) == []
    assert "### Do it (deprecated)" in files[README] and "pac connector create" in files[README]


def test_generate_writes_the_files_and_check_fails_once_one_is_edited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def cli(check: bool) -> int:
        return run(Namespace(check=check), endpoints=APP, root=tmp_path, catalogue=[THINGS])

    assert cli(check=True) == 1  # nothing committed yet
    assert cli(check=False) == 0
    assert {p.name for p in (tmp_path / "things").iterdir()} == {SWAGGER, PROPERTIES, README, LEDGER}
    assert cli(check=True) == 0
    swagger = tmp_path / "things" / SWAGGER
    swagger.write_text(swagger.read_text().replace("Does it.", "Did it."), encoding="utf-8")
    capsys.readouterr()
    assert cli(check=True) == 1
    assert f"things/{SWAGGER}" in capsys.readouterr().out


# --- each rule fails when broken ---------------------------------------------------------------------


def _break(change: str, swagger: dict[str, Any], properties: dict[str, Any]) -> None:
    op = _operation(swagger, "ListThings")
    definitions = swagger["definitions"]
    if change == "camelCase id":
        op["operationId"] = "listThings"
    elif change == "duplicate id":
        op["operationId"] = "CreateThing"
    elif change == "missing summary":
        del op["summary"]
    elif change == "description without period":
        op["description"] = "Lists things"
    elif change == "parameter without x-ms-summary":
        del op["parameters"][0]["x-ms-summary"]
    elif change == "parameter without description":
        del op["parameters"][0]["description"]
    elif change == "property without description":
        del definitions["Thing"]["properties"]["id"]["description"]
    elif change == "2xx without schema":
        del op["responses"]["200"]["schema"]
    elif change == "anyOf":
        definitions["Thing"]["properties"]["id"] |= {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    elif change == "nullable":
        definitions["Thing"]["properties"]["id"]["nullable"] = True
    elif change == "$defs":
        swagger["$defs"] = definitions
    elif change == "components":
        swagger["components"] = {"schemas": definitions}
    elif change == "swagger 3":
        swagger["swagger"] = "3.0"
    elif change == "too large":
        definitions["Thing"]["description"] = "x" * MAX_BYTES
    elif change == "no test connection":
        _operation(swagger, "TestConnection")["operationId"] = "Ping"
    elif change == "query key security":
        swagger["securityDefinitions"]["api_key"]["in"] = "query"
    elif change == "dynamic values to nowhere":
        warehouse = next(p for p in op["parameters"] if p["name"] == "warehouse")
        warehouse["x-ms-dynamic-values"]["operationId"] = "Nope"
    elif change == "required internal without default":
        op["parameters"][0]["x-ms-visibility"] = "internal"
    elif change == "api key in clear":
        properties["properties"]["connectionParameters"]["api_key"]["type"] = "string"
    elif change == "default brand colour":
        properties["properties"]["iconBrandColor"] = "#007ee5"
    elif change == "stackOwner":
        properties["properties"]["stackOwner"] = "Things Inc."
    elif change == "no host policy":
        properties["properties"]["policyTemplateInstances"] = []
    elif change == "short description":
        swagger["info"]["description"] = "Things."
    else:
        raise AssertionError(change)


BROKEN = {
    "camelCase id": "'listThings' is not PascalCase",
    "duplicate id": "'CreateThing' is not unique",
    "missing summary": "ListThings: no summary",
    "description without period": "ListThings: description must end with a period",
    "parameter without x-ms-summary": "ListThings parameter city: needs x-ms-summary and description",
    "parameter without description": "ListThings parameter city: needs x-ms-summary and description",
    "property without description": "Thing/properties/id: needs x-ms-summary and description",
    "2xx without schema": "ListThings: 200 response has no schema",
    "anyOf": "anyOf is not OpenAPI 2.0",
    "nullable": "nullable is not OpenAPI 2.0",
    "$defs": "$defs is not OpenAPI 2.0",
    "components": "components is not OpenAPI 2.0",
    "swagger 3": "swagger must be 2.0",
    "too large": "1 MB or larger",
    "no test connection": "no TestConnection operation",
    "query key security": "one apiKey in header x-functions-key",
    "dynamic values to nowhere": "names unknown operation 'Nope'",
    "required internal without default": "required internal parameter without a default",
    "api key in clear": "api_key must be a described securestring",
    "default brand colour": "iconBrandColor '#007ee5' is not allowed",
    "stackOwner": "stackOwner blocks paconn update",
    "no host policy": "placeholder host without a dynamichosturl policy",
    "short description": "info.description must be 30-500 characters",
}


@pytest.mark.parametrize("change", sorted(BROKEN))
def test_each_connector_rule_catches_its_violation(change: str) -> None:
    swagger, properties = copy.deepcopy(_swagger()), api_properties(THINGS)
    assert connector_rule_violations(json.dumps(swagger), properties) == []
    _break(change, swagger, properties)
    violations = connector_rule_violations(json.dumps(swagger), properties)
    assert any(BROKEN[change] in v for v in violations), violations

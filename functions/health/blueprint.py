"""GET /api/health (anonymous liveness) and GET /api/connection (checks the caller's key)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import azure.functions as func
from pydantic import BaseModel, Field

from functions.common import container
from functions.common.http import endpoint, json_response
from functions.common.operations import operation

bp = func.Blueprint()


class Health(BaseModel):
    status: str = Field(description="ok when the app answers.", examples=["ok"])
    version: str = Field(description="Deployed version of SMART Connectors.")
    backends: dict[str, str] = Field(default_factory=dict, description="Which backend each port uses.")


class ConnectionCheck(BaseModel):
    status: str = Field(description="ok when the function key was accepted.", examples=["ok"])
    version: str = Field(description="Deployed version of SMART Connectors.")


def _version() -> str:
    try:
        return version("smart-connectors")
    except PackageNotFoundError:
        return "unknown"


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@operation(
    operation_id="GetHealth",
    summary="Health",
    description="Tells whether the app is up, its version and the backend behind each port.",
    response=Health,
    errors=(),
)
@endpoint
def health(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(Health(status="ok", version=_version(), backends=container.backends()))


@bp.route(route="connection", methods=["GET"])
@operation(
    connector="*",
    operation_id="TestConnection",
    summary="Test the connection",
    description="Checks that the connection's function key is accepted; costs no provider call.",
    response=ConnectionCheck,
    errors=(401,),
    visibility="internal",
)
@endpoint
def test_connection(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(ConnectionCheck(status="ok", version=_version()))

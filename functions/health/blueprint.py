"""GET /api/health: anonymous liveness with the version and the backend behind each port."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import azure.functions as func

from functions.common import container
from functions.common.http import endpoint, json_response

bp = func.Blueprint()


def _version() -> str:
    try:
        return version("smart-connectors")
    except PackageNotFoundError:
        return "unknown"


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint
def health(req: func.HttpRequest) -> func.HttpResponse:
    return json_response({"status": "ok", "version": _version(), "backends": container.backends()})

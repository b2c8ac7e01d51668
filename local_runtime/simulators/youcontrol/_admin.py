"""Parsing of ``POST /_sim/faults`` bodies: ``Faults`` fields, JSON lists accepted for ``only_paths``."""

from __future__ import annotations

from dataclasses import fields

from local_runtime.loopback import Faults, Request, Response

DEFAULT_FAULT_PATHS = ("/v1/",)  # faults hit the provider API only, so /_sim/ stays reachable
_FAULT_FIELDS = {f.name for f in fields(Faults)}


def default_faults() -> Faults:
    return Faults(only_paths=DEFAULT_FAULT_PATHS)


def faults_from(request: Request) -> Faults | Response:
    """The requested ``Faults``, or a 400 naming what is wrong."""
    try:
        body = request.json() or {}
    except ValueError:
        return Response.json({"error": "body must be JSON"}, 400)
    if not isinstance(body, dict):
        return Response.json({"error": "body must be an object of Faults fields"}, 400)
    unknown = sorted(set(body) - _FAULT_FIELDS)
    if unknown:
        return Response.json({"error": "unknown Faults fields", "unknown": unknown}, 400)
    body["only_paths"] = tuple(body.get("only_paths") or DEFAULT_FAULT_PATHS)
    try:
        return Faults(**body)
    except (TypeError, ValueError) as error:
        return Response.json({"error": str(error)}, 400)

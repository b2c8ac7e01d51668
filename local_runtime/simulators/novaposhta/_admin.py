"""The simulator's ``/_sim/`` admin API (JSON), for the demo, the chaos run and out-of-process tests."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

from local_runtime.loopback import Faults, Request, Response

if TYPE_CHECKING:
    from local_runtime.simulators.novaposhta.simulator import NovaPoshtaSimulator


def admin(sim: NovaPoshtaSimulator, request: Request, path: str) -> Response:
    try:
        body = request.json() or {}
    except ValueError:
        return Response.json({"error": "body is not JSON"}, 400)
    if not isinstance(body, dict):
        return Response.json({"error": "body must be a JSON object"}, 400)
    route = (request.method, path)
    try:
        if route == ("GET", "/_sim/state"):
            return Response.json(sim.state())
        if route == ("GET", "/_sim/waybills"):
            return Response.json(sim.waybills())
        if route == ("POST", "/_sim/faults"):
            return Response.json({"faults": faults_dict(sim.set_faults(**body))})
        if route == ("POST", "/_sim/reset"):
            sim.reset()
            return Response.json({"reset": True})
        if route == ("POST", "/_sim/advance"):
            return Response.json({"now": sim.advance(float(body.get("hours", 0))).isoformat()})
        if route == ("POST", "/_sim/envelope-errors"):
            method = body.get("method")
            sim.inject_envelope_errors(
                int(body.get("count", 1)),
                str(body.get("code", "20000100016")),
                str(body.get("text", "Service unavailable")),
                None if method is None else str(method),
            )
            return Response.json({"pending": sim.state()["envelope_errors_pending"]})
        if route == ("POST", "/_sim/outcome"):
            sim.script_outcome(str(body.get("number", "")), str(body.get("outcome", "")))
            return Response.json({"number": body.get("number"), "outcome": body.get("outcome")})
        if route == ("POST", "/_sim/stall-next-save"):
            sim.stall_next_saves(float(body.get("seconds", 5)), int(body.get("count", 1)))
            return Response.json({"pending": sim.state()["stalled_saves_pending"]})
    except (TypeError, ValueError) as error:
        return Response.json({"error": str(error)}, 400)
    return Response.json({"error": "unknown admin endpoint"}, 404)


def faults_dict(faults: Faults) -> dict[str, Any]:
    values = {f.name: getattr(faults, f.name) for f in fields(Faults)}
    values["only_paths"] = list(values["only_paths"])
    return values

"""A FunctionApp exercising every trigger shape the local host supports (used by host tests)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import azure.functions as func

from functions.common.errors import PoisonMessageError
from functions.common.queues import QueueSpec

QUEUES = (
    QueueSpec("work", lock_duration=2.0, max_delivery_count=3, duplicate_detection_window=60.0),
    QueueSpec("results", lock_duration=5.0),
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


def record(event: dict[str, object]) -> None:
    path = os.environ.get("SAMPLE_RECORD_PATH")
    if path:
        with Path(path).open("a") as handle:
            handle.write(json.dumps(event) + "\n")


@app.route(route="ping", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps({"pong": True, "q": req.params.get("q")}), mimetype="application/json"
    )


@app.route(route="items/{id:int}", methods=["GET", "DELETE"])
def get_item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps({"id": int(req.route_params["id"]), "method": req.method}), mimetype="application/json"
    )


@app.route(route="items/special", methods=["GET"])
def special_item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"special": True}), mimetype="application/json")


@app.route(route="items/{name}/tags/{tag?}", methods=["GET"])
def item_tags(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(dict(req.route_params)), mimetype="application/json")


@app.route(route="echo", methods=["POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        req.get_body(), status_code=201, headers={"X-Echo": "yes"}, mimetype="text/plain"
    )


@app.route(route="broken", methods=["GET"])
def broken(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("bug in a handler")


@app.route(route="admin-only", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def admin_only(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


@app.timer_trigger(schedule="0 0 3 1 1 *", arg_name="timer", run_on_startup=False)
def yearly(timer: func.TimerRequest) -> None:
    record({"timer": "yearly", "past_due": timer.past_due})


@app.service_bus_queue_trigger(
    arg_name="msg", queue_name="%SAMPLE_QUEUE%", connection="SERVICEBUS_CONNECTION"
)
@app.service_bus_queue_output(arg_name="out", queue_name="results", connection="SERVICEBUS_CONNECTION")
def work(msg: func.ServiceBusMessage, out: func.Out[str]) -> None:
    body = json.loads(msg.get_body())
    action = body.get("action")
    record(
        {
            "queue": "work",
            "id": msg.message_id,
            "action": action,
            "delivery": msg.delivery_count,
            "props": dict(msg.application_properties),
        }
    )
    if action == "fail":
        raise ValueError(f"boom on {body.get('n')}")
    if action == "poison":
        raise PoisonMessageError("payload refers to nothing")
    if action == "block":
        marker = Path(body["release"])
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    out.set(json.dumps({"done": msg.message_id}))
    record({"queue": "work", "id": msg.message_id, "completed": True})


@app.service_bus_queue_trigger(arg_name="msg", queue_name="results", connection="SERVICEBUS_CONNECTION")
def results(msg: func.ServiceBusMessage) -> None:
    record({"queue": "results", "body": json.loads(msg.get_body())})

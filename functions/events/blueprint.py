"""Dataverse events: the webhook (anonymous, X-Webhook-Secret) and the dataverse-events queue."""

from __future__ import annotations

import azure.functions as func

from functions.common.http import CORRELATION_HEADER, endpoint, json_response
from functions.common.operations import operation
from functions.common.ports import get_bus, get_core_settings, get_dataverse
from functions.common.queueing import queue_handler
from functions.events import service
from functions.events.handlers import get_router

bp = func.Blueprint()


@bp.route(route="dataverse/events", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@operation(
    operation_id="ReceiveDataverseEvent",
    summary="Receive a Dataverse event",
    description="Dataverse webhook: validates the RemoteExecutionContext and queues it for processing.",
    status=202,
    errors=(400, 401),
)
@endpoint
def dataverse_webhook(req: func.HttpRequest) -> func.HttpResponse:
    secret = get_core_settings().dataverse_webhook_secret
    service.check_webhook_secret(
        req.headers.get("x-webhook-secret"), secret.get_secret_value() if secret else None
    )
    event = service.accept_webhook(
        req.get_body(),
        dict(req.headers.items()),
        get_bus(),
        correlation_id=req.headers.get(CORRELATION_HEADER),
    )
    return json_response({"status": "queued", "event": event.dedupe_key}, 202)


@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name="dataverse-events", connection="SERVICEBUS_CONNECTION"
)
@queue_handler
def dataverse_events(msg: func.ServiceBusMessage) -> None:
    service.process_event(msg.get_body(), msg.application_properties, get_router(), get_dataverse())

"""Messaging (GMS Viber/SMS): send one, send in bulk, Journeys custom channel, delivery reports, analytics.

The orphan-report reconciliation timer runs on ``MESSAGING_RECONCILE_SCHEDULE`` (six-field NCRONTAB,
UTC; default every 15 minutes), the app setting when it is set (see ``timer_schedule``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import azure.functions as func

from connectors.gms import parse_delivery_reports
from functions.common.errors import PoisonMessageError
from functions.common.http import correlation_id, endpoint, json_response, parse_json, parse_query
from functions.common.operations import operation
from functions.common.queues import MESSAGES_OUTBOUND
from functions.common.settings import timer_schedule
from functions.messaging import analytics as results
from functions.messaging.batch_models import BatchAccepted, BatchRequest, BatchView
from functions.messaging.journeys import JourneysOutbound, JourneysResponse
from functions.messaging.models import MessageAccepted, MessageView, SendMessageRequest
from functions.messaging.wiring import (
    get_batches,
    get_coalescer,
    get_intake,
    get_journeys,
    get_messages,
    get_reconciler,
    get_repository,
)

RECONCILE_SCHEDULE_SETTING = "MESSAGING_RECONCILE_SCHEDULE"
DEFAULT_RECONCILE_SCHEDULE = "0 */15 * * * *"

bp = func.Blueprint()
_ID = {"id": "The id returned when the item was accepted."}


@bp.route(route="messages", methods=["POST"])
@operation(
    connector="messaging",
    operation_id="SendMessage",
    summary="Send a Viber/SMS message",
    description="Queues one message: Viber first, SMS as fallback; checks phone, consent and quiet hours.",
    request=SendMessageRequest,
    response=MessageAccepted,
    status=202,
    errors=(400, 401, 409, 415, 422),
)
@endpoint
def send_message(req: func.HttpRequest) -> func.HttpResponse:
    accepted = get_messages().accept(parse_json(req, SendMessageRequest), request_id=correlation_id(req))
    return json_response(accepted, 202, {"Location": _url(req, f"messages/{accepted.id}")})


@bp.route(route="messages/{id:guid}", methods=["GET"])
@operation(
    connector="messaging",
    operation_id="GetMessage",
    summary="Get a message",
    description="Shows a message's status, channel used, provider id, timestamps and error.",
    response=MessageView,
    path_parameters=_ID,
    errors=(401, 404),
)
@endpoint
def get_message(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(get_messages().view(req.route_params["id"]))


@bp.route(route="messages/batch", methods=["POST"])
@operation(
    connector="messaging",
    operation_id="SendMessageBatch",
    summary="Send messages in bulk",
    description="Queues up to 10,000 inline recipients, or contacts selected in Dataverse, for one send.",
    request=BatchRequest,
    response=BatchAccepted,
    status=202,
    errors=(400, 401, 413, 415, 422),
)
@endpoint
def send_batch(req: func.HttpRequest) -> func.HttpResponse:
    accepted = get_batches().accept(parse_json(req, BatchRequest), request_id=correlation_id(req))
    return json_response(accepted, 202, {"Location": _url(req, f"messages/batches/{accepted.id}")})


@bp.route(route="messages/batches/{id:guid}", methods=["GET"])
@operation(
    connector="messaging",
    operation_id="GetMessageBatch",
    summary="Get a bulk send",
    description="Shows a bulk send's progress and its messages counted by status.",
    response=BatchView,
    path_parameters=_ID,
    errors=(401, 404),
)
@endpoint
def get_batch(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(get_batches().view(req.route_params["id"]))


@bp.route(route="messages/analytics", methods=["GET"])
@operation(
    connector="messaging",
    operation_id="GetMessageAnalytics",
    summary="Messaging results",
    description="Counts by status and channel, delivery, Viber read and SMS fallback rates, time and cost.",
    query=results.AnalyticsQuery,
    response=results.Analytics,
)
@endpoint
def get_analytics(req: func.HttpRequest) -> func.HttpResponse:
    query = parse_query(req, results.AnalyticsQuery)
    return json_response(results.analyze(get_repository(), query, datetime.now(UTC)))


@bp.route(route="channels/journeys/outbound", methods=["POST"])
@operation(
    operation_id="JourneysOutbound",
    summary="Journeys custom channel send",
    description="The Customer Insights - Journeys outbound contract: sends now and answers Sent or NotSent.",
    request=JourneysOutbound,
    response=JourneysResponse,
    errors=(400, 401, 415, 422, 503),
)
@endpoint
def journeys_outbound(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(get_journeys().outbound(parse_json(req, JourneysOutbound)))


@bp.route(route="gms/reports", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@operation(
    operation_id="ReceiveGmsReports",
    summary="GMS delivery reports",
    description="GMS delivery-report callback (one report or an array); the token in the URL is checked.",
    errors=(400, 401),
)
@endpoint
def gms_reports(req: func.HttpRequest) -> func.HttpResponse:
    accepted = get_intake().accept(req.params.get("token"), req.get_body())
    return json_response({"accepted": accepted})


@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name="messages-outbound", connection="SERVICEBUS_CONNECTION"
)
def messages_outbound(msg: func.ServiceBusMessage) -> None:
    get_messages().deliver(
        msg.get_body(),
        delivery_count=int(msg.delivery_count or 1),
        max_deliveries=MESSAGES_OUTBOUND.max_delivery_count,
    )


@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name="message-batches", connection="SERVICEBUS_CONNECTION"
)
def message_batches(msg: func.ServiceBusMessage) -> None:
    get_batches().process(msg.get_body(), delivery_count=int(msg.delivery_count or 1))


@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name="delivery-reports", connection="SERVICEBUS_CONNECTION"
)
def delivery_reports(msg: func.ServiceBusMessage) -> None:
    try:
        reports = parse_delivery_reports(msg.get_body())
    except ValueError as error:
        raise PoisonMessageError(f"unreadable delivery reports: {error}") from None
    get_coalescer().submit(reports)


@bp.timer_trigger(
    schedule=timer_schedule(RECONCILE_SCHEDULE_SETTING, DEFAULT_RECONCILE_SCHEDULE),
    arg_name="timer",
    run_on_startup=False,
)
def messaging_reconcile_reports(timer: func.TimerRequest) -> None:
    get_reconciler().run()


def _url(req: func.HttpRequest, path: str) -> str:
    base = str(req.url).split("/api/", 1)[0]
    return f"{base}/api/{path}"

"""Shipping (Nova Poshta): look-ups, quotes, waybills, tracking registration, registry, sync.

The sync timer's schedule is the app setting ``SHIPPING_SYNC_SCHEDULE`` (six-field NCRONTAB, UTC),
every 30 minutes when it is not set.
"""

from __future__ import annotations

from datetime import datetime

import azure.functions as func

from connectors.novaposhta import NovaPoshtaError
from functions.common.http import endpoint, json_response, parse_json, parse_query, validate
from functions.common.operations import operation
from functions.common.problems import Problem
from functions.common.queueing import queue_handler
from functions.common.settings import timer_schedule
from functions.shipping import jobs, lookup_models, models, quotes
from functions.shipping.errors import provider_problem
from functions.shipping.wiring import (
    get_refdata,
    get_senders,
    get_shipments,
    get_sync,
    requeue,
    today_in_kyiv,
)

SYNC_SCHEDULE_SETTING = "SHIPPING_SYNC_SCHEDULE"
DEFAULT_SYNC_SCHEDULE = "0 */30 * * * *"

bp = func.Blueprint()
_NUMBER = {"number": "14-digit Nova Poshta waybill number."}


@bp.route(route="shipping/settlements", methods=["GET"])
@operation(
    connector="shipping",
    operation_id="ListSettlements",
    summary="Find a city",
    description="Searches Nova Poshta settlements by name for a city drop-down.",
    query=lookup_models.SettlementQuery,
    response=lookup_models.SettlementList,
)
@endpoint
def shipping_settlements(req: func.HttpRequest) -> func.HttpResponse:
    query = parse_query(req, lookup_models.SettlementQuery)
    try:
        items = get_refdata().settlements(query.q, query.limit)
    except NovaPoshtaError as error:  # an outage is a 502/503 problem, not a 500
        raise provider_problem(error) from error
    return json_response(lookup_models.SettlementList(items=items))


@bp.route(route="shipping/warehouses", methods=["GET"])
@operation(
    connector="shipping",
    operation_id="ListWarehouses",
    summary="List branches and lockers",
    description="Lists a city's Nova Poshta branches and parcel lockers for a drop-down.",
    query=lookup_models.WarehouseQuery,
    response=lookup_models.WarehouseList,
)
@endpoint
def shipping_warehouses(req: func.HttpRequest) -> func.HttpResponse:
    query = parse_query(req, lookup_models.WarehouseQuery)
    try:
        items = get_refdata().warehouses(query.settlement, query.q, query.type, query.limit)
    except NovaPoshtaError as error:  # an outage is a 502/503 problem, not a 500
        raise provider_problem(error) from error
    return json_response(lookup_models.WarehouseList(items=items))


@bp.route(route="shipping/quotes", methods=["POST"])
@operation(
    connector="shipping",
    operation_id="GetShippingQuote",
    summary="Quote a delivery",
    description="Gives Nova Poshta's price and expected delivery date for a parcel.",
    request=lookup_models.QuoteRequest,
    response=lookup_models.Quote,
    errors=(400, 401, 415, 422, 502, 503),
)
@endpoint
def shipping_quote(req: func.HttpRequest) -> func.HttpResponse:
    request = parse_json(req, lookup_models.QuoteRequest)
    return json_response(quotes.quote(request, get_senders(), lambda: today_in_kyiv().date()))


@bp.route(route="shipments", methods=["POST"])
@operation(
    connector="shipping",
    operation_id="CreateShipment",
    summary="Create a waybill",
    description="Creates a Nova Poshta waybill from a CRM order or an explicit body; a retry returns "
    "the first waybill (503 with Retry-After while the first request is still creating it).",
    request=models.CreateShipmentRequest,
    response=models.Shipment,
    status=201,
    errors=(400, 401, 404, 415, 422, 502, 503),
)
@endpoint
def shipping_create(req: func.HttpRequest) -> func.HttpResponse:
    shipment, created = get_shipments().create(parse_json(req, models.CreateShipmentRequest))
    return json_response(shipment, 201 if created else 200)


@bp.route(route="shipments/track", methods=["POST"])
@operation(
    connector="shipping",
    operation_id="TrackShipment",
    summary="Follow a waybill",
    description="Links a waybill created outside the CRM to an order so the sync follows it.",
    request=models.TrackShipmentRequest,
    response=models.Shipment,
    status=201,
    errors=(400, 401, 404, 415, 422, 502, 503),
)
@endpoint
def shipping_track(req: func.HttpRequest) -> func.HttpResponse:
    shipment, created = get_shipments().track(parse_json(req, models.TrackShipmentRequest))
    return json_response(shipment, 201 if created else 200)


@bp.route(route="shipments/registry", methods=["POST"])
@operation(
    connector="shipping",
    operation_id="CreateShippingRegistry",
    summary="Form the daily registry",
    description="Puts the day's CRM waybills into a Nova Poshta registry (scan sheet).",
    request=models.RegistryRequest,
    response=models.Registry,
    status=201,
    errors=(400, 401, 404, 409, 415, 422, 502, 503),
)
@endpoint
def shipping_registry(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(get_shipments().registry(parse_json(req, models.RegistryRequest)), 201)


@bp.route(route="shipments/{number}", methods=["GET"])
@operation(
    connector="shipping",
    operation_id="GetShipment",
    summary="Get a shipment",
    description="Reads a shipment by waybill number, with a fresh printable label link.",
    response=models.Shipment,
    path_parameters=_NUMBER,
    errors=(401, 404, 422),
)
@endpoint
def shipping_get(req: func.HttpRequest) -> func.HttpResponse:
    path = validate(models.ShipmentPath, dict(req.route_params))
    return json_response(get_shipments().get(path.number))


@bp.route(route="shipments/{number}", methods=["DELETE"])
@operation(
    connector="shipping",
    operation_id="DeleteShipment",
    summary="Delete a waybill",
    description="Deletes a waybill that has not been handed over; 409 with Nova Poshta's reason otherwise.",
    response=models.DeletedShipment,
    path_parameters=_NUMBER,
    errors=(401, 404, 409, 422, 502, 503),
)
@endpoint
def shipping_delete(req: func.HttpRequest) -> func.HttpResponse:
    path = validate(models.ShipmentPath, dict(req.route_params))
    return json_response(get_shipments().delete(path.number))


@bp.route(route="shipping/sync", methods=["POST"])
@operation(
    connector="shipping",
    operation_id="SyncShipments",
    summary="Sync shipment statuses now",
    description="Runs the tracking sync now instead of waiting for the timer.",
    response=models.SyncReport,
    errors=(401, 409, 503),
    visibility="advanced",
)
@endpoint
def shipping_sync_now(req: func.HttpRequest) -> func.HttpResponse:
    report = get_sync().run("manual")
    if report.status == "skipped" and report.paused_until:
        raise Problem(
            503,
            f"The sync is paused after a Nova Poshta outage until {report.paused_until}.",
            retry_after=_seconds_until(report.paused_until),
        )
    if report.status == "skipped":
        raise Problem(409, report.detail or "A sync is already running.")
    return json_response(report)


@bp.timer_trigger(
    schedule=timer_schedule(SYNC_SCHEDULE_SETTING, DEFAULT_SYNC_SCHEDULE),
    arg_name="timer",
    run_on_startup=False,
)
def shipping_tracking_sync(timer: func.TimerRequest) -> None:
    get_sync().run("timer")


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="shipments", connection="SERVICEBUS_CONNECTION")
@queue_handler
def shipping_jobs(msg: func.ServiceBusMessage) -> None:
    jobs.handle_message(msg.get_body(), get_shipments(), get_sync(), requeue)


def _seconds_until(moment: str) -> float:
    return max(1.0, (datetime.fromisoformat(moment) - today_in_kyiv()).total_seconds())

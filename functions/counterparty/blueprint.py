"""Counterparty checks (YouControl / YouScore): lookup, check, status, latest, monitoring, queue worker.

The timer's schedule is the app setting ``COUNTERPARTY_CHECK_SCHEDULE`` (six-field NCRONTAB, UTC) when
it is set, else ``DEFAULT_CHECK_SCHEDULE`` (weekly). The binding names the setting only when it exists:
the host resolves ``%NAME%`` from app settings and refuses to load a function whose setting is missing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import azure.functions as func

from functions.common.http import endpoint, json_response, parse_json, parse_query, validate
from functions.common.logging import correlation
from functions.common.operations import operation
from functions.common.ports import get_bus
from functions.common.problems import Problem
from functions.common.settings import timer_schedule
from functions.counterparty.keys import Origin, manual_key, schedule_slot
from functions.counterparty.messages import from_message
from functions.counterparty.models import (
    CheckAccepted,
    CheckIdPath,
    CheckRequest,
    CheckResult,
    CodeQuery,
    LookupResult,
    MonitoringRun,
    MonitoringRunRequest,
)
from functions.counterparty.monitoring import schedule_checks
from functions.counterparty.records import CheckOrder
from functions.counterparty.settings import DEFAULT_CHECK_SCHEDULE
from functions.counterparty.wiring import get_checks, get_store

bp = func.Blueprint()

_SCHEDULE_SETTING = "COUNTERPARTY_CHECK_SCHEDULE"
SCHEDULE = timer_schedule(_SCHEDULE_SETTING, DEFAULT_CHECK_SCHEDULE)
_CODE = {"code": "ЄДРПОУ (8 digits) or РНОКПП (10 digits) of the counterparty."}


def _code(req: func.HttpRequest) -> CodeQuery:
    return validate(CodeQuery, {"code": req.route_params.get("code", "")})


def _status_url(req: func.HttpRequest, check_id: object) -> str:
    return f"{req.url.split('/counterparties/', 1)[0]}/counterparties/checks/{check_id}"


def _accepted(accepted: CheckAccepted) -> func.HttpResponse:
    headers = {"Location": accepted.status_url, "Retry-After": str(accepted.retry_after)}
    return json_response(accepted, 202, headers)


@bp.route(route="counterparties/lookup", methods=["GET"])
@operation(
    connector="counterparty", operation_id="LookupCounterparty", summary="Look up a counterparty",
    description="Registry card fields for auto-filling a new account card; writes nothing.",
    query=CodeQuery, response=LookupResult, errors=(401, 404, 422, 503),
)  # fmt: skip
@endpoint
def counterparty_lookup(req: func.HttpRequest) -> func.HttpResponse:
    query = parse_query(req, CodeQuery)
    return json_response(get_checks().lookup(query.parsed))


@bp.route(route="counterparties/{code}/check", methods=["POST"])
@operation(
    connector="counterparty", operation_id="CheckCounterparty", summary="Check a counterparty",
    description="Runs the full check (registry, sanctions, tax debt, courts, risk factors), fills the "
    "account and records findings and changes; 202 with a status URL while YouScore refreshes its data.",
    request=CheckRequest, response=CheckResult, path_parameters=_CODE,
    errors=(400, 401, 404, 415, 422, 502, 503),
)  # fmt: skip
@endpoint
def counterparty_check(req: func.HttpRequest) -> func.HttpResponse:
    code = _code(req).parsed
    body = parse_json(req, CheckRequest) if req.get_body() else CheckRequest()
    now = datetime.now(UTC)
    order = CheckOrder(
        key=manual_key(code.value, body.account_id, body.request_id, now), code=code,
        account_id=body.account_id, origin=Origin.MANUAL, fresh_after=time.time() if body.refresh else None,
    )  # fmt: skip
    result = get_checks().check_now(order, _status_url(req, order.check_id))
    return _accepted(result) if isinstance(result, CheckAccepted) else json_response(result)


@bp.route(route="counterparties/checks/{check_id}", methods=["GET"])
@operation(
    connector="counterparty", operation_id="GetCounterpartyCheck", summary="Get a check",
    description="The status URL of a check: 202 while it is pending, 200 with the result when done.",
    response=CheckResult, path_parameters={"check_id": "Id of the check."}, errors=(401, 404, 422, 503),
)  # fmt: skip
@endpoint
def counterparty_check_status(req: func.HttpRequest) -> func.HttpResponse:
    check_id = validate(CheckIdPath, {"check_id": req.route_params.get("check_id", "")}).check_id
    result = get_checks().status(check_id)
    if result is None:
        raise Problem(404, f"No counterparty check {check_id}.")
    if result.status in ("pending", "in_progress"):
        return json_response(result, 202, {"Location": _status_url(req, check_id), "Retry-After": "10"})
    return json_response(result)


@bp.route(route="counterparties/{code}", methods=["GET"])
@operation(
    connector="counterparty", operation_id="GetCounterparty", summary="Latest check of a counterparty",
    description="The latest completed check of the code, with the changes it found.",
    response=CheckResult, path_parameters=_CODE, errors=(401, 404, 422, 503),
)  # fmt: skip
@endpoint
def counterparty_latest(req: func.HttpRequest) -> func.HttpResponse:
    code = _code(req).parsed
    result = get_checks().latest(code)
    if result is None:
        raise Problem(
            404, f"No check of {code.masked} yet.", errors=[{"field": "code", "message": "never checked"}]
        )
    if result.status in ("pending", "in_progress"):
        return json_response(
            result, 202, {"Location": _status_url(req, result.check_id), "Retry-After": "10"}
        )
    return json_response(result)


@bp.route(route="counterparties/monitoring", methods=["POST"])
@operation(
    connector="counterparty", operation_id="RunCounterpartyMonitoring", summary="Run monitoring now",
    description="Queues a check of every monitored account, as the weekly schedule does.",
    request=MonitoringRunRequest, response=MonitoringRun, status=202, visibility="advanced",
)  # fmt: skip
@endpoint
def counterparty_monitoring_run(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, MonitoringRunRequest) if req.get_body() else MonitoringRunRequest()
    now = datetime.now(UTC)
    slot = body.run_id or f"run-{now:%Y%m%dT%H%M}"
    run = schedule_checks(get_store(), get_bus(), slot, fresh_after=time.time() if body.refresh else None)
    return json_response(run, 202)


@bp.timer_trigger(schedule=SCHEDULE, arg_name="timer", run_on_startup=False, use_monitor=True)
def counterparty_monitoring(timer: func.TimerRequest) -> None:
    schedule_checks(get_store(), get_bus(), schedule_slot(datetime.now(UTC)))


@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name="counterparty-checks", connection="SERVICEBUS_CONNECTION"
)
def counterparty_checks(msg: func.ServiceBusMessage) -> None:
    with correlation(msg.correlation_id):
        get_checks().process(from_message(msg.get_body()))

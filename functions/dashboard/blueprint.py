"""The results dashboard: ``GET /api/dashboard`` (HTML charts) and ``GET /api/dashboard/data`` (JSON)."""

from __future__ import annotations

import azure.functions as func

from functions.common.http import endpoint, json_response, parse_query
from functions.common.operations import operation
from functions.dashboard.models import Dashboard, DashboardQuery
from functions.dashboard.page import CONTENT_SECURITY_POLICY, render_page
from functions.dashboard.wiring import get_dashboard

bp = func.Blueprint()

_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the function key may be in the page's URL (?code=)
    "Cache-Control": "no-store",
}


@bp.route(route="dashboard/data", methods=["GET"])
@operation(
    operation_id="GetDashboardData",
    summary="Dashboard data",
    description="Messaging funnel, shipments, payments, counterparty risk and dead letters for a window.",
    query=DashboardQuery,
    response=Dashboard,
    errors=(401, 422, 502, 503),
)
@endpoint
def dashboard_data(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(get_dashboard().dashboard(parse_query(req, DashboardQuery)))


@bp.route(route="dashboard", methods=["GET"])
@operation(
    operation_id="GetDashboard",
    summary="Dashboard",
    description="The results dashboard as an HTML page of charts (open it in a browser with ?code=).",
    query=DashboardQuery,
    errors=(401, 422, 502, 503),
)
@endpoint
def dashboard_page(req: func.HttpRequest) -> func.HttpResponse:
    page = render_page(get_dashboard().dashboard(parse_query(req, DashboardQuery)))
    return func.HttpResponse(
        page, status_code=200, headers=_PAGE_HEADERS, mimetype="text/html", charset="utf-8"
    )

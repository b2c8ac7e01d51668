"""GET /api/dashboard/data and GET /api/dashboard through the local runtime, over rows in the emulator."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from dataverse import DataverseClient, StaticTokenAuth
from dataverse.schema import MessageChannel, MessageStatus, PaymentStatus, RiskLevel, ShipmentStatus
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

KEY = "dashboard-test-key"
NOW = datetime.now(UTC)
TODAY, YESTERDAY = NOW.date(), NOW.date() - timedelta(days=1)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _message(
    crm: DataverseClient, status: MessageStatus, channel: MessageChannel | None, **columns: Any
) -> None:
    key = f"dash-{uuid.uuid4().hex[:8]}"
    row = {
        "smart_name": key, "smart_idempotencykey": key, "smart_phone": "+380671234567",
        "smart_status": status.option_value, "smart_channelorder": "viber,sms",
        "smart_queuedon": _iso(NOW - timedelta(minutes=5)),
    }  # fmt: skip
    if channel is not None:
        row["smart_channel"] = channel.option_value
    crm.create("smart_messages", row | columns)


def _seed(crm: DataverseClient) -> None:
    yesterday = _iso(NOW - timedelta(days=1))
    _message(crm, MessageStatus.READ, MessageChannel.VIBER, smart_campaign="winter-sale")
    _message(crm, MessageStatus.DELIVERED, MessageChannel.SMS, smart_campaign="winter-sale")
    _message(
        crm,
        MessageStatus.FAILED,
        MessageChannel.VIBER,
        smart_campaign="winter-sale",
        smart_queuedon=yesterday,
    )
    _message(crm, MessageStatus.QUEUED, None)
    for status, changed in (
        (ShipmentStatus.RECEIVED, NOW + timedelta(hours=30)),
        (ShipmentStatus.IN_TRANSIT, None),
    ):
        key = f"order-{uuid.uuid4().hex[:6]}:1"
        row = {"smart_name": key, "smart_idempotencykey": key, "smart_status": status.option_value}
        crm.create("smart_shipments", row | ({"smart_statuschangedon": _iso(changed)} if changed else {}))
    for name, code, risk in (
        ("ТОВ «Світанок»", "00000001", RiskLevel.LOW),
        ("ТОВ «Захід»", "00000002", None),
    ):
        crm.create(
            "accounts",
            {"name": name, "smart_edrpou": code} | ({"smart_risklevel": risk.option_value} if risk else {}),
        )
    crm.create("accounts", {"name": "Без коду"})
    crm.create(
        "smart_counterpartychanges",
        {"smart_name": "director", "smart_changekey": "check-1:director", "smart_field": "director",
         "smart_oldvalue": "КОВАЛЕНКО", "smart_newvalue": "ШЕВЧЕНКО", "smart_detectedon": _iso(NOW)},
    )  # fmt: skip
    crm.create(
        "smart_payments",
        {"smart_name": "INV-1", "smart_idempotencykey": "order-pay-1", "smart_invoiceid": "INV2-AAAA-BBBB",
         "smart_status": PaymentStatus.PARTIALLY_PAID.option_value, "smart_amount": 900,
         "smart_paidamount": 500, "smart_currencycode": "EUR", "smart_duedate": YESTERDAY.isoformat()},
    )  # fmt: skip


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {"SMART_FUNCTION_KEY": KEY, "DASHBOARD_CACHE_SECONDS": "0"}
    data_dir: Path = tmp_path_factory.mktemp("dashboard")
    with LocalStack(port=0, data_dir=data_dir, env=env, run_timers=False) as running:
        with DataverseClient(running.env["DATAVERSE_URL"], StaticTokenAuth(EMULATOR_TOKEN)) as crm:
            _seed(crm)
        poison = requests.post(
            f"{running.url}/_local/queues/dataverse-events/messages",
            data=b"not an event",
            headers={"x-functions-key": KEY},
            timeout=10,
        )
        assert poison.status_code == 201, poison.text
        assert running.queue is not None
        deadline = time.monotonic() + 15
        while running.queue.counts("dataverse-events")["dead_letter"] == 0:
            assert time.monotonic() < deadline, "the malformed event was not dead-lettered"
            time.sleep(0.05)
        yield running


def _get(stack: LocalStack, path: str, **params: str) -> requests.Response:
    return requests.get(
        f"{stack.url}/api/{path}", params=params, headers={"x-functions-key": KEY}, timeout=30
    )


def test_the_data_endpoint_answers_every_section_from_dataverse_and_the_queues(stack: LocalStack) -> None:
    body = _get(stack, "dashboard/data").json()

    assert (body["from"], body["to"]) == ((TODAY - timedelta(days=13)).isoformat(), TODAY.isoformat())
    messaging = body["messaging"]
    assert messaging["summary"]["total"] == 4
    today, yesterday = messaging["by_day"][-1]["counts"], messaging["by_day"][-2]["counts"]
    assert (today["total"], today["read"], today["sms_fallback"], today["in_flight"]) == (3, 1, 1, 1)
    assert (yesterday["total"], yesterday["failed"]) == (1, 1)
    sale = messaging["by_campaign"][0]
    assert (sale["name"], sale["totals"]["total"], sale["totals"]["delivered"]) == ("winter-sale", 3, 2)
    shipments = body["shipments"]
    statuses = {item["status"]: item["count"] for item in shipments["by_status"]}
    assert (shipments["total"], statuses["received"], statuses["in_transit"]) == (2, 1, 1)
    assert shipments["median_hours_to_deliver"] == pytest.approx(30, abs=0.1)
    [euro] = body["payments"]["currencies"]
    assert (euro["currency"], euro["invoiced"], euro["paid"], euro["overdue"]) == (
        "EUR",
        "900.00",
        "500.00",
        "400.00",
    )
    risk = {item["status"]: item["count"] for item in body["counterparties"]["by_risk"]}
    assert (body["counterparties"]["accounts"], risk["low"], risk["not_checked"]) == (2, 1, 1)
    [change] = body["counterparties"]["recent_changes"]
    assert (change["field"], change["old"], change["new"]) == ("director", "КОВАЛЕНКО", "ШЕВЧЕНКО")
    queues = {item["queue"]: item["dead_letter"] for item in body["dead_letters"]["queues"]}
    assert queues["dataverse-events"] == 1 and body["dead_letters"]["total"] == 1
    assert set(queues) >= {"messages-outbound", "shipments", "payments", "counterparty-checks"}


def test_a_window_before_the_data_is_empty_but_complete(stack: LocalStack) -> None:
    body = _get(stack, "dashboard/data", **{"from": "2020-01-01", "to": "2020-01-03"}).json()

    assert [day["day"] for day in body["messaging"]["by_day"]] == ["2020-01-01", "2020-01-02", "2020-01-03"]
    assert body["messaging"]["summary"]["total"] == 0 and body["shipments"]["total"] == 0
    assert body["payments"]["currencies"] == [] and body["counterparties"]["recent_changes"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": "yesterday"}, "from"), ({"from": "2026-11-20", "to": "2026-11-01"}, "from"),
     ({"from": "2020-01-01", "to": "2026-01-01"}, "to")],
)  # fmt: skip
def test_a_bad_window_is_a_problem_naming_the_parameter(
    stack: LocalStack, params: dict[str, str], field: str
) -> None:
    for path in ("dashboard/data", "dashboard"):
        response = _get(stack, path, **params)
        assert response.status_code == 422
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == field


def test_both_endpoints_need_the_function_key(stack: LocalStack) -> None:
    for path in ("dashboard/data", "dashboard"):
        assert requests.get(f"{stack.url}/api/{path}", timeout=10).status_code == 401


def test_the_page_opens_with_the_key_in_the_url_and_draws_the_charts(stack: LocalStack) -> None:
    response = requests.get(f"{stack.url}/api/dashboard", params={"code": KEY}, timeout=30)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "script-src 'sha256-" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = response.text
    for chart in (
        "funnel-per-day",
        "by-channel",
        "by-campaign",
        "shipments",
        "payments",
        "risk",
        "dead-letters",
    ):
        assert f"<svg class='chart' id='{chart}'" in page
    assert "winter-sale" in page and "dataverse-events" in page and KEY not in page

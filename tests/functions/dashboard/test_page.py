"""The HTML page: every chart present and well-formed, CRM text escaped, one script allowed by hash."""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

from functions.dashboard.funnel import build_funnel
from functions.dashboard.models import Dashboard
from functions.dashboard.page import CONTENT_SECURITY_POLICY, SCRIPT, render_page
from functions.dashboard.summaries import summarise_counterparties, summarise_queues, summarise_shipments
from functions.payments.models import CurrencySummary, PaymentAnalytics
from tests.functions.dashboard._rows import account, change, message, shipment

CHARTS = ("funnel-per-day", "by-channel", "by-campaign", "shipments", "payments", "risk", "dead-letters")
HOSTILE = "<img src=x onerror=alert(1)>"


def _dashboard() -> Dashboard:
    start, end = datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC)
    rows = [message("read", "viber", campaign="spring-sale", queued="2026-11-20T09:00:00Z")] * 3
    rows += [message("failed", "sms", campaign=HOSTILE, queued="2026-11-21T09:00:00Z")]
    money = {"invoiced": Decimal("900.00"), "paid": Decimal("500.00"), "overdue": Decimal("400.00")}
    euro = CurrencySummary(currency="EUR", invoices=2, refunded=Decimal(0), cancelled=0, **money)
    return Dashboard(
        from_=date(2026, 11, 10),
        to=date(2026, 11, 23),
        generated_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        messaging=build_funnel(rows, start, end, date(2026, 11, 10), date(2026, 11, 23)),
        shipments=summarise_shipments([shipment("in_transit"), shipment("received")]),
        payments=PaymentAnalytics(
            from_=date(2026, 11, 10), to=date(2026, 11, 23), invoices=2, currencies=[euro]
        ),
        counterparties=summarise_counterparties(
            [account("low"), account("high")], [change("director", "A", HOSTILE)], 1
        ),
        dead_letters=summarise_queues({"payments": {"dead_letter": 2}, "shipments": {"dead_letter": 0}}),
    )


def test_every_question_has_its_chart_and_each_chart_is_well_formed_svg() -> None:
    page = render_page(_dashboard())

    charts = re.findall(r"<svg class='chart'.*?</svg>", page, flags=re.S)
    roots = [ET.fromstring(chart) for chart in charts]  # noqa: S314 - our own markup
    assert [root.get("id") for root in roots] == list(CHARTS)
    for root in roots:
        marks = [element for element in root.iter() if element.get("class") == "mark"]
        assert marks, f"{root.get('id')} draws nothing"


def test_campaign_names_and_change_values_from_the_crm_are_escaped() -> None:
    page = render_page(_dashboard())

    assert HOSTILE not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "spring-sale" in page


def test_the_one_inline_script_is_the_one_the_policy_allows() -> None:
    page = render_page(_dashboard())

    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert scripts == [SCRIPT]
    assert f"script-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "http" not in page.split("<body>")[0]


def test_the_page_shows_the_window_and_links_the_same_data_as_json_without_the_key() -> None:
    page = render_page(_dashboard())

    assert "10 Nov – 23 Nov 2026 (UTC)" in page
    assert "name='from' value='2026-11-10'" in page and "name='to' value='2026-11-23'" in page
    assert "href='dashboard/data?from=2026-11-10&to=2026-11-23'" in page
    assert "code=" not in page.replace(SCRIPT, "")  # only the script, in the browser, adds ?code= to links


def test_headline_figures_are_printed_above_the_charts() -> None:
    page = render_page(_dashboard())
    headline = page.split("<section class='kpis'", 1)[1].split("</section>", 1)[0]

    assert "<b>4</b><span>messages</span>" in headline
    assert "<b>75%</b><span>delivered</span>" in headline
    assert "<b>2</b><span>dead-lettered</span>" in headline

"""The dashboard as one self-contained HTML page: headline figures, then one chart per question (pure).

No external CDN, font or library: the charts are inline SVG from ``svg``; the only script keeps the
function key (``?code=``) when the window form is submitted, and marks each chart with how many of its
marks the browser actually drew (``data-drawn-marks``), which the browser test reads. ``SCRIPT_HASH``
lets the response's Content-Security-Policy allow that one script and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from functions.dashboard import charts, formats, svg
from functions.dashboard.models import Dashboard

SCRIPT = (
    "(function(){var code=new URLSearchParams(location.search).get('code');"
    "if(code){var form=document.getElementById('window'),input=document.createElement('input');"
    "input.type='hidden';input.name='code';input.value=code;form.appendChild(input);"
    "var json=document.getElementById('json');json.href+='&code='+encodeURIComponent(code);}"
    "document.querySelectorAll('svg.chart').forEach(function(chart){var drawn=0;"
    "chart.querySelectorAll('.mark').forEach(function(mark){var box=mark.getBoundingClientRect();"
    "if(box.width>0&&box.height>0){drawn++;}});chart.setAttribute('data-drawn-marks',String(drawn));});"
    "document.documentElement.setAttribute('data-charts-checked','yes');})();"
)
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'unsafe-inline'; script-src '{SCRIPT_HASH}'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

_STYLE = """
*{box-sizing:border-box}body{margin:0;background:#f5f7fa;color:#1f2933;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header{background:#102a43;color:#fff;padding:18px 28px;display:flex;flex-wrap:wrap;gap:12px 28px;
align-items:center}
header h1{font-size:20px;margin:0;font-weight:600}header .window{color:#bcccdc}
header form{margin-left:auto;display:flex;gap:8px;align-items:center}
header label{color:#d9e2ec;font-size:13px}
header input{font:inherit;padding:3px 6px;border-radius:4px;border:1px solid #486581}
header button{font:inherit;padding:4px 14px;border-radius:4px;border:0;background:#2f80ed;color:#fff;
cursor:pointer}
main{padding:20px 28px;max-width:1440px;margin:0 auto}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(128px,1fr));gap:12px;margin-bottom:18px}
.kpi{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(16,42,67,.08)}
.kpi b{display:block;font-size:22px;font-weight:700}.kpi span{color:#616e7c;font-size:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:18px}
.card{background:#fff;border-radius:8px;padding:14px 16px 10px;box-shadow:0 1px 2px rgba(16,42,67,.08)}
.card.wide{grid-column:1/-1}.card h2{font-size:15px;margin:0 0 2px;font-weight:600}
.card p.note{margin:0 0 8px;color:#616e7c;font-size:12px}
.changes{list-style:none;margin:0;padding:0}
.changes li{padding:6px 0;border-top:1px solid #e4e7eb;font-size:13px}
.changes time{color:#616e7c;margin-right:8px}.changes .field{font-weight:600}.changes .to{color:#2e7d32}
.changes .from{color:#9e2b25;text-decoration:line-through}.error{color:#9e2b25}
footer{color:#616e7c;font-size:12px;padding:0 28px 24px;max-width:1440px;margin:0 auto}
"""


def render_page(dashboard: Dashboard) -> str:
    first, last = dashboard.from_, dashboard.to
    window = f"{formats.day(first)} – {formats.day(last)} {last.year} (UTC)"
    query = f"from={first.isoformat()}&to={last.isoformat()}"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>SMART Connectors · results {escape(window)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>SMART Connectors · Results</h1><span class='window'>{escape(window)}</span>"
        "<form id='window' method='get'>"
        f"<label>From <input type='date' name='from' value='{first.isoformat()}'></label>"
        f"<label>To <input type='date' name='to' value='{last.isoformat()}'></label>"
        "<button type='submit'>Show</button></form></header><main>"
        f"{_kpis(dashboard)}<div class='grid'>{''.join(_cards(dashboard))}</div></main>"
        f"<footer>Read {dashboard.generated_at:%Y-%m-%d %H:%M} UTC from Dataverse and the queues."
        f" The same data as JSON: <a id='json' href='dashboard/data?{query}'>/api/dashboard/data?{query}</a>"
        f"</footer><script>{SCRIPT}</script></body></html>"
    )


def _kpis(dashboard: Dashboard) -> str:
    summary = dashboard.messaging.summary
    tiles = [
        (svg.number(summary.total), "messages"),
        (formats.percent(summary.delivery_rate), "delivered"),
        (formats.percent(summary.viber_read_rate), "read on Viber"),
        (formats.percent(summary.sms_fallback_rate), "SMS fallback"),
        (
            formats.duration(
                summary.median_seconds_to_deliver / 3600 if summary.median_seconds_to_deliver else None
            ),
            "median time to deliver",
        ),
        (svg.number(dashboard.shipments.total), "shipments"),
        (formats.duration(dashboard.shipments.median_hours_to_deliver), "median shipment delivery"),
        (svg.number(dashboard.payments.invoices), "invoices"),
        (svg.number(dashboard.dead_letters.total), "dead-lettered"),
    ]
    items = "".join(
        f"<div class='kpi'><b>{escape(value)}</b><span>{escape(label)}</span></div>" for value, label in tiles
    )
    return f"<section class='kpis' aria-label='Headline figures'>{items}</section>"


def _cards(dashboard: Dashboard) -> list[str]:
    messaging, counterparties = dashboard.messaging, dashboard.counterparties
    days = [day.day for day in messaging.by_day]
    campaigns = messaging.by_campaign[: charts.TOP_CAMPAIGNS]
    more = len(messaging.by_campaign) - len(campaigns)
    return [
        _card(
            "Messaging funnel per day",
            "Messages by the day they were queued, stacked by outcome.",
            charts.funnel_per_day(days, [d.counts for d in messaging.by_day]),
            wide=True,
        ),
        _card(
            "Funnel by channel",
            "By the channel GMS actually used.",
            charts.funnel_rows("by-channel", "Funnel by channel", messaging.by_channel),
        ),
        _card(
            "Funnel by campaign",
            f"The {len(campaigns)} largest campaigns" + (f" ({more} more in the JSON)." if more else "."),
            charts.funnel_rows("by-campaign", "Funnel by campaign", campaigns),
        ),
        _card("Shipments by status", charts.shipment_note(dashboard), charts.shipments(dashboard)),
        _card(
            "Invoiced, paid and overdue",
            "Invoices raised in the window, by currency.",
            charts.payments(dashboard),
        ),
        _card(
            "Counterparty risk",
            f"{formats.count(counterparties.accounts, 'account')} with a tax code.",
            charts.risk(dashboard),
        ),
        _card(
            "Dead letters per queue",
            dashboard.dead_letters.error
            or "Messages waiting for a replay (smart-connectors dlq list / replay).",
            charts.dead_letters(dashboard),
            error=bool(dashboard.dead_letters.error),
        ),
        _card(
            "Recent counterparty changes",
            f"{formats.count(counterparties.changes, 'change')} detected in the window; the latest first.",
            _changes(dashboard),
            wide=True,
        ),
    ]


def _card(title: str, note: str, body: str, *, wide: bool = False, error: bool = False) -> str:
    classes = "card wide" if wide else "card"
    note_class = "note error" if error else "note"
    heading = f"<h2>{escape(title)}</h2><p class='{note_class}'>{escape(note)}</p>"
    return f"<section class='{classes}'>{heading}{body}</section>"


def _changes(dashboard: Dashboard) -> str:
    items = []
    for change in dashboard.counterparties.recent_changes:
        when = change.detected_on.strftime("%d %b %H:%M") if change.detected_on else ""
        who = f"{change.account} · " if change.account else ""
        old = f"<span class='from'>{escape(formats.clip(change.old))}</span> → " if change.old else ""
        new = (
            f"<span class='to'>{escape(formats.clip(change.new))}</span>"
            if change.new
            else "<em>removed</em>"
        )
        items.append(
            f"<li><time>{escape(when)}</time>{escape(who)}"
            f"<span class='field'>{escape(change.field)}</span>: {old}{new}</li>"
        )
    return (
        f"<ol class='changes'>{''.join(items)}</ol>"
        if items
        else "<p class='note'>No changes in this window.</p>"
    )

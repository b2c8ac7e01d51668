"""Reconciliation: each item is terminal, dead-lettered with a reason, or lost, and duplicates are counted."""

from __future__ import annotations

import json
from typing import Any

from dataverse.schema import CheckStatus, MessageStatus, PaymentStatus, ShipmentStatus
from local_runtime.chaos.deadletters import DeadLetter
from local_runtime.chaos.driver import Answer
from local_runtime.chaos.reconcile import Snapshot, reconcile
from local_runtime.chaos.workload import Submission, Workload


def _item(kind: str, key: str, **extra: Any) -> Submission:
    return Submission(kind, key, "/api/x", {}, **extra)  # type: ignore[arg-type]


def _accepted(key: str, kind: str, **body: Any) -> Answer:
    return Answer(key, kind, status=202, body=dict(body), attempts=1)


def _row(key: str, status: int, **columns: Any) -> dict[str, Any]:
    return {"smart_idempotencykey": key, "smart_status": status, **columns}


WORKLOAD = Workload(
    seed=1,
    submissions=(
        _item("message", "m-delivered"),
        _item("message", "m-stuck-sent"),
        _item("message", "m-no-row"),
        _item("message", "m-dead"),
        _item("message", "m-never-accepted"),
        _item("batch", "b-1", recipients=3),
        _item("invoice", "i-paid"),
        _item("invoice", "i-behind"),
        _item("shipment", "s-received"),
        _item("shipment", "s-refused"),
        _item("check", "c-done"),
    ),
)
ANSWERS = {
    **{k: _accepted(k, "message") for k in ("m-delivered", "m-stuck-sent", "m-no-row", "m-dead")},
    "m-never-accepted": Answer("m-never-accepted", "message", status=None, attempts=9, last_problem="503"),
    "b-1": _accepted("b-1", "batch"),
    "i-paid": _accepted("i-paid", "invoice", invoice_id="INV2-A"),
    "i-behind": _accepted("i-behind", "invoice", invoice_id="INV2-B"),
    "s-received": _accepted("s-received", "shipment"),
    "s-refused": _accepted("s-refused", "shipment"),
    "c-done": _accepted("c-done", "check"),
}
MS = MessageStatus


def _snapshot(**changes: Any) -> Snapshot:
    base: dict[str, Any] = {
        "rows": {
            "smart_message": [
                _row("m-delivered", MS.DELIVERED.option_value),
                _row("m-stuck-sent", MS.SENT.option_value),
                _row("m-dead", MS.QUEUED.option_value),
                _row("b-1-r1", MS.READ.option_value, _smart_batchid_value="batch-1"),
                _row("b-1-r2", MS.FAILED.option_value, _smart_batchid_value="batch-1"),
            ],
            "smart_messagebatch": [{"smart_idempotencykey": "b-1", "smart_messagebatchid": "batch-1"}],
            "smart_payment": [
                _row("i-paid", PaymentStatus.PAID.option_value, smart_invoiceid="INV2-A"),
                _row("i-behind", PaymentStatus.SENT.option_value, smart_invoiceid="INV2-B"),
            ],
            "smart_shipment": [
                _row(
                    "s-received", ShipmentStatus.RECEIVED.option_value, smart_waybillnumber="20450000000001"
                ),
                {"smart_idempotencykey": "s-refused", "smart_error": "Nova Poshta refused: bad phone"},
            ],
            "smart_counterpartycheck": [_row("m:12345678:-:c-done", CheckStatus.COMPLETED.option_value)],
        },
        "dead_letters": [
            DeadLetter(
                "messages-outbound",
                "m-dead",
                "GmsApiError: 401",
                "",
                json.dumps({"id": "x", "key": "m-dead"}).encode(),
            )
        ],
        "gms_messages": [{"message_id": "g0", "extra_id": "m-delivered", "outcome": "viber_read"}],
        "gms_duplicates": {},
        "novaposhta_duplicates": {},
        "novaposhta_waybills": [
            {"number": "20450000000001", "status_code": "9", "client_barcode": "s-received"}
        ],
        "paypal_invoices": [
            {"id": "INV2-A", "status": "PAID", "reference": "i-paid"},
            {"id": "INV2-B", "status": "PAID", "reference": "i-behind"},
        ],
        "regressions": [],
    }
    base.update(changes)
    return Snapshot(**base)


def test_each_item_is_terminal_dead_lettered_or_lost_with_why() -> None:
    result = reconcile(WORKLOAD, ANSWERS, _snapshot())
    messages = result.tallies["message"]
    assert messages.submitted == 8 and messages.terminal == 3
    assert messages.dead_lettered == ["m-dead: messages-outbound: GmsApiError: 401"]
    assert sorted(messages.lost) == [
        "b-1#0: bulk-send recipient without a smart_message row",
        "m-never-accepted: never accepted by the API (last answer: 503)",
        "m-no-row: no smart_message row",
        "m-stuck-sent: sent",
    ]
    assert messages.behind_provider == ["m-delivered: CRM delivered, provider read"]
    assert result.tallies["invoice"].lost == ["i-behind: sent (PayPal: paid)"]
    assert result.tallies["shipment"].terminal == 2 and not result.tallies["shipment"].lost
    assert result.tallies["check"].terminal == 1
    assert result.lost == 5
    assert result.duplicate_count == 0


def test_duplicate_effects_come_from_the_providers_records() -> None:
    invoices = [
        {"id": "INV2-A", "status": "PAID", "reference": "i-paid"},
        {"id": "INV2-C", "status": "SENT", "reference": "i-paid"},
        {"id": "INV2-B", "status": "PAID", "reference": "i-behind"},
    ]
    snapshot = _snapshot(
        gms_duplicates={"m-delivered": ["g1", "g2"]},
        novaposhta_duplicates={"s-received": ["20450000000001", "20450000000002"]},
        novaposhta_waybills=[
            {"number": "20450000000001", "status_code": "9", "client_barcode": "s-received"},
            {"number": "20450000000002", "status_code": "1", "client_barcode": "s-received"},
        ],
        paypal_invoices=invoices,
    )
    result = reconcile(WORKLOAD, ANSWERS, snapshot)
    assert result.duplicates == {"gms": 1, "novaposhta": 1, "paypal": 1, "youscore": None}
    assert result.duplicate_count == 3
    assert result.duplicate_details["paypal"] == {
        "reference i-paid": 2,
        "no payment holds invoice INV2-C": "i-paid",
    }


def test_an_effect_made_again_under_another_key_is_a_duplicate_too() -> None:
    waybills = [
        {"number": "20450000000001", "status_code": "9", "client_barcode": "s-received"},
        {"number": "20450000000009", "status_code": "1", "client_barcode": "other"},
        {"number": "20450000000010", "status_code": "2", "client_barcode": "deleted"},
    ]
    messages = [
        {"message_id": "g0", "extra_id": "m-delivered", "outcome": "viber_read"},
        {"message_id": "g9", "extra_id": "msg-made-up", "outcome": "viber_read"},
    ]
    result = reconcile(WORKLOAD, ANSWERS, _snapshot(novaposhta_waybills=waybills, gms_messages=messages))
    assert result.duplicates == {"gms": 1, "novaposhta": 1, "paypal": 0, "youscore": None}


def test_dead_letters_of_each_queue_name_their_items() -> None:
    workload = Workload(
        seed=1,
        submissions=(
            _item("message", "m-report-dead"),
            _item("check", "c-dead"),
            _item("invoice", "i-event-dead"),
        ),
    )
    answers = {
        "m-report-dead": _accepted("m-report-dead", "message"),
        "c-dead": _accepted("c-dead", "check"),
        "i-event-dead": _accepted("i-event-dead", "invoice", invoice_id="INV2-D"),
    }
    event = {"id": "WH-1", "event_type": "INVOICING.INVOICE.PAID", "resource": {"invoice": {"id": "INV2-D"}}}
    letters = [
        DeadLetter(
            "delivery-reports",
            "dlr-1",
            "unreadable",
            "",
            json.dumps([{"extra_id": "m-report-dead"}]).encode(),
        ),
        DeadLetter(
            "counterparty-checks",
            "m:1#2",
            "YouScore down",
            "",
            json.dumps({"key": "m:123:-:c-dead"}).encode(),
        ),
        DeadLetter("paypal-events", "WH-1", "unusable PayPal event", "", json.dumps(event).encode()),
        DeadLetter("shipments", "x", "not JSON", "", b"\xff"),
    ]
    rows = {
        "smart_message": [_row("m-report-dead", MS.SENT.option_value)],
        "smart_counterpartycheck": [_row("m:123:-:c-dead", CheckStatus.PENDING.option_value)],
        "smart_payment": [_row("i-event-dead", PaymentStatus.SENT.option_value, smart_invoiceid="INV2-D")],
    }
    invoices = [{"id": "INV2-D", "status": "SENT", "reference": "i-event-dead"}]
    result = reconcile(
        workload, answers, _snapshot(rows=rows, dead_letters=letters, paypal_invoices=invoices)
    )
    assert result.tallies["message"].dead_lettered == ["m-report-dead: delivery-reports: unreadable"]
    assert result.tallies["check"].dead_lettered == ["c-dead: counterparty-checks: YouScore down"]
    assert result.tallies["invoice"].dead_lettered == ["i-event-dead: paypal-events: unusable PayPal event"]
    assert result.lost == 0
    assert len(result.dead_letters) == 4

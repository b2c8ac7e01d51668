"""The end of a chaos run: every submitted item is found where it must be, and provider effects are counted.

For each tracked item (a message, single or from a bulk send; a shipment; an invoice; a counterparty
check) the Dataverse emulator's row is read (the emulator runs in this process, so the reading itself
is not faulted) and the item is classified:

- **terminal**: its row holds a terminal status: a message ``delivered``, ``read``, ``failed``,
  ``expired``, ``rejected`` or ``not_sent``; a shipment ``received``, ``returned`` or ``deleted``
  (the sync's final states) or no waybill with the refusal recorded in ``smart_error``; an invoice
  ``paid``, ``partially_refunded``, ``refunded``, ``cancelled`` (or marked as such) agreeing with
  PayPal's own record, or ``failed`` with its reason; a counterparty check ``completed`` or ``failed``.
- **dead-lettered**: not terminal, and a dead-lettered queue message names it (its reason is listed).
- **lost**: anything else, with why: never accepted by the API, no row, or a non-terminal status
  (e.g. an invoice the CRM still shows ``sent`` while PayPal says ``paid``).

"Behind the provider" counts terminal items whose status is not the provider's own last word (a message
the CRM shows ``delivered`` that GMS records as read); it is reported, not counted as lost.

**Duplicate provider effects** are counted from the simulators' own records, as extra effects: GMS
messages accepted beyond the first for one ``extra_id`` (``duplicates_by_extra_id``) plus any whose
``extra_id`` is no message's key; live Nova Poshta waybills that no shipment row holds (the details show
the client barcodes shared by several live waybills); PayPal invoices that no payment row holds (the
details show the ``reference``, i.e. our idempotency key, shared by several invoices). An effect made
twice under one key and an effect made again under another key both count. YouScore calls are reads:
n/a.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dataverse.schema import CheckStatus, MessageStatus, PaymentStatus, ShipmentStatus
from local_runtime.chaos.deadletters import DeadLetter, index_dead_letters
from local_runtime.chaos.driver import Answer
from local_runtime.chaos.history import Regression
from local_runtime.chaos.workload import Workload

MS, SS, PS = MessageStatus, ShipmentStatus, PaymentStatus
MESSAGE_TERMINAL = {
    s.option_value for s in (MS.DELIVERED, MS.READ, MS.FAILED, MS.EXPIRED, MS.REJECTED, MS.NOT_SENT)
}
SHIPMENT_TERMINAL = {s.option_value for s in (SS.RECEIVED, SS.RETURNING, SS.RETURNED, SS.DELETED)}
PAYMENT_TERMINAL = {
    s.option_value
    for s in (
        PS.PAID,
        PS.PARTIALLY_REFUNDED,
        PS.REFUNDED,
        PS.CANCELLED,
        PS.MARKED_AS_PAID,
        PS.MARKED_AS_REFUNDED,
    )
}
CHECK_TERMINAL = {CheckStatus.COMPLETED.option_value, CheckStatus.FAILED.option_value}
GMS_FINAL = {
    "viber_delivered": "delivered",
    "viber_read": "read",
    "sms_delivered": "delivered",
    "failed": "failed",
    "expired": "expired",
    "blocked": "rejected",
}  # the message status each simulated GMS outcome ends in


@dataclass
class Snapshot:
    """What the stand-ins and the queue hold once the run has settled."""

    rows: dict[str, list[dict[str, Any]]]
    dead_letters: list[DeadLetter]
    gms_messages: list[dict[str, Any]]
    gms_duplicates: dict[str, list[str]]
    novaposhta_duplicates: dict[str, list[str]]
    novaposhta_waybills: list[dict[str, Any]]
    paypal_invoices: list[dict[str, Any]]
    regressions: list[Regression]


@dataclass
class Tally:
    submitted: int = 0
    terminal: int = 0
    dead_lettered: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    behind_provider: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)


@dataclass
class Reconciliation:
    tallies: dict[str, Tally]
    duplicates: dict[str, int | None]
    duplicate_details: dict[str, Any]
    regressions: list[Regression]
    dead_letters: list[DeadLetter]

    @property
    def lost(self) -> int:
        return sum(len(t.lost) for t in self.tallies.values())

    @property
    def duplicate_count(self) -> int:
        return sum(n for n in self.duplicates.values() if n)


def reconcile(workload: Workload, answers: dict[str, Answer], snapshot: Snapshot) -> Reconciliation:
    dead = index_dead_letters(snapshot.dead_letters, answers)
    tallies = {
        "message": _messages(workload, answers, snapshot, dead),
        "shipment": _simple(workload, answers, snapshot, dead, "shipment", "smart_shipment", _shipment_state),
        "invoice": _simple(
            workload, answers, snapshot, dead, "invoice", "smart_payment", _payment_state(snapshot)
        ),
        "check": _checks(workload, answers, snapshot, dead),
    }
    counts, details = _duplicates(snapshot)
    return Reconciliation(
        tallies=tallies,
        duplicates={**counts, "youscore": None},
        duplicate_details=details,
        regressions=snapshot.regressions,
        dead_letters=snapshot.dead_letters,
    )


def _duplicates(snap: Snapshot) -> tuple[dict[str, int | None], dict[str, dict[str, Any]]]:
    """Extra provider effects: per provider, how many, and which (with the key they share)."""
    rows = snap.rows
    known_keys = {str(r.get("smart_idempotencykey")) for r in rows.get("smart_message", [])}
    known_waybills = {str(r.get("smart_waybillnumber")) for r in rows.get("smart_shipment", [])}
    known_invoices = {str(r.get("smart_invoiceid")) for r in rows.get("smart_payment", [])}
    gms: dict[str, Any] = {f"extra_id {key}": ids for key, ids in snap.gms_duplicates.items()}
    stray = [m for m in snap.gms_messages if str(m.get("extra_id")) not in known_keys]
    gms |= {f"no message has extra_id {m.get('extra_id')}": [m.get("message_id")] for m in stray}
    waybills = [
        w
        for w in snap.novaposhta_waybills
        if w.get("status_code") != "2" and str(w["number"]) not in known_waybills
    ]
    novaposhta: dict[str, Any] = {
        f"barcode {key}": numbers for key, numbers in snap.novaposhta_duplicates.items()
    }
    novaposhta |= {f"no shipment holds waybill {w['number']}": w.get("client_barcode") for w in waybills}
    invoices = [i for i in snap.paypal_invoices if str(i["id"]) not in known_invoices]
    shared = Counter(str(i.get("reference")) for i in snap.paypal_invoices)
    paypal: dict[str, Any] = {f"reference {ref}": n for ref, n in shared.items() if n > 1}
    paypal |= {f"no payment holds invoice {i['id']}": i.get("reference") for i in invoices}
    extra_gms = sum(len(ids) - 1 for ids in snap.gms_duplicates.values()) + len(stray)
    counts: dict[str, int | None] = {"gms": extra_gms, "novaposhta": len(waybills), "paypal": len(invoices)}
    return counts, {"gms": gms, "novaposhta": novaposhta, "paypal": paypal}


def _by_key(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(row.get("smart_idempotencykey")): row for row in rows if row.get("smart_idempotencykey")}


def _classify(tally: Tally, key: str, state: tuple[bool, str, str | None], dead_reason: str | None) -> None:
    """``state`` = (terminal, what the row says, the provider's different last word or None)."""
    terminal, says, behind = state
    tally.statuses[says] += 1
    if terminal:
        tally.terminal += 1
        if behind:
            tally.behind_provider.append(f"{key}: CRM {says}, provider {behind}")
    elif dead_reason is not None:
        tally.dead_lettered.append(f"{key}: {dead_reason}")
    else:
        tally.lost.append(f"{key}: {says}")


def _missing(tally: Tally, key: str, answer: Answer | None, dead_reason: str | None, what: str) -> None:
    """An item without its row: never accepted by the API, or accepted and then lost."""
    if answer is None or not answer.accepted:
        tally.statuses["not accepted"] += 1
        if dead_reason is not None:
            tally.dead_lettered.append(f"{key}: {dead_reason}")
            return
        problem = answer.last_problem if answer else "never submitted"
        tally.lost.append(f"{key}: never accepted by the API (last answer: {problem})")
        return
    _classify(tally, key, (False, what, None), dead_reason)


def _messages(workload: Workload, answers: dict[str, Answer], snap: Snapshot, dead: dict[str, str]) -> Tally:
    tally = Tally()
    rows = snap.rows.get("smart_message", [])
    by_key = _by_key(rows)
    outcome = {str(m["extra_id"]): str(m["outcome"]) for m in snap.gms_messages if m.get("extra_id")}
    batch_ids = {str(b.get("smart_idempotencykey")): str(b.get("smart_messagebatchid"))
                 for b in snap.rows.get("smart_messagebatch", [])}  # fmt: skip
    for item in workload.submissions:
        if item.kind == "message":
            tally.submitted += 1
            row = by_key.get(item.key)
            if row is None:
                _missing(tally, item.key, answers.get(item.key), dead.get(item.key), "no smart_message row")
            else:
                _classify(tally, item.key, _message_state(row, outcome), dead.get(item.key))
        elif item.kind == "batch":
            tally.submitted += item.recipients
            batch_id = batch_ids.get(item.key)
            members = [r for r in rows if batch_id and str(r.get("_smart_batchid_value")) == batch_id]
            for row in members:
                key = str(row.get("smart_idempotencykey"))
                _classify(tally, key, _message_state(row, outcome), dead.get(key) or dead.get(item.key))
            for number in range(item.recipients - len(members)):
                what = "bulk-send recipient without a smart_message row"
                _missing(tally, f"{item.key}#{number}", answers.get(item.key), dead.get(item.key), what)
    return tally


def _message_state(row: dict[str, Any], outcome: dict[str, str]) -> tuple[bool, str, str | None]:
    value = int(row.get("smart_status") or MessageStatus.QUEUED.option_value)
    says = MessageStatus.from_option_value(value).value
    expected = GMS_FINAL.get(outcome.get(str(row.get("smart_idempotencykey")), ""))
    behind = expected if expected is not None and expected != says else None
    return value in MESSAGE_TERMINAL, says, behind


def _shipment_state(row: dict[str, Any]) -> tuple[bool, str, str | None]:
    value = row.get("smart_status")
    if not row.get("smart_waybillnumber"):
        refused = bool(row.get("smart_error"))
        return refused, "refused: " + str(row.get("smart_error"))[:80] if refused else "no waybill", None
    says = ShipmentStatus.from_option_value(int(value)).value if value is not None else "no status"
    return value in SHIPMENT_TERMINAL, says, None


def _payment_state(snap: Snapshot) -> Any:
    paypal = {str(i["id"]): str(i["status"]).lower() for i in snap.paypal_invoices}

    def state(row: dict[str, Any]) -> tuple[bool, str, str | None]:
        value = int(row.get("smart_status") or PaymentStatus.DRAFT.option_value)
        says = PaymentStatus.from_option_value(value).value
        if value == PaymentStatus.FAILED.option_value:
            return bool(row.get("smart_error")), says, None
        provider = paypal.get(str(row.get("smart_invoiceid") or ""))
        if provider is not None and provider != says:
            return False, f"{says} (PayPal: {provider})", None
        return value in PAYMENT_TERMINAL, says, None

    return state


def _simple(workload: Workload, answers: dict[str, Answer], snap: Snapshot, dead: dict[str, str],
            kind: str, table: str, state: Any) -> Tally:  # fmt: skip
    tally = Tally()
    by_key = _by_key(snap.rows.get(table, []))
    for item in workload.of(kind):  # type: ignore[arg-type]
        tally.submitted += 1
        row = by_key.get(item.key)
        if row is None:
            _missing(tally, item.key, answers.get(item.key), dead.get(item.key), f"no {table} row")
            continue
        _classify(tally, item.key, state(row), dead.get(item.key))
    return tally


def _checks(workload: Workload, answers: dict[str, Answer], snap: Snapshot, dead: dict[str, str]) -> Tally:
    tally = Tally()
    by_request = {str(r.get("smart_idempotencykey")).rsplit(":", 1)[-1]: r
                  for r in snap.rows.get("smart_counterpartycheck", [])}  # fmt: skip
    for item in workload.of("check"):
        tally.submitted += 1
        row = by_request.get(item.key)
        if row is None:
            _missing(
                tally, item.key, answers.get(item.key), dead.get(item.key), "no smart_counterpartycheck row"
            )
            continue
        value = int(row.get("smart_status") or CheckStatus.PENDING.option_value)
        state = (value in CHECK_TERMINAL, CheckStatus.from_option_value(value).value, None)
        _classify(tally, item.key, state, dead.get(item.key))
    return tally

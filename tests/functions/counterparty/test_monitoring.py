"""Scheduled monitoring, owner tasks, redelivery, outages and check-on-create, through the local runtime."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from connectors.youcontrol import NotReadyError, generate_codes, parse_code
from dataverse import DataverseClient
from dataverse.events import EventRouter, parse_event
from dataverse.schema import CheckStatus, RiskLevel
from functions.common import container
from functions.counterparty.events import register_event_handlers
from functions.counterparty.keys import Origin, scheduled_key
from functions.counterparty.messages import QUEUE, to_message
from functions.counterparty.records import CheckOrder
from functions.counterparty.repository import DataverseCheckStore
from functions.counterparty.service import CounterpartyChecks
from functions.counterparty.wiring import get_settings
from local_runtime.host import Invocation
from local_runtime.loopback import Faults
from local_runtime.simulators.youcontrol import FIXTURE_CODES, YouScoreSimulator
from local_runtime.stack import LocalStack
from tests.functions.counterparty._stack import create_account, create_user, crm, idle, rows, wait_for

CODES = generate_codes(8, seed=82)
TIMER = "counterparty_monitoring"


def _checks_of(
    stack: LocalStack, account: uuid.UUID, status: CheckStatus | None = None
) -> list[dict[str, Any]]:
    found = rows(stack, "smart_counterpartycheck", _smart_accountid_value=str(account))
    return [row for row in found if status is None or row["smart_status"] == status.option_value]


def _is_clean(sim: YouScoreSimulator, code: str) -> bool:
    record = sim.record(code)
    assert record is not None
    defendant = sum(1 for case in record.court_cases if case.side == 2 and case.stage != "decided")
    return not record.sanctions and not record.tax_debt and len(record.court_cases) < 3 and defendant < 3


def _invocations(stack: LocalStack) -> list[Invocation]:
    assert stack.host is not None
    return list(stack.host.invocations)


def _fire_timer(stack: LocalStack) -> None:
    assert stack.host is not None
    invocation = stack.host.fire_timer(TIMER)
    wait_for(lambda: any(i.id == invocation and i.finished for i in _invocations(stack)), what="timer run")


def test_the_timer_queues_each_monitored_account_once_per_slot_and_checks_it(
    sim: YouScoreSimulator, dataverse: DataverseClient, stack: LocalStack
) -> None:
    monitored = [create_account(dataverse, f"Моніторинг {n}", CODES[n], monitor=True) for n in range(3)]
    no_code = create_account(dataverse, "Без коду", "12345670", monitor=True)
    quiet = create_account(dataverse, "Не моніторимо", CODES[3])
    _fire_timer(stack)
    wait_for(
        lambda: all(_checks_of(stack, a, CheckStatus.COMPLETED) for a in monitored), what="scheduled checks"
    )
    _fire_timer(stack)  # a second firing in the same slot
    wait_for(lambda: idle(stack), what="queue drained")
    assert [len(_checks_of(stack, account)) for account in monitored] == [1, 1, 1]
    assert not _checks_of(stack, no_code) and not _checks_of(stack, quiet)
    assert _checks_of(stack, monitored[0])[0]["smart_trigger"] == 100000001  # scheduled


def test_the_owner_gets_a_task_when_risk_rises_or_a_sanction_appears_and_none_when_nothing_changed(
    api: requests.Session, base: str, sim: YouScoreSimulator, dataverse: DataverseClient, stack: LocalStack
) -> None:
    owner = create_user(dataverse, "Олена", "Продажі")
    code = FIXTURE_CODES["litigious"]
    risky = create_account(dataverse, "Будмонтаж", code, monitor=True, owner=owner)
    api.post(f"{base}/{code}/check", json={"request_id": "baseline", "refresh": True}, timeout=30)
    first = api.post(f"{base}/monitoring", json={"run_id": "owner-1"}, timeout=10)
    assert first.status_code == 202 and first.json()["queued"] >= 1
    wait_for(lambda: _checks_of(stack, risky, CheckStatus.COMPLETED), what="first scheduled check")
    assert not rows(stack, "task", _regardingobjectid_value=str(risky))  # medium as before: nothing new
    wait_for(lambda: (sim.evolve() or {}).get("name") == "sanction_added", what="sanction added")
    api.post(f"{base}/monitoring", json={"run_id": "owner-2", "refresh": True}, timeout=10)
    wait_for(lambda: len(_checks_of(stack, risky, CheckStatus.COMPLETED)) == 2, what="second check")
    [task] = wait_for(lambda: rows(stack, "task", _regardingobjectid_value=str(risky)), what="task")
    assert "new sanction: Санкційний список РНБО України" in task["description"]
    assert "risk rose from medium to critical" in task["description"] and task["prioritycode"] == 2
    assert task["_ownerid_value"] == str(owner) and "Будмонтаж" not in task["subject"]


def test_a_first_scheduled_check_of_a_clean_company_tells_nobody(
    sim: YouScoreSimulator, dataverse: DataverseClient, stack: LocalStack
) -> None:
    code = next(c for c in generate_codes(50, seed=83) if _is_clean(sim, c))
    calm = create_account(dataverse, "Спокійна", code, monitor=True)
    assert stack.queue is not None
    order = CheckOrder(
        key=scheduled_key(code, calm, "calm"), code=parse_code(code), account_id=calm, origin=Origin.SCHEDULED
    )
    stack.queue.send(QUEUE, to_message(order))
    [check] = wait_for(lambda: _checks_of(stack, calm, CheckStatus.COMPLETED), what="check")
    wait_for(lambda: idle(stack), what="queue drained")
    assert check["smart_risklevel"] == RiskLevel.LOW.option_value
    assert not rows(stack, "task", _regardingobjectid_value=str(calm))


def test_a_redelivered_or_duplicated_check_writes_its_task_and_rows_once(
    sim: YouScoreSimulator, dataverse: DataverseClient, stack: LocalStack
) -> None:
    account = create_account(dataverse, "Граніт", FIXTURE_CODES["sanctioned"], monitor=True)
    order = CheckOrder(
        key=scheduled_key(FIXTURE_CODES["sanctioned"], account, "dup"),
        code=parse_code(FIXTURE_CODES["sanctioned"]),
        account_id=account,
        origin=Origin.SCHEDULED,
    )
    message = to_message(order)
    assert stack.queue is not None
    for copy in range(3):  # what redelivery and an at-least-once sender produce: same check, new message ids
        stack.queue.send(QUEUE, type(message)(message.body, message_id=f"{message.message_id}-copy{copy}"))
    wait_for(lambda: _checks_of(stack, account, CheckStatus.COMPLETED), what="check")
    wait_for(lambda: idle(stack), what="queue drained")
    assert len(_checks_of(stack, account)) == 1
    assert len(rows(stack, "task", _regardingobjectid_value=str(account))) == 1
    assert stack.queue.counts(QUEUE)["dead_letter"] == 0


def test_a_scheduled_check_during_an_outage_stays_pending_and_is_retried_not_lost(
    sim: YouScoreSimulator, dataverse: DataverseClient, stack: LocalStack
) -> None:
    account = create_account(dataverse, "Під час збою", CODES[5], monitor=True)
    order = CheckOrder(
        key=scheduled_key(CODES[5], account, "outage"),
        code=parse_code(CODES[5]),
        account_id=account,
        origin=Origin.SCHEDULED,
    )
    sim.set_faults(Faults(error_rate=1.0, error_status=503, only_paths=("/v1/",)))
    assert stack.queue is not None and stack.host is not None
    stack.queue.send(QUEUE, to_message(order))
    wait_for(lambda: _checks_of(stack, account, CheckStatus.PENDING), what="pending row")
    wait_for(
        lambda: any(
            i.function == "counterparty_checks"
            and i.outcome == "failed"
            and i.detail.get("message_id") == order.key
            for i in _invocations(stack)
        )
    )
    sim.set_faults(None)
    wait_for(
        lambda: _checks_of(stack, account, CheckStatus.COMPLETED), timeout=40, what="completed after outage"
    )
    assert stack.queue.counts(QUEUE)["dead_letter"] == 0


class _AlwaysRefreshing:
    """A source whose every answer is 202, as YouScore while a registry is down for long."""

    configured_modules: frozenset[str] = frozenset()

    def __getattr__(self, name: str) -> Any:
        def not_ready(*args: Any, **kwargs: Any) -> Any:
            raise NotReadyError("202", module=name.removeprefix("get_"), status=202, retry_after=1.0)

        return not_ready


def test_a_check_still_not_ready_after_the_last_attempt_ends_failed_with_the_reason(
    stack: LocalStack,
) -> None:
    store = DataverseCheckStore(crm(stack))
    assert stack.queue is not None
    checks = CounterpartyChecks(_AlwaysRefreshing(), store, stack.queue, not_ready_max_attempts=3)  # type: ignore[arg-type]
    order = CheckOrder(
        key="s:test:not-ready", code=parse_code(CODES[6]), account_id=None, origin=Origin.SCHEDULED
    )
    checks.process(order)  # attempt 1: pending, retried later
    pending = checks.status(order.check_id)
    assert pending is not None and pending.status == "pending" and pending.error is None
    assert "refreshing" in (pending.reason or "")
    assert (
        rows(stack, "smart_counterpartycheck", smart_idempotencykey=order.key)[0]["smart_status"] == 100000000
    )
    last = CheckOrder(key=order.key, code=order.code, account_id=None, origin=Origin.SCHEDULED, attempt=3)
    checks.process(last)
    [row] = rows(stack, "smart_counterpartycheck", smart_idempotencykey=order.key)
    assert row["smart_status"] == CheckStatus.FAILED.option_value and "3 attempts" in row["smart_error"]


def _create_event(account: uuid.UUID, code: str) -> dict[str, Any]:
    """A Create message of account as Dataverse's Service Bus endpoint sends it (RemoteExecutionContext)."""
    entity = "Entity:http://schemas.microsoft.com/xrm/2011/Contracts"
    return {
        "BusinessUnitId": str(uuid.uuid4()),
        "CorrelationId": str(uuid.uuid4()),
        "Depth": 1,
        "InitiatingUserId": str(uuid.uuid4()),
        "UserId": str(uuid.uuid4()),
        "OrganizationId": str(uuid.uuid4()),
        "OrganizationName": "contoso",
        "MessageName": "Create",
        "Mode": 1,
        "Stage": 40,
        "OperationCreatedOn": "/Date(1795442400000)/",
        "OperationId": str(uuid.uuid4()),
        "RequestId": str(uuid.uuid4()),
        "PrimaryEntityId": str(account),
        "PrimaryEntityName": "account",
        "SecondaryEntityName": "none",
        "IsExecutingOffline": False,
        "IsInTransaction": False,
        "IsOfflinePlayback": False,
        "IsolationMode": 1,
        "OwningExtension": None,
        "ParentContext": None,
        "InputParameters": [
            {
                "key": "Target",
                "value": {
                    "__type": entity,
                    "LogicalName": "account",
                    "Id": str(account),
                    "Attributes": [
                        {"key": "accountid", "value": str(account)},
                        {"key": "name", "value": "Нова компанія"},
                        {"key": "smart_edrpou", "value": code},
                    ],
                    "FormattedValues": [],
                    "KeyAttributes": [],
                    "RelatedEntities": [],
                    "RowVersion": None,
                },
            }
        ],
        "OutputParameters": [{"key": "id", "value": str(account)}],
        "PreEntityImages": [],
        "PostEntityImages": [],
        "SharedVariables": [],
    }


def test_a_new_account_with_a_code_is_checked_unless_switched_off(
    sim: YouScoreSimulator, dataverse: DataverseClient, stack: LocalStack
) -> None:
    router = EventRouter()
    register_event_handlers(router)
    assert ("account", "create") in router.routes()
    account = create_account(dataverse, "Нова компанія", CODES[7])  # the row the event is about
    assert router.dispatch(parse_event(_create_event(account, CODES[7]))) == 1
    wait_for(lambda: _checks_of(stack, account, CheckStatus.COMPLETED), what="on-create check")
    card = dataverse.retrieve("accounts", account)
    assert card["smart_lastcheckedon"] and card["address1_city"] and card["name"] == "Нова компанія"
    original = get_settings()
    container.provide("settings.counterparty", original.model_copy(update={"check_on_create": False}))
    try:
        other = create_account(dataverse, "Ще одна", CODES[7])
        router.dispatch(parse_event(_create_event(other, CODES[7])))
        wait_for(lambda: idle(stack), what="queue drained")
        assert not _checks_of(stack, other)
    finally:
        container.provide("settings.counterparty", original)


def test_monitoring_run_validates_its_body(api: requests.Session, base: str) -> None:
    response = api.post(f"{base}/monitoring", json={"run_id": "has space"}, timeout=10)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "run_id"

"""Use cases of counterparty checks: look up, check now (or in the background), status, latest, queue work.

A check reads the stored row first (a finished check is answered from Dataverse, never re-run), then
resolves the accounts (bad input fails before any paid call), asks YouScore for everything, compares
with the previous completed check of the code and writes the outcome in one transaction.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Protocol

from connectors.youcontrol import (
    CounterpartyCode,
    NotReadyError,
    UnexpectedResponseError,
    YouScoreApiError,
    YouScoreAuthError,
    YouScoreError,
)
from dataverse import DataverseApiError, DataverseConnectionError
from functions.common.bus import MessageBus
from functions.common.problems import Problem
from functions.counterparty.changes import Change, detect_changes
from functions.counterparty.fetch import (
    CheckNotReady,
    CounterpartyNotFound,
    ReportSource,
    gather_report,
    lookup_card,
)
from functions.counterparty.findings import findings_of
from functions.counterparty.freshness import not_older_than
from functions.counterparty.keys import Origin
from functions.counterparty.messages import QUEUE, to_message
from functions.counterparty.models import CheckAccepted, CheckResult, LookupResult
from functions.counterparty.presentation import (
    account_fields,
    account_updates,
    completed_result,
    owner_task,
    stored_result,
    summary_text,
)
from functions.counterparty.records import AccountRow, CheckOrder, ConcurrentCheckError, Outcome, StoredCheck
from functions.counterparty.report import registry_info
from functions.counterparty.risk import alert_reasons, assess_risk

_log = logging.getLogger("smart.counterparty")
OUTAGE_RETRY_AFTER = 30.0


class CheckStore(Protocol):
    def get_check(self, check_id: uuid.UUID) -> StoredCheck | None: ...
    def latest_checks(self, code: str, *, completed: bool, top: int = 1) -> list[StoredCheck]: ...
    def account(self, account_id: uuid.UUID) -> AccountRow | None: ...
    def accounts_with_code(self, code: str) -> list[AccountRow]: ...
    def changes(self, check_id: uuid.UUID) -> list[Change]: ...
    def monitored_accounts(self) -> Iterator[tuple[uuid.UUID, str | None]]: ...
    def save_pending(self, order: CheckOrder, reason: str) -> None: ...
    def save_failed(self, order: CheckOrder, stored: StoredCheck | None, reason: str) -> None: ...
    def save_outcome(self, outcome: Outcome) -> None: ...


@contextmanager
def _dataverse_outage_as_503() -> Iterator[None]:
    """Dataverse throttling or unreachable during an HTTP call: 503 with Retry-After, not a 500."""
    try:
        yield
    except (DataverseApiError, DataverseConnectionError) as error:
        if not error.is_transient:
            raise
        wait = error.retry_after or 5.0
        raise Problem(503, "Dataverse is not answering now; try again later.", retry_after=wait) from error


class AccountProblem(Exception):
    """The account named in the request does not exist or belongs to another code."""


def _provider_problem(error: YouScoreError) -> Problem:
    if error.is_transient:
        wait = error.retry_after or OUTAGE_RETRY_AFTER
        return Problem(503, "YouScore is not answering now; try again later.", retry_after=wait)
    if isinstance(error, YouScoreAuthError | UnexpectedResponseError):
        return Problem(502, f"YouScore could not be used: {error}")
    status = error.status if isinstance(error, YouScoreApiError) else None
    return Problem(422, f"YouScore refused the request ({status}): {error}")


def _not_found(code: CounterpartyCode) -> Problem:
    detail = f"The state register has no counterparty with code {code.masked}."
    return Problem(404, detail, errors=[{"field": "code", "message": "not in the state register"}])


class CounterpartyChecks:
    def __init__(
        self,
        source: ReportSource,
        store: CheckStore,
        bus: MessageBus,
        *,
        court_pages: int = 1,
        not_ready_max_attempts: int = 15,
        retry_delay: float | None = None,
    ) -> None:
        self.source = source
        self.store = store
        self.bus = bus
        self.court_pages = court_pages
        self.not_ready_max_attempts = not_ready_max_attempts
        self.retry_delay = retry_delay

    # -- HTTP use cases -------------------------------------------------------------------------------

    def lookup(self, code: CounterpartyCode) -> LookupResult:
        """Registry fields for auto-filling a new card; writes nothing."""
        try:
            registry = registry_info(lookup_card(self.source, code))
        except CounterpartyNotFound:
            raise _not_found(code) from None
        except NotReadyError as pending:
            raise Problem(503, "YouScore is refreshing this card.", retry_after=pending.retry_after) from None
        except YouScoreError as error:
            raise _provider_problem(error) from error
        return LookupResult(registry=registry, account=account_fields(registry))

    def check_now(self, order: CheckOrder, status_url: str) -> CheckResult | CheckAccepted:
        """Run the check; when YouScore is not ready or not answering, finish it in the background."""
        with _dataverse_outage_as_503():
            return self._check_now(order, status_url)

    def _check_now(self, order: CheckOrder, status_url: str) -> CheckResult | CheckAccepted:
        stored = self.store.get_check(order.check_id)
        if stored is not None and stored.is_final:
            return stored_result(stored, self.store.changes(stored.id))
        try:
            return self._run(order, stored)
        except CheckNotReady as pending:
            return self._defer(order, stored, pending.retry_after, str(pending), status_url)
        except CounterpartyNotFound:
            self._fail(order, stored, "not in the state register")
            raise _not_found(order.code) from None
        except AccountProblem as problem:
            raise Problem(
                422, str(problem), errors=[{"field": "account_id", "message": str(problem)}]
            ) from None
        except YouScoreError as error:
            if error.is_transient:
                wait = error.retry_after or OUTAGE_RETRY_AFTER
                return self._defer(order, stored, wait, f"YouScore unavailable: {error}", status_url)
            self._fail(order, stored, str(error))
            raise _provider_problem(error) from error

    def status(self, check_id: uuid.UUID) -> CheckResult | None:
        with _dataverse_outage_as_503():
            stored = self.store.get_check(check_id)
            if stored is None:
                return None
            return stored_result(stored, self.store.changes(stored.id) if stored.is_final else [])

    def latest(self, code: CounterpartyCode) -> CheckResult | None:
        """The latest completed check of the code, else the latest other one (pending, failed), else None."""
        with _dataverse_outage_as_503():
            completed = self.store.latest_checks(code.value, completed=True)
            if completed:
                return stored_result(completed[0], self.store.changes(completed[0].id))
            recent = self.store.latest_checks(code.value, completed=False)
            return stored_result(recent[0], []) if recent else None

    # -- queue ----------------------------------------------------------------------------------------

    def process(self, order: CheckOrder) -> None:
        """Run a queued check. Outages raise (redelivery); every other end is a terminal row or a retry."""
        stored = self.store.get_check(order.check_id)
        if stored is not None and stored.is_final:
            _log.info("check %s already %s; nothing to do", order.check_id, stored.status.value)
            return
        try:
            self._run(order, stored)
        except CheckNotReady as pending:
            if order.attempt >= self.not_ready_max_attempts:
                reason = f"YouScore kept refreshing {', '.join(pending.modules)} for {order.attempt} attempts"
                self._fail(order, stored, reason)
                return
            self._defer(order, stored, pending.retry_after, str(pending), None)
        except (CounterpartyNotFound, AccountProblem) as final:
            self._fail(order, stored, str(final))
        except YouScoreError as error:
            if not error.is_transient:
                self._fail(order, stored, str(error))
                return
            if stored is None:
                self.store.save_pending(order, f"YouScore unavailable: {type(error).__name__}")
            raise  # abandon: the queue delivers it again, then dead-letters it with this reason

    # -- the check ------------------------------------------------------------------------------------

    def _fail(self, order: CheckOrder, stored: StoredCheck | None, reason: str) -> None:
        """Record the terminal failure; a row another worker changed meanwhile is re-read once."""
        try:
            self.store.save_failed(order, stored, reason)
        except ConcurrentCheckError:
            current = self.store.get_check(order.check_id)
            if current is not None and not current.is_final:
                self.store.save_failed(order, current, reason)

    def _accounts(self, order: CheckOrder) -> list[AccountRow]:
        if order.account_id is None:
            return self.store.accounts_with_code(order.code.value)
        account = self.store.account(order.account_id)
        if account is None:
            raise AccountProblem(f"account {order.account_id} does not exist")
        if account.code and account.code.strip() != order.code.value:
            raise AccountProblem(f"account {order.account_id} has another company code")
        return [account]

    def _run(self, order: CheckOrder, stored: StoredCheck | None) -> CheckResult:
        accounts = self._accounts(order)
        with not_older_than(order.fresh_after):
            report = gather_report(self.source, order.code, court_pages=self.court_pages)
        checked_on = datetime.now(UTC)
        previous = next(
            (
                c
                for c in self.store.latest_checks(order.code.value, completed=True, top=2)
                if c.id != order.check_id
            ),
            None,
        )
        before = previous.report if previous is not None else None
        risk = assess_risk(report)
        changes = detect_changes(before, report)
        reasons = alert_reasons(before, report) if order.origin is not Origin.MANUAL else []
        account_id = order.account_id or (accounts[0].id if accounts else None)
        summary = summary_text(report, risk, changes)
        outcome = Outcome(
            order=order,
            stored=stored,
            report=report,
            risk=risk,
            checked_on=checked_on,
            summary=summary,
            account_id=account_id,
            changes=changes,
            findings=findings_of(report),
            previous_had_findings=before is None or bool(findings_of(before)),
            account_updates={a.id: account_updates(a, report, risk, checked_on) for a in accounts},
            tasks=[owner_task(a, report, risk, reasons) for a in accounts] if reasons else [],
        )
        try:
            self.store.save_outcome(outcome)
        except ConcurrentCheckError:
            winner = self.store.get_check(order.check_id)
            if winner is None or not winner.is_final:
                raise
            return stored_result(winner, self.store.changes(winner.id))
        _log.info(
            "check of %s completed: risk %s, %d change(s), %d task(s)",
            order.code.masked, risk.value, len(changes), len(outcome.tasks),
        )  # fmt: skip
        return completed_result(
            order.check_id, order.trigger.value, account_id, report, risk, checked_on, changes, summary
        )

    def _defer(
        self, order: CheckOrder, stored: StoredCheck | None, wait: float, reason: str, status_url: str | None
    ) -> CheckAccepted:
        if stored is None:
            self.store.save_pending(order, reason)
        wait = self.retry_delay or wait
        retry = CheckOrder(
            key=order.key,
            code=order.code,
            account_id=order.account_id,
            origin=order.origin,
            attempt=order.attempt + 1,
            fresh_after=order.fresh_after,
        )
        self.bus.send(QUEUE, to_message(retry, delay=wait))
        _log.info(
            "check of %s deferred %.0f s (attempt %d): %s", order.code.masked, wait, retry.attempt, reason
        )
        return CheckAccepted(
            check_id=order.check_id,
            code=order.code.value,
            status="pending",
            status_url=status_url or "",
            retry_after=max(1, math.ceil(wait)),
            reason=reason,
        )

"""Ask YouScore for everything a check needs and fold the answers into one ``CounterpartyReport``.

Every module is asked even when an earlier one answered 202 (not ready): the answers that did come are
cached by the client, so the retry pays only for what was missing. Then one ``CheckNotReady`` carries
the longest wait. VAT and scoring are extras: no key, or a key YouScore refuses for them, leaves them
out (listed in ``unavailable``) instead of failing the check. Outages (timeouts, 5xx, 429 after the
client's retries) propagate as ``YouScoreError`` with ``is_transient``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol, TypeVar

from connectors.youcontrol import (
    MAX_PAGE_SIZE,
    CounterpartyCode,
    CourtCase,
    CourtCasesPage,
    ExpressAnalysis,
    FinancialScoring,
    ModuleNotConfiguredError,
    NotFound,
    NotReadyError,
    RegistryCard,
    SanctionsReport,
    TaxDebtReport,
    VatStatus,
    YouScoreAuthError,
    YouScoreModule,
)
from functions.counterparty.report import CounterpartyReport, build_report

_log = logging.getLogger("smart.counterparty")
_T = TypeVar("_T")


class ReportSource(Protocol):
    """The part of ``YouScoreClient`` a check uses."""

    @property
    def configured_modules(self) -> frozenset[YouScoreModule]: ...

    def get_registry_card(
        self, code: str | CounterpartyCode, *, show_current_data: bool = False
    ) -> RegistryCard | NotFound: ...

    def get_sanctions(self, code: str | CounterpartyCode) -> SanctionsReport: ...

    def get_tax_debt(self, code: str | CounterpartyCode) -> TaxDebtReport: ...

    def get_court_cases(
        self, code: str | CounterpartyCode, *, top: int = ..., skip: int = ..., show_current_data: bool = ...
    ) -> CourtCasesPage: ...

    def get_express_analysis(
        self, code: str | CounterpartyCode, *, show_current_data: bool = False, show_prompt: bool = False
    ) -> ExpressAnalysis | NotFound: ...

    def get_vat_status(
        self, code: str | CounterpartyCode, *, show_current_data: bool = False
    ) -> VatStatus: ...

    def get_financial_scoring(self, code: str | CounterpartyCode) -> FinancialScoring | NotFound: ...


class CheckNotReady(Exception):
    """YouScore is refreshing some of the data (202): ask again after ``retry_after`` seconds."""

    def __init__(self, modules: list[str], retry_after: float) -> None:
        super().__init__(f"YouScore is still refreshing {', '.join(modules)}")
        self.modules = modules
        self.retry_after = retry_after


class CounterpartyNotFound(Exception):
    """The state register has no counterparty with this code."""

    def __init__(self, code: CounterpartyCode) -> None:
        super().__init__(f"the state register has no counterparty with code {code.masked}")
        self.code = code


class _Gathering:
    def __init__(self, code: CounterpartyCode) -> None:
        self.code = code
        self.not_ready: list[NotReadyError] = []
        self.unavailable: list[str] = []

    def ask(self, call: Callable[[], _T]) -> _T | None:
        try:
            return call()
        except NotReadyError as pending:
            self.not_ready.append(pending)
            return None

    def ask_optional(self, module: YouScoreModule, call: Callable[[], _T]) -> _T | None:
        try:
            return self.ask(call)
        except (ModuleNotConfiguredError, YouScoreAuthError) as refused:
            _log.info(
                "youscore %s not available for %s: %s", module, self.code.masked, type(refused).__name__
            )
            self.unavailable.append(module.value)
            return None


def _court_cases(source: ReportSource, code: CounterpartyCode, pages: int) -> tuple[list[CourtCase], int]:
    cases: list[CourtCase] = []
    total = 0
    for page_number in range(pages):
        page = source.get_court_cases(code, top=MAX_PAGE_SIZE, skip=page_number * MAX_PAGE_SIZE)
        cases.extend(page.cases)
        total = page.total_results
        if len(cases) >= total or not page.cases:
            break
    return cases, total


def gather_report(
    source: ReportSource, code: CounterpartyCode, *, court_pages: int = 1
) -> CounterpartyReport:
    """The full check of ``code``; raises ``CheckNotReady``, ``CounterpartyNotFound`` or a YouScoreError."""
    run = _Gathering(code)
    card = run.ask(lambda: source.get_registry_card(code))
    if isinstance(card, NotFound):
        raise CounterpartyNotFound(code)
    sanctions = run.ask(lambda: source.get_sanctions(code))
    tax_debt = run.ask(lambda: source.get_tax_debt(code))
    courts = run.ask(lambda: _court_cases(source, code, court_pages))
    express = run.ask(lambda: source.get_express_analysis(code))
    vat: VatStatus | None = None
    scoring: FinancialScoring | NotFound | None = None
    configured = source.configured_modules
    if YouScoreModule.VAT in configured:
        vat = run.ask_optional(YouScoreModule.VAT, lambda: source.get_vat_status(code))
    else:
        run.unavailable.append(YouScoreModule.VAT.value)
    if YouScoreModule.SCORING in configured:
        scoring = run.ask_optional(YouScoreModule.SCORING, lambda: source.get_financial_scoring(code))
    else:
        run.unavailable.append(YouScoreModule.SCORING.value)
    if run.not_ready:
        modules = sorted({pending.module for pending in run.not_ready})
        wait = max(pending.retry_after or 0.0 for pending in run.not_ready)
        raise CheckNotReady(modules, wait)
    assert card is not None and sanctions is not None and tax_debt is not None and courts is not None
    return build_report(
        card,
        sanctions,
        tax_debt,
        courts[0],
        courts[1],
        express if isinstance(express, ExpressAnalysis) else None,
        vat,
        scoring if isinstance(scoring, FinancialScoring) else None,
        run.unavailable,
    )


def lookup_card(source: ReportSource, code: CounterpartyCode) -> RegistryCard:
    """The registry card for auto-fill: fresh, or YouScore's stored copy while it refreshes (no 202)."""
    try:
        card = source.get_registry_card(code)
    except NotReadyError:
        _log.info("youscore registry refreshing %s; using its stored card for the lookup", code.masked)
        card = source.get_registry_card(code, show_current_data=True)
    if isinstance(card, NotFound):
        raise CounterpartyNotFound(code)
    return card

"""The real client against the YouScore simulator over loopback HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from connectors.common.retry import NO_RETRY, RetryPolicy
from connectors.youcontrol import (
    CounterpartyKind,
    CourtCaseStage,
    InvalidCodeError,
    MemoryResponseCache,
    ModuleNotConfiguredError,
    NoRateLimit,
    NotFound,
    NotReadyError,
    RateLimitedError,
    RegistryCard,
    SlidingWindowRateLimiter,
    YouScoreApiError,
    YouScoreAuthError,
    YouScoreClient,
    YouScoreConnectionError,
    YouScoreKeys,
    generate_codes,
)
from local_runtime.loopback import Faults
from local_runtime.simulators.youcontrol import FIXTURE_CODES, YouScoreSimulator
from tests.connectors.youcontrol._fakes import FakeClock

KEY = "sim-youscore-key"
NO_WAIT_RETRY = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0, sleep=lambda _: None)
CLEAN = FIXTURE_CODES["clean"]


@pytest.fixture
def sim() -> Iterator[YouScoreSimulator]:
    with YouScoreSimulator() as simulator:
        yield simulator


@pytest.fixture
def ready_sim() -> Iterator[YouScoreSimulator]:
    with YouScoreSimulator(not_ready_first=False) as simulator:
        yield simulator


def _client(
    simulator: YouScoreSimulator, keys: YouScoreKeys | None = None, **options: object
) -> YouScoreClient:
    options.setdefault("retry", NO_WAIT_RETRY)
    return YouScoreClient(simulator.url, keys or YouScoreKeys.shared(KEY), **options)  # type: ignore[arg-type]


def _card(result: RegistryCard | NotFound) -> RegistryCard:
    assert isinstance(result, RegistryCard), result
    return result


def test_full_company_card_is_parsed(ready_sim: YouScoreSimulator) -> None:
    with _client(ready_sim) as client:
        card = _card(client.get_registry_card(CLEAN))
    assert card.code == CLEAN and card.kind is CounterpartyKind.COMPANY
    assert card.full_name == "ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ «СВІТАНОК-ТЕСТ»"
    assert card.short_name == "ТОВ «СВІТАНОК-ТЕСТ»"
    assert card.status == "Не перебуває в процесі припинення"
    assert card.registration_date is not None and card.registration_date.year == 2012
    assert card.address is not None and "Київ" in card.address
    assert card.director is not None and card.director.name == "КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ"
    assert {f.name for f in card.beneficiaries} == {"КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ", "БОНДАР МАРІЯ ІВАНІВНА"}
    assert card.main_activity is not None and card.main_activity.code == "46.90"
    assert len(card.activities) == 2
    assert card.authorised_capital == 100_000.0


def test_sole_trader_and_liquidated_cards(ready_sim: YouScoreSimulator) -> None:
    with _client(ready_sim) as client:
        trader = _card(client.get_registry_card(FIXTURE_CODES["sole_trader"]))
        liquidated = _card(client.get_registry_card(FIXTURE_CODES["liquidated"]))
    assert trader.kind is CounterpartyKind.SOLE_TRADER
    assert trader.code == FIXTURE_CODES["sole_trader"] and trader.full_name == "МЕЛЬНИК ІРИНА ОЛЕГІВНА"
    assert liquidated.is_terminated


def test_findings_of_the_problem_companies(ready_sim: YouScoreSimulator) -> None:
    with _client(ready_sim) as client:
        sanctions = client.get_sanctions(FIXTURE_CODES["sanctioned"])
        no_sanctions = client.get_sanctions(CLEAN)
        debt = client.get_tax_debt(FIXTURE_CODES["tax_debtor"])
        no_debt = client.get_tax_debt(CLEAN)
        express = client.get_express_analysis(FIXTURE_CODES["sanctioned"])
        vat = client.get_vat_status(CLEAN)
        scoring = client.get_financial_scoring(CLEAN)
    assert sanctions.is_sanctioned and len(sanctions.sanctions) == 2
    assert all(s.date and s.source and s.description for s in sanctions.sanctions)
    assert not no_sanctions.is_sanctioned and not no_sanctions.found
    assert debt.has_debt and debt.debt == 184_325.17
    assert not no_debt.has_debt
    assert not isinstance(express, NotFound)
    assert any(f.feature_id == 1 for f in express.risk_factors)
    assert vat.is_vat_payer and vat.vat_number
    assert not isinstance(scoring, NotFound) and scoring.latest is not None


def test_court_cases_page_through_top_and_skip(ready_sim: YouScoreSimulator) -> None:
    with _client(ready_sim) as client:
        first = client.get_court_cases(FIXTURE_CODES["litigious"], top=10)
        rest = client.get_court_cases(FIXTURE_CODES["litigious"], top=10, skip=10)
        with pytest.raises(ValueError):
            client.get_court_cases(CLEAN, top=101)
    assert first.total_results == 14 and len(first.cases) == 10 and first.next_page_url
    assert len(rest.cases) == 4 and rest.next_page_url is None
    numbers = [case.case_number for case in (*first.cases, *rest.cases)]
    assert len(set(numbers)) == 14
    assert {case.stage for case in first.cases} >= {CourtCaseStage.DECIDED, CourtCaseStage.SCHEDULED}
    assert all(case.subject and case.court_name for case in first.cases)


def test_unregistered_code_is_a_typed_not_found(ready_sim: YouScoreSimulator) -> None:
    code = FIXTURE_CODES["unregistered"]
    with _client(ready_sim) as client:
        assert client.get_registry_card(code) == NotFound(module="registry", code=code)
        assert isinstance(client.get_express_analysis(code), NotFound)
        assert client.get_sanctions(code).found is False


def test_202_raises_not_ready_then_the_retry_succeeds_and_only_the_200_is_cached(
    sim: YouScoreSimulator,
) -> None:
    cache = MemoryResponseCache()
    with _client(sim, cache=cache) as client:
        with pytest.raises(NotReadyError) as caught:
            client.get_registry_card(CLEAN)
        assert caught.value.is_transient and caught.value.retry_after and caught.value.status == 202
        assert caught.value.current_data_url
        assert cache.stats().stores == 0
        card = _card(client.get_registry_card(CLEAN))
    assert card.code == CLEAN
    assert cache.stats().stores == 1
    assert sim.state()["not_ready_sent"] == {"registry": 1}


def test_show_current_data_avoids_the_202(sim: YouScoreSimulator) -> None:
    with _client(sim) as client:
        assert isinstance(client.get_registry_card(CLEAN, show_current_data=True), RegistryCard)


def test_a_cache_hit_makes_no_http_call(ready_sim: YouScoreSimulator) -> None:
    with _client(ready_sim, cache=MemoryResponseCache()) as client:
        first = client.get_sanctions(FIXTURE_CODES["sanctioned"])
        paid, requests_before = ready_sim.paid_calls(), ready_sim.server.total_requests
        again = client.get_sanctions(FIXTURE_CODES["sanctioned"])
    assert again == first
    assert ready_sim.paid_calls() == paid == 1
    assert ready_sim.server.total_requests == requests_before


def test_an_expired_entry_is_fetched_again(ready_sim: YouScoreSimulator) -> None:
    clock = FakeClock()
    with _client(ready_sim, cache=MemoryResponseCache(ttl=60.0, clock=clock)) as client:
        client.get_tax_debt(FIXTURE_CODES["tax_debtor"])
        clock.advance(61.0)
        client.get_tax_debt(FIXTURE_CODES["tax_debtor"])
    assert ready_sim.paid_calls("tax_debt") == 2


def test_errors_and_not_found_are_not_cached(ready_sim: YouScoreSimulator) -> None:
    cache = MemoryResponseCache()
    with _client(ready_sim, cache=cache) as client:
        client.get_registry_card(FIXTURE_CODES["unregistered"])
        client.get_registry_card(FIXTURE_CODES["unregistered"])
    assert cache.stats().stores == 0
    assert ready_sim.server.total_requests == 2


def test_changes_between_checks_are_visible(ready_sim: YouScoreSimulator) -> None:
    with _client(ready_sim) as client:
        before = _card(client.get_registry_card(CLEAN))
        assert ready_sim.evolve() is not None  # director replaced
        after = _card(client.get_registry_card(CLEAN))
    assert before.director is not None and after.director is not None
    assert before.director.name != after.director.name


def test_missing_module_key_fails_before_any_http_call(ready_sim: YouScoreSimulator) -> None:
    keys = YouScoreKeys.shared(KEY, vat=False, scoring=False)
    with _client(ready_sim, keys=keys) as client:
        with pytest.raises(ModuleNotConfiguredError, match="'vat'"):
            client.get_vat_status(CLEAN)
        with pytest.raises(ModuleNotConfiguredError, match="'scoring'"):
            client.get_financial_scoring(CLEAN)
    assert ready_sim.server.total_requests == 0


def test_invalid_code_fails_before_any_http_call(ready_sim: YouScoreSimulator) -> None:
    with _client(ready_sim) as client, pytest.raises(InvalidCodeError, match="12345679"):
        client.get_registry_card("12345679")  # 12345678 would be valid
    assert ready_sim.server.total_requests == 0


def test_refused_key_names_the_module_and_never_the_key() -> None:
    secret = "SECRET-analytics-0042"
    with YouScoreSimulator(
        api_key={"registry": KEY, "sanctions": "another-key"}, not_ready_first=False
    ) as sim:
        keys = YouScoreKeys(registry=KEY, sanctions=secret)
        with _client(sim, keys=keys) as client:
            assert isinstance(client.get_registry_card(CLEAN), RegistryCard)
            with pytest.raises(YouScoreAuthError) as caught:
                client.get_sanctions(CLEAN)
            courts_client = YouScoreClient(sim.url, YouScoreKeys(courts=KEY), retry=NO_RETRY)
            with pytest.raises(YouScoreAuthError) as forbidden:
                courts_client.get_court_cases(CLEAN)  # a known key, but not the courts module's
    error = caught.value
    assert error.module == "sanctions" and error.status == 401 and not error.is_transient
    assert "sanctions" in str(error)
    assert forbidden.value.status == 403
    for text in (str(error), repr(error), repr(keys), repr(client), str(forbidden.value)):
        assert secret not in text and KEY not in text


def test_keys_never_appear_in_errors_or_reprs() -> None:
    secret = "SECRET-key-777"
    keys = YouScoreKeys.shared(secret)
    closed_port = _free_port()
    client = YouScoreClient(f"http://127.0.0.1:{closed_port}", keys, retry=NO_RETRY, timeout=2.0)
    with pytest.raises(YouScoreConnectionError) as caught:
        client.get_registry_card(CLEAN)
    assert caught.value.is_transient and caught.value.module == "registry"
    texts = [str(caught.value), repr(caught.value), repr(client), repr(keys), str(keys)]
    with YouScoreSimulator(api_key=secret, rate_limits=((1, 30.0),)) as sim:
        limited = YouScoreClient(sim.url, keys, retry=NO_RETRY, rate_limiter=NoRateLimit())
        errors = []
        for call in (limited.get_tax_debt, limited.get_tax_debt):
            try:
                call(CLEAN)
            except (NotReadyError, RateLimitedError) as error:
                errors.append(error)
    assert [type(e) for e in errors] == [NotReadyError, RateLimitedError]
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    assert all(secret not in text for text in texts), texts


def test_a_client_without_limiter_gets_429_as_rate_limited_error() -> None:
    with YouScoreSimulator(not_ready_first=False, rate_limits=((3, 30.0),)) as sim:
        client = YouScoreClient(sim.url, YouScoreKeys.shared(KEY), retry=NO_RETRY, rate_limiter=NoRateLimit())
        for code in generate_codes(3, seed=1):
            client.get_tax_debt(code)
        with pytest.raises(RateLimitedError) as caught:
            client.get_tax_debt(CLEAN)
        assert sim.throttled == 1
    error = caught.value
    assert (
        error.status == 429 and error.is_transient and error.retry_after is not None and error.retry_after > 0
    )
    assert error.code == "Too Many Requests"


def test_a_429_is_retried_after_retry_after() -> None:
    with YouScoreSimulator(not_ready_first=False, rate_limits=((2, 1.0),)) as sim:
        retry = RetryPolicy(max_attempts=3, max_retry_after=5.0)
        client = YouScoreClient(sim.url, YouScoreKeys.shared(KEY), retry=retry, rate_limiter=NoRateLimit())
        results = [client.get_tax_debt(code) for code in generate_codes(3, seed=2)]
        assert sim.throttled == 1
    assert len(results) == 3


def test_limiter_keeps_a_concurrent_burst_under_the_limits_with_no_429() -> None:
    windows = ((20, 1.0), (6, 0.25))
    with YouScoreSimulator(not_ready_first=False, rate_limits=windows) as sim:
        limiter = SlidingWindowRateLimiter(windows, margin=0.1)
        client = YouScoreClient(sim.url, YouScoreKeys.shared(KEY), retry=NO_RETRY, rate_limiter=limiter)
        codes = generate_codes(60, seed=3)
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(client.get_sanctions, codes))
        assert sim.throttled == 0
        assert sim.paid_calls("sanctions") + sum(not r.found for r in results) == 60
    assert len(results) == 60 and limiter.stats().waited > 0


def test_server_errors_are_retried_then_raised_as_transient(ready_sim: YouScoreSimulator) -> None:
    ready_sim.set_faults(Faults(error_rate=1.0, error_status=503, only_paths=("/v1/",)))
    with _client(ready_sim) as client, pytest.raises(YouScoreApiError) as caught:
        client.get_registry_card(CLEAN)
    assert caught.value.status == 503 and caught.value.is_transient
    assert ready_sim.server.total_requests == NO_WAIT_RETRY.max_attempts


def test_key_balance_is_free_and_reports_usage(ready_sim: YouScoreSimulator) -> None:
    with _client(ready_sim) as client:
        client.get_registry_card(CLEAN)
        balance = client.get_key_balance()
    assert balance.total_limits is not None and balance.requests_left == balance.total_limits - 1
    assert ready_sim.paid_calls() == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

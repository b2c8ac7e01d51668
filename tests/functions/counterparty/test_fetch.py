"""Gathering a report with the real YouScore client against the simulator over loopback HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from connectors.common.retry import RetryPolicy
from connectors.youcontrol import (
    MemoryResponseCache,
    NoRateLimit,
    YouScoreClient,
    YouScoreKeys,
    YouScoreModule,
    parse_code,
)
from functions.counterparty.fetch import CheckNotReady, CounterpartyNotFound, gather_report, lookup_card
from functions.counterparty.freshness import FreshnessCache, not_older_than
from local_runtime.simulators.youcontrol import FIXTURE_CODES, MODULES, YouScoreSimulator

KEY = "sim-youscore-key"
FAST = RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0, sleep=lambda _: None)
LITIGIOUS = parse_code(FIXTURE_CODES["litigious"])


@pytest.fixture
def sim() -> Iterator[YouScoreSimulator]:
    with YouScoreSimulator() as simulator:
        yield simulator


def _client(sim: YouScoreSimulator, keys: YouScoreKeys | None = None) -> YouScoreClient:
    cache = FreshnessCache(MemoryResponseCache(3600, clock=time.time))
    return YouScoreClient(
        sim.url, keys or YouScoreKeys.shared(KEY), retry=FAST, rate_limiter=NoRateLimit(), cache=cache
    )


def test_every_module_is_asked_before_not_ready_is_reported_and_the_retry_pays_only_for_the_rest(
    sim: YouScoreSimulator,
) -> None:
    with _client(sim) as client:
        with pytest.raises(CheckNotReady) as pending:
            gather_report(client, LITIGIOUS)
        assert set(pending.value.modules) == set(MODULES)
        assert pending.value.retry_after == 20.0  # YouScore sends no Retry-After: the connector's default
        report = gather_report(client, LITIGIOUS)
        paid = sim.paid_calls()
        assert gather_report(client, LITIGIOUS) == report
        assert sim.paid_calls() == paid  # the repeat came from the cache
    assert report.courts.total == 14 and report.registry.director == "ТКАЧУК ОЛЕГ МИКОЛАЙОВИЧ"
    assert report.unavailable == [] and report.vat is not None and report.scoring is not None


def test_unregistered_code_stops_after_the_registry(sim: YouScoreSimulator) -> None:
    sim.not_ready_first = False
    with _client(sim) as client, pytest.raises(CounterpartyNotFound):
        gather_report(client, parse_code(FIXTURE_CODES["unregistered"]))
    assert sim.state()["requests"]["GET /v1"] == 1  # the registry's 404, nothing after it


def test_vat_and_scoring_without_a_key_or_refused_are_left_out_not_failed(sim: YouScoreSimulator) -> None:
    sim.not_ready_first = False
    with _client(sim, YouScoreKeys.shared(KEY, vat=False, scoring=False)) as client:
        assert gather_report(client, LITIGIOUS).unavailable == ["scoring", "vat"]
    with YouScoreSimulator(api_key={m: KEY for m in MODULES if m != "vat"} | {"vat": "vat-only"}) as split:
        split.not_ready_first = False
        with _client(split) as client:  # the shared key is refused (403) for VAT
            refused = gather_report(client, LITIGIOUS)
    assert refused.unavailable == ["vat"] and refused.vat is None and refused.scoring is not None


def test_fresh_data_ignores_answers_cached_before_the_request(sim: YouScoreSimulator) -> None:
    sim.not_ready_first = False
    clean = parse_code(FIXTURE_CODES["clean"])
    with _client(sim) as client:
        gather_report(client, clean)
        paid = sim.paid_calls()
        sim.evolve()  # the clean company's director is replaced
        assert gather_report(client, clean).registry.director == "КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ"  # cached
        with not_older_than(time.time()):
            fresh = gather_report(client, clean)
        assert fresh.registry.director == "ШЕВЧЕНКО ОЛЕНА ВАСИЛІВНА"
        assert sim.paid_calls() == 2 * paid
        assert gather_report(client, clean) == fresh  # the fresh answers were cached
        assert sim.paid_calls() == 2 * paid


def test_lookup_uses_the_stored_card_while_youscore_refreshes(sim: YouScoreSimulator) -> None:
    with _client(sim) as client:
        card = lookup_card(client, parse_code(FIXTURE_CODES["sole_trader"]))
    assert card.full_name == "МЕЛЬНИК ІРИНА ОЛЕГІВНА"
    assert sim.state()["not_ready_sent"] == {"registry": 1}
    assert sim.paid_calls(YouScoreModule.REGISTRY.value) == 1

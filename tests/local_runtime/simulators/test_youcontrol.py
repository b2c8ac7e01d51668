"""The YouScore simulator's wire format, rate limiting, evolution and admin API, over raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from connectors.youcontrol import generate_codes, make_edrpou
from connectors.youcontrol.codes import CounterpartyKind
from local_runtime.loopback import Request
from local_runtime.simulators.youcontrol import FIXTURE_CODES, SCRIPT, YouScoreSimulator

KEY = "sim-youscore-key"
BEARER = {"Authorization": f"bearer {KEY}"}
CLEAN = FIXTURE_CODES["clean"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sim() -> Iterator[YouScoreSimulator]:
    with YouScoreSimulator() as simulator:
        yield simulator


def _get(sim: YouScoreSimulator, path: str, **params: str) -> requests.Response:
    return requests.get(sim.url + path, params=params, headers=BEARER, timeout=5)


def _ready(sim: YouScoreSimulator, path: str, **params: str) -> requests.Response:
    """The 200 after the first-request 202."""
    first = _get(sim, path, **params)
    assert first.status_code == 202, first.text
    return _get(sim, path, **params)


def test_first_request_per_module_is_202_then_200(sim: YouScoreSimulator) -> None:
    first = _get(sim, f"/v1/usr/{CLEAN}")
    assert first.status_code == 202
    assert first.json()["currentDataUrl"].endswith(f"/v1/usr/{CLEAN}?showCurrentData=true")
    assert _get(sim, f"/v1/usr/{CLEAN}").status_code == 200
    assert _get(sim, f"/v1/expressAnalysis/{CLEAN}").status_code == 202  # per module
    assert sim.state()["not_ready_sent"] == {"registry": 1, "express": 1}


def test_show_current_data_or_the_switch_skip_the_202(sim: YouScoreSimulator) -> None:
    assert _get(sim, f"/v1/usr/{CLEAN}", showCurrentData="true").status_code == 200
    with YouScoreSimulator(not_ready_first=False) as ready:
        assert _get(ready, f"/v1/usr/{CLEAN}").status_code == 200


def test_key_by_query_parameter_or_bearer_header(sim: YouScoreSimulator) -> None:
    by_query = requests.get(f"{sim.url}/v1/usr/{CLEAN}", params={"apiKey": KEY}, timeout=5)
    assert by_query.status_code == 202
    by_header = requests.get(
        f"{sim.url}/v1/usr/{CLEAN}", headers={"Authorization": f"Bearer {KEY}"}, timeout=5
    )
    assert by_header.status_code == 200


def test_missing_or_wrong_key_is_401_and_another_modules_key_is_403() -> None:
    with YouScoreSimulator(api_key={"registry": "data-key", "express": "analytics-key"}) as sim:
        url = f"{sim.url}/v1/expressAnalysis/{CLEAN}"
        assert requests.get(url, timeout=5).status_code == 401
        assert requests.get(url, params={"apiKey": "nope"}, timeout=5).status_code == 401
        refused = requests.get(url, params={"apiKey": "data-key"}, timeout=5)
        assert refused.status_code == 403 and refused.json()["code"] == "Forbidden"
        assert requests.get(url, params={"apiKey": "analytics-key"}, timeout=5).status_code == 202
        assert sim.state()["unauthorized"] == 3


def test_company_card_has_a_name_object_and_a_sole_traders_a_string_and_no_code(
    sim: YouScoreSimulator,
) -> None:
    company = _ready(sim, f"/v1/usr/{CLEAN}").json()
    assert company["name"]["shortName"] == "ТОВ «СВІТАНОК-ТЕСТ»" and company["code"] == CLEAN
    assert company["contractorType"] == "Юридична особа (ЮО)"
    assert company["signers"][0]["role"] == "керівник"
    trader = _ready(sim, f"/v1/usr/{FIXTURE_CODES['sole_trader']}").json()
    assert trader["name"] == "МЕЛЬНИК ІРИНА ОЛЕГІВНА" and "code" not in trader
    assert trader["contractorType"] == "Фізична особа-підприємець (ФОП)"


def test_each_fixture_shows_its_situation(sim: YouScoreSimulator) -> None:
    sanctioned = _ready(sim, "/v1/sanctions", contractorCode=FIXTURE_CODES["sanctioned"]).json()
    assert len(sanctioned) == 2 and all(s["date"] and s["source"] and s["description"] for s in sanctioned)
    assert _ready(sim, "/v1/sanctions", contractorCode=CLEAN).status_code == 404
    assert _ready(sim, f"/v1/taxDebt/{FIXTURE_CODES['tax_debtor']}").json()["debt"] == 184_325.17
    courts = _ready(sim, f"/v1/courtCaseGroup/{FIXTURE_CODES['litigious']}").json()
    assert courts["totalResults"] == 14 and len(courts["results"]) == 14
    liquidated = _ready(sim, f"/v1/usr/{FIXTURE_CODES['liquidated']}").json()
    assert liquidated["status"] == "припинено" and liquidated["registrationOfTermination"]["entryDate"]
    express = _ready(sim, f"/v1/expressAnalysis/{FIXTURE_CODES['sanctioned']}").json()
    assert express["expressAnalysisIndex"] == "C" and express["totalMaxCaution"] == 1
    assert {f["caution"] for f in express["features"]} <= {"max", "average", "min", "empty"}


def test_court_cases_page_with_top_and_skip(sim: YouScoreSimulator) -> None:
    code = FIXTURE_CODES["litigious"]
    page = _ready(sim, f"/v1/courtCaseGroup/{code}", Top="5", Skip="10").json()
    assert page["totalResults"] == 14 and len(page["results"]) == 4 and page["nextPageUrl"] is None
    first = _get(sim, f"/v1/courtCaseGroup/{code}", Top="5").json()
    assert first["nextPageUrl"].endswith(f"/v1/courtCaseGroup/{code}?Top=5&Skip=5")


def test_bad_code_is_400_unknown_code_404_unknown_endpoint_404(sim: YouScoreSimulator) -> None:
    assert _get(sim, "/v1/usr/12345679").status_code == 400
    assert _get(sim, "/v1/sanctions").status_code == 400
    assert _get(sim, f"/v1/usr/{FIXTURE_CODES['unregistered']}").status_code == 404
    assert _get(sim, f"/v1/contractorsPdf/file/{CLEAN}").status_code == 404
    assert sim.paid_calls() == 0


def test_only_200s_are_counted_as_paid(sim: YouScoreSimulator) -> None:
    _ready(sim, f"/v1/usr/{CLEAN}")
    _ready(sim, "/v1/sanctions", contractorCode=CLEAN)  # 404: nothing on record
    _get(sim, "/v1/rateLimits")
    assert sim.state()["paid_calls"] == {"registry": 1}
    balance = _get(sim, "/v1/rateLimits").json()
    assert balance["totalLimits"] - balance["requestsLeft"] == 1
    assert balance["requestsCount"] == [{"api": "data", "endpoint": "registry", "count": 1}]


def test_limits_are_enforced_per_key_with_429_and_retry_after() -> None:
    clock = FakeClock()
    with YouScoreSimulator(
        api_key={"registry": "a", "express": "b"},
        rate_limits=((3, 10.0), (2, 1.0)),
        not_ready_first=False,
        clock=clock,
    ) as sim:

        def status(key: str, path: str = f"/v1/usr/{CLEAN}") -> requests.Response:
            return requests.get(sim.url + path, params={"apiKey": key}, timeout=5)

        assert [status("a").status_code for _ in range(2)] == [200, 200]
        refused = status("a")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert refused.json() == {
            "code": "Too Many Requests",
            "error": "You’ve reached your limit of requests per minute",
        }
        assert status("b", f"/v1/expressAnalysis/{CLEAN}").status_code == 200  # another key, own windows
        clock.advance(1.0)
        assert status("a").status_code == 200  # third in the 10 s window
        clock.advance(1.0)
        minute_refusal = status("a")
        assert minute_refusal.status_code == 429 and minute_refusal.headers["Retry-After"] == "8"
        clock.advance(8.0)
        assert status("a").status_code == 200
        assert sim.throttled == 2


def test_evolve_applies_the_script_in_order_then_409(sim: YouScoreSimulator) -> None:
    director = _ready(sim, f"/v1/usr/{CLEAN}").json()["signers"][0]["name"]
    applied = requests.post(f"{sim.url}/_sim/evolve", timeout=5).json()["applied"]
    assert applied["name"] == "director_replaced" and applied["code"] == CLEAN
    assert _get(sim, f"/v1/usr/{CLEAN}").json()["signers"][0]["name"] != director
    assert sim.evolve()["name"] == "sanction_added"  # type: ignore[index]
    assert len(_ready(sim, "/v1/sanctions", contractorCode=FIXTURE_CODES["litigious"]).json()) == 1
    assert sim.evolve()["name"] == "court_case_added"  # type: ignore[index]
    assert _ready(sim, f"/v1/courtCaseGroup/{CLEAN}").json()["totalResults"] == 1
    debtor = FIXTURE_CODES["tax_debtor"]
    assert _ready(sim, f"/v1/taxDebt/{debtor}").status_code == 200
    assert sim.evolve()["name"] == "tax_debt_paid"  # type: ignore[index]
    assert _get(sim, f"/v1/taxDebt/{debtor}").status_code == 404
    assert requests.post(f"{sim.url}/_sim/evolve", timeout=5).status_code == 409
    assert len(SCRIPT) == 4
    requests.post(f"{sim.url}/_sim/reset", timeout=5)
    state = sim.state()
    assert state["evolutions"] == [] and state["paid_calls_total"] == 0
    assert _ready(sim, f"/v1/usr/{CLEAN}").json()["signers"][0]["name"] == director


def test_any_other_valid_code_is_a_deterministic_synthetic_counterparty() -> None:
    companies = generate_codes(1_500, seed=11)
    traders = generate_codes(500, seed=11, kind=CounterpartyKind.SOLE_TRADER)
    with YouScoreSimulator(seed=5) as first, YouScoreSimulator(seed=5) as second:
        records = [first.record(code) for code in (*companies, *traders)]
        assert all(record is not None for record in records)
        assert first.record(companies[0]) == second.record(companies[0])
        assert first.state()["synthetic_counterparties"] == 2_000
        card = _ready(first, f"/v1/usr/{companies[0]}").json()
    assert card["code"] == companies[0] and card["name"]["fullName"]
    flagged = [r for r in records if r is not None and (r.sanctions or r.tax_debt or len(r.court_cases) >= 5)]
    assert 0 < len(flagged) < 600  # mostly clean, some problems for every branch of a check


def test_synthetic_card_is_served_in_process_without_http() -> None:
    code = make_edrpou("4000001")
    sim = YouScoreSimulator(not_ready_first=False)
    request = Request("GET", f"/v1/usr/{code}", {}, {"Authorization": f"bearer {KEY}"}, b"")
    response = sim.handle(request)
    assert response.status == 200 and b'"code": "' + code.encode() + b'"' in response.body


def test_faults_hit_the_api_but_not_the_admin_endpoints(sim: YouScoreSimulator) -> None:
    set_faults = requests.post(
        f"{sim.url}/_sim/faults", json={"error_rate": 1.0, "error_status": 502}, timeout=5
    )
    assert set_faults.status_code == 200 and set_faults.json()["faults"]["only_paths"] == ["/v1/"]
    assert _get(sim, f"/v1/usr/{CLEAN}").status_code == 502
    state = requests.get(f"{sim.url}/_sim/state", timeout=5).json()
    assert state["faults_injected"] == {"http_502": 1}
    bad = requests.post(f"{sim.url}/_sim/faults", json={"nonsense": 1}, timeout=5)
    assert bad.status_code == 400 and bad.json()["unknown"] == ["nonsense"]
    requests.post(f"{sim.url}/_sim/reset", timeout=5)
    assert _get(sim, f"/v1/usr/{CLEAN}").status_code == 202


def test_state_reports_counters_and_fixtures(sim: YouScoreSimulator) -> None:
    state = requests.get(f"{sim.url}/_sim/state", timeout=5).json()
    assert state["fixtures"] == FIXTURE_CODES
    assert state["rate_limits"] == [[200, 60.0], [50, 5.0]]
    assert state["pending_evolutions"] == [step.name for step in SCRIPT]
    assert {"paid_calls", "throttled", "not_ready_sent", "requests"} <= set(state)

"""Lookup, check, status and latest endpoints through the local runtime (HTTP, emulator, simulator)."""

from __future__ import annotations

import uuid

import pytest
import requests

from connectors.youcontrol import generate_codes
from dataverse import DataverseClient
from dataverse.schema import CheckStatus, RiskLevel
from local_runtime.loopback import Faults
from local_runtime.simulators.youcontrol import FIXTURE_CODES, YouScoreSimulator
from local_runtime.stack import LocalStack
from tests.functions.counterparty._stack import create_account, poll, rows, wait_for

CODES = generate_codes(6, seed=81)


def _fields(response: requests.Response) -> list[str]:
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return [error["field"] for error in response.json().get("errors", [])]


def test_lookup_answers_registry_fields_for_a_new_card_and_writes_nothing(
    api: requests.Session, base: str, sim: YouScoreSimulator, stack: LocalStack
) -> None:
    written = stack.stand_ins["dataverse"].counters.snapshot()["rows_written"]
    response = api.get(f"{base}/lookup", params={"code": FIXTURE_CODES["clean"]}, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["registry"]["director"] == "КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ"
    assert body["account"] == {
        "smart_edrpou": FIXTURE_CODES["clean"],
        "name": "ТОВ «СВІТАНОК-ТЕСТ»",
        "telephone1": "+380441234567",
        "address1_line1": "Україна, 01001, м. Київ, вул. Тестова, буд. 56",
        "address1_city": "Київ",
        "address1_country": "Україна",
    }
    assert stack.stand_ins["dataverse"].counters.snapshot()["rows_written"] == written


@pytest.mark.parametrize("code", ["91203454", "9120345", "ABCDEFGH", "", "3940443456"])
def test_a_bad_code_is_422_naming_code_before_any_youscore_call(
    api: requests.Session, base: str, sim: YouScoreSimulator, code: str
) -> None:
    calls = sim.server.total_requests
    lookup = api.get(f"{base}/lookup", params={"code": code}, timeout=10)
    assert lookup.status_code == 422 and _fields(lookup) == ["code"]
    if code:
        check = api.post(f"{base}/{code}/check", timeout=10)
        assert check.status_code == 422 and _fields(check) == ["code"]
    assert sim.server.total_requests == calls


def test_lookup_of_an_unregistered_code_is_404(
    api: requests.Session, base: str, sim: YouScoreSimulator
) -> None:
    response = api.get(f"{base}/lookup", params={"code": FIXTURE_CODES["unregistered"]}, timeout=10)
    assert response.status_code == 404 and _fields(response) == ["code"]


def test_lookup_during_a_youscore_outage_is_503_with_retry_after(
    api: requests.Session, base: str, sim: YouScoreSimulator
) -> None:
    sim.set_faults(Faults(error_rate=1.0, error_status=503, only_paths=("/v1/",)))
    response = api.get(f"{base}/lookup", params={"code": CODES[0]}, timeout=30)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1


def test_check_fills_empty_account_fields_and_records_the_check_and_its_findings(
    api: requests.Session, base: str, sim: YouScoreSimulator, dataverse: DataverseClient, stack: LocalStack
) -> None:
    code = FIXTURE_CODES["tax_debtor"]
    account = create_account(dataverse, "Лісовий двір (чернетка)", None)
    response = api.post(f"{base}/{code}/check", json={"account_id": str(account)}, timeout=30)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["status"], result["risk_level"], result["tax_debt"]["amount"]) == (
        "completed",
        "high",
        184325.17,
    )
    assert result["court_cases"] == 2 and result["changes"] == []
    card = dataverse.retrieve("accounts", account)
    assert card["name"] == "Лісовий двір (чернетка)"  # the user's name is kept
    assert (card["smart_edrpou"], card["address1_city"]) == (code, "Львів")
    assert card["smart_risklevel"] == RiskLevel.HIGH.option_value and card["smart_lastcheckedon"]
    [check] = rows(stack, "smart_counterpartycheck", smart_counterpartycheckid=result["check_id"])
    assert check["smart_status"] == CheckStatus.COMPLETED.option_value
    assert check["_smart_accountid_value"] == str(account) and check["smart_courtcasescount"] == 2
    findings = [f for f in rows(stack, "smart_counterpartyfinding") if f["smart_findingkey"].startswith(code)]
    assert sorted(f["smart_findingkey"].split(":")[1] for f in findings).count("court_case") == 2
    assert {f["_smart_checkid_value"] for f in findings} == {result["check_id"]}


def test_a_repeat_with_unchanged_data_writes_no_findings_and_no_changes(
    api: requests.Session, base: str, sim: YouScoreSimulator, stack: LocalStack
) -> None:
    code = FIXTURE_CODES["litigious"]
    first = api.post(f"{base}/{code}/check", json={"request_id": "first"}, timeout=30).json()
    findings = {f["smart_findingkey"]: f["modifiedon"] for f in rows(stack, "smart_counterpartyfinding")}
    paid = sim.paid_calls()
    again = api.post(f"{base}/{code}/check", json={"request_id": "second"}, timeout=30).json()
    assert again["check_id"] != first["check_id"] and again["changes"] == []
    assert {
        f["smart_findingkey"]: f["modifiedon"] for f in rows(stack, "smart_counterpartyfinding")
    } == findings
    assert not rows(stack, "smart_counterpartychange", _smart_checkid_value=again["check_id"])
    assert sim.paid_calls() == paid  # served from the cache


def test_the_same_request_is_answered_from_dataverse_without_a_second_check(
    api: requests.Session, base: str, sim: YouScoreSimulator, stack: LocalStack
) -> None:
    first = api.post(f"{base}/{CODES[1]}/check", json={"request_id": "once"}, timeout=30)
    calls = sim.server.total_requests
    again = api.post(f"{base}/{CODES[1]}/check", json={"request_id": "once"}, timeout=30)
    assert again.json()["check_id"] == first.json()["check_id"] and again.json()["status"] == "completed"
    assert sim.server.total_requests == calls
    assert len(rows(stack, "smart_counterpartycheck", smart_code=CODES[1])) == 1


def test_not_ready_answers_202_with_a_status_url_and_finishes_in_the_background(
    api: requests.Session, base: str, sim: YouScoreSimulator, stack: LocalStack
) -> None:
    sim.not_ready_first = True
    response = api.post(f"{base}/{CODES[2]}/check", timeout=30)
    assert response.status_code == 202, response.text
    location, body = response.headers["Location"], response.json()
    assert location == body["status_url"] and location.endswith(
        f"/api/counterparties/checks/{body['check_id']}"
    )
    assert int(response.headers["Retry-After"]) >= 1 and body["status"] == "pending"
    assert rows(stack, "smart_counterpartycheck", smart_counterpartycheckid=body["check_id"])
    done = poll(api, location)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert api.get(f"{base}/{CODES[2]}", timeout=10).json()["check_id"] == body["check_id"]


def test_changes_since_the_previous_check_are_recorded_field_by_field(
    api: requests.Session, base: str, sim: YouScoreSimulator, stack: LocalStack
) -> None:
    code = FIXTURE_CODES["clean"]
    api.post(f"{base}/{code}/check", json={"request_id": "before"}, timeout=30)
    wait_for(lambda: (sim.evolve() or {}).get("name") == "director_replaced", what="director replaced")
    after = api.post(f"{base}/{code}/check", json={"request_id": "after", "refresh": True}, timeout=30).json()
    director = next(c for c in after["changes"] if c["field"] == "director")
    assert (director["old"], director["new"]) == ("КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ", "ШЕВЧЕНКО ОЛЕНА ВАСИЛІВНА")
    stored = rows(stack, "smart_counterpartychange", _smart_checkid_value=after["check_id"])
    assert {row["smart_field"] for row in stored} == {c["field"] for c in after["changes"]}
    latest = api.get(f"{base}/{code}", timeout=10).json()
    assert latest["check_id"] == after["check_id"] and latest["changes"] == after["changes"]


def test_account_problems_are_422_naming_account_id_before_any_paid_call(
    api: requests.Session, base: str, sim: YouScoreSimulator, dataverse: DataverseClient
) -> None:
    other = create_account(dataverse, "Інший", CODES[4])
    paid = sim.paid_calls()
    for body in ({"account_id": str(uuid.uuid4())}, {"account_id": str(other)}, {"account_id": "abc"}):
        response = api.post(f"{base}/{CODES[3]}/check", json=body, timeout=10)
        assert response.status_code == 422 and _fields(response) == ["account_id"], response.text
    assert sim.paid_calls() == paid


def test_malformed_check_bodies_are_4xx(api: requests.Session, base: str) -> None:
    url = f"{base}/{CODES[3]}/check"
    bad_json = api.post(url, data=b"{", headers={"Content-Type": "application/json"}, timeout=10)
    assert bad_json.status_code == 400
    assert api.post(url, data=b"x", headers={"Content-Type": "text/plain"}, timeout=10).status_code == 415
    unknown = api.post(url, json={"acount_id": "typo"}, timeout=10)
    assert unknown.status_code == 422 and _fields(unknown) == ["acount_id"]


def test_an_unregistered_code_is_404_and_the_check_ends_failed(
    api: requests.Session, base: str, sim: YouScoreSimulator, stack: LocalStack
) -> None:
    code = FIXTURE_CODES["unregistered"]
    assert api.post(f"{base}/{code}/check", timeout=10).status_code == 404
    [check] = rows(stack, "smart_counterpartycheck", smart_code=code)
    assert check["smart_status"] == CheckStatus.FAILED.option_value and "register" in check["smart_error"]
    latest = api.get(f"{base}/{code}", timeout=10)
    assert latest.status_code == 200 and latest.json()["status"] == "failed"


def test_a_youscore_outage_leaves_the_check_pending_until_it_completes(
    api: requests.Session, base: str, sim: YouScoreSimulator, stack: LocalStack
) -> None:
    sim.set_faults(Faults(error_rate=1.0, error_status=502, only_paths=("/v1/",)))
    response = api.post(f"{base}/{CODES[5]}/check", timeout=30)
    assert response.status_code == 202 and "unavailable" in response.json()["reason"]
    [pending] = rows(stack, "smart_counterpartycheck", smart_code=CODES[5])
    assert pending["smart_status"] == CheckStatus.PENDING.option_value
    sim.set_faults(None)
    assert poll(api, response.headers["Location"], timeout=40).json()["status"] == "completed"


def test_status_and_latest_answer_404_for_unknown_and_422_for_malformed(
    api: requests.Session, base: str
) -> None:
    assert api.get(f"{base}/checks/{uuid.uuid4()}", timeout=10).status_code == 404
    malformed = api.get(f"{base}/checks/not-a-guid", timeout=10)
    assert malformed.status_code == 422 and _fields(malformed) == ["check_id"]
    never = generate_codes(1, seed=999)[0]
    assert api.get(f"{base}/{never}", timeout=10).status_code == 404
    assert _fields(api.get(f"{base}/12345670", timeout=10)) == ["code"]


def test_endpoints_need_the_function_key(base: str) -> None:
    assert requests.get(f"{base}/lookup", params={"code": CODES[0]}, timeout=10).status_code == 401

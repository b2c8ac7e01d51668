"""The emulator's HTTP answers, checked with plain requests: headers, statuses, error bodies, admin API."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import unquote

import pytest
import requests

from local_runtime.dataverse_emulator import DataverseEmulator

HEADERS = {
    "Authorization": "Bearer test-token",
    "Accept": "application/json",
    "OData-Version": "4.0",
    "OData-MaxVersion": "4.0",
}


def _call(
    emulator: DataverseEmulator, method: str, path: str, body: Any = None, **headers: str
) -> requests.Response:
    return requests.request(
        method, emulator.api_url + path, json=body, headers={**HEADERS, **headers}, timeout=5
    )


def test_create_answers_204_with_odata_entityid(emulator: DataverseEmulator) -> None:
    response = _call(emulator, "POST", "accounts", {"name": "Contoso"})
    assert response.status_code == 204 and response.content == b""
    assert response.headers["OData-EntityId"].startswith(emulator.api_url + "accounts(")
    assert response.headers["OData-Version"] == "4.0"
    assert response.headers["x-ms-dop-hint"] == "8"
    assert response.headers["x-ms-service-request-id"]


def test_return_representation_answers_201_on_create_and_200_on_update(emulator: DataverseEmulator) -> None:
    created = _call(emulator, "POST", "accounts?$select=name", {"name": "A"}, Prefer="return=representation")
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "A" and body["@odata.context"].endswith("$metadata#accounts/$entity")
    updated = _call(
        emulator, "PATCH", f"accounts({body['accountid']})", {"name": "B"}, Prefer="return=representation"
    )
    assert updated.status_code == 200 and updated.json()["name"] == "B"
    assert updated.json()["@odata.etag"] != body["@odata.etag"]


def test_errors_have_dataverse_bodies(emulator: DataverseEmulator) -> None:
    missing = _call(emulator, "GET", f"contacts({uuid.uuid4()})")
    assert missing.status_code == 404
    assert set(missing.json()["error"]) == {"code", "message"}
    unknown_set = _call(emulator, "GET", "widgets")
    assert unknown_set.status_code == 404
    assert unknown_set.json()["error"]["message"] == "Resource not found for the segment 'widgets'."
    bad_json = requests.post(emulator.api_url + "contacts", data=b"{nope", headers=HEADERS, timeout=5)
    assert bad_json.status_code == 400


def test_requests_without_a_bearer_token_are_unauthorized(emulator: DataverseEmulator) -> None:
    assert requests.get(emulator.api_url + "contacts", timeout=5).status_code == 401
    assert _call(emulator, "GET", "contacts", Authorization="Bearer other").status_code == 401


def test_if_none_match_on_an_unchanged_row_answers_304(emulator: DataverseEmulator) -> None:
    row_id = _call(emulator, "POST", "contacts", {"lastname": "Etag"}).headers["OData-EntityId"][-37:-1]
    etag = _call(emulator, "GET", f"contacts({row_id})").json()["@odata.etag"]
    assert _call(emulator, "GET", f"contacts({row_id})", **{"If-None-Match": etag}).status_code == 304


def test_paging_follows_prefer_maxpagesize_with_a_skiptoken(emulator: DataverseEmulator) -> None:
    targets = [{"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": f"P{i}"} for i in range(5)]
    assert _call(emulator, "POST", "contacts/Microsoft.Dynamics.CRM.CreateMultiple", {"Targets": targets}).ok
    first = _call(emulator, "GET", "contacts?$select=lastname", Prefer="odata.maxpagesize=2")
    assert first.headers["Preference-Applied"] == "odata.maxpagesize=2"
    page = first.json()
    assert len(page["value"]) == 2 and "$skiptoken=" in page["@odata.nextLink"]
    assert "pagingcookie" in unquote(page["@odata.nextLink"])
    seen = [row["contactid"] for row in page["value"]]
    while "@odata.nextLink" in page:
        page = requests.get(
            page["@odata.nextLink"], headers={**HEADERS, "Prefer": "odata.maxpagesize=2"}, timeout=5
        ).json()
        seen += [row["contactid"] for row in page["value"]]
    assert len(seen) == len(set(seen)) == 5


def test_create_multiple_requires_the_odata_type_of_each_target(emulator: DataverseEmulator) -> None:
    response = _call(
        emulator,
        "POST",
        "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
        {"Targets": [{"lastname": "no type"}]},
    )
    assert response.status_code == 400
    assert emulator.count("contact") == 0


def test_a_raw_batch_with_relative_urls_and_a_content_id_reference(emulator: DataverseEmulator) -> None:
    body = (
        "--batch_AAA\r\nContent-Type: multipart/mixed; boundary=changeset_BBB\r\n\r\n"
        "--changeset_BBB\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 1\r\n\r\n"
        "POST /api/data/v9.2/accounts HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n"
        '{"name": "Batch Co"}\r\n'
        "--changeset_BBB\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 2\r\n\r\n"
        "POST contacts HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n"
        '{"lastname": "Batch", "parentcustomerid_account@odata.bind": "$1"}\r\n'
        "--changeset_BBB--\r\n"
        "--batch_AAA\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "GET accounts?$select=name HTTP/1.1\r\nAccept: application/json\r\n\r\n\r\n"
        "--batch_AAA--\r\n"
    )
    response = requests.post(
        emulator.api_url + "$batch",
        data=body.encode(),
        timeout=5,
        headers={**HEADERS, "Content-Type": "multipart/mixed; boundary=batch_AAA"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    text = response.text
    assert text.count("HTTP/1.1 204 No Content") == 2 and "HTTP/1.1 200 OK" in text
    (contact,) = emulator.rows("contact")
    (account,) = emulator.rows("account")
    assert contact["_parentcustomerid_value"] == account["accountid"]


def test_request_limit_answers_429_with_retry_after_and_the_real_code(emulator: DataverseEmulator) -> None:
    limits = requests.post(
        emulator.url + "/_emulator/limits", json={"requests_per_window": 2, "window_seconds": 60}, timeout=5
    )
    assert limits.json()["requests_per_window"] == 2
    assert _call(emulator, "GET", "WhoAmI").ok and _call(emulator, "GET", "WhoAmI").ok
    throttled = _call(emulator, "GET", "WhoAmI")
    assert throttled.status_code == 429
    assert 55 <= int(throttled.headers["Retry-After"]) <= 60
    assert throttled.json()["error"] == {
        "code": "0x80072322",
        "message": "Number of requests exceeded the limit of 2 over time window of 60 seconds.",
    }


def test_admin_api_reports_and_resets_counters_and_sets_faults(emulator: DataverseEmulator) -> None:
    _call(emulator, "POST", "contacts", {"lastname": "Counted"})
    _call(emulator, "GET", "contacts")
    state = requests.get(emulator.url + "/_emulator/state", timeout=5).json()
    assert state["counters"]["requests_by_kind"] == {"create": 1, "query": 1}
    assert state["counters"]["rows_written"] == 1 and state["tables"]["contact"] == 1
    assert requests.post(emulator.url + "/_emulator/reset-counters", timeout=5).status_code == 204
    assert (
        requests.get(emulator.url + "/_emulator/state", timeout=5).json()["counters"]["requests_total"] == 0
    )
    faults = requests.post(
        emulator.url + "/_emulator/faults", json={"error_rate": 1.0, "error_status": 503}, timeout=5
    )
    assert faults.json() == {"only_paths": ["/api/"]}
    assert _call(emulator, "GET", "WhoAmI").status_code == 503
    assert (
        requests.get(emulator.url + "/_emulator/state", timeout=5).status_code == 200
    )  # admin is never faulted
    assert requests.post(emulator.url + "/_emulator/limits", json={"bogus": 1}, timeout=5).status_code == 400
    assert requests.get(emulator.url + "/_emulator/nothing", timeout=5).status_code == 404


def test_channels_notification_is_recorded_and_answered(emulator: DataverseEmulator) -> None:
    payload = json.dumps(
        {"ChannelDefinitionId": "c", "RequestId": "r", "MessageId": "m", "Status": "Delivered"}
    )
    response = _call(emulator, "POST", "msdyn_D365ChannelsNotification", {"notificationPayLoad": payload})
    assert response.status_code == 200 and "responseMessage" in response.json()
    assert json.loads(emulator.notifications[0]["body"]["notificationPayLoad"])["Status"] == "Delivered"
    state = requests.get(emulator.url + "/_emulator/state", timeout=5).json()
    assert state["actions"][0]["name"] == "msdyn_D365ChannelsNotification"


def test_registered_actions_answer_with_their_handler(emulator: DataverseEmulator) -> None:
    emulator.register_action("smart_CheckCounterparty", lambda body: {"result": body["code"]})
    response = _call(emulator, "POST", "smart_CheckCounterparty", {"code": "14360570"})
    assert response.json()["result"] == "14360570"


@pytest.mark.parametrize("path", ["contacts(not-a-guid)", "contacts(lastname='x')"])
def test_bad_keys_are_refused(emulator: DataverseEmulator, path: str) -> None:
    assert _call(emulator, "GET", path).status_code == 400

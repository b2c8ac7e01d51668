"""HTTP triggers through the local host over loopback: routes, params, auth levels, bad requests."""

from __future__ import annotations

import requests

from local_runtime.host import LocalHost
from tests.local_runtime.conftest import FUNCTION_KEY, MASTER_KEY


def _is_problem(response: requests.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def test_anonymous_route_needs_no_key_and_passes_query(host: LocalHost, client: requests.Session) -> None:
    response = client.get(f"{host.url}/api/ping", params={"q": "hello"})
    assert response.status_code == 200
    assert response.json() == {"pong": True, "q": "hello"}


def test_function_route_without_key_is_401_problem(host: LocalHost, client: requests.Session) -> None:
    body = _is_problem(client.get(f"{host.url}/api/items/7"), 401)
    assert "x-functions-key" in str(body["detail"])


def test_function_key_is_accepted_in_header_and_code_query(host: LocalHost, client: requests.Session) -> None:
    by_header = client.get(f"{host.url}/api/items/7", headers={"x-functions-key": FUNCTION_KEY})
    by_query = client.get(f"{host.url}/api/items/8", params={"code": FUNCTION_KEY})
    assert by_header.json() == {"id": 7, "method": "GET"}
    assert by_query.json() == {"id": 8, "method": "GET"}


def test_wrong_function_key_is_401(host: LocalHost, client: requests.Session) -> None:
    _is_problem(client.get(f"{host.url}/api/items/7", headers={"x-functions-key": "nope"}), 401)


def test_admin_level_needs_the_master_key(host: LocalHost, client: requests.Session) -> None:
    _is_problem(client.get(f"{host.url}/api/admin-only", headers={"x-functions-key": FUNCTION_KEY}), 401)
    ok = client.get(f"{host.url}/api/admin-only", headers={"x-functions-key": MASTER_KEY})
    assert ok.status_code == 200


def test_literal_route_wins_over_parameter_and_constraint_filters(
    host: LocalHost, client: requests.Session
) -> None:
    headers = {"x-functions-key": FUNCTION_KEY}
    assert client.get(f"{host.url}/api/items/special", headers=headers).json() == {"special": True}
    # "abc" fails the :int constraint and no other route matches
    _is_problem(client.get(f"{host.url}/api/items/abc", headers=headers), 404)


def test_optional_route_parameter(host: LocalHost, client: requests.Session) -> None:
    headers = {"x-functions-key": FUNCTION_KEY}
    assert client.get(f"{host.url}/api/items/box/tags/red", headers=headers).json() == {
        "name": "box",
        "tag": "red",
    }
    assert client.get(f"{host.url}/api/items/box/tags", headers=headers).json() == {"name": "box"}


def test_wrong_method_is_405_with_allow(host: LocalHost, client: requests.Session) -> None:
    response = client.post(f"{host.url}/api/items/7", headers={"x-functions-key": FUNCTION_KEY})
    _is_problem(response, 405)
    assert response.headers["Allow"] == "DELETE, GET"


def test_unknown_route_is_404_problem(host: LocalHost, client: requests.Session) -> None:
    _is_problem(client.get(f"{host.url}/api/nowhere"), 404)
    _is_problem(client.get(f"{host.url}/not-under-api"), 404)


def test_body_headers_and_status_round_trip(host: LocalHost, client: requests.Session) -> None:
    response = client.post(f"{host.url}/api/echo", data=b"payload", headers={"x-functions-key": FUNCTION_KEY})
    assert response.status_code == 201
    assert response.content == b"payload"
    assert response.headers["X-Echo"] == "yes"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_oversized_body_is_413_problem(host: LocalHost, client: requests.Session) -> None:
    response = client.post(
        f"{host.url}/api/echo", data=b"x" * (65 * 1024), headers={"x-functions-key": FUNCTION_KEY}
    )
    _is_problem(response, 413)


def test_a_failing_function_answers_500_problem_without_details(
    host: LocalHost, client: requests.Session
) -> None:
    body = _is_problem(client.get(f"{host.url}/api/broken", headers={"x-functions-key": FUNCTION_KEY}), 500)
    assert "bug in a handler" not in str(body)
    assert host.invocations[-1].outcome == "failed"


def test_functions_are_discovered_from_the_app(host: LocalHost, client: requests.Session) -> None:
    listing = client.get(f"{host.url}/admin/functions", headers={"x-functions-key": MASTER_KEY}).json()
    names = {item["name"]: item for item in listing}
    assert names["get_item"]["route"] == "items/{id:int}"
    assert names["work"]["queue"] == "work"  # %SAMPLE_QUEUE% resolved from app settings
    assert names["yearly"]["schedule"] == "0 0 3 1 1 *"

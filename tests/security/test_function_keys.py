"""Function-key auth on every HTTP endpoint except the health check and the three webhooks.

The endpoints come from the app index (what the Functions host registers), so a new route is covered
the day it is added; an anonymous one fails the allow-list until someone decides it should be there.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import azure.functions as func
import pytest
import requests

from function_app import app
from local_runtime.app_index import IndexedFunction, index_app
from local_runtime.stack import LocalStack
from tests.security.conftest import SECRETS

ANONYMOUS_ALLOWED = {"health", "dataverse_webhook", "gms_reports", "paypal_webhook"}


def http_functions(function_app: func.FunctionApp) -> list[IndexedFunction]:
    return [f for f in index_app(function_app) if f.trigger_type == "httpTrigger"]


def anonymous(functions: list[IndexedFunction]) -> set[str]:
    return {f.name for f in functions if f.auth_level == "anonymous"}


def routes_needing_a_key() -> list[tuple[str, str, str]]:
    """(function, method, concrete path) for every keyed HTTP function and method."""
    found = []
    for function in http_functions(app):
        if function.auth_level == "anonymous":
            continue
        assert function.route is not None and function.methods, function.name
        path = re.sub(r"\{[^}:]+:guid\}", str(uuid.uuid4()), function.route.template)
        path = re.sub(r"\{[^}]+\}", "A1234567", path)
        found += [(function.name, method, f"/api/{path}") for method in sorted(function.methods)]
    return found


def test_the_anonymous_endpoints_are_exactly_the_allow_list() -> None:
    assert anonymous(http_functions(app)) == ANONYMOUS_ALLOWED
    assert app.auth_level == func.AuthLevel.FUNCTION  # the default for anything not marked otherwise


def test_the_check_catches_a_new_anonymous_endpoint() -> None:
    sample = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @sample.route(route="debug/dump", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def debug_dump(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("{}")

    @sample.route(route="orders", methods=["GET"])
    def orders(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("[]")

    assert anonymous(http_functions(sample)) == {"debug_dump"}  # and != the allow-list: the test would fail


KEYED = routes_needing_a_key()


def test_every_keyed_endpoint_is_enumerated() -> None:
    assert len(KEYED) >= 25
    assert {name for name, _, _ in KEYED} | ANONYMOUS_ALLOWED == {f.name for f in http_functions(app)}


def _call(stack: LocalStack, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{stack.url}{path}", timeout=30, **kwargs)


@pytest.mark.parametrize(("name", "method", "path"), KEYED, ids=[f"{n}-{m}" for n, m, _ in KEYED])
def test_a_keyed_endpoint_answers_401_without_the_right_key(
    name: str, method: str, path: str, stack: LocalStack
) -> None:
    key = SECRETS["SMART_FUNCTION_KEY"]
    wrong = [
        {},
        {"headers": {"x-functions-key": "not-the-key"}},
        {"headers": {"x-functions-key": key.upper()}},
        {"headers": {"x-functions-key": key[:-1]}},
        {"headers": {"x-functions-key": ""}},
        {"params": {"code": key + "x"}},
        {"headers": {"Authorization": f"Bearer {key}"}},  # not where the key goes
    ]
    for attempt in wrong:
        answer = _call(stack, method, path, **attempt)
        assert answer.status_code == 401, (attempt, answer.status_code, answer.text[:200])
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert key not in answer.text
    with_key = _call(stack, method, path, headers={"x-functions-key": key}, data=b"")
    assert with_key.status_code != 401  # the right key opens it: the 401s above are about the key
    assert _call(stack, method, path, params={"code": key}, data=b"").status_code != 401


def test_admin_and_local_endpoints_need_the_master_key_not_the_function_key(stack: LocalStack) -> None:
    function_key, master = SECRETS["SMART_FUNCTION_KEY"], SECRETS["SMART_MASTER_KEY"]
    for path in ("/admin/functions", "/_local/invocations", "/_local/queues"):
        assert _call(stack, "GET", path).status_code == 401
        assert _call(stack, "GET", path, headers={"x-functions-key": function_key}).status_code == 401
        assert _call(stack, "GET", path, headers={"x-functions-key": master}).status_code == 200

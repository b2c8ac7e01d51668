"""Secrets are compared in constant time: an AST scan of the production code for ``==``/``!=`` (and
``in``) on anything named like a secret, and a check that each webhook's verifier uses
``hmac.compare_digest`` (or a real signature check). The scanner is proven on bad code first."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.gms import webhooks as gms_webhooks
from connectors.paypal import webhooks as paypal_webhooks
from functions.events import service as events_service
from local_runtime import host

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("functions", "connectors", "dataverse", "local_runtime/host.py")
SECRET_NAME = re.compile(
    r"(secret|token|passw(or)?d|signature|(^|_)sig($|_)|api_?key|apikey|function_key|master_key|credential)",
    re.IGNORECASE,
)
_COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)
# Reviewed: (file, comparison) -> why it authenticates no caller. A new hit needs a decision here.
REVIEWED = {
    ("functions/common/logging.py", "secret in text"): "redaction looks for a secret in a log line",
    ("connectors/paypal/auth.py", "self._token.value == value"): "cache bookkeeping of our own token",
    ("local_runtime/host.py", "token in self._in_flight"): "a queue lock token, not a credential",
}


def _names(node: ast.AST) -> Iterator[str]:
    """The identifiers an expression reads: variables, attributes, subscript keys, called functions."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            yield inner.id
        elif isinstance(inner, ast.Attribute):
            yield inner.attr
        elif isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Constant):
            yield str(inner.slice.value)


def _is_literal(node: ast.AST) -> bool:
    """None, a number, a string, or a tuple/list/set of those (e.g. ``status in ("a", "b")``)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(_is_literal(element) for element in node.elts)
    return False


def secret_comparisons(source: str, filename: str = "<code>") -> list[str]:
    """Each ``a == b`` / ``a != b`` / ``a in b`` where one side is named like a secret and the other is
    not a literal: that comparison returns early on the first differing byte."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, sides, sides[1:], strict=False):
            if not isinstance(op, _COMPARISONS) or _is_literal(left) or _is_literal(right):
                continue
            named = [n for side in (left, right) for n in _names(side) if SECRET_NAME.search(n)]
            measured = any(_is_len_call(side) for side in (left, right))
            if named and not measured and (filename, ast.unparse(node)) not in REVIEWED:
                found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


def _is_len_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"


def _production_files() -> Iterator[Path]:
    for entry in SCANNED:
        path = ROOT / entry
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def test_the_scanner_flags_timing_unsafe_secret_comparisons() -> None:
    bad = textwrap.dedent(
        """
        def check(given, settings, headers, expected_signature):
            if given == settings.webhook_secret:
                return True
            if headers["x-callback-token"] != settings.gms_callback_token.get_secret_value():
                return False
            return expected_signature in (given, headers.get("sig"))
        """
    )
    assert len(secret_comparisons(bad)) == 3
    good = textwrap.dedent(
        """
        import hmac
        def check(given, expected_secret, token_type, tokens):
            if expected_secret is None or token_type == "Bearer" or len(given) == 0:
                return False
            return hmac.compare_digest(given.encode(), expected_secret.encode())
        """
    )
    assert secret_comparisons(good) == []


def test_no_secret_is_compared_with_equality_in_production_code() -> None:
    files = list(_production_files())
    assert len(files) > 50
    found = [
        hit for path in files for hit in secret_comparisons(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert not found, "\n".join(found)


def _calls(function: Callable[..., Any]) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}


@pytest.mark.parametrize(
    "verifier",
    [events_service.check_webhook_secret, gms_webhooks.verify_callback_token, host.LocalHost._authorised],
    ids=["dataverse-header-secret", "gms-url-token", "function-keys"],
)
def test_each_shared_secret_check_uses_compare_digest(verifier: Callable[..., Any]) -> None:
    assert "hmac.compare_digest" in _calls(verifier)


def test_paypal_deliveries_are_checked_by_signature_not_by_comparing_values() -> None:
    calls = _calls(paypal_webhooks.verify_offline)
    assert "public_key.verify" in calls and "check_cert_url" in calls
    assert "client.verify_webhook_signature" in _calls(paypal_webhooks.verify_via_api)

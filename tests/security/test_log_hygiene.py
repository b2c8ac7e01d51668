"""No configured secret, full phone number or tax code in a log record above DEBUG or in an error body.

The workload (``_workload``) runs every capability through the stack, with provider outages and bad
input, while the ROOT logger's records are captured by a plain handler that was there before the
stack started (as the Functions worker's is): the app has to install its redaction itself. The
scanner is proven on deliberately leaky text first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import pytest
import requests

from functions.common.logging import RedactionFilter
from local_runtime.stack import LocalStack
from tests.security._workload import run_workload
from tests.security.conftest import PHONES, SECRETS, TAX_CODES, Capture


def forms_of_phone(phone: str) -> set[str]:
    """+380671234501 -> itself, 380671234501 and the national 0671234501."""
    digits = phone.lstrip("+")
    return {phone, digits, "0" + digits[3:]}


def leaks(texts: Iterable[str]) -> list[str]:
    """Each (what, where) found: secrets as substrings, phones and codes as whole numbers."""
    found = []
    numbers = {form: f"phone {form}" for phone in PHONES for form in forms_of_phone(phone)}
    numbers.update({code: f"tax code {code}" for code in TAX_CODES})
    for text in texts:
        for name, value in SECRETS.items():
            if value in text:
                found.append(f"{name} in: {text[:300]}")
        for number, what in numbers.items():
            if re.search(rf"(?<!\d){re.escape(number)}(?!\d)", text):
                found.append(f"{what} in: {text[:300]}")
    return found


def test_the_scanner_finds_each_kind_of_leak() -> None:
    assert leaks([f"login with {SECRETS['GMS_PASSWORD']}"])
    assert leaks([f"GET /api/x?code={SECRETS['SMART_FUNCTION_KEY']}"])
    assert leaks(["sent to 380671234501 via viber"]) and leaks(["call 0671234501"])
    assert leaks([f"checked {TAX_CODES[1]}"]) and leaks([f"/api/counterparties/{TAX_CODES[0]}/check failed"])
    assert leaks(["sent to +380******501", "checked 31******58", "error ***"]) == []


@pytest.fixture(scope="module")
def answers(stack: LocalStack) -> list[requests.Response]:
    return run_workload(stack)


def test_the_workload_reached_every_capability_and_its_failures(
    answers: list[requests.Response], capture: Capture
) -> None:
    statuses = {a.status_code for a in answers}
    assert {200, 201, 202, 401, 422}.issubset(statuses), statuses
    assert any(a.status_code >= 502 for a in answers), "provider outages must have been answered"
    assert [a.url for a in answers if a.status_code == 500] == [], "an outage is a 502/503, never a 500"
    assert len(capture.lines) > 30  # the app did log what happened


def test_no_secret_phone_or_tax_code_in_any_log_record_above_debug(
    answers: list[requests.Response], capture: Capture
) -> None:
    found = leaks(capture.lines)
    assert not found, f"{len(found)} leaking log records, e.g.:\n" + "\n".join(found[:15])


def test_the_app_installs_its_redaction_for_every_configured_secret(
    answers: list[requests.Response], capture: Capture
) -> None:
    """The safety net behind the code's own masking: a careless log line still comes out clean."""
    assert any(isinstance(f, RedactionFilter) for f in capture.filters), (
        "redaction is not on the root handler"
    )
    careless = logging.getLogger("smart.careless")
    for value in [*SECRETS.values(), *PHONES, *TAX_CODES]:
        careless.warning("about to use %s", value)
        careless.error("failed with %s", value, exc_info=RuntimeError(f"boom {value}"))
    written = capture.lines[-2 * (len(SECRETS) + len(PHONES) + len(TAX_CODES)) :]
    found = leaks(written)
    assert not found, "\n".join(found[:15])


def test_no_secret_phone_or_tax_code_in_any_error_body(answers: list[requests.Response]) -> None:
    errors = [a.text for a in answers if a.status_code >= 400]
    assert len(errors) > 10
    found = leaks(errors)
    assert not found, "\n".join(found[:15])


def test_secrets_appear_in_success_bodies_only_as_the_documented_label_link(
    answers: list[requests.Response],
) -> None:
    """``label_url`` (Nova Poshta's print link) carries the NP API key by design (see the Shipment
    model); any other appearance of a secret in a 2xx body is a leak."""
    bodies = [a.text for a in answers if a.status_code < 400]
    cleaned = [re.sub(r'"label_url":\s*"[^"]*"', '"label_url": "…"', body) for body in bodies]
    found = [hit for hit in leaks(cleaned) if not hit.startswith(("phone", "tax code"))]
    assert not found, "\n".join(found[:15])

from collections.abc import Callable

import pytest

from connectors.paypal import AccessToken, PayPalAuthError, PayPalClient, PayPalCredential, TokenCache
from local_runtime.simulators.paypal import PayPalSimulator
from tests.connectors.paypal.conftest import SECRET


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fetcher(clock: FakeClock, expires_in: int, fetched: list[str]) -> Callable[[], AccessToken]:
    def fetch() -> AccessToken:
        fetched.append(f"token-{len(fetched) + 1}")
        return AccessToken.from_response({"access_token": fetched[-1], "expires_in": expires_in}, now=clock())

    return fetch


def test_token_is_replaced_a_margin_before_it_expires() -> None:
    clock, fetched = FakeClock(), list[str]()
    cache = TokenCache(refresh_margin=300, clock=clock)
    fetch = _fetcher(clock, 32400, fetched)

    first = cache.get(fetch)
    clock.now += 32400 - 301
    still = cache.get(fetch)
    clock.now += 2
    renewed = cache.get(fetch)

    assert (first, still, renewed) == ("token-1", "token-1", "token-2")


def test_short_lived_tokens_are_still_used_for_half_their_life() -> None:
    clock, fetched = FakeClock(), list[str]()
    cache = TokenCache(refresh_margin=300, clock=clock)
    fetch = _fetcher(clock, 60, fetched)

    cache.get(fetch)
    clock.now += 29
    cache.get(fetch)

    assert fetched == ["token-1"]


def test_invalidate_only_drops_the_token_it_names() -> None:
    clock, fetched = FakeClock(), list[str]()
    cache = TokenCache(clock=clock)
    fetch = _fetcher(clock, 32400, fetched)
    cache.get(fetch)

    cache.invalidate("someone-elses-token")
    kept = cache.get(fetch)
    cache.invalidate("token-1")
    replaced = cache.get(fetch)

    assert (kept, replaced) == ("token-1", "token-2")


def test_client_renews_the_token_before_expiry_without_a_401(sim: PayPalSimulator) -> None:
    clock = FakeClock()
    credential = PayPalCredential(sim.client_id, SECRET)
    with PayPalClient(sim.url, credential, token_cache=TokenCache(clock=clock)) as client:
        client.generate_next_invoice_number()
        clock.now += 32400 - 60
        client.generate_next_invoice_number()

    assert sim.tokens_issued == 2
    assert sim.counts["POST /v2/invoicing/generate-next-invoice-number"] == 2


@pytest.mark.parametrize("body", [{}, {"access_token": 5}, {"access_token": "t", "token_type": "MAC"}, []])
def test_a_malformed_token_response_is_an_auth_error(body: object) -> None:
    with pytest.raises(PayPalAuthError):
        AccessToken.from_response(body, now=0)


def test_credential_needs_both_parts() -> None:
    with pytest.raises(ValueError, match="required"):
        PayPalCredential("id", "")

import threading
from decimal import Decimal

import pytest

from connectors.common.retry import RetryPolicy
from connectors.paypal import (
    InvoiceStatus,
    PaymentState,
    PayPalAuthError,
    PayPalClient,
    PayPalConnectionError,
    PayPalCredential,
    PayPalNotFoundError,
    PayPalRateLimitError,
    PayPalServerError,
    PayPalValidationError,
    SearchCriteria,
    UnsupportedCurrencyError,
)
from local_runtime.loopback import Faults
from local_runtime.simulators.paypal import PayPalSimulator
from tests.connectors.paypal.conftest import SECRET, SleepRecorder, make_invoice

CREATE = "POST /v2/invoicing/invoices"


def test_one_token_serves_many_calls(sim: PayPalSimulator, client: PayPalClient) -> None:
    for _ in range(5):
        client.generate_next_invoice_number()

    assert sim.tokens_issued == 1
    assert sim.counts["POST /v2/invoicing/generate-next-invoice-number"] == 5


def test_concurrent_calls_share_one_token(sim: PayPalSimulator, client: PayPalClient) -> None:
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.generate_next_invoice_number()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sim.tokens_issued == 1


def test_expired_token_is_replaced_once_and_the_call_succeeds(
    sim: PayPalSimulator, client: PayPalClient
) -> None:
    created = client.create_draft_invoice(make_invoice(), "crm-order-1")
    sim.expire_tokens()

    fetched = client.get_invoice(created.id)

    assert fetched.id == created.id
    assert sim.tokens_issued == 2
    assert sim.counts["GET /v2/invoicing/invoices/{id}"] == 2  # the 401, then the retry


def test_wrong_secret_is_an_auth_error_with_the_oauth_code(sim: PayPalSimulator) -> None:
    client = PayPalClient(sim.url, PayPalCredential(sim.client_id, "wrong"))
    with client, pytest.raises(PayPalAuthError) as caught:
        client.generate_next_invoice_number()

    assert caught.value.status == 401
    assert caught.value.name == "invalid_client"
    assert "wrong" not in str(caught.value)
    assert sim.tokens_issued == 0


def test_credential_repr_hides_the_secret() -> None:
    credential = PayPalCredential("client-id", SECRET)

    assert SECRET not in repr(credential)
    assert SECRET not in str(credential)
    assert SECRET not in repr(PayPalClient("https://api-m.sandbox.paypal.com", credential))


def test_create_and_send_invoice(sim: PayPalSimulator, client: PayPalClient) -> None:
    draft = client.create_draft_invoice(make_invoice(), "crm-order-1")
    link = client.send_invoice(draft.id, "crm-order-1-send", subject="Your invoice")
    sent = client.get_invoice(draft.id)

    assert draft.status == InvoiceStatus.DRAFT
    assert draft.amount is not None and draft.amount.value == Decimal("100.00")
    assert draft.detail.invoice_number == "SO-10045"
    assert link is not None and link.rel == "payer-view" and draft.id in link.href
    assert sent.status == InvoiceStatus.SENT
    assert sent.payment_state is PaymentState.AWAITING_PAYMENT
    assert sent.payer_view_url is not None


def test_same_request_id_twice_creates_one_invoice(sim: PayPalSimulator, client: PayPalClient) -> None:
    first = client.create_draft_invoice(make_invoice(), "crm-order-1")
    second = client.create_draft_invoice(make_invoice(), "crm-order-1")

    assert first.id == second.id
    assert sim.invoice_count == 1
    assert sim.counts[CREATE] == 2


def test_503_after_the_invoice_was_created_is_retried_without_a_second_invoice(
    sim: PayPalSimulator, client: PayPalClient, sleeps: SleepRecorder
) -> None:
    sim.fail_next(503, path_prefix="/v2/invoicing/invoices", after_effect=True)

    invoice = client.create_draft_invoice(make_invoice(), "crm-order-1")

    assert sim.counts[CREATE] == 2
    assert sim.invoice_count == 1
    assert sim.invoice(invoice.id).number == "SO-10045"
    assert len(sleeps.pauses) == 1


def test_503_before_anything_happened_is_retried(sim: PayPalSimulator, client: PayPalClient) -> None:
    sim.fail_next(503, count=2, path_prefix="/v2/invoicing/invoices")

    client.create_draft_invoice(make_invoice(), "crm-order-1")

    assert sim.counts[CREATE] == 3
    assert sim.invoice_count == 1


def test_429_waits_for_retry_after(sim: PayPalSimulator, client: PayPalClient, sleeps: SleepRecorder) -> None:
    sim.fail_next(429, path_prefix="/v2/invoicing/invoices", retry_after=2)

    client.create_draft_invoice(make_invoice(), "crm-order-1")

    assert sleeps.pauses == [2.0]


def test_long_retry_after_is_handed_back_to_the_caller(sim: PayPalSimulator, client: PayPalClient) -> None:
    sim.fail_next(429, path_prefix="/v2/invoicing/invoices", retry_after=600)

    with pytest.raises(PayPalRateLimitError) as caught:
        client.create_draft_invoice(make_invoice(), "crm-order-1")

    assert caught.value.retry_after == 600
    assert caught.value.is_transient
    assert sim.invoice_count == 0


def test_outage_past_the_retry_budget_raises_a_transient_server_error(
    sim: PayPalSimulator, client: PayPalClient
) -> None:
    sim.fail_next(503, count=3, path_prefix="/v2/invoicing/invoices")

    with pytest.raises(PayPalServerError) as caught:
        client.create_draft_invoice(make_invoice(), "crm-order-1")

    assert caught.value.is_transient
    assert caught.value.name == "SERVICE_UNAVAILABLE"
    assert caught.value.debug_id
    assert sim.counts[CREATE] == 3


def test_dropped_connections_are_retried_then_reported_as_connection_errors(sim: PayPalSimulator) -> None:
    sim.set_faults(Faults(drop_rate=1.0, only_paths=("/v2/invoicing",)))
    retry = RetryPolicy(max_attempts=2, sleep=SleepRecorder())
    client = PayPalClient(sim.url, PayPalCredential(sim.client_id, SECRET), retry=retry)
    with client, pytest.raises(PayPalConnectionError):
        client.get_invoice("INV2-AAAA-BBBB-CCCC-DDDD")

    assert sim.server.faults_injected["drop"] == 2


def test_timeouts_are_retried_then_reported_as_connection_errors(sim: PayPalSimulator) -> None:
    sim.set_faults(Faults(timeout_rate=1.0, timeout_seconds=0.3, only_paths=("/v2/invoicing",)))
    retry = RetryPolicy(max_attempts=2, sleep=SleepRecorder())
    client = PayPalClient(sim.url, PayPalCredential(sim.client_id, SECRET), timeout=0.1, retry=retry)
    with client, pytest.raises(PayPalConnectionError):
        client.generate_next_invoice_number()

    assert sim.server.faults_injected["timeout"] == 2


def test_refusal_carries_name_debug_id_and_details(sim: PayPalSimulator, client: PayPalClient) -> None:
    client.create_draft_invoice(make_invoice("SO-1"), "crm-order-1")

    with pytest.raises(PayPalValidationError) as caught:
        client.create_draft_invoice(make_invoice("SO-1"), "crm-order-2")

    error = caught.value
    assert error.status == 422
    assert error.name == "UNPROCESSABLE_ENTITY"
    assert error.debug_id and len(error.debug_id) == 13
    assert error.has_issue("DUPLICATE_INVOICE_NUMBER")
    assert error.details[0].field == "/detail/invoice_number"
    assert not error.is_transient
    assert sim.invoice_count == 1


def test_unknown_invoice_is_not_found(client: PayPalClient) -> None:
    with pytest.raises(PayPalNotFoundError) as caught:
        client.get_invoice("INV2-NOPE-NOPE-NOPE-NOPE")

    assert caught.value.has_issue("INVALID_RESOURCE_ID")


def test_uah_is_refused_before_any_call(sim: PayPalSimulator, client: PayPalClient) -> None:
    with pytest.raises(UnsupportedCurrencyError):
        client.create_order(Decimal("100.00"), "UAH", "default", "crm-order-1")
    with pytest.raises(UnsupportedCurrencyError):
        make_invoice(currency="UAH")

    assert sim.server.total_requests == 0
    assert sim.invoice_count == 0 and sim.order_count == 0


def test_request_id_is_required_and_bounded(sim: PayPalSimulator, client: PayPalClient) -> None:
    with pytest.raises(ValueError, match="PayPal-Request-Id"):
        client.create_draft_invoice(make_invoice(), "")
    with pytest.raises(ValueError, match="PayPal-Request-Id"):
        client.send_invoice("INV2-AAAA-BBBB-CCCC-DDDD", "x" * 109)

    assert sim.server.total_requests == 0


def test_search_pages_through_every_invoice(sim: PayPalSimulator, client: PayPalClient) -> None:
    created = {client.create_draft_invoice(make_invoice(f"SO-{n}"), f"crm-order-{n}").id for n in range(7)}

    first = client.search_invoices(page=1, page_size=3)
    last = client.search_invoices(page=3, page_size=3)
    every = [invoice.id for invoice in client.iter_invoices(page_size=3)]

    assert (first.total_items, first.total_pages, len(first.items)) == (7, 3, 3)
    assert first.next_url is not None
    assert len(last.items) == 1 and last.next_url is None
    assert sorted(every) == sorted(created)
    assert sim.counts["POST /v2/invoicing/search-invoices"] == 2 + 3


def test_search_filters_by_status_and_reference(client: PayPalClient) -> None:
    kept = client.create_draft_invoice(make_invoice("SO-1", reference="order-a"), "crm-1")
    client.create_draft_invoice(make_invoice("SO-2", reference="order-b"), "crm-2")
    client.send_invoice(kept.id, "crm-1-send")

    by_status = client.search_invoices(SearchCriteria(status=[InvoiceStatus.SENT]))
    by_reference = client.search_invoices(SearchCriteria(reference="order-b"))

    assert [invoice.id for invoice in by_status.items] == [kept.id]
    assert [invoice.detail.reference for invoice in by_reference.items] == ["order-b"]


def test_page_size_over_100_is_refused_before_any_call(sim: PayPalSimulator, client: PayPalClient) -> None:
    with pytest.raises(ValueError, match="page_size"):
        client.search_invoices(page_size=101)

    assert sim.server.total_requests == 0


def test_cancel_and_remind_a_sent_invoice(sim: PayPalSimulator, client: PayPalClient) -> None:
    invoice = client.create_draft_invoice(make_invoice(), "crm-order-1")
    client.send_invoice(invoice.id, "crm-order-1-send", send_to_recipient=False)

    client.remind_invoice(invoice.id, "crm-order-1-remind-1", note="Friendly reminder")
    client.cancel_invoice(invoice.id, "crm-order-1-cancel", note="Order cancelled")
    client.cancel_invoice(invoice.id, "crm-order-1-cancel")

    assert client.get_invoice(invoice.id).payment_state is PaymentState.CANCELLED
    assert sim.invoice(invoice.id).reminders == 1
    assert [event.event_type for event in sim.events] == ["INVOICING.INVOICE.CANCELLED"]


def test_order_returns_the_payer_link_and_is_created_once(sim: PayPalSimulator, client: PayPalClient) -> None:
    first = client.create_order(
        Decimal("100"), "EUR", "default", "crm-order-1", custom_id="guid", invoice_id="SO-1"
    )
    second = client.create_order(
        Decimal("100"), "EUR", "default", "crm-order-1", custom_id="guid", invoice_id="SO-1"
    )

    assert first.id == second.id
    assert first.approve_url is not None and first.id in first.approve_url
    assert first.status == "PAYER_ACTION_REQUIRED"
    assert sim.order_count == 1


def test_approved_order_is_captured_once(sim: PayPalSimulator, client: PayPalClient) -> None:
    order = client.create_order("250", "JPY", "default", "crm-order-1", custom_id="guid")
    sim.approve_order(order.id)

    captured = client.capture_order(order.id, "capture-crm-order-1")
    again = client.capture_order(order.id, "capture-crm-order-1")

    assert captured.status == "COMPLETED"
    assert [c.id for c in captured.captures] == [c.id for c in again.captures]
    assert captured.captures[0].amount is not None and str(captured.captures[0].amount) == "250 JPY"
    assert captured.captures[0].payment_state is PaymentState.PAID
    assert captured.captures[0].order_id == order.id

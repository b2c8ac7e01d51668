import pytest

from connectors.paypal import (
    InvoiceStatus,
    PaymentState,
    UnknownStatusError,
    state_from_capture_status,
    state_from_invoice_status,
)


def test_every_invoice_status_maps_to_a_state() -> None:
    mapped = {status.value: state_from_invoice_status(status) for status in InvoiceStatus}

    assert mapped["DRAFT"] is PaymentState.DRAFT
    assert mapped["SENT"] is mapped["SCHEDULED"] is mapped["UNPAID"] is PaymentState.AWAITING_PAYMENT
    assert mapped["PAID"] is mapped["MARKED_AS_PAID"] is PaymentState.PAID
    assert mapped["REFUNDED"] is mapped["MARKED_AS_REFUNDED"] is PaymentState.REFUNDED
    assert mapped["PARTIALLY_PAID"] is PaymentState.PARTIALLY_PAID
    assert mapped["PARTIALLY_REFUNDED"] is PaymentState.PARTIALLY_REFUNDED
    assert mapped["PAYMENT_PENDING"] is PaymentState.PAYMENT_PENDING
    assert mapped["CANCELLED"] is PaymentState.CANCELLED
    assert len(mapped) == 12


def test_capture_statuses_map_to_states() -> None:
    assert state_from_capture_status("COMPLETED") is PaymentState.PAID
    assert state_from_capture_status("PENDING") is PaymentState.PAYMENT_PENDING
    assert state_from_capture_status("DECLINED") is PaymentState.FAILED
    assert state_from_capture_status("REFUNDED") is PaymentState.REFUNDED


def test_unknown_statuses_are_errors_not_guesses() -> None:
    with pytest.raises(UnknownStatusError):
        state_from_invoice_status("SOMETHING_NEW")
    with pytest.raises(UnknownStatusError):
        state_from_capture_status("SOMETHING_NEW")


def test_life_cycle_ranks_increase() -> None:
    order = [
        PaymentState.DRAFT,
        PaymentState.AWAITING_PAYMENT,
        PaymentState.PAYMENT_PENDING,
        PaymentState.PARTIALLY_PAID,
        PaymentState.PAID,
        PaymentState.PARTIALLY_REFUNDED,
        PaymentState.REFUNDED,
    ]
    assert [state.rank() for state in order] == sorted(state.rank() for state in order)
    assert len({state.rank() for state in PaymentState}) == len(PaymentState)


def test_a_late_event_never_moves_a_payment_backwards() -> None:
    assert PaymentState.PAID.advance(PaymentState.AWAITING_PAYMENT) is PaymentState.PAID
    assert PaymentState.CANCELLED.advance(PaymentState.AWAITING_PAYMENT) is PaymentState.CANCELLED
    assert PaymentState.REFUNDED.advance(PaymentState.PAID) is PaymentState.REFUNDED
    assert PaymentState.AWAITING_PAYMENT.advance(PaymentState.PAID) is PaymentState.PAID
    assert PaymentState.PAID.advance(PaymentState.PAID) is PaymentState.PAID


def test_money_received_outranks_a_cancellation() -> None:
    assert PaymentState.CANCELLED.advance(PaymentState.PAID) is PaymentState.PAID


def test_final_states() -> None:
    assert {state for state in PaymentState if state.is_final} == {
        PaymentState.CANCELLED,
        PaymentState.REFUNDED,
    }
    assert PaymentState.PAID.is_paid and not PaymentState.PAID.is_final

"""The ``counterparty-checks`` queue message: one check to run (or to retry after a 202)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.youcontrol import InvalidCodeError, parse_code
from functions.common.bus import OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.common.queues import COUNTERPARTY_CHECKS
from functions.counterparty.keys import Origin, message_id
from functions.counterparty.records import CheckOrder

QUEUE = COUNTERPARTY_CHECKS.name


class QueuedCheck(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(min_length=1, max_length=200)
    code: str
    account_id: uuid.UUID | None = None
    origin: Origin
    attempt: int = Field(default=1, ge=1)
    fresh_after: float | None = None


def to_message(
    order: CheckOrder, *, delay: float = 0.0, correlation_id: str | None = None
) -> OutboundMessage:
    payload = QueuedCheck(
        key=order.key,
        code=order.code.value,
        account_id=order.account_id,
        origin=order.origin,
        attempt=order.attempt,
        fresh_after=order.fresh_after,
    )
    when = datetime.now(UTC) + timedelta(seconds=delay) if delay > 0 else None
    return OutboundMessage.of_json(
        payload.model_dump(mode="json", exclude_none=True),
        message_id=message_id(order.key, order.attempt),
        correlation_id=correlation_id,
        scheduled_enqueue_time_utc=when,
        subject=f"counterparty-check:{order.origin.value}",
    )


def from_message(body: bytes) -> CheckOrder:
    """The order in a message; a message that can never be a valid check is poison (dead-lettered)."""
    try:
        queued = QueuedCheck.model_validate_json(body)
        code = parse_code(queued.code)
    except (ValidationError, InvalidCodeError) as error:
        raise PoisonMessageError(f"not a counterparty check message: {error}") from error
    return CheckOrder(
        key=queued.key,
        code=code,
        account_id=queued.account_id,
        origin=queued.origin,
        attempt=queued.attempt,
        fresh_after=queued.fresh_after,
    )

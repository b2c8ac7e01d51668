"""Scheduled monitoring and check-on-create: both only queue checks; the queue worker runs them.

One message per account, ``message_id`` = the check key (code, account and schedule slot), so a timer
that fires twice in a slot, a redelivered event or a repeated run queues nothing twice (Service Bus
duplicate detection) and, past the detection window, the check row key makes the repeat a no-op.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any, Protocol

from connectors.youcontrol import InvalidCodeError, mask_code, parse_code
from functions.common.bus import MessageBus, OutboundMessage
from functions.counterparty.keys import Origin, created_key, scheduled_key
from functions.counterparty.messages import QUEUE, to_message
from functions.counterparty.models import MonitoringRun
from functions.counterparty.records import CheckOrder

_log = logging.getLogger("smart.counterparty")
SEND_CHUNK = 500


class MonitoredAccounts(Protocol):
    def monitored_accounts(self) -> Iterator[tuple[uuid.UUID, str | None]]: ...


def schedule_checks(
    accounts: MonitoredAccounts, bus: MessageBus, slot: str, *, fresh_after: float | None = None
) -> MonitoringRun:
    """Queue a check of every monitored account for ``slot``; accounts without a valid code are skipped."""
    queued = skipped = 0
    pending: list[OutboundMessage] = []
    for account_id, raw_code in accounts.monitored_accounts():
        try:
            code = parse_code(raw_code or "")
        except InvalidCodeError:
            skipped += 1
            _log.warning(
                "monitored account %s has no valid company code (%s)", account_id, mask_code(raw_code or "")
            )
            continue
        order = CheckOrder(
            key=scheduled_key(code.value, account_id, slot),
            code=code,
            account_id=account_id,
            origin=Origin.SCHEDULED,
            fresh_after=fresh_after,
        )
        pending.append(to_message(order))
        if len(pending) >= SEND_CHUNK:
            bus.send_many(QUEUE, pending)
            queued += len(pending)
            pending = []
    if pending:
        bus.send_many(QUEUE, pending)
        queued += len(pending)
    _log.info("counterparty monitoring slot %s: %d queued, %d skipped", slot, queued, skipped)
    return MonitoringRun(slot=slot, queued=queued, skipped=skipped)


def queue_check_on_create(bus: MessageBus, account_id: uuid.UUID, raw_code: Any) -> bool:
    """Queue the check of a new account with a company code; False when there is nothing to check."""
    if not isinstance(raw_code, str) or not raw_code.strip():
        return False
    try:
        code = parse_code(raw_code)
    except InvalidCodeError:
        _log.warning(
            "new account %s has an invalid company code %s; not checked", account_id, mask_code(raw_code)
        )
        return False
    order = CheckOrder(
        key=created_key(code.value, account_id), code=code, account_id=account_id, origin=Origin.CREATED
    )
    bus.send(QUEUE, to_message(order))
    _log.info("queued the on-create check of account %s (%s)", account_id, code.masked)
    return True

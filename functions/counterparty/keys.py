"""Idempotency keys and ids of checks: the same request, redelivery or timer slot always gives the same.

A check's row id is a UUID derived from its key, so a redelivered message, a retried POST and the
status URL all name the same row before anything is written. Keys hold the code (it is stored in the
row anyway) and stay under the 200 characters of ``smart_idempotencykey``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

_NAMESPACE = uuid.UUID("6b1f0c3e-57a4-4c55-9a3e-0c6f3f0b7d21")


class Origin(StrEnum):
    """What asked for the check (``smart_trigger`` has only manual/scheduled: created maps to scheduled)."""

    MANUAL = "manual"
    SCHEDULED = "scheduled"
    CREATED = "created"


def check_id(key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, key)


def manual_key(code: str, account_id: uuid.UUID | None, request_id: str | None, now: datetime) -> str:
    """A caller's request id, else the minute: pressing "check" twice in a minute runs one check."""
    token = request_id or now.astimezone(UTC).strftime("%Y%m%dT%H%M")
    return f"m:{code}:{account_id or '-'}:{token}"[:200]


def scheduled_key(code: str, account_id: uuid.UUID, slot: str) -> str:
    return f"s:{code}:{account_id}:{slot}"[:200]


def created_key(code: str, account_id: uuid.UUID) -> str:
    return f"c:{code}:{account_id}"


def schedule_slot(fired_at: datetime) -> str:
    """The UTC hour the timer fired in: a restart or past-due catch-up within the hour repeats the slot."""
    return fired_at.astimezone(UTC).strftime("%Y%m%dT%H")


def message_id(key: str, attempt: int) -> str:
    """Queue message id: the first delivery is the key itself; a not-ready retry is a new message."""
    return key if attempt <= 1 else f"{key}#{attempt}"

"""Messages in Dataverse: create once by idempotency key, read, and write status changes economically.

Every status write is conditional on the row version read (``If-Match`` with the row's etag), several
rows per ``$batch`` request: when a delivery report and the sender touch a row at the same moment, the
loser re-reads the row and re-plans its change, so a status never moves backwards whichever write
lands first. Rows whose change is empty are not written at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dataverse import (
    AlternateKey,
    BatchOperation,
    DataverseClient,
    DuplicateRecordError,
    NotFoundError,
    PreconditionFailedError,
)
from dataverse.schema import MessageChannel, MessageStatus, message_activity_id
from functions.messaging.directory import in_filter
from functions.messaging.statuses import DELIVERED_OR_READ, FAILURES, MessageState, StatusChange

log = logging.getLogger(__name__)

MESSAGES, MESSAGE = "smart_messages", "smart_message"
ACTIVITIES = "smart_messageactivities"
KEY = "smart_idempotencykey"
STATE_COLUMNS = (
    "smart_messageid", KEY, "smart_status", "smart_providermessageid", "smart_channel", "smart_deliveredon",
    "smart_readon", "smart_segments", "_smart_contactid_value", "smart_requestid", "smart_journeyid",
    "_smart_batchid_value", "smart_phone",
)  # fmt: skip
_IN_CHUNK = 200
_EXISTS = (DuplicateRecordError, PreconditionFailedError)
_TIMELINE = DELIVERED_OR_READ | FAILURES | {MessageStatus.NOT_SENT}

_QUEUED = MessageStatus.QUEUED.option_value

Planner = Callable[[MessageState], StatusChange]


class ConcurrentUpdateError(RuntimeError):
    """Rows changed under every attempt to write them (transient: the queue message is redelivered)."""


@dataclass
class MessageRecord:
    """A new ``smart_message`` row."""

    id: str
    key: str
    phone: str
    text: str
    channels: Sequence[str]
    status: MessageStatus = MessageStatus.QUEUED
    segments: int = 0
    campaign: str | None = None
    journey: str | None = None
    request_id: str | None = None
    contact_id: str | None = None
    batch_id: str | None = None
    queued_on: datetime | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        from functions.common.logging import mask_phone

        return f"{'/'.join(self.channels)} to {mask_phone(self.phone)}"

    def columns(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "smart_messageid": self.id,
            KEY: self.key,
            "smart_name": self.label(),
            "smart_status": self.status.option_value,
            "smart_phone": self.phone,
            "smart_text": self.text,
            "smart_channelorder": ",".join(self.channels),
            "smart_segments": self.segments,
        }
        optional = {
            "smart_campaign": self.campaign,
            "smart_journeyid": self.journey,
            "smart_requestid": self.request_id,
            "smart_queuedon": iso(self.queued_on),
            "smart_error": self.error[:1000] if self.error else None,
            "smart_contactid@odata.bind": f"/contacts({self.contact_id})" if self.contact_id else None,
            "smart_batchid@odata.bind": f"/smart_messagebatches({self.batch_id})" if self.batch_id else None,
        }
        data.update({name: value for name, value in optional.items() if value is not None})
        if self.status is MessageStatus.NOT_SENT:
            data["smart_failedon"] = iso(self.queued_on)
        data.update(self.extra)
        return data

    def activity(self) -> dict[str, Any]:
        return {
            "activityid": str(message_activity_id(self.key)),
            "subject": f"Message {self.label()}",
            "description": self.text,
            "smart_status": self.status.option_value,
            "smart_messageid@odata.bind": f"/smart_messages({self.id})",
            "regardingobjectid_contact_smart_messageactivity@odata.bind": f"/contacts({self.contact_id})",
        }


class MessageRepository:
    def __init__(self, client: DataverseClient, *, bulk_parallel: int = 4) -> None:
        self.client = client
        self.bulk_parallel = bulk_parallel

    # ---- create --------------------------------------------------------------------------------

    def create(self, record: MessageRecord) -> bool:
        """Record a message once (create-only upsert on the key, with its timeline activity in the same
        change set); False when a message with this key already exists."""
        key = AlternateKey({KEY: record.key})
        operations = [BatchOperation.upsert(MESSAGES, key, record.columns(), mode="create_only")]
        if record.contact_id:
            activity = record.activity()
            activity_id = activity.pop("activityid")
            operations.append(BatchOperation.upsert(ACTIVITIES, activity_id, activity, mode="create_only"))
        results = self.client.execute_batch(operations, atomic=True)
        failure = next((result.error for result in results if result.error is not None), None)
        if isinstance(failure, _EXISTS):
            return False
        if failure is not None:
            raise failure
        return True

    def create_many(self, records: Sequence[MessageRecord]) -> None:
        """UpsertMultiple (keyed by the idempotency key) for rows known not to exist yet, and their
        timeline activities as create-only upserts in ``$batch`` requests."""
        if not records:
            return
        rows = [record.columns() for record in records]
        self.client.upsert_multiple(MESSAGES, MESSAGE, rows, key=[KEY], max_parallel=self.bulk_parallel)
        activities = [r.activity() for r in records if r.contact_id]
        operations = [
            BatchOperation.upsert(ACTIVITIES, a.pop("activityid"), a, mode="create_only") for a in activities
        ]
        for result in self.client.execute_batch(operations, atomic=False, continue_on_error=True):
            if result.error is not None and not isinstance(result.error, _EXISTS):
                raise result.error

    # ---- read ----------------------------------------------------------------------------------

    def get(self, row_id: str) -> dict[str, Any] | None:
        try:
            return self.client.retrieve(MESSAGES, row_id)
        except NotFoundError:
            return None

    def state(self, row_id: str) -> MessageState | None:
        try:
            return state_of(self.client.retrieve(MESSAGES, row_id, select=STATE_COLUMNS))
        except NotFoundError:
            return None

    def states_by(self, column: str, values: Iterable[str]) -> list[MessageState]:
        """Rows whose ``column`` is one of ``values`` (``In`` queries of 200 values each)."""
        unique = list(dict.fromkeys(values))
        found: list[MessageState] = []
        for start in range(0, len(unique), _IN_CHUNK):
            condition = in_filter(column, unique[start : start + _IN_CHUNK])
            found.extend(
                state_of(row) for row in self.client.query(MESSAGES, filter=condition, select=STATE_COLUMNS)
            )
        return found

    def stream(self, filter: str, select: Sequence[str]) -> Iterator[dict[str, Any]]:
        return self.client.query(MESSAGES, filter=filter, select=select)

    # ---- status writes ---------------------------------------------------------------------------

    def write(
        self, items: Sequence[tuple[MessageState, Planner]], *, attempts: int = 4
    ) -> list[tuple[MessageState, StatusChange]]:
        """Plan and write each row's change with ``If-Match`` on its etag; re-read and re-plan the rows
        another writer changed in between. Returns (state before, change) for every row written."""
        written: list[tuple[MessageState, StatusChange]] = []
        pending = list(items)
        for _ in range(attempts):
            planned = [(state, planner, planner(state)) for state, planner in pending]
            planned = [entry for entry in planned if not entry[2].is_empty()]
            if not planned:
                return written
            operations: list[BatchOperation] = []
            owners: list[int] = []
            for index, (state, _, change) in enumerate(planned):
                columns = change_columns(change)
                operations.append(BatchOperation.update(MESSAGES, state.id, columns, etag=state.etag))
                owners.append(index)
                if state.contact_id and change.status in _TIMELINE:
                    operations.append(_activity_update(state, change))
                    owners.append(-1)
            results = self.client.execute_batch(operations, atomic=False, continue_on_error=True)
            lost: list[tuple[str, Planner]] = []
            for owner, result in zip(owners, results, strict=True):
                if owner < 0:
                    if result.error is not None:
                        log.warning("timeline activity not updated: %s", result.error)
                    continue
                state, planner, change = planned[owner]
                if result.ok:
                    written.append((state, change))
                elif isinstance(result.error, PreconditionFailedError):
                    lost.append((state.id, planner))
                elif result.error is not None:
                    raise result.error
            if not lost:
                return written
            fresh = {s.id: s for s in self.states_by("smart_messageid", [i for i, _ in lost])}
            pending = [(fresh[row_id], planner) for row_id, planner in lost if row_id in fresh]
        raise ConcurrentUpdateError(f"{len(pending)} message rows kept changing while written; retry later")


def _activity_update(state: MessageState, change: StatusChange) -> BatchOperation:
    data: dict[str, Any] = {"smart_status": change.status.option_value if change.status else None}
    if change.channel is not None:
        data["smart_channel"] = change.channel.option_value
    return BatchOperation.update(ACTIVITIES, str(message_activity_id(state.key)), data)


def change_columns(change: StatusChange) -> dict[str, Any]:
    values: dict[str, Any] = {
        "smart_status": change.status.option_value if change.status else None,
        "smart_channel": change.channel.option_value if change.channel else None,
        "smart_providermessageid": change.provider_id,
        "smart_providerstatus": change.provider_status,
        "smart_senton": iso(change.sent_at),
        "smart_deliveredon": iso(change.delivered_at),
        "smart_readon": iso(change.read_at),
        "smart_failedon": iso(change.failed_at),
        "smart_segments": change.segments,
        "smart_cost": float(change.cost) if change.cost is not None else None,
        "smart_errorcode": change.error_code[:50] if change.error_code else None,
        "smart_error": change.error[:1000] if change.error else None,
    }
    return {name: value for name, value in values.items() if value is not None}


def state_of(row: dict[str, Any]) -> MessageState:
    return MessageState(
        id=str(row["smart_messageid"]),
        key=str(row.get(KEY) or ""),
        status=MessageStatus.from_option_value(int(row.get("smart_status") or _QUEUED)),
        etag=row.get("@odata.etag"),
        provider_id=row.get("smart_providermessageid"),
        channel=MessageChannel.from_option_value(row["smart_channel"]) if row.get("smart_channel") else None,
        delivered_at=parse_time(row.get("smart_deliveredon")),
        read_at=parse_time(row.get("smart_readon")),
        segments=row.get("smart_segments"),
        contact_id=row.get("_smart_contactid_value"),
        request_id=row.get("smart_requestid"),
        journey_id=row.get("smart_journeyid"),
        batch_id=row.get("_smart_batchid_value"),
        phone=row.get("smart_phone"),
    )


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"  # 4-digit year

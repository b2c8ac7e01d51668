"""``smart_messagebatch`` rows: a bulk send, created once by its idempotency key, with progress counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dataverse import (
    AlternateKey,
    DataverseClient,
    DuplicateRecordError,
    NotFoundError,
    PreconditionFailedError,
)
from dataverse.schema import BatchStatus, MessageStatus
from functions.messaging.repository import MESSAGES, iso

BATCHES = "smart_messagebatches"
ACCEPTED = ("sent", "delivered", "read", "failed", "expired")  # GMS took them
REFUSED = ("rejected", "not_sent")
DONE = frozenset({BatchStatus.COMPLETED, BatchStatus.PARTIALLY_FAILED, BatchStatus.FAILED})


@dataclass(frozen=True)
class BatchRow:
    id: str
    key: str
    status: BatchStatus
    name: str | None
    campaign: str | None
    completed_on: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> BatchRow:
        return cls(
            id=str(row["smart_messagebatchid"]),
            key=str(row.get("smart_idempotencykey") or ""),
            status=BatchStatus.from_option_value(
                int(row.get("smart_status") or BatchStatus.RECEIVED.option_value)
            ),
            name=row.get("smart_name"),
            campaign=row.get("smart_campaign"),
            completed_on=row.get("smart_completedon"),
        )


class BatchStore:
    def __init__(self, client: DataverseClient) -> None:
        self.client = client

    def create(
        self,
        *,
        batch_id: str,
        key: str,
        name: str,
        status: BatchStatus,
        total: int | None,
        campaign: str | None,
        journey: str | None,
        request_id: str | None,
    ) -> bool:
        data: dict[str, Any] = {
            "smart_messagebatchid": batch_id,
            "smart_name": name[:200],
            "smart_status": status.option_value,
            "smart_totalcount": total,
            "smart_queuedcount": total,
            "smart_campaign": campaign,
            "smart_journeyid": journey,
            "smart_requestid": request_id,
        }
        row = {name: value for name, value in data.items() if value is not None}
        try:
            self.client.upsert(BATCHES, AlternateKey({"smart_idempotencykey": key}), row, mode="create_only")
        except (DuplicateRecordError, PreconditionFailedError):
            return False
        return True

    def get(self, batch_id: str) -> BatchRow | None:
        try:
            return BatchRow.of(self.client.retrieve(BATCHES, batch_id))
        except NotFoundError:
            return None

    def update(
        self,
        batch_id: str,
        *,
        status: BatchStatus | None = None,
        counts: Counter[str] | None = None,
        completed_on: datetime | None = None,
    ) -> None:
        data: dict[str, Any] = {}
        if status is not None:
            data["smart_status"] = status.option_value
        if counts is not None:
            data.update(
                smart_totalcount=sum(counts.values()),
                smart_queuedcount=counts["queued"] + counts["scheduled"],
                smart_sentcount=sum(counts[s] for s in ACCEPTED),
                smart_deliveredcount=counts["delivered"] + counts["read"],
                smart_failedcount=sum(counts[s] for s in REFUSED) + counts["failed"] + counts["expired"],
            )
        if completed_on is not None:
            data["smart_completedon"] = iso(completed_on)
        if data:
            self.client.update(BATCHES, batch_id, data)

    @staticmethod
    def final_status(counts: Counter[str]) -> BatchStatus:
        accepted = sum(counts[s] for s in ACCEPTED)
        refused = sum(counts[s] for s in REFUSED)
        if refused and not accepted:
            return BatchStatus.FAILED
        return BatchStatus.PARTIALLY_FAILED if refused else BatchStatus.COMPLETED

    def message_counts(self, batch_id: str) -> Counter[str]:
        """Messages of the batch by status, read from the message rows (one page per 5,000)."""
        counts: Counter[str] = Counter()
        rows = self.client.query(
            MESSAGES, filter=f"_smart_batchid_value eq {batch_id}", select=["smart_status"]
        )
        for row in rows:
            counts[MessageStatus.from_option_value(int(row["smart_status"])).value] += 1
        return counts

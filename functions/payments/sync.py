"""Apply one observation to one payment row: write only what changed, never over a newer writer."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from dataverse import PreconditionFailedError
from functions.payments.ports import PaymentStore
from functions.payments.rules import Observation, PaymentRecord, changes_for

logger = logging.getLogger("smart.payments")

MAX_ATTEMPTS = 4


def apply_observation(
    store: PaymentStore, record: PaymentRecord, seen: Observation, now: datetime
) -> tuple[PaymentRecord, bool]:
    """Write ``changes_for(record, seen)`` guarded by the row's ETag; on a conflict read the row again
    and recompute (the other writer may already have moved it further). Returns the row as it now
    is and whether this call wrote it."""
    for _ in range(MAX_ATTEMPTS):
        changes = changes_for(record, seen, now)
        if not changes:
            return record, False
        try:
            store.update(record, changes, check_etag=record.etag is not None)
        except PreconditionFailedError:
            fresh = store.find_by_row_id(record.row_id)
            if fresh is None:
                raise
            logger.info("payment %s changed meanwhile; re-applying on the fresh row", record.row_id)
            record = fresh
            continue
        return dataclasses.replace(record, **changes, etag=None), True
    raise PreconditionFailedError(
        f"payment {record.row_id} kept changing; giving up after {MAX_ATTEMPTS} attempts", status=412
    )

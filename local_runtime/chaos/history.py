"""Every status the Dataverse emulator commits for a row, and the regressions among them.

``StatusHistory.attach(emulator)`` wraps the emulator's store (in this process) so that each committed
insert or update of a watched table records ``(table, row id, status option value)`` in commit order.
Writes inside a transaction (a request, a ``$batch`` change set) are recorded only when the outermost
transaction commits; a rolled-back change set records nothing, so only states the CRM could actually
have shown are counted.

A **status regression** is a committed status whose rank is lower than the highest rank that row has
already held. Ranks are the product's own orders: ``MessageStatus.rank`` (a failure ranks below
``delivered``, so ``failed -> delivered`` after an SMS fallback is progress), ``ShipmentStatus.rank``,
the payments rule ``status_rank`` (PayPal's neutral states; FAILED, "no invoice was made", counts as
DRAFT: a draft may fail, a sent invoice may not), the counterparty check
lifecycle (pending < in progress < completed = failed) and the bulk-send lifecycle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dataverse.schema import BatchStatus, CheckStatus, MessageStatus, PaymentStatus, ShipmentStatus
from functions.payments.rules import status_rank

Rank = Callable[[int], tuple[int, int]]


def _message(value: int) -> tuple[int, int]:
    return (MessageStatus.from_option_value(value).rank(), 0)


def _shipment(value: int) -> tuple[int, int]:
    return (ShipmentStatus.from_option_value(value).rank(), 0)


def _payment(value: int) -> tuple[int, int]:
    status = PaymentStatus.from_option_value(value)
    # FAILED means "no invoice was made": it ends a draft, so it ranks with DRAFT here (the payments
    # rules put it below DRAFT so that a retry may move it on); after SENT it is still a step back.
    return status_rank(PaymentStatus.DRAFT if status is PaymentStatus.FAILED else status)


_CHECK_RANK = {
    CheckStatus.PENDING: 0,
    CheckStatus.IN_PROGRESS: 1,
    CheckStatus.COMPLETED: 2,
    CheckStatus.FAILED: 2,
}
_BATCH_RANK = {
    BatchStatus.RECEIVED: 0,
    BatchStatus.QUEUED: 1,
    BatchStatus.SENDING: 2,
    BatchStatus.COMPLETED: 3,
    BatchStatus.PARTIALLY_FAILED: 3,
    BatchStatus.FAILED: 3,
}


def _check(value: int) -> tuple[int, int]:
    return (_CHECK_RANK[CheckStatus.from_option_value(value)], 0)


def _batch(value: int) -> tuple[int, int]:
    return (_BATCH_RANK[BatchStatus.from_option_value(value)], 0)


WATCHED: dict[str, Rank] = {
    "smart_message": _message,
    "smart_messageactivity": _message,
    "smart_messagebatch": _batch,
    "smart_shipment": _shipment,
    "smart_payment": _payment,
    "smart_counterpartycheck": _check,
}
STATUS_COLUMN = "smart_status"


@dataclass(frozen=True)
class Regression:
    table: str
    row_id: str
    before: int  # the highest-ranked status the row had held
    after: int  # the status then committed

    def describe(self) -> str:
        before, after = _label(self.table, self.before), _label(self.table, self.after)
        return f"{self.table} {self.row_id}: {before} -> {after}"


@dataclass
class _RowTrail:
    statuses: list[int] = field(default_factory=list)
    best: int | None = None


class StatusHistory:
    """Committed statuses per watched row; thread-safe (the emulator serves requests on many threads)."""

    def __init__(self, watched: dict[str, Rank] | None = None) -> None:
        self.watched = dict(WATCHED if watched is None else watched)
        self._rows: dict[tuple[str, str], _RowTrail] = {}
        self._regressions: list[Regression] = []
        self._lock = threading.Lock()
        self._frames = threading.local()
        self.writes = 0  # status-bearing writes committed

    # -- recording -----------------------------------------------------------------------------

    def attach(self, emulator: Any) -> StatusHistory:
        """Wrap ``emulator.store`` (a ``DataverseEmulator`` running in this process)."""
        store = emulator.store
        insert, replace, transaction = store.insert, store.replace, store.transaction

        def recording_insert(entity: str, row: Any) -> None:
            insert(entity, row)
            self._observe(entity, row)

        def recording_replace(entity: str, row: Any) -> None:
            replace(entity, row)
            self._observe(entity, row)

        @contextmanager
        def recording_transaction() -> Iterator[None]:
            frames = self._stack()
            frames.append([])
            try:
                with transaction():
                    yield
            except BaseException:
                frames.pop()
                raise
            done = frames.pop()
            if frames:
                frames[-1].extend(done)
            else:
                self._commit(done)

        store.insert, store.replace, store.transaction = (
            recording_insert,
            recording_replace,
            recording_transaction,
        )
        return self

    def _stack(self) -> list[list[tuple[str, str, int]]]:
        frames: list[list[tuple[str, str, int]]] | None = getattr(self._frames, "stack", None)
        if frames is None:
            frames = self._frames.stack = []
        return frames

    def _observe(self, entity: str, row: Any) -> None:
        if entity not in self.watched:
            return
        value = row.data.get(STATUS_COLUMN)
        if value is None:
            return
        frames = self._stack()
        if frames:
            frames[-1].append((entity, row.id, int(value)))
        else:
            self._commit([(entity, row.id, int(value))])

    def record(self, table: str, row_id: str, status: int) -> None:
        """Record one committed status (what ``attach`` does for every emulator write)."""
        self._commit([(table, row_id, status)])

    def _commit(self, writes: list[tuple[str, str, int]]) -> None:
        with self._lock:
            for table, row_id, status in writes:
                self.writes += 1
                trail = self._rows.setdefault((table, row_id), _RowTrail())
                if trail.statuses and trail.statuses[-1] == status:
                    continue  # a write that left the status as it was
                trail.statuses.append(status)
                rank = self.watched[table]
                if trail.best is not None and rank(status) < rank(trail.best):
                    self._regressions.append(Regression(table, row_id, trail.best, status))
                elif trail.best is None or rank(status) > rank(trail.best):
                    trail.best = status

    # -- reading -------------------------------------------------------------------------------

    @property
    def regressions(self) -> list[Regression]:
        with self._lock:
            return list(self._regressions)

    def trail(self, table: str, row_id: str) -> list[int]:
        with self._lock:
            found = self._rows.get((table, row_id))
            return list(found.statuses) if found else []

    def rows(self, table: str) -> int:
        with self._lock:
            return sum(1 for key in self._rows if key[0] == table)


def _label(table: str, value: int) -> str:
    enums: dict[str, Any] = {
        "smart_message": MessageStatus,
        "smart_messageactivity": MessageStatus,
        "smart_messagebatch": BatchStatus,
        "smart_shipment": ShipmentStatus,
        "smart_payment": PaymentStatus,
        "smart_counterpartycheck": CheckStatus,
    }
    try:
        return str(enums[table].from_option_value(value).value)
    except (KeyError, ValueError):
        return str(value)

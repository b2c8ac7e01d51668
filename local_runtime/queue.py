"""A durable local queue (SQLite, WAL) with Azure Service Bus semantics.

What it keeps from Service Bus: peek-lock with a lock duration and lock renewal, complete on success,
abandon on failure, a delivery count that grows with every lock, dead-lettering after the queue's
max delivery count (and on expiry), scheduled enqueue time, duplicate detection on ``message_id``
within a window, time-to-live, and a dead-letter sub-queue that can be listed and replayed. Several
processes may share one database file: a message whose worker process dies comes back once its lock
expires, exactly as on Service Bus.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from functions.common.bus import OutboundMessage
from functions.common.queues import QueueSpec

DEFAULT_SPEC = QueueSpec(name="*")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    props TEXT NOT NULL DEFAULT '{}',
    correlation_id TEXT,
    content_type TEXT,
    subject TEXT,
    enqueued_at REAL NOT NULL,
    scheduled_at REAL,
    visible_at REAL NOT NULL,
    expires_at REAL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    lock_token TEXT,
    last_error TEXT,
    dead INTEGER NOT NULL DEFAULT 0,
    dead_reason TEXT,
    dead_description TEXT,
    dead_at REAL
);
CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, dead, seq);
CREATE TABLE IF NOT EXISTS seen_ids (
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (queue, message_id)
) WITHOUT ROWID;
"""

_SELECT_READY = (
    "SELECT seq, queue, message_id, body, props, correlation_id, content_type, subject, enqueued_at,"
    " scheduled_at, visible_at, expires_at, delivery_count, lock_token, last_error, dead_reason,"
    " dead_description FROM messages WHERE queue = ? AND dead = 0 AND visible_at <= ? ORDER BY seq LIMIT ?"
)
_SELECT_DEAD = (
    "SELECT seq, queue, message_id, body, props, correlation_id, content_type, subject, enqueued_at,"
    " scheduled_at, visible_at, expires_at, delivery_count, lock_token, last_error, dead_reason,"
    " dead_description FROM messages WHERE queue = ? AND dead = 1 ORDER BY seq LIMIT ?"
)


class MessageLockLostError(RuntimeError):
    """The lock expired (and another receiver may hold the message) before it was settled."""


@dataclass(frozen=True)
class ReceivedMessage:
    queue: str
    sequence_number: int
    message_id: str
    body: bytes
    application_properties: dict[str, Any]
    correlation_id: str | None
    content_type: str | None
    subject: str | None
    enqueued_time: float
    scheduled_enqueue_time: float | None
    locked_until: float
    expires_at: float | None
    delivery_count: int
    lock_token: str
    last_error: str | None = None
    dead_letter_reason: str | None = None
    dead_letter_description: str | None = None


class LocalQueue:
    """SQLite-backed queues; implements the ``MessageBus`` port (``send``/``send_many``)."""

    backend = "local-queue"

    def __init__(
        self,
        path: str | Path,
        specs: Iterable[QueueSpec] = (),
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = str(path)
        self.clock = clock
        self._specs: dict[str, QueueSpec] = {spec.name: spec for spec in specs}
        self._local = threading.local()
        self._sends = 0
        self._arrivals = threading.Condition()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._connection().executescript(_SCHEMA)

    # -- configuration ----------------------------------------------------------------------------
    def declare(self, spec: QueueSpec) -> None:
        self._specs[spec.name] = spec

    def spec(self, queue: str) -> QueueSpec:
        return self._specs.get(queue, DEFAULT_SPEC)

    @property
    def queue_names(self) -> list[str]:
        return sorted(self._specs)

    # -- sending ----------------------------------------------------------------------------------
    def send(self, queue: str, message: OutboundMessage) -> None:
        self.enqueue(queue, [message])

    def send_many(self, queue: str, messages: Sequence[OutboundMessage]) -> None:
        self.enqueue(queue, messages)

    def enqueue(self, queue: str, messages: Sequence[OutboundMessage]) -> int:
        """Add messages; returns how many were accepted (duplicates inside the window are dropped)."""
        spec = self.spec(queue)
        now = self.clock()
        accepted = 0
        with self._transaction() as db:
            for message in messages:
                if spec.duplicate_detection_window > 0:
                    row = db.execute(
                        "SELECT seen_at FROM seen_ids WHERE queue = ? AND message_id = ?",
                        (queue, message.message_id),
                    ).fetchone()
                    if row is not None and row[0] > now - spec.duplicate_detection_window:
                        continue
                    db.execute(
                        "INSERT OR REPLACE INTO seen_ids (queue, message_id, seen_at) VALUES (?, ?, ?)",
                        (queue, message.message_id, now),
                    )
                scheduled = (
                    message.scheduled_enqueue_time_utc.timestamp()
                    if message.scheduled_enqueue_time_utc is not None
                    else None
                )
                db.execute(
                    "INSERT INTO messages (queue, message_id, body, props, correlation_id, content_type,"
                    " subject, enqueued_at, scheduled_at, visible_at, expires_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        queue,
                        message.message_id,
                        message.body,
                        json.dumps(dict(message.application_properties)),
                        message.correlation_id,
                        message.content_type,
                        message.subject,
                        now,
                        scheduled,
                        max(now, scheduled or now),
                        now + spec.default_time_to_live if spec.default_time_to_live else None,
                    ),
                )
                accepted += 1
            self._sends += len(messages)
            if self._sends >= 1000:
                self._sends = 0
                db.execute(
                    "DELETE FROM seen_ids WHERE queue = ? AND seen_at < ?",
                    (queue, now - spec.duplicate_detection_window),
                )
        if accepted:
            with self._arrivals:
                self._arrivals.notify_all()
        return accepted

    def wait_for_arrivals(self, timeout: float) -> None:
        """Block until this process enqueues something or ``timeout`` passes (other processes: poll)."""
        with self._arrivals:
            self._arrivals.wait(timeout)

    # -- receiving and settling -------------------------------------------------------------------
    def receive(self, queue: str, max_messages: int = 1) -> list[ReceivedMessage]:
        """Peek-lock up to ``max_messages`` ready messages, oldest first."""
        spec = self.spec(queue)
        now = self.clock()
        locked: list[ReceivedMessage] = []
        with self._transaction() as db:
            while len(locked) < max_messages:
                rows = db.execute(
                    _SELECT_READY,
                    (queue, now, max_messages - len(locked)),
                ).fetchall()
                if not rows:
                    break
                for row in rows:
                    seq, delivery_count, expires_at, last_error = row[0], row[12], row[11], row[14]
                    if expires_at is not None and expires_at <= now:
                        self._expire(db, seq, spec, now)
                        continue
                    if delivery_count >= spec.max_delivery_count:
                        self._dead_letter_exhausted(db, seq, delivery_count, last_error, now)
                        continue
                    token = str(uuid.uuid4())
                    until = now + spec.lock_duration
                    db.execute(
                        "UPDATE messages SET lock_token = ?, visible_at = ?, delivery_count = ?"
                        " WHERE seq = ?",
                        (token, until, delivery_count + 1, seq),
                    )
                    locked.append(_to_message(row, token=token, until=until, count=delivery_count + 1))
        return locked

    def complete(self, message: ReceivedMessage) -> None:
        with self._transaction() as db:
            cursor = db.execute(
                "DELETE FROM messages WHERE seq = ? AND lock_token = ? AND dead = 0",
                (message.sequence_number, message.lock_token),
            )
            if cursor.rowcount == 0:
                raise MessageLockLostError(f"lock lost for message {message.message_id}")

    def abandon(self, message: ReceivedMessage, error: str | None = None) -> None:
        """Release the lock now; dead-letter when the delivery count is used up."""
        spec = self.spec(message.queue)
        now = self.clock()
        with self._transaction() as db:
            owned = self._owned(db, message)
            if message.delivery_count >= spec.max_delivery_count:
                self._dead_letter_exhausted(db, owned, message.delivery_count, error, now)
                return
            db.execute(
                "UPDATE messages SET lock_token = NULL, visible_at = ?, last_error = ? WHERE seq = ?",
                (now, error, owned),
            )

    def dead_letter(self, message: ReceivedMessage, reason: str, description: str = "") -> None:
        with self._transaction() as db:
            owned = self._owned(db, message)
            self._move_to_dead_letter(db, owned, reason, description, self.clock())

    def renew_lock(self, message: ReceivedMessage) -> ReceivedMessage:
        until = self.clock() + self.spec(message.queue).lock_duration
        with self._transaction() as db:
            owned = self._owned(db, message)
            db.execute("UPDATE messages SET visible_at = ? WHERE seq = ?", (until, owned))
        return _replace_lock(message, until)

    # -- dead-letter sub-queue --------------------------------------------------------------------
    def list_dead_letters(self, queue: str, limit: int = 1000) -> list[ReceivedMessage]:
        with self._transaction() as db:
            rows = db.execute(
                _SELECT_DEAD,
                (queue, limit),
            ).fetchall()
        return [_to_message(row, token="", until=0.0, count=row[12]) for row in rows]

    def replay_dead_letters(self, queue: str, message_ids: Iterable[str] | None = None) -> int:
        """Move dead-lettered messages back to the queue as fresh deliveries."""
        wanted = set(message_ids) if message_ids is not None else None
        replayed = 0
        now = self.clock()
        spec = self.spec(queue)
        with self._transaction() as db:
            rows = db.execute(
                "SELECT seq, message_id FROM messages WHERE queue = ? AND dead = 1 ORDER BY seq", (queue,)
            ).fetchall()
            for seq, message_id in rows:
                if wanted is not None and message_id not in wanted:
                    continue
                db.execute(
                    "UPDATE messages SET dead = 0, dead_reason = NULL, dead_description = NULL,"
                    " dead_at = NULL, delivery_count = 0, lock_token = NULL, last_error = NULL,"
                    " visible_at = ?, expires_at = ? WHERE seq = ?",
                    (now, now + spec.default_time_to_live if spec.default_time_to_live else None, seq),
                )
                replayed += 1
        return replayed

    def counts(self, queue: str) -> dict[str, int]:
        now = self.clock()
        with self._transaction() as db:
            active, scheduled, dead = db.execute(
                "SELECT"
                " SUM(CASE WHEN dead = 0 AND lock_token IS NULL AND visible_at <= ? THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN dead = 0 AND lock_token IS NULL AND visible_at > ? THEN 1 ELSE 0 END),"
                " SUM(dead)"
                " FROM messages WHERE queue = ?",
                (now, now, queue),
            ).fetchone()
            total = db.execute("SELECT COUNT(*) FROM messages WHERE queue = ?", (queue,)).fetchone()[0]
        active, scheduled, dead = active or 0, scheduled or 0, dead or 0
        return {
            "active": active,
            "scheduled": scheduled,
            "locked": total - active - scheduled - dead,
            "dead_letter": dead,
        }

    def purge(self, queue: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM messages WHERE queue = ?", (queue,))
            db.execute("DELETE FROM seen_ids WHERE queue = ?", (queue,))

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # -- internals --------------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=30000")
            self._local.connection = connection
        return connection

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection())

    def _owned(self, db: sqlite3.Connection, message: ReceivedMessage) -> int:
        row = db.execute(
            "SELECT seq FROM messages WHERE seq = ? AND lock_token = ? AND dead = 0 AND visible_at > ?",
            (message.sequence_number, message.lock_token, self.clock()),
        ).fetchone()
        if row is None:
            raise MessageLockLostError(f"lock lost for message {message.message_id}")
        return int(row[0])

    def _expire(self, db: sqlite3.Connection, seq: int, spec: QueueSpec, now: float) -> None:
        if spec.dead_letter_on_expiration:
            self._move_to_dead_letter(
                db, seq, "TTLExpiredException", "The message expired before it was processed.", now
            )
        else:
            db.execute("DELETE FROM messages WHERE seq = ?", (seq,))

    def _dead_letter_exhausted(
        self, db: sqlite3.Connection, seq: int, deliveries: int, error: str | None, now: float
    ) -> None:
        reason = error or "MaxDeliveryCountExceeded"
        description = f"MaxDeliveryCountExceeded: not consumed after {deliveries} delivery attempts."
        self._move_to_dead_letter(db, seq, reason, description, now)

    @staticmethod
    def _move_to_dead_letter(
        db: sqlite3.Connection, seq: int, reason: str, description: str, now: float
    ) -> None:
        db.execute(
            "UPDATE messages SET dead = 1, lock_token = NULL, dead_reason = ?, dead_description = ?,"
            " dead_at = ? WHERE seq = ?",
            (reason[:4096], description[:4096], now, seq),
        )


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK``): one writer at a time across processes."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.connection.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def _to_message(row: Sequence[Any], *, token: str, until: float, count: int) -> ReceivedMessage:
    props: Mapping[str, Any] = json.loads(row[4] or "{}")
    return ReceivedMessage(
        queue=row[1],
        sequence_number=row[0],
        message_id=row[2],
        body=bytes(row[3]),
        application_properties=dict(props),
        correlation_id=row[5],
        content_type=row[6],
        subject=row[7],
        enqueued_time=row[8],
        scheduled_enqueue_time=row[9],
        locked_until=until,
        expires_at=row[11],
        delivery_count=count,
        lock_token=token,
        last_error=row[14],
        dead_letter_reason=row[15],
        dead_letter_description=row[16],
    )


def _replace_lock(message: ReceivedMessage, until: float) -> ReceivedMessage:
    return replace(message, locked_until=until)

"""``dlq list QUEUE`` and ``dlq replay QUEUE [--id ID]`` against the local queue or Azure Service Bus.

The backend follows the same rule as the app: Service Bus when ``SERVICEBUS_CONNECTION`` (or
``SERVICEBUS_CONNECTION__fullyQualifiedNamespace``) is set, otherwise the local queue database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from functions.common.queues import QUEUES
from functions.common.settings import BusSettings, load_settings

DEFAULT_LOCAL_DB = Path(__file__).resolve().parent.parent / ".smart" / "queue.db"


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    reason: str | None
    description: str | None
    delivery_count: int
    enqueued: str
    body_preview: str


class DeadLetterStore(Protocol):
    name: str

    def peek(self, queue: str, limit: int) -> list[DeadLetter]: ...

    def replay(self, queue: str, message_ids: list[str] | None) -> int: ...


class LocalDeadLetters:
    name = "local-queue"

    def __init__(self, path: Path) -> None:
        from local_runtime.queue import LocalQueue

        self.queue = LocalQueue(path, QUEUES)

    def peek(self, queue: str, limit: int) -> list[DeadLetter]:
        return [
            DeadLetter(
                m.message_id,
                m.dead_letter_reason,
                m.dead_letter_description,
                m.delivery_count,
                datetime.fromtimestamp(m.enqueued_time, UTC).isoformat(),
                _preview(m.body),
            )
            for m in self.queue.list_dead_letters(queue, limit)
        ]

    def replay(self, queue: str, message_ids: list[str] | None) -> int:
        return self.queue.replay_dead_letters(queue, message_ids)


class ServiceBusDeadLetters:
    name = "azure-servicebus"

    def __init__(self, connection: str | None, namespace: str | None) -> None:
        from azure.servicebus import ServiceBusClient

        if connection:
            self.client = ServiceBusClient.from_connection_string(connection)
        else:
            from azure.identity import DefaultAzureCredential

            self.client = ServiceBusClient(str(namespace), credential=DefaultAzureCredential())

    def peek(self, queue: str, limit: int) -> list[DeadLetter]:
        from azure.servicebus import ServiceBusSubQueue

        with self.client.get_queue_receiver(queue, sub_queue=ServiceBusSubQueue.DEAD_LETTER) as receiver:
            messages = receiver.peek_messages(max_message_count=limit)
        return [
            DeadLetter(
                str(m.message_id),
                m.dead_letter_reason,
                m.dead_letter_error_description,
                m.delivery_count or 0,
                m.enqueued_time_utc.isoformat() if m.enqueued_time_utc else "",
                _preview(b"".join(m.body) if not isinstance(m.body, bytes) else m.body),
            )
            for m in messages
        ]

    def replay(self, queue: str, message_ids: list[str] | None) -> int:
        from azure.servicebus import ServiceBusMessage, ServiceBusSubQueue

        wanted = set(message_ids) if message_ids else None
        replayed = 0
        with (
            self.client.get_queue_receiver(
                queue, sub_queue=ServiceBusSubQueue.DEAD_LETTER, max_wait_time=5
            ) as receiver,
            self.client.get_queue_sender(queue) as sender,
        ):
            progress = tqdm(desc=f"replaying {queue}", unit="msg")
            while batch := receiver.receive_messages(max_message_count=100, max_wait_time=5):
                for message in batch:
                    if wanted is not None and str(message.message_id) not in wanted:
                        receiver.abandon_message(message)
                        continue
                    body = b"".join(message.body) if not isinstance(message.body, bytes) else message.body
                    copy = ServiceBusMessage(
                        body,
                        message_id=message.message_id,
                        correlation_id=message.correlation_id,
                        content_type=message.content_type,
                        subject=message.subject,
                        application_properties=message.application_properties,
                    )
                    sender.send_messages(copy)
                    receiver.complete_message(message)
                    replayed += 1
                    progress.update()
                if wanted is not None and replayed >= len(wanted):
                    break
            progress.close()
        return replayed


def store_from_environment(local_db: Path | None = None) -> DeadLetterStore:
    bus = load_settings(BusSettings)
    if bus.servicebus_connection or bus.servicebus_namespace:
        connection = bus.servicebus_connection.get_secret_value() if bus.servicebus_connection else None
        return ServiceBusDeadLetters(connection, bus.servicebus_namespace)
    return LocalDeadLetters(local_db or Path(os.environ.get("SMART_LOCAL_QUEUE_PATH", DEFAULT_LOCAL_DB)))


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("dlq", help="list or replay dead-lettered messages")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list a queue's dead-lettered messages")
    listing.add_argument("queue")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--db", type=Path, default=None, help="local queue database (local backend)")
    replay = actions.add_parser("replay", help="send dead-lettered messages back to their queue")
    replay.add_argument("queue")
    replay.add_argument("--id", action="append", dest="ids", help="only this message id (repeatable)")
    replay.add_argument("--json", action="store_true")
    replay.add_argument("--db", type=Path, default=None, help="local queue database (local backend)")


def run(args: argparse.Namespace) -> int:
    store = store_from_environment(args.db)
    if args.action == "list":
        items = store.peek(args.queue, args.limit)
        if args.json:
            print(json.dumps([item.__dict__ for item in items], indent=2))
        else:
            print(f"{len(items)} dead-lettered message(s) in {args.queue} ({store.name})")
            for item in items:
                print(f"- {item.message_id}  deliveries={item.delivery_count}  enqueued={item.enqueued}")
                print(f"    reason: {item.reason}")
                if item.description:
                    print(f"    description: {item.description}")
                print(f"    body: {item.body_preview}")
        return 0
    replayed = store.replay(args.queue, args.ids)
    missing = len(set(args.ids)) - replayed if args.ids else 0
    if args.json:
        print(json.dumps({"queue": args.queue, "replayed": replayed, "not_found": max(missing, 0)}))
    else:
        print(f"replayed {replayed} message(s) to {args.queue} ({store.name})")
    if missing > 0:
        print(f"{missing} requested id(s) were not in the dead-letter queue", file=sys.stderr)
        return 1
    return 0


def _preview(body: bytes, limit: int = 160) -> str:
    text = body.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Dead-lettered queue messages, and which workload item each one is about.

The mapping is by queue: ``messages-outbound`` and ``message-batches`` bodies carry the item's key,
``delivery-reports`` bodies the reports' ``extra_id`` (the message key), ``counterparty-checks`` bodies
the check key (ending with the caller's request id), ``paypal-events`` bodies the invoice (matched to the
invoice the create call answered) or the capture's ``custom_id`` (the payment key). Every dead letter is
listed in the figures with its reason whether or not it maps to an item.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from local_runtime.chaos.driver import Answer


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    message_id: str
    reason: str
    description: str
    body: bytes


def index_dead_letters(letters: list[DeadLetter], answers: dict[str, Answer]) -> dict[str, str]:
    """Item key -> the reason of a dead-lettered queue message about it (best effort, by queue)."""
    by_invoice = {
        str(a.body.get("invoice_id")): key for key, a in answers.items() if a.body.get("invoice_id")
    }
    index: dict[str, str] = {}
    for letter in letters:
        reason = f"{letter.queue}: {letter.reason}"
        for key in _keys_of(letter, by_invoice):
            index.setdefault(key, reason)
    return index


def _keys_of(letter: DeadLetter, by_invoice: dict[str, str]) -> list[str]:
    try:
        body = json.loads(letter.body)
    except (UnicodeDecodeError, ValueError):
        return []
    items = body if isinstance(body, list) else [body]
    keys: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if letter.queue == "delivery-reports" and item.get("extra_id"):
            keys.append(str(item["extra_id"]))
        elif letter.queue == "counterparty-checks" and item.get("key"):
            keys.append(str(item["key"]).rsplit(":", 1)[-1])
        elif letter.queue == "paypal-events":
            resource = item.get("resource") or {}
            invoice = resource.get("invoice") or resource
            key = by_invoice.get(str(invoice.get("id") or resource.get("invoice_id") or ""))
            keys += [key] if key else []
            keys += [str(resource["custom_id"])] if resource.get("custom_id") else []
        elif item.get("key"):
            keys.append(str(item["key"]))
    return keys

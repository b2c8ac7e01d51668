"""Build ``/batch`` and ``/batch/sync`` bodies from single-message requests.

Shape from the GMS docs (JSON V2, "Mass messages sending"): the common part (``callback_url``,
``start_time``, ``tag``, ``division_code``, ``channels``, ``channel_options`` without texts) sits at
the top level, and ``messages`` lists ``{"phone_number", "extra_id", "text"}`` per recipient; that
one ``text`` is used for every channel. So requests are grouped by their common part, each request's
channel texts must be equal, and a group is cut into chunks of at most 50,000 recipients.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.gms.models import MAX_RECIPIENTS_PER_MASS_REQUEST, SendRequest


@dataclass
class BatchChunk:
    body: dict[str, Any]
    positions: list[int] = field(default_factory=list)  # index of each message in the caller's list


def build_batch_chunks(
    requests: Sequence[SendRequest], *, max_recipients: int = MAX_RECIPIENTS_PER_MASS_REQUEST
) -> list[BatchChunk]:
    """Group ``requests`` into mass-send bodies; raise ValueError naming the request that cannot go."""
    groups: dict[str, tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]] = {}
    for position, request in enumerate(requests):
        common, message = _split(position, request)
        key = json.dumps(common, sort_keys=True, ensure_ascii=False)
        groups.setdefault(key, (common, []))[1].append((position, message))
    chunks: list[BatchChunk] = []
    for common, messages in groups.values():
        for start in range(0, len(messages), max_recipients):
            part = messages[start : start + max_recipients]
            body = {"messages": [message for _, message in part], **common}
            chunks.append(BatchChunk(body, [position for position, _ in part]))
    return chunks


def _split(position: int, request: SendRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    texts = set(request.channel_texts().values())
    if len(texts) > 1:
        raise ValueError(
            f"requests[{position}].channel_options: a mass send carries one text for all channels, "
            "but this request has different texts per channel; send it with send_message instead"
        )
    wire = request.to_wire()
    message: dict[str, Any] = {"phone_number": wire.pop("phone_number")}
    if "extra_id" in wire:
        message["extra_id"] = wire.pop("extra_id")
    if texts:
        message["text"] = texts.pop()
    options = wire.get("channel_options", {})
    wire["channel_options"] = {
        name: {key: value for key, value in block.items() if key != "text"} for name, block in options.items()
    }
    return wire, message

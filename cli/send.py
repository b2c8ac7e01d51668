"""``send-bulk FILE``: send a campaign from a CSV or JSON-lines file through the app's batch endpoint.

The file is cut into batches of at most 10,000 recipients (``POST /api/messages/batch``); each batch is then
followed (``GET /api/messages/batches/{id}``) until it is done or ``--timeout`` passes. Without
``--idempotency-key`` the key is derived from the file, text and campaign, so running the same command again
never sends twice (give a new key to send the same campaign again).

Exit codes: 0 every batch completed, 1 a batch (partially) failed or did not finish in time, 2 bad input
or the app refused the request (key, validation), 3 the app could not be reached or answered 5xx.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from pydantic import ValidationError
from tqdm import tqdm

from functions.messaging.batch_models import MAX_INLINE_RECIPIENTS, BatchRecipient

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_DEPENDENCY = 0, 1, 2, 3
_DONE = frozenset({"completed", "partially_failed", "failed"})
_RECIPIENT_FIELDS = ("to", "contact_id", "text")


class InputError(ValueError):
    """The file cannot be turned into recipients (missing column, bad row)."""


def add_parser(sub: Any) -> None:
    send = sub.add_parser(
        "send-bulk", help="send a campaign from a CSV or JSON-lines file (batches of 10,000)"
    )
    send.add_argument(
        "file", type=Path, help="CSV (column `to`, optional `text`, others = variables) or .jsonl"
    )
    send.add_argument("--app", required=True, help="the app's base URL, e.g. http://localhost:7071")
    send.add_argument("--key", default=None, help="function key (default: SMART_FUNCTION_KEY)")
    send.add_argument("--text", required=True, help="text for every recipient; {name} takes variables")
    send.add_argument("--campaign", required=True, help="campaign tag")
    send.add_argument("--sender", default=None, help="alpha name (default: MESSAGING_DEFAULT_SENDER)")
    send.add_argument("--channels", default=None, help="cascade, e.g. viber,sms (default: the app's)")
    send.add_argument("--idempotency-key", default=None, help="default: derived from file, text, campaign")
    send.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the batches")
    send.add_argument("--poll", type=float, default=1.0, help="seconds between status checks")
    send.add_argument("--json", action="store_true", help="print the result as JSON")


@dataclass
class _Outcome:
    batches: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    timed_out: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "counts": dict(sorted(self.counts.items())),
            "timed_out": self.timed_out,
        }


def run(args: argparse.Namespace) -> int:
    try:
        recipients = read_recipients(args.file)
    except (InputError, OSError) as error:
        print(f"input: {error}", file=sys.stderr)
        return EXIT_INPUT
    key = args.idempotency_key or _derived_key(args.file, args.text, args.campaign)
    function_key = args.key or os.environ.get("SMART_FUNCTION_KEY", "")
    with requests.Session() as session:
        session.headers["x-functions-key"] = function_key
        sender = _Sender(session, args.app.rstrip("/") + "/api/messages", args.json)
        try:
            options = {"sender": args.sender, "channels": args.channels.split(",") if args.channels else None}
            options = {name: value for name, value in options.items() if value is not None}
            outcome = sender.send(
                recipients, text=args.text, campaign=args.campaign, key=key, options=options
            )
            sender.follow(outcome, timeout=args.timeout, poll=args.poll)
        except _Refused as refused:
            print(f"the app refused the batch: {refused}", file=sys.stderr)
            return EXIT_INPUT
        except (_Unavailable, requests.RequestException) as error:
            print(f"the app could not be reached: {type(error).__name__}: {error}", file=sys.stderr)
            return EXIT_DEPENDENCY
    failed = outcome.timed_out or any(b["status"] != "completed" for b in outcome.batches)
    if args.json:
        print(json.dumps(outcome.as_json()))
    else:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(outcome.counts.items())) or "no messages"
        ended = "timed out" if outcome.timed_out else "done"
        print(f"{len(recipients)} recipients in {len(outcome.batches)} batch(es), {ended}: {counts}")
    return EXIT_FAILED if failed else EXIT_OK


def read_recipients(path: Path) -> list[dict[str, Any]]:
    """Recipients as batch-request dicts, validated with ``BatchRecipient``; rows are numbered from 1."""
    rows = _jsonl_rows(path) if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else _csv_rows(path)
    recipients = []
    for number, row in enumerate(rows, start=1):
        try:
            recipient = BatchRecipient.model_validate(_recipient(row))
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            raise InputError(f"row {number}: {problems}") from None
        recipients.append(recipient.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
    if not recipients:
        raise InputError(f"{path} has no recipients")
    return recipients


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        if "to" not in columns and "contact_id" not in columns:
            raise InputError(f"{path} needs a `to` column (found: {', '.join(columns) or 'none'})")
        for row in reader:
            yield {name: value for name, value in row.items() if name and value not in (None, "")}


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(f"line {number}: not JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise InputError(f"line {number}: expected an object")
            yield row


def _recipient(row: dict[str, Any]) -> dict[str, Any]:
    recipient = {name: row[name] for name in _RECIPIENT_FIELDS if name in row}
    variables = dict(row.get("variables") or {})
    variables.update({k: v for k, v in row.items() if k not in _RECIPIENT_FIELDS and k != "variables"})
    if variables:
        recipient["variables"] = variables
    return recipient


def _derived_key(path: Path, text: str, campaign: str) -> str:
    digest = hashlib.sha256(path.read_bytes())
    digest.update(b"\0" + text.encode() + b"\0" + campaign.encode())
    return "cli-" + digest.hexdigest()[:40]


class _Refused(Exception):
    pass


class _Unavailable(Exception):
    pass


class _Sender:
    def __init__(self, session: requests.Session, base: str, quiet: bool) -> None:
        self.session, self.base, self.quiet = session, base, quiet

    def send(
        self, recipients: list[dict[str, Any]], *, text: str, campaign: str, key: str, options: dict[str, Any]
    ) -> _Outcome:
        outcome = _Outcome()
        chunks = [
            recipients[i : i + MAX_INLINE_RECIPIENTS]
            for i in range(0, len(recipients), MAX_INLINE_RECIPIENTS)
        ]
        for index, chunk in enumerate(tqdm(chunks, desc="posting batches", unit="batch", disable=self.quiet)):
            body = {
                **options,
                "text": text,
                "campaign": campaign,
                "name": f"{campaign} ({index + 1}/{len(chunks)})" if len(chunks) > 1 else campaign,
                "idempotency_key": key if len(chunks) == 1 else f"{key}-{index + 1}",
                "recipients": chunk,
            }
            accepted = self._json(self.session.post(f"{self.base}/batch", json=body, timeout=60))
            outcome.batches.append({"id": accepted["id"], "status": accepted["status"], "total": len(chunk)})
        return outcome

    def follow(self, outcome: _Outcome, *, timeout: float, poll: float) -> None:
        total = sum(b["total"] for b in outcome.batches)
        deadline = time.monotonic() + timeout
        views: dict[str, dict[str, Any]] = {}
        with tqdm(total=total, desc="sending", unit="msg", disable=self.quiet) as bar:
            while True:
                for batch in outcome.batches:
                    if batch["status"] in _DONE and batch["id"] in views:
                        continue
                    view = self._json(self.session.get(f"{self.base}/batches/{batch['id']}", timeout=30))
                    views[batch["id"]] = view
                    batch["status"] = view["status"]
                counts: Counter[str] = Counter()
                for view in views.values():
                    counts.update(view.get("counts", {}))
                bar.n = min(total, sum(counts.values()) - counts.get("queued", 0))
                bar.set_postfix_str(", ".join(f"{k} {v}" for k, v in sorted(counts.items()))[-60:])
                bar.refresh()
                outcome.counts = counts
                if all(b["status"] in _DONE for b in outcome.batches):
                    return
                if time.monotonic() >= deadline:
                    outcome.timed_out = True
                    return
                time.sleep(poll)

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        if response.status_code >= 500:
            raise _Unavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise _Refused(f"HTTP {response.status_code}: {response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body

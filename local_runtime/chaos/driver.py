"""The callers: submit the workload to the app's HTTP API as Power Automate would, and act as payers.

A submission is repeated with the same body (so the same idempotency key) until the app gives a
definitive answer: a 2xx, or a 4xx other than 408/425/429 (a refusal, recorded with its detail; a 409
from the messaging endpoints means "recorded but not readable yet, retry" and is retried).
Connection errors, timeouts (the worker may be dead), 429 and 5xx are retried with capped, jittered
backoff that honours Retry-After, until the client's ``deadline`` (moved on for the drain). Every
answer is counted by route and status, so 500s (bugs) show up in the figures. Items the workload
marks ``repeat`` are sent once more after their answer, with the same key. After an invoice is
created the "payer" acts on the PayPal simulator (pay, refund) or the merchant cancels through the
app; the simulator then sends its signed webhooks to the worker (duplicated or reordered when the
fault phase says so).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

from local_runtime.chaos.workload import Submission

RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
RETRYABLE_FOR_MESSAGES = RETRYABLE | {409}  # "exists but could not be read; retry" (messaging only)
_ID = re.compile(r"/[0-9a-f]{8}-[0-9a-f-]{27}|/INV2-[A-Z0-9-]+|/\d{8,10}(?=/)")


@dataclass
class Answer:
    key: str
    kind: str
    status: int | None = None  # the definitive status (None: none before the deadline)
    body: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    last_problem: str | None = None
    follow_up: str | None = None  # what the payer did after, and how it went
    repeated: int | None = None  # the status of the repeated request, when the item was sent twice

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class CallStats:
    by_route: Counter[str] = field(default_factory=Counter)  # "POST /api/messages 202" -> count
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, route: str, outcome: str) -> None:
        with self.lock:
            self.by_route[f"{route} {outcome}"] += 1

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.by_route.values())

    def server_errors(self) -> dict[str, int]:
        with self.lock:
            return {route: n for route, n in self.by_route.items() if route.endswith(" 500")}


class ApiClient:
    """Calls the worker with the function key; one session per thread."""

    def __init__(self, base_url: str, key: str, deadline: float, seed: int) -> None:
        self.base_url = base_url
        self.key = key
        self.deadline = deadline
        self.stats = CallStats()
        self._local = threading.local()
        self._random = random.Random(f"chaos-backoff:{seed}")
        self._lock = threading.Lock()  # guards the backoff jitter and ``in_flight``
        self.in_flight = 0  # requests sent and not yet answered (read when the worker is killed)

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["x-functions-key"] = self.key
        return session

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        answer: Answer | None = None,
        retryable: frozenset[int] = RETRYABLE,
    ) -> Answer:
        """Repeat the call until a definitive answer or the deadline."""
        result = answer or Answer(key=path, kind="call")
        route = f"{method} {_ID.sub('/{id}', path)}"
        attempt = 0
        while time.monotonic() < self.deadline:
            attempt += 1
            result.attempts += 1
            wait: float | None = None
            try:
                with self._lock:
                    self.in_flight += 1
                try:
                    response = self._session().request(method, self.base_url + path, json=body, timeout=60)
                finally:
                    with self._lock:
                        self.in_flight -= 1
            except requests.RequestException as error:
                self.stats.count(route, type(error).__name__)
                result.last_problem = type(error).__name__
                self._local.session = None  # the worker may have died: start afresh
            else:
                self.stats.count(route, str(response.status_code))
                if response.status_code not in retryable:
                    result.status = response.status_code
                    result.body = _json(response)
                    if response.status_code >= 400:
                        result.last_problem = str(result.body.get("detail") or response.text[:300])
                    return result
                result.last_problem = f"{response.status_code} {_json(response).get('detail', '')}".strip()
                wait = _retry_after(response)
            time.sleep(self._backoff(attempt, wait))
        return result

    def admin(self, path: str) -> int | None:
        """One POST to an admin endpoint (fire a timer); None when the worker did not answer."""
        try:
            response = self._session().post(self.base_url + path, timeout=30)
        except requests.RequestException as error:
            self._local.session = None
            self.stats.count(f"POST {path}", type(error).__name__)
            return None
        self.stats.count(f"POST {path}", str(response.status_code))
        return response.status_code

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, 5.0)
        with self._lock:
            jitter = self._random.random()
        return min(2.0, 0.1 * 2.0 ** min(attempt, 6)) * (0.5 + jitter)


class Driver:
    """Submits the workload with ``threads`` callers; reports (answered, started) after each event."""

    def __init__(self, api: ApiClient, paypal: Any, threads: int) -> None:
        self.api = api
        self.paypal = paypal
        self.threads = threads
        self.answers: dict[str, Answer] = {}
        self.answered = 0
        self.started = 0
        self._lock = threading.Lock()

    def run(self, submissions: tuple[Submission, ...], on_progress: Callable[[int, int], None]) -> None:
        def one(item: Submission) -> None:
            with self._lock:
                self.started += 1
                progress = (self.answered, self.started)
            on_progress(*progress)
            answer = self.submit(item)
            with self._lock:
                self.answers[item.key] = answer
                self.answered += 1
                progress = (self.answered, self.started)
            on_progress(*progress)

        with ThreadPoolExecutor(self.threads, thread_name_prefix="chaos-caller") as pool:
            for future in [pool.submit(one, item) for item in submissions]:
                future.result()

    def submit(self, item: Submission) -> Answer:
        retryable = RETRYABLE_FOR_MESSAGES if item.kind in ("message", "batch") else RETRYABLE
        answer = self.api.call(
            "POST", item.path, item.body, answer=Answer(item.key, item.kind), retryable=retryable
        )
        if item.repeat and answer.status is not None:
            answer.repeated = self.api.call("POST", item.path, item.body, retryable=retryable).status
        if item.kind == "invoice" and answer.accepted and item.follow_up is not None:
            answer.follow_up = self._follow_up(item.follow_up, answer.body)
        return answer

    def _follow_up(self, action: str, invoice: dict[str, Any]) -> str:
        invoice_id = str(invoice.get("invoice_id") or "")
        if not invoice_id:
            return f"{action}: no invoice id in the answer"
        if action == "cancel":
            done = self.api.call("POST", f"/api/invoices/{invoice_id}/cancel", {})
            return f"cancel: {done.status}"
        try:
            self.paypal.pay_invoice(invoice_id)
            if action == "refund_part":
                amount = (Decimal(str(invoice.get("amount") or "0")) / 3).quantize(Decimal("0.01"))
                self.paypal.refund_invoice(invoice_id, amount if amount > 0 else None)
            elif action == "refund_all":
                self.paypal.refund_invoice(invoice_id)
        except Exception as error:  # noqa: BLE001 - a payer action the simulator refused is a finding, kept
            return f"{action}: simulator refused: {error}"
        return f"{action}: done"


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"items": data}


def _retry_after(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None

"""The GMS simulator: GMS's wire format on GMS's paths, on loopback, plus a ``/_sim/`` admin API."""

from __future__ import annotations

import base64
import hmac
import json
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import fields
from typing import Any
from urllib.parse import unquote

from local_runtime.loopback import Faults, LoopbackServer, Request, Response
from local_runtime.simulators.gms import _validation as check
from local_runtime.simulators.gms._dispatch import CallbackSender, Dispatcher, Outgoing
from local_runtime.simulators.gms._store import MessageStore, ReportSettings, outcome_weights
from local_runtime.simulators.gms._timeline import SimOutcome

_FAULT_FIELDS = {f.name for f in fields(Faults)}


class GmsSimulator:
    """Simulated GMS JSON V2 API. See the package docstring for paths, options and admin endpoints."""

    def __init__(
        self,
        port: int = 0,
        *,
        login: str = "sim",
        password: str = "sim-password",  # noqa: S107 - a simulator default, not a secret
        client_id: str = "12345",
        seed: int = 0,
        outcomes: Mapping[str, float] | None = None,
        report_delay_ms: float | None = 200.0,
        batched_reports: bool = False,
        report_batch_size: int = 100,
        duplicate_rate: float = 0.0,
        out_of_order_rate: float = 0.0,
        push_seen: bool = True,
        callback_attempts: int = 3,
        callback_retry_delay_ms: float = 20.0,
        callback_timeout_s: float = 2.0,
    ) -> None:
        self.login, self.client_id = login, client_id
        self._password = password
        self.settings = ReportSettings(
            seed, report_delay_ms, batched_reports, duplicate_rate, out_of_order_rate, push_seen
        )
        self.report_batch_size = report_batch_size
        self.store = MessageStore(self.settings, outcome_weights(outcomes))
        self._stopped = threading.Event()
        self._stall_count, self._stall_seconds = 0, 0.0
        self._sender = CallbackSender(
            attempts=callback_attempts,
            retry_delay_s=callback_retry_delay_ms / 1000.0,
            timeout_s=callback_timeout_s,
            stopped=self._stopped,
        )
        self._dispatcher: Dispatcher | None = None
        self.server = LoopbackServer(self.handle, port=port, name="gms-simulator")

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> GmsSimulator:
        self.server.start()
        if self.settings.report_delay_ms is not None:
            store = self.store
            self._dispatcher = Dispatcher(
                store.take, self._deliver, store.condition, store.next_due, self._stopped
            )
            self._dispatcher.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        with self.store.condition:
            self.store.condition.notify_all()
        if self._dispatcher is not None:
            self._dispatcher.join()
        self.server.stop()

    def __enter__(self) -> GmsSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test and demo controls ----------------------------------------------------------------

    def set_faults(self, **values: Any) -> Faults:
        """Replace the injected faults. Without ``only_paths`` they hit the GMS paths, not ``/_sim/``."""
        unknown = set(values) - _FAULT_FIELDS
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        values["only_paths"] = tuple(values.get("only_paths") or (f"/{self.client_id}",))
        self.server.faults = Faults(**values)
        return self.server.faults

    def flush(self) -> int:
        """Make every pending status change happen now and post its callbacks before returning.

        Order is deterministic: message acceptance order, then each message's planned order (which
        out-of-order mode may have swapped). Changes the background thread already took may still
        be in flight; use ``report_delay_ms=None`` for flush-only runs. Returns the number of
        callback reports posted or tried.
        """
        outgoing = self.store.take(None)
        self._deliver(outgoing)
        return len(outgoing)

    def plan_outcome(self, extra_id: str, outcome: SimOutcome | str) -> None:
        """Force the outcome of message(s) sent from now on with ``extra_id``."""
        self.store.plan(extra_id, SimOutcome(outcome))

    def set_outcome_weights(self, weights: Mapping[str, float]) -> None:
        with self.store.lock:
            self.store.weights = outcome_weights(weights)

    def stall_next_sends(self, count: int = 1, seconds: float = 2.0) -> None:
        """Accept the next ``count`` sends, then hold each answer ``seconds``: the client times out
        although GMS accepted the message (the case ``send_message_once`` exists for)."""
        with self.store.lock:
            self._stall_count, self._stall_seconds = count, seconds

    def reset(self) -> None:
        with self.store.lock:
            self.store.reset()
            self._stall_count = 0
        self._sender.reset()
        self.server.faults = Faults()
        self.server.reset_counts()

    # -- recorded effects ----------------------------------------------------------------------

    def messages(self) -> list[dict[str, Any]]:
        """Every message GMS accepted: message_id, extra_id, phone_number, channels, texts, tag,
        accepted_at (epoch ms), outcome, events_happened, job_id."""
        return self.store.records()

    def duplicates_by_extra_id(self) -> dict[str, list[str]]:
        """extra_ids accepted more than once, with their message ids: empty means no double send."""
        return self.store.duplicates_by_extra_id()

    @property
    def delivered_reports(self) -> list[dict[str, Any]]:
        """Every report payload a callback receiver acknowledged, in delivery order."""
        return self._sender.snapshot()[1]

    def stats(self) -> dict[str, int]:
        with self.store.lock:
            merged = Counter(self.store.counters)
        merged.update(self._sender.snapshot()[0])
        return dict(merged)

    def state(self) -> dict[str, Any]:
        return {
            "counters": self.stats(),
            "messages": self.messages(),
            "duplicates_by_extra_id": self.duplicates_by_extra_id(),
            "pending_events": self.store.pending_count(),
            "jobs": self.store.job_count(),
            "delivered_reports": self.delivered_reports[-1000:],
            "requests": dict(self.server.counts),
            "faults_injected": dict(self.server.faults_injected),
        }

    # -- HTTP ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        parts = [unquote(part) for part in request.path.strip("/").split("/")]
        if parts[0] == "_sim":
            return self._admin(request, parts[1:])
        if not self._authorized(request):
            self.store.count("auth_failures")
            headers = {"WWW-Authenticate": 'Basic realm="GMS"'}
            return Response.json({"error_text": "Unauthorized"}, 401, headers)
        if parts[0] != self.client_id:
            return Response.json({"error_text": "Not found"}, 404)
        route, method = parts[1:], request.method
        if method == "POST" and route == []:
            return self._send_single(request)
        if method == "POST" and route in (["batch"], ["batch", "sync"]):
            return self._send_batch(request, sync=route == ["batch", "sync"])
        if method == "GET" and len(route) == 2 and route[0] == "status":
            items = self.store.job(route[1])
            if items is None:
                return Response.json({"error_text": "Job not found"}, 404)
            return Response.json({"messages": items})
        if method == "GET" and route[:2] == ["api", "dr"] and route[-1] in ("simple", "advanced"):
            report = self.store.report(route[2:-1], advanced=route[-1] == "advanced")
            if report is None:
                return Response.json({"error_text": "Message not found"}, 404)
            return Response.json(report)
        return Response.json({"error_text": "Not found"}, 404)

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization") or ""
        expected = base64.b64encode(f"{self.login}:{self._password}".encode()).decode()
        return hmac.compare_digest(header.encode(), f"Basic {expected}".encode())

    def _send_single(self, request: Request) -> Response:
        try:
            body = _json(request)
            channels = check.check_common(body)
            phone = check.phone_of(body.get("phone_number"))
            for channel in channels:
                check.check_channel(channel, body["channel_options"][channel])
        except check.Refusal as refusal:
            self.store.count("sends_refused")
            return Response.json(refusal.body())
        texts = check.texts_of(channels, body["channel_options"])
        message = self.store.accept(phone, body, channels, texts)
        self.store.count("sends_accepted")
        self._maybe_stall()
        return Response.json({"message_id": message.message_id})

    def _send_batch(self, request: Request, *, sync: bool) -> Response:
        try:
            body = _json(request)
            channels = check.check_common(body)
            options = body["channel_options"]
            for channel in channels:  # the common part, with a stand-in text where texts are per message
                check.check_channel(
                    channel, {**options[channel], "text": options[channel].get("text") or "x"}
                )
            items = body.get("messages")
            if not isinstance(items, list) or not items:
                raise check.invalid("messages", "required, a non-empty list")
            if len(items) > check.MAX_RECIPIENTS:
                raise check.Refusal(check.TOO_MANY_RECIPIENTS, f"At most {check.MAX_RECIPIENTS} recipients")
        except check.Refusal as refusal:
            self.store.count("batch_requests_refused")
            return Response.json(refusal.body())
        self.store.count("batch_requests")
        results = [self._batch_item(body, channels, item) for item in items]
        if not sync:
            return Response.json({"job_id": self.store.add_job(results)})
        self._maybe_stall()
        return Response.json({"messages": results})

    def _batch_item(self, body: dict[str, Any], channels: list[str], item: Any) -> dict[str, Any]:
        raw = item.get("phone_number") if isinstance(item, dict) else None
        extra_id = item.get("extra_id") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise check.invalid("messages[]", "must be an object")
            phone = check.phone_of(raw)
            if extra_id is not None and (not isinstance(extra_id, str) or not 1 <= len(extra_id) <= 64):
                raise check.invalid("extra_id", "string of 1..64 characters")
            text = {"text": item["text"]} if item.get("text") else {}
            options = {channel: {**body["channel_options"][channel], **text} for channel in channels}
            for channel in channels:
                check.check_channel(channel, options[channel])
        except check.Refusal as refusal:
            self.store.count("batch_items_refused")
            rejected = {"processed": False, "phone_number": str(raw), "extra_id": extra_id, "accepted": False}
            return {**rejected, **refusal.body()}
        single = {**body, "extra_id": extra_id, "channel_options": options}
        message = self.store.accept(phone, single, channels, check.texts_of(channels, options))
        self.store.count("batch_items_accepted")
        return {
            "processed": True,
            "phone_number": phone,
            "message_id": message.message_id,
            "extra_id": extra_id,
            "accepted": True,
        }

    def _admin(self, request: Request, route: list[str]) -> Response:
        try:
            body = request.json() or {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return Response.json({"error": "body is not JSON"}, 400)
        if request.method == "GET" and route == ["state"]:
            return Response.json(self.state())
        if request.method == "POST" and route == ["faults"]:
            faults = self.set_faults(**body)
            return Response.json({name: getattr(faults, name) for name in sorted(_FAULT_FIELDS)})
        if request.method == "POST" and route == ["reset"]:
            self.reset()
            return Response.json({"reset": True})
        if request.method == "POST" and route == ["flush"]:
            return Response.json({"flushed": self.flush()})
        if request.method == "POST" and route == ["outcomes"]:
            if "weights" in body:
                self.set_outcome_weights(body["weights"])
            for extra_id, outcome in (body.get("plans") or {}).items():
                self.plan_outcome(extra_id, outcome)
            return Response.json({"weights": {k.value: v for k, v in self.store.weights.items()}})
        if request.method == "POST" and route == ["stall"]:
            count = int(body.get("count", 1))
            self.stall_next_sends(count, float(body.get("seconds", 2.0)))
            return Response.json({"stalling": count})
        return Response.json({"error": "unknown admin endpoint"}, 404)

    # -- internals -----------------------------------------------------------------------------

    def _deliver(self, outgoing: list[Outgoing]) -> None:
        if outgoing:
            self._sender.send(
                outgoing, batched=self.settings.batched_reports, batch_size=self.report_batch_size
            )

    def _maybe_stall(self) -> None:
        with self.store.lock:
            if self._stall_count <= 0:
                return
            self._stall_count -= 1
            seconds = self._stall_seconds
            self.store.counters["stalled_responses"] += 1
        self._stopped.wait(seconds)


def _json(request: Request) -> Any:
    try:
        return request.json()
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise check.invalid("body", "not valid JSON") from error

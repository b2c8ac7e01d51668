"""The local Functions host: runs a FunctionApp's HTTP, timer and Service Bus queue triggers.

HTTP triggers answer on ``http://127.0.0.1:{port}/{routePrefix}/{route}`` with Azure's auth levels
(function key in ``x-functions-key`` or ``?code=``); timers fire on their NCRONTAB schedules and on
``POST /admin/functions/{name}``; queue triggers consume the local queue with peek-lock semantics,
``maxConcurrentCalls`` workers per function and lock renewal up to ``maxAutoLockRenewalDuration``.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.servicebus import ServiceBusMessage
from azure.functions.timer import TimerRequest

from functions.common.bus import OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.common.problems import Problem
from local_runtime.app_index import IndexedFunction, index_app
from local_runtime.loopback import LoopbackServer, Request, Response
from local_runtime.queue import LocalQueue, MessageLockLostError, ReceivedMessage

logger = logging.getLogger("smart.local.host")

DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024  # the Functions host's default maxRequestBodySize


@dataclass(frozen=True)
class HostOptions:
    port: int = 7071
    route_prefix: str = "api"
    max_concurrent_calls: int = 16
    max_lock_renewal: float = 300.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    idle_poll_seconds: float = 0.25
    run_timers: bool = True

    @classmethod
    def from_host_json(cls, path: Path, **overrides: Any) -> HostOptions:
        data = json.loads(path.read_text()) if path.exists() else {}
        extensions = data.get("extensions", {})
        servicebus = extensions.get("serviceBus", {})
        values: dict[str, Any] = {
            "route_prefix": extensions.get("http", {}).get("routePrefix", "api"),
            "max_concurrent_calls": int(servicebus.get("maxConcurrentCalls", 16)),
            "max_lock_renewal": _timespan(servicebus.get("maxAutoLockRenewalDuration", "00:05:00")),
        }
        values.update(overrides)
        return cls(**values)


@dataclass
class Invocation:
    id: str
    function: str
    trigger: str
    started: float
    finished: float | None = None
    outcome: str = "running"  # running | succeeded | failed | dead-lettered
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class LocalHost:
    def __init__(
        self,
        app: func.FunctionApp,
        queue: LocalQueue,
        *,
        function_key: str,
        master_key: str | None = None,
        options: HostOptions | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.options = options or HostOptions()
        self.queue = queue
        self.function_key = function_key
        self.master_key = master_key or function_key
        self.functions = index_app(app, env)
        self.http_functions = sorted(
            (f for f in self.functions if f.trigger_type == "httpTrigger"),
            key=lambda f: f.route.precedence if f.route else (),
        )
        self.timers = {f.name: f for f in self.functions if f.trigger_type == "timerTrigger"}
        self.queue_functions = [f for f in self.functions if f.trigger_type == "serviceBusTrigger"]
        self.invocations: deque[Invocation] = deque(maxlen=5000)
        self._invocations_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._in_flight: dict[str, tuple[ReceivedMessage, float]] = {}
        self._in_flight_lock = threading.Lock()
        self.server = LoopbackServer(
            self.handle,
            port=self.options.port,
            name="smart-local-host",
            max_body_bytes=self.options.max_body_bytes,
        )

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> LocalHost:
        self.server.start()
        for function in self.queue_functions:
            for number in range(self.options.max_concurrent_calls):
                self._spawn(f"{function.name}-worker-{number}", self._queue_worker, function)
        if self.queue_functions:
            self._spawn("lock-renewer", self._lock_renewer)
        if self.options.run_timers and self.timers:
            self._spawn("timers", self._timer_loop)
        for timer in self.timers.values():
            if timer.run_on_startup:
                self.fire_timer(timer.name)
        return self

    def stop(self) -> None:
        self._stop.set()
        with self.queue._arrivals:
            self.queue._arrivals.notify_all()
        self.server.stop()
        for thread in self._threads:
            thread.join(timeout=10)

    def __enter__(self) -> LocalHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- HTTP -------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = request.path
        prefix = f"/{self.options.route_prefix.strip('/')}/" if self.options.route_prefix else "/"
        if path.startswith("/admin/"):
            return self._admin(request)
        if path.startswith("/_local/"):
            return self._local_admin(request)
        if not path.startswith(prefix):
            return _problem(Problem(404, f"No function answers {path}."))
        return self._http_trigger(request, path[len(prefix) :])

    def _http_trigger(self, request: Request, route_path: str) -> Response:
        allowed: set[str] = set()
        for function in self.http_functions:
            assert function.route is not None
            params = function.route.match(route_path)
            if params is None:
                continue
            if function.methods is not None and request.method not in function.methods:
                allowed.update(function.methods)
                continue
            if function.auth_level != "anonymous" and not self._authorised(request, function.auth_level):
                return _problem(
                    Problem(
                        401, "A function key is required: send it in the x-functions-key header or ?code=."
                    )
                )
            return self._invoke_http(function, request, params)
        if allowed:
            problem = Problem(405, f"{request.method} is not allowed here; use {', '.join(sorted(allowed))}.")
            response = _problem(problem)
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        return _problem(Problem(404, f"No function answers /{self.options.route_prefix}/{route_path}."))

    def _authorised(self, request: Request, level: str) -> bool:
        given = request.headers.get("x-functions-key") or request.arg("code") or ""
        keys = [self.master_key] if level == "admin" else [self.function_key, self.master_key]
        return any(hmac.compare_digest(given.encode(), key.encode()) for key in keys)

    def _invoke_http(self, function: IndexedFunction, request: Request, params: dict[str, str]) -> Response:
        query = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
        url = f"{self.url}{request.path}" + (f"?{query}" if query else "")
        http_request = func.HttpRequest(
            method=request.method,
            url=url,
            headers=dict(request.headers.items()),
            params={key: values[0] for key, values in request.query.items()},
            route_params=params,
            body=request.body,
        )
        invocation = self._begin(function, "http", {"method": request.method, "path": request.path})
        try:
            result, _ = function.invoke(http_request, invocation_id=invocation.id)
        except Exception as error:
            self._end(invocation, "failed", error)
            logger.exception("function %s failed", function.name)
            return _problem(Problem(500, f"Function {function.name} failed; invocation {invocation.id}."))
        self._end(invocation, "succeeded")
        return _to_response(result)

    def _admin(self, request: Request) -> Response:
        if not self._authorised(request, "admin"):
            return _problem(Problem(401, "The master key is required for admin endpoints."))
        parts = request.path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == "functions" and request.method == "POST":
            name = parts[2]
            if name in self.timers:
                invocation_id = self.fire_timer(name)
                return Response.json({"invocationId": invocation_id}, 202)
            return _problem(Problem(404, f"No timer function named {name!r}."))
        if request.path.rstrip("/") == "/admin/functions" and request.method == "GET":
            return Response.json([_describe(f) for f in self.functions])
        return _problem(Problem(404, f"No admin endpoint {request.path}."))

    def _local_admin(self, request: Request) -> Response:
        if not self._authorised(request, "admin"):
            return _problem(Problem(401, "The master key is required for /_local endpoints."))
        parts = request.path.strip("/").split("/")[1:]
        if parts == ["invocations"] and request.method == "GET":
            wanted = request.arg("function")
            with self._invocations_lock:
                items = [asdict(i) for i in self.invocations if wanted in (None, i.function)]
            return Response.json(items)
        if parts == ["queues"] and request.method == "GET":
            names = sorted({f.queue for f in self.queue_functions if f.queue} | set(self.queue.queue_names))
            return Response.json({name: self.queue.counts(name) for name in names})
        if len(parts) == 3 and parts[0] == "queues" and parts[2] == "messages" and request.method == "POST":
            message_id = request.headers.get("x-message-id") or str(uuid.uuid4())
            properties = json.loads(request.headers.get("x-application-properties") or "{}")
            scheduled = request.headers.get("x-scheduled-enqueue-time-utc")
            accepted = self.queue.enqueue(
                parts[1],
                [
                    OutboundMessage(
                        request.body,
                        message_id=message_id,
                        application_properties=properties,
                        content_type=request.headers.get("content-type") or "application/json",
                        correlation_id=request.headers.get("x-correlation-id"),
                        scheduled_enqueue_time_utc=datetime.fromisoformat(scheduled) if scheduled else None,
                    )
                ],
            )
            return Response.json({"messageId": message_id, "accepted": bool(accepted)}, 201)
        return _problem(Problem(404, f"No local endpoint {request.path}."))

    # -- timers -----------------------------------------------------------------------------------
    def fire_timer(self, name: str, *, past_due: bool = False) -> str:
        function = self.timers[name]
        invocation = self._begin(function, "timer", {"past_due": past_due})
        self._spawn(f"timer-{name}", self._run_timer, function, invocation, past_due)
        return invocation.id

    def _run_timer(self, function: IndexedFunction, invocation: Invocation, past_due: bool) -> None:
        try:
            function.invoke(TimerRequest(past_due=past_due), invocation_id=invocation.id)
        except Exception as error:
            self._end(invocation, "failed", error)
            logger.exception("timer %s failed", function.name)
        else:
            self._end(invocation, "succeeded")

    def _timer_loop(self) -> None:
        upcoming = {
            name: t.schedule.next_after(datetime.now(UTC)) for name, t in self.timers.items() if t.schedule
        }
        while not self._stop.is_set():
            now = datetime.now(UTC)
            for name, due in list(upcoming.items()):
                if due <= now:
                    self.fire_timer(name, past_due=(now - due) > timedelta(seconds=5))
                    schedule = self.timers[name].schedule
                    assert schedule is not None
                    upcoming[name] = schedule.next_after(now)
            soonest = min(upcoming.values(), default=now + timedelta(seconds=60))
            self._stop.wait(max(0.05, min(1.0, (soonest - datetime.now(UTC)).total_seconds())))

    # -- queues -----------------------------------------------------------------------------------
    def _queue_worker(self, function: IndexedFunction) -> None:
        queue_name = function.queue
        assert queue_name is not None
        while not self._stop.is_set():
            try:
                messages = self.queue.receive(queue_name, 1)
            except Exception:
                logger.exception("receiving from %s failed", queue_name)
                self._stop.wait(1.0)
                continue
            if not messages:
                self.queue.wait_for_arrivals(self.options.idle_poll_seconds)
                continue
            self._process(function, messages[0])

    def _process(self, function: IndexedFunction, message: ReceivedMessage) -> None:
        invocation = self._begin(
            function,
            "serviceBus",
            {
                "queue": message.queue,
                "message_id": message.message_id,
                "delivery_count": message.delivery_count,
            },
        )
        with self._in_flight_lock:
            self._in_flight[message.lock_token] = (message, time.monotonic())
        try:
            _, outputs = function.invoke(_to_servicebus_message(message), invocation_id=invocation.id)
            for binding in function.outputs:
                if binding.arg_name in outputs:
                    self._send_output(binding.queue, outputs[binding.arg_name], message)
            self._settle(message, "complete")
            self._end(invocation, "succeeded")
        except PoisonMessageError as error:
            self._settle(message, "dead-letter", str(error))
            self._end(invocation, "dead-lettered", error)
            logger.warning("dead-lettered %s from %s: %s", message.message_id, message.queue, error)
        except Exception as error:  # noqa: BLE001 - any failure abandons the message, as the host does
            text = f"{type(error).__name__}: {error}"
            self._settle(message, "abandon", text)
            self._end(invocation, "failed", error)
            logger.warning(
                "function %s failed on %s (delivery %s): %s",
                function.name,
                message.message_id,
                message.delivery_count,
                text,
            )
        finally:
            with self._in_flight_lock:
                self._in_flight.pop(message.lock_token, None)

    def _settle(self, message: ReceivedMessage, action: str, reason: str = "") -> None:
        with self._in_flight_lock:
            current = self._in_flight.get(message.lock_token, (message, 0.0))[0]
        try:
            if action == "complete":
                self.queue.complete(current)
            elif action == "dead-letter":
                self.queue.dead_letter(current, reason, "Dead-lettered by the function as a poison message.")
            else:
                self.queue.abandon(current, reason)
        except MessageLockLostError:
            logger.warning(
                "lock lost on %s before %s; it will be delivered again", message.message_id, action
            )

    def _send_output(self, queue: str, value: Any, source: ReceivedMessage) -> None:
        values = value if isinstance(value, list) else [value]
        messages = [
            OutboundMessage(
                item.encode() if isinstance(item, str) else bytes(item),
                message_id=str(uuid.uuid4()),
                correlation_id=source.correlation_id,
            )
            for item in values
        ]
        self.queue.send_many(queue, messages)

    def _lock_renewer(self) -> None:
        while not self._stop.wait(0.5):
            with self._in_flight_lock:
                items = list(self._in_flight.items())
            for token, (message, started) in items:
                lock = self.queue.spec(message.queue).lock_duration
                remaining = message.locked_until - self.queue.clock()
                if remaining > lock / 2 or time.monotonic() - started > self.options.max_lock_renewal:
                    continue
                with contextlib.suppress(MessageLockLostError):
                    renewed = self.queue.renew_lock(message)
                    with self._in_flight_lock:
                        if token in self._in_flight:
                            self._in_flight[token] = (renewed, started)

    # -- invocation log ---------------------------------------------------------------------------
    def _begin(self, function: IndexedFunction, trigger: str, detail: dict[str, Any]) -> Invocation:
        invocation = Invocation(str(uuid.uuid4()), function.name, trigger, time.time(), detail=detail)
        with self._invocations_lock:
            self.invocations.append(invocation)
        return invocation

    def _end(self, invocation: Invocation, outcome: str, error: BaseException | None = None) -> None:
        with self._invocations_lock:
            invocation.finished = time.time()
            invocation.outcome = outcome
            if error is not None:
                invocation.error = "".join(traceback.format_exception_only(type(error), error)).strip()


def _to_servicebus_message(message: ReceivedMessage) -> ServiceBusMessage:
    return ServiceBusMessage(
        body=message.body,
        message_id=message.message_id,
        application_properties=dict(message.application_properties),
        user_properties=dict(message.application_properties),
        content_type=message.content_type,
        correlation_id=message.correlation_id,
        delivery_count=message.delivery_count,
        enqueued_time_utc=datetime.fromtimestamp(message.enqueued_time, UTC),
        expires_at_utc=datetime.fromtimestamp(message.expires_at, UTC) if message.expires_at else None,
        locked_until=datetime.fromtimestamp(message.locked_until, UTC),
        lock_token=message.lock_token,
        sequence_number=message.sequence_number,
        subject=message.subject,
        scheduled_enqueue_time_utc=(
            datetime.fromtimestamp(message.scheduled_enqueue_time, UTC)
            if message.scheduled_enqueue_time
            else None
        ),
    )


def _to_response(result: Any) -> Response:
    if isinstance(result, func.HttpResponse):
        headers = {k: v for k, v in result.headers.items()}
        if not any(k.lower() == "content-type" for k in headers):
            mimetype = result.mimetype or "text/plain"
            headers["Content-Type"] = f"{mimetype}; charset={result.charset or 'utf-8'}"
        return Response(result.status_code, result.get_body(), headers)
    if result is None:
        return Response.empty(204)
    if isinstance(result, str):
        return Response(200, result.encode(), {"Content-Type": "text/plain; charset=utf-8"})
    return Response.json(result)


def _problem(problem: Problem) -> Response:
    return Response(problem.status, problem.to_json(), problem.headers())


def _describe(function: IndexedFunction) -> dict[str, Any]:
    data: dict[str, Any] = {"name": function.name, "trigger": function.trigger_type}
    if function.route is not None:
        data.update(
            route=function.route.template,
            methods=sorted(function.methods or []),
            authLevel=function.auth_level,
        )
    if function.schedule is not None:
        data["schedule"] = function.schedule.expression
    if function.queue is not None:
        data["queue"] = function.queue
    return data


def _timespan(text: str) -> float:
    """``hh:mm:ss[.fff]`` (a .NET TimeSpan as host.json writes it) -> seconds."""
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)

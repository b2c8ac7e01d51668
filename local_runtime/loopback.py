"""A small threaded HTTP server on loopback, shared by the local host, emulator and simulators.

Each server is a ``handler(request) -> Response`` function; this module owns sockets, threads,
fault injection and request counting so that simulators only describe what the provider answers.
"""

from __future__ import annotations

import json
import random
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from requests.structures import CaseInsensitiveDict

MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string, not unquoted
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # case-insensitive
    body: bytes
    client: str = "127.0.0.1"

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        merged = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return cls(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), merged)

    @classmethod
    def empty(cls, status: int = 204, headers: Mapping[str, str] | None = None) -> Response:
        return cls(status, b"", dict(headers or {}))


Handler = Callable[[Request], Response]


@dataclass
class Faults:
    """Injectable misbehaviour, applied before the handler runs. Rates are probabilities 0..1.

    ``timeout`` holds the request for ``timeout_seconds`` and then drops the connection, which a
    client with a shorter timeout sees as a timeout; ``drop`` closes the connection at once.
    ``only_paths`` limits faults to paths starting with one of the prefixes (empty: all paths).
    """

    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    throttle_rate: float = 0.0
    retry_after_seconds: float = 1.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 5.0
    drop_rate: float = 0.0
    only_paths: tuple[str, ...] = ()
    seed: int | None = None

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def roll(self) -> float:
        with self._lock:
            return self._random.random()

    def applies_to(self, path: str) -> bool:
        return not self.only_paths or any(path.startswith(prefix) for prefix in self.only_paths)


class LoopbackServer:
    """Run ``handler`` on 127.0.0.1 in a daemon thread. ``port=0`` picks a free port."""

    def __init__(
        self,
        handler: Handler,
        *,
        port: int = 0,
        name: str = "server",
        host: str = "127.0.0.1",
        max_body_bytes: int = MAX_BODY_BYTES,
    ):
        self.handler = handler
        self.max_body_bytes = max_body_bytes
        self.name = name
        self.faults = Faults()
        self.counts: Counter[str] = Counter()  # "METHOD /first/path/segment" -> requests
        self.faults_injected: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self._httpd = _Server((host, port), _make_request_handler(self))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def total_requests(self) -> int:
        with self._count_lock:
            return sum(self.counts.values())

    def count(self, key: str) -> None:
        with self._count_lock:
            self.counts[key] += 1

    def count_fault(self, kind: str) -> None:
        with self._count_lock:
            self.faults_injected[kind] += 1

    def reset_counts(self) -> None:
        with self._count_lock:
            self.counts.clear()
            self.faults_injected.clear()

    def start(self) -> LoopbackServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _problem(status: int, detail: str) -> Response:
    title = {411: "Length required", 413: "Payload too large"}.get(status, "Error")
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return Response(status, json.dumps(body).encode(), {"Content-Type": "application/problem+json"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the caller went away (it timed out, or its process was killed): nothing to report
        super().handle_error(request, client_address)


def _make_request_handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class _RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = server.name
        disable_nagle_algorithm = True  # headers and body go out in separate writes; don't wait 40 ms

        def log_message(self, format: str, *args: Any) -> None:
            return  # the servers count requests instead of printing one line each

        def _serve(self) -> None:
            split = urlsplit(self.path)
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or self.headers.get("Transfer-Encoding"):
                self.close_connection = True
                self._write(_problem(411, "Send a body with a valid Content-Length (no chunked encoding)."))
                return
            if length > server.max_body_bytes:
                detail = f"The body has {length} bytes; at most {server.max_body_bytes} are accepted."
                self.close_connection = True
                self._write(_problem(413, detail))
                return
            body = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers=CaseInsensitiveDict(self.headers.items()),
                body=body,
                client=self.client_address[0],
            )
            first = "/" + split.path.strip("/").split("/")[0] if split.path.strip("/") else "/"
            server.count(f"{self.command} {first}")
            faults = server.faults
            if faults.applies_to(split.path):
                if faults.latency_ms:
                    time.sleep(faults.latency_ms / 1000.0)
                if faults.drop_rate and faults.roll() < faults.drop_rate:
                    server.count_fault("drop")
                    self._drop()
                    return
                if faults.timeout_rate and faults.roll() < faults.timeout_rate:
                    server.count_fault("timeout")
                    time.sleep(faults.timeout_seconds)
                    self._drop()
                    return
                if faults.throttle_rate and faults.roll() < faults.throttle_rate:
                    server.count_fault("throttle")
                    retry_after = f"{faults.retry_after_seconds:g}"
                    self._write(Response.json({"error": "throttled"}, 429, {"Retry-After": retry_after}))
                    return
                if faults.error_rate and faults.roll() < faults.error_rate:
                    server.count_fault(f"http_{faults.error_status}")
                    self._write(Response.json({"error": "injected fault"}, faults.error_status))
                    return
            try:
                response = server.handler(request)
            except Exception as error:  # noqa: BLE001 - a simulator bug must answer, not hang the client
                response = Response.json({"error": f"{type(error).__name__}: {error}"}, 500)
            self._write(response)

        def _write(self, response: Response) -> None:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and response.body:
                self.wfile.write(response.body)

        def _drop(self) -> None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                return

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    return _RequestHandler

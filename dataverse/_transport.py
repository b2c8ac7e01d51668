"""Sending one Web API request: token, concurrency cap, shared throttle gate, timeout, retries.

All retry decisions of the Dataverse client are made here, in ``Transport.send``:

- 429: the request was not executed, so it is retried whatever the method. Its ``Retry-After``
  closes the client's :class:`ThrottleGate` for every thread (Microsoft: pause ALL work of the
  identity, hammering on lengthens the penalty). A ``Retry-After`` longer than the policy's
  ``max_retry_after`` raises :class:`ThrottledError` at once, for the queue to reschedule.
- 5xx, timeouts and connection errors: retried only when the caller marked the call idempotent
  (GET, PUT, DELETE, PATCH update/upsert, keyed creates, UpsertMultiple...).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from connectors.common.retry import RetryPolicy
from dataverse.auth import TokenCredential
from dataverse.errors import (
    CredentialError,
    DataverseApiError,
    DataverseConnectionError,
    ThrottledError,
    error_from_parts,
)

log = logging.getLogger("dataverse.client")


class ThrottleGate:
    """A "throttled until" instant shared by every thread of one client."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Any] = time.sleep
    ):
        self._clock = clock
        self._sleep = sleep
        self._until = 0.0
        self._lock = threading.Lock()

    def close_for(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self._clock() + max(0.0, seconds))

    def remaining(self) -> float:
        with self._lock:
            return max(0.0, self._until - self._clock())

    def wait(self) -> float:
        """Block while the gate is closed; returns the seconds waited."""
        waited = 0.0
        while (remaining := self.remaining()) > 0:
            self._sleep(remaining)
            waited += remaining
        return waited


@dataclass
class ClientStats:
    """What one client has done, for logs, tests and benchmarks."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    seconds_paused: float = 0.0


class Transport:
    def __init__(
        self,
        credential: TokenCredential,
        scope: str,
        *,
        session: requests.Session,
        timeout: float,
        retry: RetryPolicy,
        max_concurrency: int,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.credential = credential
        self.scope = scope
        self.session = session
        self.timeout = timeout
        self.retry = retry
        self.gate = ThrottleGate()
        self.stats = ClientStats()
        self.dop_hint: int | None = None
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._stats_lock = threading.Lock()

    def send(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        accept_statuses: tuple[int, ...] = (),
    ) -> requests.Response:
        attempt = 0
        while True:
            attempt += 1
            paused = self.gate.wait()
            response = self._attempt(method, url, idempotent, attempt, params, headers, json_body, data)
            self._count(paused=paused)
            if response is None:
                continue  # a retried connection failure
            if response.status_code < 300 or response.status_code in accept_statuses:  # 3xx: not followed
                return response
            error = error_from_parts(response.status_code, response.headers, response.content)
            if not self._should_retry(error, idempotent, attempt):
                raise error
            with self._stats_lock:
                self.stats.retries += 1
            if not isinstance(error, ThrottledError):
                self.retry.pause(attempt, error.retry_after)

    def _attempt(
        self,
        method: str,
        url: str,
        idempotent: bool,
        attempt: int,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        json_body: Any,
        data: bytes | None,
    ) -> requests.Response | None:
        merged = {"Authorization": f"Bearer {self._token()}", **(headers or {})}
        try:
            with self._slots:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    headers=merged,
                    json=json_body,
                    data=data,
                    timeout=self.timeout,
                    allow_redirects=False,  # a 307 would re-send the rows to another host
                )
        except requests.RequestException as error:
            failure = DataverseConnectionError(
                f"{method} {_path_of(url)} got no response: {type(error).__name__}"
            )
            if idempotent and self.retry.should_retry(attempt):
                log.warning(
                    "Dataverse %s %s: no response (%s); retrying", method, _path_of(url), type(error).__name__
                )
                with self._stats_lock:
                    self.stats.retries += 1
                self.retry.pause(attempt)
                return None
            raise failure from error
        hint = response.headers.get("x-ms-dop-hint")
        if hint and hint.isdigit():
            self.dop_hint = int(hint)
        return response

    def _should_retry(self, error: DataverseApiError, idempotent: bool, attempt: int) -> bool:
        if isinstance(error, ThrottledError):
            pause = error.retry_after if error.retry_after is not None else self.retry.delay(attempt)
            self.gate.close_for(min(pause, self.retry.max_retry_after))
            with self._stats_lock:
                self.stats.throttled += 1
            log.warning("Dataverse throttled (code %s); pausing all requests for %.2fs", error.code, pause)
            return self.retry.should_retry(attempt, error.retry_after)
        return error.is_transient and idempotent and self.retry.should_retry(attempt, error.retry_after)

    def _token(self) -> str:
        try:
            return self.credential.get_token(self.scope)
        except CredentialError:
            raise
        except Exception as error:  # noqa: BLE001 - a credential is any object with get_token
            raise CredentialError(f"credential failed: {type(error).__name__}") from None

    def _count(self, *, paused: float) -> None:
        with self._stats_lock:
            self.stats.requests += 1
            self.stats.seconds_paused += paused


def _path_of(url: str) -> str:
    """The URL without scheme, host and query: what may be logged."""
    path = url.split("://", 1)[-1]
    path = path[path.find("/") :] if "/" in path else "/"
    return re.sub(r"\([^)]*\)", "(...)", path.split("?", 1)[0])[:200]  # key values may be phone numbers

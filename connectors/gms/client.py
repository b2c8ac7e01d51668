"""HTTP client for the GMS (Hyber) JSON V2 API: send, mass send, delivery reports, job status.

In production three hosts serve the API: ``api-v2`` (single sends: ``base_url``), ``proxy-{site}``
(mass sends and job status: ``batch_base_url``) and ``dr-v2`` (delivery reports:
``report_base_url``). Both optional URLs default to ``base_url``, which is what the simulator serves.

Retries: safe calls (GETs) are retried on transient errors by ``_retrying``. A send is not safe (GMS
has no idempotency key), so ``send_message`` makes one attempt; ``send_message_once`` is the only
path that sends again, and only after asking GMS by ``extra_id`` whether an uncertain attempt (no
answer, or a 5xx that a gateway may have produced after GMS accepted) was in fact accepted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from requests.auth import HTTPBasicAuth

from connectors.common.retry import RetryPolicy
from connectors.gms._batch import build_batch_chunks
from connectors.gms.errors import (
    GmsApiError,
    GmsBatchError,
    GmsConnectionError,
    GmsError,
    GmsNotFoundError,
    error_code_of,
    error_from_response,
)
from connectors.gms.models import BatchItemResult, SendRequest, SendResult
from connectors.gms.reports import JobStatus, Report

_log = logging.getLogger(__name__)
_T = TypeVar("_T")
_NO_ANSWER = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


@dataclass(frozen=True)
class GmsCredential:
    """Basic-auth login and password plus the ``client_id`` GMS puts in every URL."""

    login: str
    password: str = field(repr=False)
    client_id: str


def mask_phone(phone: str) -> str:
    """``380961234567`` -> ``+380*****4567``: enough to tell numbers apart in logs, not to dial."""
    digits = phone.removeprefix("+")
    if len(digits) <= 7:
        return "+" + "*" * len(digits)
    return f"+{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


class GmsClient:
    def __init__(
        self,
        base_url: str,
        credential: GmsCredential,
        *,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = 10.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe as a default
        batch_base_url: str | None = None,
        report_base_url: str | None = None,
    ) -> None:
        client = quote(credential.client_id, safe="")
        self._send_url = f"{base_url.rstrip('/')}/{client}"
        self._batch_url = f"{(batch_base_url or base_url).rstrip('/')}/{client}"
        self._report_url = f"{(report_base_url or base_url).rstrip('/')}/{client}/api/dr"
        self._auth = HTTPBasicAuth(credential.login, credential.password)
        self._owns_session = session is None
        self._session = session or requests.Session()
        self._timeout = timeout
        self._retry = retry

    def __repr__(self) -> str:
        return f"GmsClient({self._send_url!r})"

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> GmsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending -------------------------------------------------------------------------------

    def send_message(self, request: SendRequest) -> SendResult:
        """One attempt at a single send. Not retried: see ``send_message_once``."""
        body = self._once("POST", self._send_url, request.to_wire())
        message_id = body.get("message_id") if isinstance(body, dict) else None
        if not isinstance(message_id, str) or not message_id:
            raise GmsApiError("GMS accepted the send but returned no message_id", status=200)
        _log.info(
            "GMS accepted message %s to %s (extra_id %s)",
            message_id,
            mask_phone(request.phone_number),
            request.extra_id,
        )
        return SendResult(message_id=message_id, extra_id=request.extra_id)

    def send_message_once(self, request: SendRequest, *, check_first: bool = False) -> SendResult:
        """Send, retrying transient failures without ever sending a message GMS already accepted.

        Needs ``extra_id``. After an uncertain attempt (no answer, or 5xx) the next attempt first
        looks the extra_id up (``GET .../api/dr/external/{extra_id}/simple``) and returns the message
        found there (``recovered=True``). Pass ``check_first=True`` when this may be a redelivery of
        work that already called GMS (e.g. a queue message seen before), to look up before the first
        send too. GMS does not document its answer for an unknown extra_id; 404 and an error body
        both count as "not known". A report may appear on the DR host a little after acceptance, so
        this narrows, but cannot fully close, the window for a double send.
        """
        extra_id = request.extra_id
        if not extra_id:
            raise ValueError("send_message_once needs request.extra_id (the correlation id GMS can look up)")
        uncertain = check_first

        def attempt(_: int) -> SendResult:
            nonlocal uncertain
            if uncertain:
                found = self._accepted_message_id(extra_id)
                if found is not None:
                    _log.info("GMS already had extra_id %s as message %s; not sending again", extra_id, found)
                    return SendResult(message_id=found, extra_id=extra_id, recovered=True)
            try:
                return self.send_message(request)
            except GmsConnectionError:
                uncertain = True
                raise
            except GmsApiError as error:
                uncertain = uncertain or error.status >= 500
                raise

        return self._retrying(attempt)

    def send_batch(self, requests: Sequence[SendRequest]) -> list[BatchItemResult]:
        """Mass send through ``/batch/sync``; results come back in the order of ``requests``.

        Requests sharing everything but phone, extra_id and text go in one body (at most 50,000
        recipients each). Not retried. If a later body fails, ``GmsBatchError`` carries the results
        of the bodies GMS accepted; a first-body failure raises the underlying error.
        """
        chunks = build_batch_chunks(requests)
        results: list[BatchItemResult | None] = [None] * len(requests)
        for number, chunk in enumerate(chunks):
            try:
                body = self._once("POST", f"{self._batch_url}/batch/sync", chunk.body)
            except GmsError as error:
                if number == 0:
                    raise
                done = [item for item in results if item is not None]
                raise GmsBatchError(
                    f"GMS mass send failed at body {number + 1} of {len(chunks)}: {error}",
                    completed=done,
                    pending_count=len(requests) - len(done),
                    is_transient=error.is_transient,
                ) from error
            items = body.get("messages") if isinstance(body, dict) else None
            if not isinstance(items, list) or len(items) != len(chunk.positions):
                raise GmsApiError("GMS mass-send answer does not list one result per recipient", status=200)
            for position, item in zip(chunk.positions, items, strict=True):
                results[position] = BatchItemResult.model_validate(item)
        _log.info("GMS mass send: %d recipients in %d requests", len(requests), len(chunks))
        return [item for item in results if item is not None]

    def submit_batch(self, requests: Sequence[SendRequest]) -> list[str]:
        """Mass send through the asynchronous ``/batch``: one job id per body. Not retried."""
        job_ids: list[str] = []
        for chunk in build_batch_chunks(requests):
            body = self._once("POST", f"{self._batch_url}/batch", chunk.body)
            job_id = body.get("job_id") if isinstance(body, dict) else None
            if not isinstance(job_id, str):
                raise GmsApiError("GMS accepted the mass send but returned no job_id", status=200)
            job_ids.append(job_id)
        return job_ids

    # -- reading -------------------------------------------------------------------------------

    def get_report(
        self, message_id: str | None = None, extra_id: str | None = None, *, advanced: bool = False
    ) -> Report:
        """Delivery report by ``message_id`` or by our ``extra_id`` (exactly one). Raises
        ``GmsNotFoundError`` when GMS does not know the id."""
        if (message_id is None) == (extra_id is None):
            raise ValueError("give exactly one of message_id and extra_id")
        url = self._report_address(message_id, extra_id, advanced)
        return _report_from(self._retrying(lambda _: self._once("GET", url)), advanced)

    def get_job_status(self, job_id: str) -> JobStatus:
        url = f"{self._batch_url}/status/{quote(job_id, safe='')}"
        body = self._retrying(lambda _: self._once("GET", url))
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list):
            raise GmsApiError("GMS job status does not list messages", status=200)
        return JobStatus.model_validate({"job_id": job_id, "messages": messages})

    # -- transport -----------------------------------------------------------------------------

    def _report_address(self, message_id: str | None, extra_id: str | None, advanced: bool) -> str:
        if message_id is not None:
            key = quote(message_id, safe="")
        else:
            key = f"external/{quote(extra_id or '', safe='')}"
        return f"{self._report_url}/{key}/{'advanced' if advanced else 'simple'}"

    def _accepted_message_id(self, extra_id: str) -> str | None:
        """One look-up (the caller's retry loop repeats it): GMS's message id for ``extra_id``."""
        try:
            report = _report_from(self._once("GET", self._report_address(None, extra_id, False)), False)
        except GmsNotFoundError:
            return None
        except GmsApiError as error:
            if error.status < 300 and error.code is not None:
                return None
            raise
        return report.message_id or None

    def _retrying(self, attempt: Callable[[int], _T]) -> _T:
        """The one retry loop: transient errors only, honouring Retry-After, within the policy."""
        number = 1
        while True:
            try:
                return attempt(number)
            except GmsError as error:
                retry_after = error.retry_after if isinstance(error, GmsApiError) else None
                if not error.is_transient or not self._retry.should_retry(number, retry_after):
                    raise
                _log.warning("GMS call failed (%s); retry %d", error, number)
                self._retry.pause(number, retry_after)
                number += 1

    def _once(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self._session.request(
                method, url, data=data, headers=headers, auth=self._auth, timeout=self._timeout,
                allow_redirects=False,  # a redirect would re-send the recipients to another host
            )
        except requests.Timeout as error:
            raise GmsConnectionError(f"GMS did not answer {method} in time") from error
        except _NO_ANSWER as error:
            raise GmsConnectionError(f"GMS connection failed during {method}") from error
        try:
            decoded: Any = response.json() if response.content else None
        except ValueError:
            decoded = None
        if not response.ok or error_code_of(decoded) is not None:
            raise error_from_response(response, decoded)
        if decoded is None:
            raise GmsApiError("GMS answered without a JSON body", status=response.status_code)
        return decoded


def _report_from(body: Any, advanced: bool) -> Report:
    if not isinstance(body, dict):
        raise GmsApiError("GMS delivery report is not a JSON object", status=200)
    return Report.from_advanced(body) if advanced else Report.from_simple(body)

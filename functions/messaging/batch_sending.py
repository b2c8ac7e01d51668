"""Sending a recorded batch from the message-batches queue: expand a selection, mass-send, write back.

A FetchXML query or saved view is expanded a chunk at a time (flat memory): each chunk's rows are
recorded (UpsertMultiple), then every waiting row of the batch goes to GMS in one ``/batch/sync``
request per chunk (GMS allows 50,000 recipients a request), and the sent status, provider id and time
are written in ``$batch`` requests of 1,000 conditional updates. A redelivered batch message first asks
GMS, by ``extra_id``, about every message still waiting, so a crash between the mass send and the
write never sends those messages twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from connectors.gms import BatchItemResult, GmsBatchError, GmsError, GmsNotFoundError, Report, SendRequest
from dataverse.schema import BatchStatus, MessageStatus
from functions.common.bus import MessageBus, OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.common.queues import MESSAGE_BATCHES
from functions.messaging.batch_store import DONE, BatchStore
from functions.messaging.directory import ContactDirectory
from functions.messaging.models import ViberContent
from functions.messaging.policy import SendPolicy
from functions.messaging.recipients import BatchSettings, Candidate, RecipientPlanner
from functions.messaging.repository import KEY, STATE_COLUMNS, MessageRepository, Planner, state_of
from functions.messaging.rules import Purpose
from functions.messaging.sending import is_refusal, utc_now
from functions.messaging.statuses import MessageState, StatusChange, sent_change

log = logging.getLogger(__name__)
T = TypeVar("T")
_WAITING = (MessageStatus.QUEUED.option_value, MessageStatus.SCHEDULED.option_value)


class GmsBulk(Protocol):
    def send_batch(self, requests: Sequence[SendRequest]) -> list[BatchItemResult]: ...
    def get_report(
        self, message_id: str | None = None, extra_id: str | None = None, *, advanced: bool = False
    ) -> Report: ...


class BatchJob(BaseModel):
    """The message-batches queue body."""

    batch_id: str
    key: str
    template: str
    channels: list[str]
    purpose: Purpose
    sender: str | None = None
    ttl: int | None = None
    viber: ViberContent | None = None
    campaign: str | None = None
    journey: str | None = None
    request_id: str | None = None
    fetch_xml: str | None = None
    chunk: int = 0  # which chunk of the batch this message sends
    cookie: str | None = None  # the selection's paging cookie for that chunk

    def settings(self) -> BatchSettings:
        return BatchSettings(
            batch_id=self.batch_id,
            batch_key=self.key,
            template=self.template,
            channels=tuple(self.channels),
            purpose=self.purpose,
            campaign=self.campaign,
            journey=self.journey,
            request_id=self.request_id,
        )


class BatchSender:
    def __init__(
        self,
        messages: MessageRepository,
        batches: BatchStore,
        directory: ContactDirectory,
        gms: GmsBulk,
        bus: MessageBus,
        policy: SendPolicy,
        *,
        chunk_size: int = 10_000,
        lookup_parallel: int = 8,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.messages, self.batches, self.directory, self.gms, self.bus = (
            messages,
            batches,
            directory,
            gms,
            bus,
        )
        self.policy, self.clock = policy, clock
        self.chunk_size, self.lookup_parallel = chunk_size, lookup_parallel
        self.planner = RecipientPlanner(directory, policy)

    def process(self, body: bytes, *, delivery_count: int) -> dict[str, Any]:
        """Send ONE chunk of the batch, then enqueue the next chunk (or close the batch).

        A chunk is bounded work (``chunk_size`` recipients), so each queue message finishes well within
        the message lock and the function timeout whatever the batch size, and a redelivery repeats at
        most one chunk (with look-ups instead of sends for what GMS already has).
        """
        try:
            job = BatchJob.model_validate_json(body)
        except ValidationError as error:
            raise PoisonMessageError(f"not a message-batches body: {error.error_count()} error(s)") from None
        batch = self.batches.get(job.batch_id)
        if batch is None:
            raise PoisonMessageError(f"batch {job.batch_id} (key {job.key}) does not exist")
        if batch.status in DONE:
            return {"batch": job.key, "skipped": f"already {batch.status.value}"}
        redelivered = delivery_count > 1
        if batch.status is not BatchStatus.SENDING:
            self.batches.update(job.batch_id, status=BatchStatus.SENDING)
        stats: Counter[str] = Counter()
        if job.fetch_xml is not None:
            more, cookie = self._expand(job, redelivered, stats)
            self._send_waiting(job, redelivered, stats, limit=None)
        else:
            more, cookie = self._send_waiting(job, redelivered, stats, limit=self.chunk_size), None
        if more:
            following = job.model_copy(update={"chunk": job.chunk + 1, "cookie": cookie})
            body_next = following.model_dump(mode="json", exclude_none=True)
            message_id = f"{job.key}#chunk{following.chunk}"
            self.bus.send(MESSAGE_BATCHES.name, OutboundMessage.of_json(body_next, message_id=message_id))
            log.info(
                "batch %s chunk %d sent: %s; chunk %d queued",
                job.key,
                job.chunk,
                dict(stats),
                following.chunk,
            )
            return {"batch": job.key, "chunk": job.chunk, "status": "sending", **stats}
        counts = self.batches.message_counts(job.batch_id)
        final = self.batches.final_status(counts)
        self.batches.update(job.batch_id, status=final, counts=counts, completed_on=self.clock())
        log.info("batch %s %s after chunk %d: %s", job.key, final.value, job.chunk, dict(stats))
        return {"batch": job.key, "chunk": job.chunk, "status": final.value, **stats}

    def _expand(self, job: BatchJob, redelivered: bool, stats: Counter[str]) -> tuple[bool, str | None]:
        """Record this chunk's page of the selection; (more pages?, paging cookie)."""
        assert job.fetch_xml is not None
        page = self.directory.contacts_page(
            job.fetch_xml, page=job.chunk + 1, count=self.chunk_size, cookie=job.cookie
        )
        first = job.chunk * self.chunk_size
        candidates = [
            Candidate(first + offset, contact=contact) for offset, contact in enumerate(page.contacts)
        ]
        plan = self.planner.plan(candidates, job.settings(), now=self.clock(), prefix="selection")
        stats["skipped_no_valid_phone"] += len(plan.errors)
        records = plan.records
        if redelivered and records:
            recorded = {state.key for state in self.messages.states_by(KEY, [r.key for r in records])}
            records = [record for record in records if record.key not in recorded]
        self.messages.create_many(records)
        stats["recorded"] += len(records)
        return page.more, page.cookie

    def _send_waiting(
        self, job: BatchJob, redelivered: bool, stats: Counter[str], *, limit: int | None
    ) -> bool:
        """Send the batch's waiting messages (at most ``limit``); True when more are still waiting."""
        waiting = " or ".join(f"smart_status eq {value}" for value in _WAITING)
        condition = f"_smart_batchid_value eq {job.batch_id} and ({waiting})"
        rows = iter(self.messages.stream(condition, [*STATE_COLUMNS, "smart_text", "smart_channelorder"]))
        taken = 0
        for chunk in chunked(rows, min(limit or self.chunk_size, self.chunk_size)):
            self._send_chunk(job, chunk, redelivered, stats)
            taken += len(chunk)
            if limit is not None and taken >= limit:
                return next(rows, None) is not None
        return False

    def _send_chunk(
        self, job: BatchJob, rows: list[dict[str, Any]], redelivered: bool, stats: Counter[str]
    ) -> None:
        states = [state_of(row) for row in rows]
        items: list[tuple[MessageState, Planner]] = []
        if redelivered:
            found = self._already_accepted([s for s in states if s.provider_id is None])
            now = self.clock()
            items.extend((s, _sent(found[s.key], now)) for s in states if s.key in found)
            stats["recovered"] += len(found)
            keep = [(row, s) for row, s in zip(rows, states, strict=True) if s.key not in found]
        else:
            keep = list(zip(rows, states, strict=True))
        requests: list[SendRequest] = []
        targets: list[MessageState] = []
        for row, state in keep:
            try:
                requests.append(self._request(job, row, state))
                targets.append(state)
            except ValueError as error:
                items.append((state, _refused(None, str(error), self.clock())))
        results: list[BatchItemResult] = []
        failure: GmsError | None = None
        if requests:
            try:
                results = self.gms.send_batch(requests)
            except GmsBatchError as error:
                results, failure = list(error.completed), error
            except GmsError as error:
                if not is_refusal(error):
                    self.messages.write(items)
                    raise
                text, when = str(error), self.clock()
                items.extend((state, _refused(getattr(error, "code", None), text, when)) for state in targets)
        now = self.clock()
        for state, result in _pair(targets, results):
            if result.accepted and result.message_id:
                items.append((state, _sent(result.message_id, now)))
                stats["accepted"] += 1
            else:
                items.append((state, _refused(result.error_code, result.error_text or "refused by GMS", now)))
                stats["refused"] += 1
        self.messages.write(items)
        if failure is not None:
            raise failure

    def _request(self, job: BatchJob, row: dict[str, Any], state: MessageState) -> SendRequest:
        channels = [c for c in str(row.get("smart_channelorder") or "").split(",") if c] or job.channels
        return self.policy.send_request(
            key=state.key,
            phone=str(state.phone),
            text=str(row.get("smart_text") or ""),
            channels=channels,
            sender=job.sender,
            ttl=job.ttl,
            viber=job.viber,
            campaign=job.campaign,
        )

    def _already_accepted(self, states: Sequence[MessageState]) -> dict[str, str]:
        """GMS message ids of the waiting messages GMS already has (looked up by extra_id)."""

        def look(state: MessageState) -> tuple[str, str | None]:
            try:
                return state.key, self.gms.get_report(extra_id=state.key).message_id
            except GmsNotFoundError:
                return state.key, None

        with ThreadPoolExecutor(max_workers=self.lookup_parallel, thread_name_prefix="gms-lookup") as pool:
            found = dict(pool.map(look, states))
        return {key: message_id for key, message_id in found.items() if message_id}


def _sent(provider_id: str, when: datetime) -> Planner:
    return lambda state: sent_change(state, provider_id, when)


def _refused(code: int | None, text: str, when: datetime) -> Planner:
    def plan(state: MessageState) -> StatusChange:
        if state.provider_id is not None or not state.status.can_move_to(MessageStatus.REJECTED):
            return StatusChange()
        return StatusChange(
            status=MessageStatus.REJECTED, failed_at=when, error_code=str(code) if code else None, error=text
        )

    return plan


def _pair(
    targets: Sequence[MessageState], results: Sequence[BatchItemResult]
) -> list[tuple[MessageState, BatchItemResult]]:
    """Results to their messages by extra_id (our key); by position only when GMS echoed no extra_id
    and answered for every message."""
    by_key = {result.extra_id: result for result in results if result.extra_id}
    if by_key:
        return [(state, by_key[state.key]) for state in targets if state.key in by_key]
    return list(zip(targets, results, strict=True)) if len(results) == len(targets) else []


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk

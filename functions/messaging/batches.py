"""Bulk sends: record a batch (``accept``), hand it to the sender (``process``), show it (``view``).

Inline recipients and contact ids are checked and recorded as message rows when the batch is accepted
(UpsertMultiple, 500 rows a request), so the queue message stays small; a FetchXML query or saved
view is expanded later by the queue handler (``batch_sending``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dataverse.schema import BatchStatus, MessageStatus
from functions.common.bus import MessageBus, OutboundMessage
from functions.common.problems import Problem
from functions.common.queues import MESSAGE_BATCHES
from functions.messaging.batch_models import BatchAccepted, BatchRequest, BatchView
from functions.messaging.batch_sending import BatchJob, BatchSender, GmsBulk
from functions.messaging.batch_store import DONE, BatchStore
from functions.messaging.directory import ContactDirectory, with_contact_columns
from functions.messaging.policy import SenderError, SendPolicy
from functions.messaging.recipients import Candidate, RecipientPlanner
from functions.messaging.repository import MessageRepository, parse_time
from functions.messaging.rules import (
    Purpose,
    TemplateError,
    batch_row_id,
    new_key,
    quiet_until,
    template_fields,
)
from functions.messaging.sending import utc_now

log = logging.getLogger(__name__)


class BatchService:
    def __init__(
        self,
        messages: MessageRepository,
        batches: BatchStore,
        directory: ContactDirectory,
        bus: MessageBus,
        gms: GmsBulk,
        policy: SendPolicy,
        *,
        chunk_size: int = 10_000,
        lookup_parallel: int = 8,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.messages, self.batches, self.directory = messages, batches, directory
        self.bus, self.policy, self.clock = bus, policy, clock
        self.planner = RecipientPlanner(directory, policy)
        self.sender = BatchSender(
            messages,
            batches,
            directory,
            gms,
            bus,
            policy,
            chunk_size=chunk_size,
            lookup_parallel=lookup_parallel,
            clock=clock,
        )

    def process(self, body: bytes, *, delivery_count: int) -> dict[str, Any]:
        """The message-batches queue handler (see ``BatchSender.process``)."""
        return self.sender.process(body, delivery_count=delivery_count)

    # ---- POST /api/messages/batch --------------------------------------------------------------

    def accept(self, request: BatchRequest, *, request_id: str | None = None) -> BatchAccepted:
        """Check every recipient, then record the batch row, the message rows and enqueue the batch.

        The batch row is written first (message rows point to it) as ``received``, and becomes
        ``queued`` once every message row is written; a retried call that finds the batch still
        ``received`` writes the (not yet enqueued) rows again, so a crash in between loses nothing.
        """
        key = request.idempotency_key or new_key("batch")
        batch_id = batch_row_id(key)
        job = self._job(request, batch_id, key, request_id)
        existing = self.batches.get(batch_id)
        inline = job.fetch_xml is None
        now = self.clock()
        wake = None
        if request.purpose is Purpose.COMMERCIAL and request.journey is None:
            wake = quiet_until(now, self.policy.quiet_window, self.policy.zone)
        if existing is not None and not (inline and existing.status is BatchStatus.RECEIVED):
            if existing.status not in DONE:  # the first call may have failed before enqueueing
                self._enqueue(job, wake)
            return BatchAccepted(
                id=batch_id, idempotency_key=key, status=existing.status.value, scheduled_for=wake
            )
        plan = None
        if inline:
            candidates = self._candidates(request)
            plan = self.planner.plan(candidates, job.settings(), now=now, prefix=self._prefix(request))
            if plan.errors:
                detail = f"{len(plan.errors)} recipient(s) cannot be sent; nothing was recorded."
                raise Problem(422, detail, errors=plan.errors[:100])
        if existing is None:
            created = self.batches.create(
                batch_id=batch_id,
                key=key,
                name=request.name or f"Batch {key}",
                status=BatchStatus.RECEIVED,
                total=len(plan.records) if plan else None,
                campaign=request.campaign,
                journey=request.journey,
                request_id=request_id,
            )
            if not created:  # a concurrent call with the same key won
                return self.accept(request, request_id=request_id)
        total: int | None = None
        not_sent = 0
        status = BatchStatus.RECEIVED
        if plan is not None:
            self.messages.create_many(plan.records)
            total = len(plan.records)
            not_sent = sum(1 for record in plan.records if record.status is MessageStatus.NOT_SENT)
            status = BatchStatus.QUEUED
            self.batches.update(batch_id, status=status)
        self._enqueue(job, wake)
        log.info("batch %s accepted: %s recipients recorded, %d not sent", key, total, not_sent)
        return BatchAccepted(
            id=batch_id,
            idempotency_key=key,
            status=status.value,
            total=total,
            not_sent=not_sent,
            scheduled_for=wake,
        )

    def _job(self, request: BatchRequest, batch_id: str, key: str, request_id: str | None) -> BatchJob:
        try:
            template_fields(request.text)
            self.policy.sender_for(request.sender, request.channels)
        except TemplateError as error:
            raise _problem("text", str(error)) from None
        except SenderError as error:
            raise _problem("sender", str(error)) from None
        fetch_xml = None
        selection = request.selection
        if selection is not None and selection.saved_view_id is not None:
            fetch_xml = self.directory.view_fetch_xml(str(selection.saved_view_id))
            if fetch_xml is None:
                raise _problem("selection.saved_view_id", "no saved or personal view with this id")
        elif selection is not None and selection.fetch_xml is not None:
            fetch_xml = selection.fetch_xml
        if fetch_xml is not None:
            try:
                with_contact_columns(fetch_xml)
            except ValueError as error:
                field = (
                    "selection.fetch_xml" if selection and selection.fetch_xml else "selection.saved_view_id"
                )
                raise _problem(field, str(error)) from None
        return BatchJob(
            batch_id=batch_id,
            key=key,
            template=request.text,
            channels=list(request.channels),
            purpose=request.purpose,
            sender=request.sender,
            ttl=request.ttl,
            viber=request.viber,
            campaign=request.campaign,
            journey=request.journey,
            request_id=request_id,
            fetch_xml=fetch_xml,
        )

    def _candidates(self, request: BatchRequest) -> list[Candidate]:
        if request.recipients is None:
            ids = [str(i) for i in (request.selection.contact_ids if request.selection else None) or []]
            contacts = self.directory.contacts(ids)
            missing = [i for i, contact_id in enumerate(ids) if contact_id.lower() not in contacts]
            if missing:
                errors = [
                    {"field": f"selection.contact_ids[{i}]", "message": "no such contact"} for i in missing
                ]
                raise Problem(422, f"{len(missing)} contact(s) do not exist.", errors=errors[:100])
            return [Candidate(index, contact=contacts[i.lower()]) for index, i in enumerate(ids)]
        wanted = [str(r.contact_id) for r in request.recipients if r.contact_id is not None]
        contacts = self.directory.contacts(wanted) if wanted else {}
        candidates: list[Candidate] = []
        for index, recipient in enumerate(request.recipients):
            contact = None
            if recipient.contact_id is not None:
                contact = contacts.get(str(recipient.contact_id).lower())
                if contact is None:
                    raise _problem(f"recipients[{index}].contact_id", "no contact with this id")
            candidates.append(Candidate(index, recipient.to, contact, recipient.text, recipient.variables))
        return candidates

    @staticmethod
    def _prefix(request: BatchRequest) -> str:
        return "recipients" if request.recipients is not None else "selection.contact_ids"

    def _enqueue(self, job: BatchJob, when: datetime | None) -> None:
        body = job.model_dump(mode="json", exclude_none=True)
        message = OutboundMessage.of_json(body, message_id=job.key, scheduled_enqueue_time_utc=when)
        self.bus.send(MESSAGE_BATCHES.name, message)

    # ---- GET /api/messages/batches/{id} --------------------------------------------------------

    def view(self, batch_id: str) -> BatchView:
        batch = self.batches.get(batch_id)
        if batch is None:
            raise Problem(404, f"No batch {batch_id}.")
        counts = self.batches.message_counts(batch_id)
        return BatchView(
            id=batch.id,
            idempotency_key=batch.key,
            name=batch.name,
            status=batch.status.value,
            campaign=batch.campaign,
            total=sum(counts.values()),
            counts=dict(sorted(counts.items())),
            completed_on=parse_time(batch.completed_on),
        )


def _problem(field: str, message: str) -> Problem:
    return Problem(422, f"Invalid value for {field}.", errors=[{"field": field, "message": message}])

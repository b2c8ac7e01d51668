"""The ``shipments`` queue: waybills to create for orders, and resumes of a paused tracking sync.

Messages (JSON):
- ``{"kind": "create", "order_id": "<guid>", "sequence": 1}``: create the order's waybill. Idempotent
  (the shipment's alternate key). A refusal that can never succeed (bad ship-to data, Nova Poshta said
  no) is recorded on the shipment row (``smart_error``) and the message completes; a missing order is
  dead-lettered; an outage raises, so the message is delivered again. While another request is creating
  the same waybill, the message comes back a few seconds later as a scheduled copy (``attempt``), up
  to ``MAX_WAITS`` times: longer than a create's claim lasts, so the wait always ends.
- ``{"kind": "sync-resume", "after": "<key>|null", "failures": n}``: continue the sync after ``after``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dataverse import bind
from functions.common.bus import OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.common.problems import Problem
from functions.shipping.models import CreateShipmentRequest
from functions.shipping.rules import ORDERS, idempotency_key
from functions.shipping.shipments import CREATE_IN_PROGRESS, ShipmentService
from functions.shipping.sync import TrackingSync

_logger = logging.getLogger("smart.shipping")


MAX_WAITS = 60  # x at most 5 s between tries: longer than a create's claim lasts
Requeue = Callable[[OutboundMessage], None]


class CreateJob(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: uuid.UUID
    sequence: int = Field(1, ge=1, le=999)
    attempt: int = Field(0, ge=0)


def create_message(
    order_id: uuid.UUID,
    sequence: int = 1,
    correlation_id: str | None = None,
    *,
    attempt: int = 0,
    delay_seconds: float = 0.0,
) -> OutboundMessage:
    """The queue message that creates an order's waybill (deduplicated on order, sequence and attempt)."""
    payload: dict[str, Any] = {"kind": "create", "order_id": str(order_id), "sequence": sequence}
    message_id = f"shipment-create:{order_id}:{sequence}"
    if attempt:
        payload["attempt"] = attempt
        message_id += f":wait-{attempt}"
    return OutboundMessage.of_json(
        payload,
        message_id=message_id,
        correlation_id=correlation_id,
        scheduled_enqueue_time_utc=datetime.now(UTC) + timedelta(seconds=delay_seconds)
        if delay_seconds
        else None,
    )


def handle_message(
    body: bytes, shipments: ShipmentService, sync: TrackingSync, requeue: Requeue
) -> dict[str, Any]:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PoisonMessageError(f"shipments message is not JSON: {error}") from error
    kind = payload.get("kind") if isinstance(payload, dict) else None
    if kind == "create":
        return _create(payload, shipments, requeue)
    if kind == "sync-resume":
        after = payload.get("after")
        failures = payload.get("failures")
        report = sync.run(
            "resume",
            after=str(after) if after else None,
            failures=int(failures) if isinstance(failures, int) else 0,
        )
        return report.model_dump(exclude_none=True)
    raise PoisonMessageError(f"unknown shipments message kind {kind!r}")


def _create(payload: dict[str, Any], shipments: ShipmentService, requeue: Requeue) -> dict[str, Any]:
    try:
        job = CreateJob.model_validate(payload)
    except ValidationError as error:
        raise PoisonMessageError(f"malformed create message: {error}") from error
    key = idempotency_key(job.order_id, job.sequence)
    try:
        shipment, created = shipments.create(
            CreateShipmentRequest(order_id=job.order_id, sequence=job.sequence)
        )
    except Problem as problem:
        if problem.status == 404:
            raise PoisonMessageError(f"order {job.order_id} not found") from problem
        if problem.type == CREATE_IN_PROGRESS and job.attempt < MAX_WAITS:
            requeue(create_message(job.order_id, job.sequence, attempt=job.attempt + 1,
                                   delay_seconds=problem.retry_after or 5.0))  # fmt: skip
            _logger.info("waybill for %s is being created by another request; asking again later", key)
            return {"status": "waiting", "idempotency_key": key, "attempt": job.attempt + 1}
        if problem.status >= 500:  # transient, "in progress" (503) included once it waited long enough
            raise  # the message comes back, then dead-letters
        _logger.warning("waybill for %s refused: %s", key, problem.detail)
        _record_failure(shipments, job, key, problem)
        return {"status": "failed", "idempotency_key": key, "error": problem.detail}
    return {"status": "created" if created else "existing", "waybill_number": shipment.waybill_number}


def _record_failure(shipments: ShipmentService, job: CreateJob, key: str, problem: Problem) -> None:
    """The order's shipment row says why no waybill was made (unless one exists after all)."""
    existing = shipments.repository.by_key(key)
    if existing is not None and existing.number:
        return
    fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in problem.errors)
    reason = f"{problem.detail} {fields}".strip()
    shipments.repository.save(
        key,
        {
            "smart_name": existing.key if existing else f"{job.order_id} #{job.sequence}",
            "smart_idempotencykey": key,
            "smart_orderid@odata.bind": bind(ORDERS, str(job.order_id)),
            "smart_isprimary": job.sequence == 1,
            "smart_error": reason[:1000],
        },
    )

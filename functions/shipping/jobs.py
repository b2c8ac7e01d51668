"""The ``shipments`` queue: waybills to create for orders, and resumes of a paused tracking sync.

Messages (JSON):
- ``{"kind": "create", "order_id": "<guid>", "sequence": 1}``: create the order's waybill. Idempotent
  (the shipment's alternate key). A refusal that can never succeed (bad ship-to data, Nova Poshta said
  no) is recorded on the shipment row (``smart_error``) and the message completes; a missing order is
  dead-lettered; an outage raises, so the message is delivered again.
- ``{"kind": "sync-resume", "after": "<key>|null", "failures": n}``: continue the sync after ``after``.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dataverse import bind
from functions.common.bus import OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.common.problems import Problem
from functions.shipping.models import CreateShipmentRequest
from functions.shipping.rules import ORDERS, idempotency_key
from functions.shipping.shipments import ShipmentService
from functions.shipping.sync import TrackingSync

_logger = logging.getLogger("smart.shipping")


class CreateJob(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: uuid.UUID
    sequence: int = Field(1, ge=1, le=999)


def create_message(
    order_id: uuid.UUID, sequence: int = 1, correlation_id: str | None = None
) -> OutboundMessage:
    """The queue message that creates an order's waybill (deduplicated on order and sequence)."""
    return OutboundMessage.of_json(
        {"kind": "create", "order_id": str(order_id), "sequence": sequence},
        message_id=f"shipment-create:{order_id}:{sequence}",
        correlation_id=correlation_id,
    )


def handle_message(body: bytes, shipments: ShipmentService, sync: TrackingSync) -> dict[str, Any]:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PoisonMessageError(f"shipments message is not JSON: {error}") from error
    kind = payload.get("kind") if isinstance(payload, dict) else None
    if kind == "create":
        return _create(payload, shipments)
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


def _create(payload: dict[str, Any], shipments: ShipmentService) -> dict[str, Any]:
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
        if problem.status >= 500:
            raise  # transient: the message comes back
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

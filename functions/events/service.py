"""Use cases of the event intake: accept a webhook, process a queued event (re-reading trimmed ones)."""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from dataverse.events import (
    SERVICEBUS_TRIMMED_PROPERTY,
    DataverseEvent,
    EventRouter,
    MalformedEventError,
    parse_servicebus_message,
    parse_webhook,
)
from dataverse.schema import entity_set_of
from functions.common.bus import MessageBus, OutboundMessage
from functions.common.errors import PoisonMessageError
from functions.common.problems import Problem
from functions.common.queues import DATAVERSE_EVENTS

logger = logging.getLogger("smart.events")


class RowReader(Protocol):
    def retrieve(self, entity_set: str, row: uuid.UUID, /) -> dict[str, Any]: ...


def check_webhook_secret(given: str | None, expected: str | None) -> None:
    """Dataverse's HttpHeader auth: ``X-Webhook-Secret`` must equal the setting (constant time)."""
    if not expected:
        logger.error("DATAVERSE_WEBHOOK_SECRET is not set: refusing Dataverse webhooks")
        raise Problem(401, "The webhook is not configured on this app.")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Problem(401, "The X-Webhook-Secret header is missing or wrong.")


def accept_webhook(
    body: bytes, headers: Mapping[str, str], bus: MessageBus, *, correlation_id: str | None = None
) -> DataverseEvent:
    """Validate the payload and queue it as Dataverse's Service Bus endpoint would (same body).

    The message keeps the caller's correlation id when one was given, else Dataverse's CorrelationId.
    """
    try:
        event = parse_webhook(body, headers)
    except MalformedEventError as error:
        raise Problem(400, str(error), errors=[{"field": error.path, "message": error.problem}]) from None
    properties: dict[str, str | int | float | bool] = {
        "http://schemas.microsoft.com/xrm/2011/Claims/EntityLogicalName": event.table,
        "http://schemas.microsoft.com/xrm/2011/Claims/RequestName": event.message,
    }
    if event.trimmed:
        properties[SERVICEBUS_TRIMMED_PROPERTY] = True
    bus.send(
        DATAVERSE_EVENTS.name,
        OutboundMessage(
            body,
            message_id=event.dedupe_key,
            correlation_id=correlation_id or (str(event.correlation_id) if event.correlation_id else None),
            application_properties=properties,
        ),
    )
    logger.info("accepted %s of %s %s from the webhook", event.message, event.table, event.record_id)
    return event


def process_event(
    body: bytes, application_properties: Mapping[Any, Any], router: EventRouter, reader: RowReader
) -> int:
    """Parse, complete a trimmed event by re-reading its row, and dispatch; returns handlers run.

    A malformed payload can never succeed: it is dead-lettered with the parser's reason. A handler's
    exception propagates, so the message is delivered again (handlers are idempotent).
    """
    try:
        event = parse_servicebus_message(body, application_properties)
    except MalformedEventError as error:
        raise PoisonMessageError(f"malformed Dataverse event: {error}") from error
    if event.trimmed and event.message.lower() != "delete":
        event = complete_trimmed(event, reader)
    return router.dispatch(event)


def complete_trimmed(event: DataverseEvent, reader: RowReader) -> DataverseEvent:
    """A payload over the size limit lost its images and target: read the row as it is now."""
    try:
        entity_set = entity_set_of(event.table)
    except KeyError as error:
        raise PoisonMessageError(f"trimmed event for table {event.table!r} we cannot re-read") from error
    row = reader.retrieve(entity_set, event.record_id)
    logger.info("re-read trimmed %s event of %s %s", event.message, event.table, event.record_id)
    return event.model_copy(update={"target": row, "post_image": row, "trimmed": False})

"""Dataverse events: parse a ``RemoteExecutionContext`` (webhook or Service Bus JSON) and route it.

Dataverse serialises the context with .NET's DataContractJsonSerializer: collections are lists of
``{"key": ..., "value": ...}`` pairs, complex values carry a ``"__type"`` such as
``"EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts"`` and dates are WCF strings
``"/Date(1506409448000)/"`` or ``"/Date(1506409448000-0700)/"`` (milliseconds since the epoch, UTC;
the offset only records the writer's zone). Values come out typed: ``EntityReference``,
``OptionSetValue``, ``Money`` (``Decimal``), ``datetime`` (aware), nested ``Entity`` and lists of
them; GUID-valued attributes stay strings (the JSON does not mark them), ids of the context, entities
and references are ``uuid.UUID``.

A payload over the size limit (256 KB webhook / 192 KB Service Bus) arrives without
``InputParameters``, ``PreEntityImages``, ``PostEntityImages`` and ``ParentContext``; such an event is
``trimmed`` and the handler must re-read the row by ``record_id``.
"""

from dataverse.events.models import (
    DataverseEvent,
    Entity,
    EntityReference,
    MalformedEventError,
    Money,
    OptionSetValue,
)
from dataverse.events.parsing import (
    SERVICEBUS_TRIMMED_PROPERTY,
    WEBHOOK_TRIMMED_HEADER,
    parse_event,
    parse_servicebus_message,
    parse_wcf_date,
    parse_webhook,
)
from dataverse.events.router import EventHandler, EventRouter

__all__ = [
    "SERVICEBUS_TRIMMED_PROPERTY",
    "WEBHOOK_TRIMMED_HEADER",
    "DataverseEvent",
    "Entity",
    "EntityReference",
    "EventHandler",
    "EventRouter",
    "MalformedEventError",
    "Money",
    "OptionSetValue",
    "parse_event",
    "parse_servicebus_message",
    "parse_wcf_date",
    "parse_webhook",
]

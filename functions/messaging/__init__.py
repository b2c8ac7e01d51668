"""Messaging: GMS (Hyber) Viber with SMS fallback for the CRM.

Endpoints (``blueprint``): send one message, send in bulk, the Customer Insights - Journeys custom
channel's outbound contract, GMS delivery-report callbacks and results analytics. Queues:
``messages-outbound`` (one send each), ``message-batches`` (one chunk of a bulk send each),
``delivery-reports`` (coalesced status write-back); a timer reconciles reports that found no message.

Use cases: ``sending`` (one message), ``batches`` + ``batch_sending`` (bulk), ``journeys`` (custom
channel and notifications), ``reports`` + ``coalescer`` + ``orphans`` (delivery reports), ``analytics``.
Pure rules: ``rules``, ``phones``, ``policy``, ``statuses``. Dataverse: ``repository`` (messages),
``directory`` (contacts, consent, frequency), ``batch_store``. Composition: ``wiring``.
"""

from functions.messaging.analytics import Aggregator, Analytics, AnalyticsQuery, MessageFacts, aggregate
from functions.messaging.batches import BatchService
from functions.messaging.journeys import JourneysChannel, JourneysOutbound, JourneysResponse
from functions.messaging.models import MessageAccepted, MessageView, SendMessageRequest
from functions.messaging.sending import MessageService
from functions.messaging.settings import MessagingSettings

__all__ = [
    "Aggregator",
    "Analytics",
    "AnalyticsQuery",
    "BatchService",
    "JourneysChannel",
    "JourneysOutbound",
    "JourneysResponse",
    "MessageAccepted",
    "MessageFacts",
    "MessageService",
    "MessageView",
    "MessagingSettings",
    "SendMessageRequest",
    "aggregate",
]

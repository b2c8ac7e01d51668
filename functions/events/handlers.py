"""Which capability handles which Dataverse event: the router is composed here, once."""

from __future__ import annotations

from dataverse.events import EventRouter
from functions.common import container
from functions.counterparty import events as counterparty
from functions.messaging import events as messaging
from functions.payments import events as payments
from functions.shipping import events as shipping


def get_router() -> EventRouter:
    return container.resolve("events.router", build_router)


def build_router() -> EventRouter:
    router = EventRouter()
    counterparty.register_event_handlers(router)
    messaging.register_event_handlers(router)
    payments.register_event_handlers(router)
    shipping.register_event_handlers(router)
    return router

"""Route events to the capability handlers registered for their (table, message)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from dataverse.events.models import DataverseEvent

log = logging.getLogger(__name__)

EventHandler = Callable[[DataverseEvent], object]


class EventRouter:
    """Handlers registered per (table, message); ``dispatch`` runs every matching one in order.

    Messages match case-insensitively (``Create`` / ``create``). An event nobody handles is logged and
    ignored. A handler's exception propagates, so the queue redelivers the event; handlers must
    therefore be idempotent (they are, by the project's keys).
    """

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], list[EventHandler]] = {}

    def register(self, table: str, message: str, handler: EventHandler) -> None:
        self._handlers.setdefault((table.lower(), message.lower()), []).append(handler)

    def on(self, table: str, message: str) -> Callable[[EventHandler], EventHandler]:
        """Decorator form of ``register``."""

        def decorate(handler: EventHandler) -> EventHandler:
            self.register(table, message, handler)
            return handler

        return decorate

    def handlers_for(self, table: str, message: str) -> tuple[EventHandler, ...]:
        return tuple(self._handlers.get((table.lower(), message.lower()), ()))

    def routes(self) -> list[tuple[str, str]]:
        """The (table, message) pairs with at least one handler, for registration and diagnostics."""
        return sorted(self._handlers)

    def dispatch(self, event: DataverseEvent) -> int:
        """Run the handlers for the event's (table, message); returns how many ran."""
        handlers = self.handlers_for(event.table, event.message)
        if not handlers:
            log.info(
                "dataverse event ignored: no handler for %s/%s (record %s, correlation %s)",
                event.table,
                event.message,
                event.record_id,
                event.correlation_id,
            )
            return 0
        for handler in handlers:
            handler(event)
        return len(handlers)

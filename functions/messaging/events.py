"""Dataverse events for messaging: a contact opted out of SMS or Viber -> cancel its scheduled messages.

Commercial messages requested during quiet hours wait (status ``scheduled``) for the window's end; an
opt-out made in the meantime must still stop them. The handler re-reads the contact (the event may
carry only the changed column) and is idempotent: a cancelled message is no longer ``scheduled``.
"""

from __future__ import annotations

import logging

from dataverse.events import DataverseEvent, EventRouter
from functions.messaging.wiring import get_messages

log = logging.getLogger(__name__)
OPT_OUT_COLUMNS = ("smart_donotsms", "smart_donotviber")


def register_event_handlers(router: EventRouter) -> None:
    router.register("contact", "Update", on_contact_updated)


def on_contact_updated(event: DataverseEvent) -> None:
    if not any(event.changed(column) and bool(event.value(column)) for column in OPT_OUT_COLUMNS):
        return
    cancelled = get_messages().cancel_scheduled(str(event.record_id))
    log.info("contact %s opted out: %d scheduled message(s) cancelled", event.record_id, cancelled)

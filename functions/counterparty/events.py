"""Dataverse events for counterparty checks: a new account with a company code is checked (switchable)."""

from __future__ import annotations

from dataverse.events import DataverseEvent, EventRouter
from functions.common.ports import get_bus
from functions.counterparty.monitoring import queue_check_on_create
from functions.counterparty.wiring import get_settings


def register_event_handlers(router: EventRouter) -> None:
    router.register("account", "Create", on_account_created)


def on_account_created(event: DataverseEvent) -> bool:
    """Queue the check of the new account; False when switched off or the account has no code."""
    if not get_settings().check_on_create:
        return False
    return queue_check_on_create(get_bus(), event.record_id, event.value("smart_edrpou"))

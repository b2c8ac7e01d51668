"""Shipping with Nova Poshta: look-ups, quotes, waybills from CRM orders, registry, scheduled tracking sync.

``blueprint`` holds the Azure triggers; ``shipments``, ``quotes`` and ``sync`` the use cases; ``rules`` the
pure logic; ``repository`` the Dataverse persistence; ``wiring`` builds them from ``ShippingSettings``.
"""

from functions.shipping.events import register_event_handlers

__all__ = ["register_event_handlers"]

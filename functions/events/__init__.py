"""Event intake: Dataverse webhooks and the ``dataverse-events`` queue, routed to capability handlers."""

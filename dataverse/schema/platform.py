"""Platform tables shared by the capabilities (webhook idempotency)."""

from __future__ import annotations

from dataverse.schema.model import DateTimeColumn, KeyDefinition, Table, TextColumn

PROCESSED_EVENT = Table(
    name="smart_processedevent",
    entity_set="smart_processedevents",
    display_name="Processed event",
    plural_display_name="Processed events",
    description="Provider webhook events already handled; a create-only upsert makes handling idempotent.",
    ownership="organization",
    primary_name=TextColumn(
        name="smart_name",
        display_name="Name",
        description="provider:event id.",
        max_length=300,
        required="required",
    ),
    columns=(
        TextColumn(
            name="smart_provider",
            display_name="Provider",
            description="paypal, gms, dataverse ...",
            max_length=50,
            required="required",
        ),
        TextColumn(
            name="smart_eventid",
            display_name="Event id",
            description="Provider's event id.",
            max_length=200,
            required="required",
        ),
        TextColumn(
            name="smart_eventtype",
            display_name="Event type",
            description="e.g. INVOICING.INVOICE.PAID.",
            max_length=100,
        ),
        DateTimeColumn(name="smart_receivedon", display_name="Received on", description="When it arrived."),
        DateTimeColumn(
            name="smart_processedon", display_name="Processed on", description="When handling finished."
        ),
        TextColumn(
            name="smart_outcome", display_name="Outcome", description="What handling did.", max_length=300
        ),
    ),
    keys=(
        KeyDefinition(
            name="smart_processedevent_providerevent",
            display_name="Provider and event id",
            columns=("smart_provider", "smart_eventid"),
        ),
    ),
)

"""Delivery reports that arrive for a message we cannot find (yet), kept for reconciliation.

A GMS report can beat the write of the message's provider id, or name a message sent outside this app.
Such a report is stored once (keyed by provider, message id and status) and re-matched later.
"""

from __future__ import annotations

from dataverse.schema.choices import MessageChannel, MessageStatus, ReconciliationStatus
from dataverse.schema.model import (
    BooleanColumn,
    ChoiceColumn,
    DateTimeColumn,
    IntegerColumn,
    KeyDefinition,
    LookupColumn,
    MemoColumn,
    Table,
    TextColumn,
)

DELIVERY_REPORT = Table(
    name="smart_deliveryreport",
    entity_set="smart_deliveryreports",
    display_name="Unmatched delivery report",
    plural_display_name="Unmatched delivery reports",
    description="A provider delivery report for a message not (yet) found; kept for reconciliation.",
    ownership="organization",
    primary_name=TextColumn(
        name="smart_name",
        display_name="Name",
        description="Report label.",
        max_length=200,
        required="required",
    ),
    columns=(
        TextColumn(
            name="smart_reportkey",
            display_name="Report key",
            required="required",
            max_length=200,
            description="provider:message id:status, so a redelivered report is stored once.",
        ),
        TextColumn(name="smart_provider", display_name="Provider", description="e.g. gms.", max_length=50),
        TextColumn(
            name="smart_providermessageid",
            display_name="Provider message id",
            description="message_id.",
            max_length=100,
        ),
        TextColumn(
            name="smart_externalid",
            display_name="External id",
            max_length=100,
            description="extra_id from the report (our idempotency key when it is ours).",
        ),
        ChoiceColumn(
            name="smart_status", display_name="Status", description="Reported status.", choice=MessageStatus
        ),
        ChoiceColumn(
            name="smart_channel",
            display_name="Channel",
            description="Reported channel.",
            choice=MessageChannel,
        ),
        TextColumn(
            name="smart_phone",
            display_name="Phone",
            description="Phone in E.164.",
            max_length=20,
            format="phone",
        ),
        MemoColumn(
            name="smart_payload", display_name="Payload", description="Report JSON.", max_length=100000
        ),
        DateTimeColumn(name="smart_receivedon", display_name="Received on", description="When it arrived."),
        ChoiceColumn(
            name="smart_reconciliation",
            display_name="Reconciliation",
            description="Matching progress.",
            choice=ReconciliationStatus,
            default=ReconciliationStatus.PENDING,
        ),
        IntegerColumn(
            name="smart_attempts",
            display_name="Attempts",
            description="Reconciliation attempts.",
            min_value=0,
        ),
        BooleanColumn(
            name="smart_applied",
            display_name="Applied",
            description="Status written to the message.",
        ),
        LookupColumn(
            name="smart_messageid",
            display_name="Message",
            description="Matched message.",
            target="smart_message",
        ),
    ),
    keys=(
        KeyDefinition(
            name="smart_deliveryreport_reportkey", display_name="Report key", columns=("smart_reportkey",)
        ),
    ),
)

"""Messaging tables: one message, its timeline activity, bulk batches and orphan delivery reports.

Why a message is two rows (``smart_message`` + ``smart_messageactivity``)
--------------------------------------------------------------------------
The idempotency key must be an alternate key so that "record the message" is a create-only upsert
(``PATCH /smart_messages(smart_idempotencykey='...')`` with ``If-None-Match: *``). Microsoft's pages
on alternate keys list the constraints: allowed column types (decimal, whole number, single line of
text, date/time, lookup, choice), no column-level security, 900 bytes / 16 columns per key, at most
ten keys per table, not supported on virtual tables
(https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity and
https://learn.microsoft.com/power-apps/maker/data-platform/define-alternate-keys-reference-records).
Activity tables are neither listed as supported nor as excluded, and Microsoft has acknowledged on
GitHub (MicrosoftDocs/dynamics-365-customer-engagement issue #2613) that some tables refuse keys
without this being documented. So nothing promises a key on a custom activity. We therefore follow
the issue's model: the key, status and provider data live on the plain table ``smart_message``, and
a custom activity ``smart_messageactivity`` (regarding the contact) puts the message on the contact
timeline and points back with ``smart_messageid``. Status writes (several per message) hit the plain
row; the activity is written when it is created and when the outcome is final.

The activity's primary key is derived from the idempotency key (``message_activity_id``), so creating
it twice fails with a duplicate-record error instead of adding a second timeline entry.
"""

from __future__ import annotations

import uuid

from dataverse.schema.choices import BatchStatus, MessageChannel, MessageStatus
from dataverse.schema.model import (
    ChoiceColumn,
    DateTimeColumn,
    DecimalColumn,
    IntegerColumn,
    KeyDefinition,
    LookupColumn,
    MemoColumn,
    Table,
    TextColumn,
)

_ACTIVITY_NAMESPACE = uuid.UUID("3f0c2a5e-8d61-4c3b-9a57-6a1f0e2b7c41")


def message_activity_id(idempotency_key: str) -> uuid.UUID:
    """Stable ``activityid`` of the timeline activity for the message with this idempotency key."""
    return uuid.uuid5(_ACTIVITY_NAMESPACE, idempotency_key)


def _when(name: str, what: str) -> DateTimeColumn:
    return DateTimeColumn(name=name, display_name=f"{what} on", description=f"When the message was {what}.")


MESSAGE = Table(
    name="smart_message",
    entity_set="smart_messages",
    display_name="Message",
    plural_display_name="Messages",
    description="One Viber/SMS message sent through GMS; keyed by its idempotency key.",
    primary_name=TextColumn(
        name="smart_name",
        display_name="Name",
        description="Short label, e.g. channel and masked phone.",
        max_length=200,
        required="required",
    ),
    columns=(
        TextColumn(
            name="smart_idempotencykey",
            display_name="Idempotency key",
            required="required",
            description="Caller's idempotency key; also sent to GMS as extra_id.",
            max_length=100,
        ),
        ChoiceColumn(
            name="smart_status",
            display_name="Status",
            description="Delivery status; never moves back.",
            choice=MessageStatus,
            default=MessageStatus.QUEUED,
            required="required",
        ),
        ChoiceColumn(
            name="smart_channel",
            display_name="Channel used",
            description="Channel the provider actually used (Viber or SMS fallback).",
            choice=MessageChannel,
        ),
        TextColumn(
            name="smart_channelorder",
            display_name="Requested channels",
            max_length=50,
            description="Channels requested in order of preference, e.g. 'viber,sms'.",
        ),
        TextColumn(
            name="smart_phone",
            display_name="Phone",
            description="Recipient phone in E.164.",
            max_length=20,
            format="phone",
            required="required",
        ),
        MemoColumn(
            name="smart_text", display_name="Text", description="Message text as sent.", max_length=4000
        ),
        TextColumn(
            name="smart_providermessageid",
            display_name="Provider message id",
            max_length=100,
            description="GMS message_id returned when the provider accepted the message.",
        ),
        IntegerColumn(
            name="smart_providerstatus",
            display_name="Provider status",
            description="Raw GMS hyber_status of the last report.",
            min_value=-1,
            max_value=99999,
        ),
        IntegerColumn(
            name="smart_segments",
            display_name="SMS segments",
            min_value=0,
            max_value=1000,
            description="Number of SMS parts billed (0 when delivered via Viber).",
        ),
        DecimalColumn(
            name="smart_cost",
            display_name="Cost",
            precision=4,
            description="Provider cost of the message in the contract currency.",
        ),
        TextColumn(
            name="smart_errorcode",
            display_name="Error code",
            description="Provider error code.",
            max_length=50,
        ),
        TextColumn(
            name="smart_error",
            display_name="Error",
            description="Why the message failed.",
            max_length=1000,
        ),
        TextColumn(
            name="smart_campaign", display_name="Campaign", description="Campaign tag.", max_length=100
        ),
        TextColumn(
            name="smart_journeyid",
            display_name="Journey id",
            max_length=100,
            description="Customer Insights - Journeys journey id, when sent from a journey.",
        ),
        TextColumn(
            name="smart_requestid",
            display_name="Request id",
            max_length=100,
            description="Request id of the call that created the message (Journeys RequestId or HTTP).",
        ),
        _when("smart_queuedon", "queued"),
        _when("smart_senton", "sent"),
        _when("smart_deliveredon", "delivered"),
        _when("smart_readon", "read"),
        _when("smart_failedon", "failed"),
        LookupColumn(
            name="smart_contactid", display_name="Contact", description="Recipient.", target="contact"
        ),
        LookupColumn(
            name="smart_batchid",
            display_name="Batch",
            description="Bulk send this message belongs to.",
            target="smart_messagebatch",
        ),
    ),
    keys=(
        KeyDefinition(
            name="smart_message_idempotencykey",
            display_name="Idempotency key",
            columns=("smart_idempotencykey",),
        ),
    ),
)

MESSAGE_ACTIVITY = Table(
    name="smart_messageactivity",
    entity_set="smart_messageactivities",
    display_name="Viber/SMS message",
    plural_display_name="Viber/SMS messages",
    description="Timeline entry for a message (regarding the contact); details live on smart_message.",
    is_activity=True,
    has_notes=True,
    primary_name=TextColumn(
        name="subject",
        display_name="Subject",
        description="Subject shown on the timeline.",
        max_length=200,
    ),
    columns=(
        LookupColumn(
            name="smart_messageid",
            display_name="Message",
            description="The message this activity shows.",
            target="smart_message",
            cascade_delete="cascade",
        ),
        ChoiceColumn(
            name="smart_status",
            display_name="Status",
            description="Last known delivery status.",
            choice=MessageStatus,
        ),
        ChoiceColumn(
            name="smart_channel",
            display_name="Channel used",
            description="Viber or SMS.",
            choice=MessageChannel,
        ),
    ),
)

MESSAGE_BATCH = Table(
    name="smart_messagebatch",
    entity_set="smart_messagebatches",
    display_name="Message batch",
    plural_display_name="Message batches",
    description="A bulk send; its messages point to it.",
    primary_name=TextColumn(
        name="smart_name",
        display_name="Name",
        description="Batch label.",
        max_length=200,
        required="required",
    ),
    columns=(
        TextColumn(
            name="smart_idempotencykey",
            display_name="Idempotency key",
            required="required",
            description="Caller's idempotency key for the whole batch.",
            max_length=100,
        ),
        ChoiceColumn(
            name="smart_status",
            display_name="Status",
            description="Batch progress.",
            choice=BatchStatus,
            default=BatchStatus.RECEIVED,
            required="required",
        ),
        IntegerColumn(
            name="smart_totalcount", display_name="Total", description="Messages in the batch.", min_value=0
        ),
        IntegerColumn(
            name="smart_queuedcount", display_name="Queued", description="Messages queued.", min_value=0
        ),
        IntegerColumn(name="smart_sentcount", display_name="Sent", description="Messages sent.", min_value=0),
        IntegerColumn(
            name="smart_deliveredcount",
            display_name="Delivered",
            description="Messages delivered.",
            min_value=0,
        ),
        IntegerColumn(
            name="smart_failedcount", display_name="Failed", description="Messages failed.", min_value=0
        ),
        TextColumn(
            name="smart_campaign", display_name="Campaign", description="Campaign tag.", max_length=100
        ),
        TextColumn(
            name="smart_journeyid", display_name="Journey id", description="Journey id.", max_length=100
        ),
        TextColumn(
            name="smart_requestid", display_name="Request id", description="Request id.", max_length=100
        ),
        DateTimeColumn(
            name="smart_completedon", display_name="Completed on", description="When all were final."
        ),
    ),
    keys=(
        KeyDefinition(
            name="smart_messagebatch_idempotencykey",
            display_name="Idempotency key",
            columns=("smart_idempotencykey",),
        ),
    ),
)

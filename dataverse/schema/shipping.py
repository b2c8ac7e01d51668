"""Shipping tables: Nova Poshta waybills for orders and their status history.

A journey triggers on ``smart_shipmentstatus``: one row is added per status change (never per sync),
carrying the order and the recipient contact, so "when a row is added" with a filter on
``smart_status`` is all a flow or Customer Insights - Journeys trigger needs.
"""

from __future__ import annotations

from dataverse.schema.choices import ShipmentStatus
from dataverse.schema.model import (
    BooleanColumn,
    ChoiceColumn,
    DateTimeColumn,
    DecimalColumn,
    IntegerColumn,
    KeyDefinition,
    LookupColumn,
    Table,
    TextColumn,
)

SHIPMENT = Table(
    name="smart_shipment",
    entity_set="smart_shipments",
    display_name="Shipment",
    plural_display_name="Shipments",
    description="A Nova Poshta waybill (TTN) created for an order.",
    primary_name=TextColumn(
        name="smart_name",
        display_name="Name",
        description="Waybill number or order reference.",
        max_length=200,
        required="required",
    ),
    columns=(
        TextColumn(
            name="smart_idempotencykey",
            display_name="Idempotency key",
            required="required",
            max_length=100,
            description="Order id and shipment sequence, e.g. '<salesorderid>:1'.",
        ),
        TextColumn(
            name="smart_waybillnumber",
            display_name="Waybill number",
            max_length=36,
            description="Nova Poshta document number (IntDocNumber), set once the waybill exists.",
        ),
        TextColumn(
            name="smart_waybillref", display_name="Waybill ref", description="Nova Poshta Ref.", max_length=36
        ),
        LookupColumn(
            name="smart_orderid", display_name="Order", description="Order shipped.", target="salesorder"
        ),
        LookupColumn(
            name="smart_contactid",
            display_name="Recipient contact",
            description="Recipient.",
            target="contact",
        ),
        TextColumn(
            name="smart_recipientname",
            display_name="Recipient",
            description="Recipient name.",
            max_length=200,
        ),
        TextColumn(
            name="smart_recipientphone",
            display_name="Recipient phone",
            description="E.164.",
            max_length=20,
            format="phone",
        ),
        TextColumn(
            name="smart_recipientcity", display_name="City", description="Recipient city.", max_length=200
        ),
        TextColumn(
            name="smart_recipientwarehouse",
            display_name="Branch",
            description="Recipient branch/locker.",
            max_length=300,
        ),
        ChoiceColumn(
            name="smart_status",
            display_name="Status",
            description="Normalised tracking status.",
            choice=ShipmentStatus,
            default=ShipmentStatus.CREATED,
        ),
        IntegerColumn(
            name="smart_statuscode",
            display_name="Status code",
            description="Nova Poshta StatusCode.",
            min_value=0,
            max_value=9999,
        ),
        TextColumn(
            name="smart_statustext",
            display_name="Status text",
            description="Nova Poshta Status.",
            max_length=300,
        ),
        DecimalColumn(
            name="smart_cost", display_name="Delivery cost", description="Cost in UAH.", precision=2
        ),
        DateTimeColumn(
            name="smart_estimateddeliverydate",
            display_name="Estimated delivery",
            date_only=True,
            description="Nova Poshta's estimated delivery date.",
        ),
        BooleanColumn(
            name="smart_isprimary",
            display_name="Primary shipment",
            default=True,
            description="The order's main shipment (others are extra parcels or returns).",
        ),
        TextColumn(
            name="smart_senderprofile",
            display_name="Sender profile",
            max_length=100,
            description="Name of the configured sender (counterparty, contact, address) used.",
        ),
        DateTimeColumn(
            name="smart_statuschangedon", display_name="Status changed on", description="Last change."
        ),
        DateTimeColumn(
            name="smart_lastsyncedon", display_name="Last synced on", description="Last tracking sync."
        ),
        TextColumn(
            name="smart_error", display_name="Error", description="Why creation failed.", max_length=1000
        ),
        DateTimeColumn(
            name="smart_claimexpireson",
            display_name="Create in progress until",
            description="A create request holds the row until then; a retry meanwhile gets 503.",
        ),
        TextColumn(
            name="smart_claimid",
            display_name="Create claim",
            description="Which create request holds the row (with Create in progress until).",
            max_length=36,
        ),
        TextColumn(
            name="smart_returnwaybillnumber",
            display_name="Return waybill",
            description="Waybill the goods go back to the sender under (status Returning to sender).",
            max_length=20,
        ),
    ),
    keys=(
        KeyDefinition(
            name="smart_shipment_idempotencykey",
            display_name="Idempotency key",
            columns=("smart_idempotencykey",),
        ),
        KeyDefinition(
            name="smart_shipment_waybillnumber",
            display_name="Waybill number",
            columns=("smart_waybillnumber",),
        ),
    ),
)

SHIPMENT_STATUS = Table(
    name="smart_shipmentstatus",
    entity_set="smart_shipmentstatuses",
    display_name="Shipment status change",
    plural_display_name="Shipment status changes",
    description="One row per status change of a shipment; journeys and flows trigger on its creation.",
    primary_name=TextColumn(
        name="smart_name",
        display_name="Name",
        description="Waybill and new status.",
        max_length=200,
        required="required",
    ),
    columns=(
        TextColumn(
            name="smart_changekey",
            display_name="Change key",
            required="required",
            max_length=200,
            description="Shipment key, status code and change time, so a change is recorded once.",
        ),
        LookupColumn(
            name="smart_shipmentid",
            display_name="Shipment",
            description="Shipment that changed.",
            target="smart_shipment",
            cascade_delete="cascade",
            required="required",
        ),
        LookupColumn(
            name="smart_orderid", display_name="Order", description="Order shipped.", target="salesorder"
        ),
        LookupColumn(
            name="smart_contactid",
            display_name="Recipient contact",
            description="Recipient.",
            target="contact",
        ),
        ChoiceColumn(
            name="smart_status", display_name="Status", description="New status.", choice=ShipmentStatus
        ),
        ChoiceColumn(
            name="smart_previousstatus",
            display_name="Previous status",
            description="Status before.",
            choice=ShipmentStatus,
        ),
        IntegerColumn(
            name="smart_statuscode",
            display_name="Status code",
            description="Nova Poshta StatusCode.",
            min_value=0,
            max_value=9999,
        ),
        TextColumn(
            name="smart_statustext",
            display_name="Status text",
            description="Nova Poshta Status.",
            max_length=300,
        ),
        DateTimeColumn(
            name="smart_changedon", display_name="Changed on", description="When Nova Poshta reported it."
        ),
    ),
    keys=(
        KeyDefinition(
            name="smart_shipmentstatus_changekey", display_name="Change key", columns=("smart_changekey",)
        ),
    ),
)

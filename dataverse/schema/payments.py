"""Payment table: one PayPal invoice per order (and idempotency key)."""

from __future__ import annotations

from dataverse.schema.choices import PaymentStatus
from dataverse.schema.model import (
    ChoiceColumn,
    DateTimeColumn,
    KeyDefinition,
    LookupColumn,
    MoneyColumn,
    Table,
    TextColumn,
)

PAYMENT = Table(
    name="smart_payment",
    entity_set="smart_payments",
    display_name="Payment",
    plural_display_name="Payments",
    description="A PayPal invoice raised for an order and its payment state.",
    primary_name=TextColumn(
        name="smart_name",
        display_name="Name",
        description="Invoice number or order reference.",
        max_length=200,
        required="required",
    ),
    columns=(
        TextColumn(
            name="smart_idempotencykey",
            display_name="Idempotency key",
            required="required",
            max_length=100,
            description="Derived from the order; also sent as PayPal-Request-Id.",
        ),
        TextColumn(
            name="smart_invoiceid",
            display_name="PayPal invoice id",
            max_length=50,
            description="PayPal invoice id (INV2-...), set once the invoice exists.",
        ),
        TextColumn(
            name="smart_invoicenumber",
            display_name="Invoice number",
            description="Invoice number.",
            max_length=50,
        ),
        ChoiceColumn(
            name="smart_status",
            display_name="Status",
            description="PayPal invoice status.",
            choice=PaymentStatus,
            default=PaymentStatus.DRAFT,
        ),
        MoneyColumn(name="smart_amount", display_name="Amount", description="Invoice total."),
        TextColumn(
            name="smart_currencycode",
            display_name="Currency",
            description="ISO 4217 code of the invoice.",
            max_length=3,
        ),
        MoneyColumn(name="smart_paidamount", display_name="Paid amount", description="Amount paid so far."),
        MoneyColumn(
            name="smart_refundedamount", display_name="Refunded amount", description="Amount refunded."
        ),
        TextColumn(
            name="smart_payerlink",
            display_name="Payer link",
            description="Link the payer opens to pay.",
            max_length=500,
            format="url",
        ),
        TextColumn(
            name="smart_payeremail",
            display_name="Payer email",
            description="Invoice recipient.",
            max_length=200,
            format="email",
        ),
        DateTimeColumn(
            name="smart_duedate", display_name="Due date", description="Payment due.", date_only=True
        ),
        DateTimeColumn(name="smart_paidon", display_name="Paid on", description="When it was paid in full."),
        DateTimeColumn(
            name="smart_lastsyncedon", display_name="Last synced on", description="Last status sync."
        ),
        TextColumn(
            name="smart_error", display_name="Error", description="Why creation failed.", max_length=1000
        ),
        LookupColumn(
            name="smart_orderid", display_name="Order", description="Order invoiced.", target="salesorder"
        ),
        LookupColumn(
            name="smart_contactid", display_name="Payer contact", description="Payer.", target="contact"
        ),
    ),
    keys=(
        KeyDefinition(
            name="smart_payment_idempotencykey",
            display_name="Idempotency key",
            columns=("smart_idempotencykey",),
        ),
        KeyDefinition(
            name="smart_payment_invoiceid", display_name="PayPal invoice id", columns=("smart_invoiceid",)
        ),
    ),
)

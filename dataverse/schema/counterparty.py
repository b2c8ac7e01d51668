"""Counterparty tables: YouControl checks of an account, their findings and detected changes."""

from __future__ import annotations

from dataverse.schema.choices import CheckStatus, CheckTrigger, FindingKind, FindingSeverity, RiskLevel
from dataverse.schema.model import (
    ChoiceColumn,
    DateTimeColumn,
    IntegerColumn,
    KeyDefinition,
    LookupColumn,
    MemoColumn,
    Table,
    TextColumn,
)


def _name(description: str) -> TextColumn:
    return TextColumn(
        name="smart_name", display_name="Name", description=description, max_length=200, required="required"
    )


def _key_column(description: str, name: str = "smart_idempotencykey") -> TextColumn:
    return TextColumn(
        name=name, display_name="Key", description=description, max_length=200, required="required"
    )


COUNTERPARTY_CHECK = Table(
    name="smart_counterpartycheck",
    entity_set="smart_counterpartychecks",
    display_name="Counterparty check",
    plural_display_name="Counterparty checks",
    description="One YouControl check of an account: card, sanctions, tax debt, courts, risk factors.",
    primary_name=_name("Company code and check date."),
    columns=(
        _key_column("Idempotency key of the check request (code and request id or schedule slot)."),
        LookupColumn(
            name="smart_accountid", display_name="Account", description="Checked account.", target="account"
        ),
        TextColumn(
            name="smart_code",
            display_name="Company code",
            required="required",
            max_length=10,
            description="EDRPOU (8 digits) or RNOKPP of a sole trader (10 digits).",
        ),
        ChoiceColumn(
            name="smart_status",
            display_name="Status",
            description="Check progress.",
            choice=CheckStatus,
            default=CheckStatus.PENDING,
        ),
        ChoiceColumn(
            name="smart_trigger",
            display_name="Trigger",
            description="Manual or scheduled.",
            choice=CheckTrigger,
        ),
        ChoiceColumn(
            name="smart_risklevel", display_name="Risk level", description="Overall risk.", choice=RiskLevel
        ),
        TextColumn(
            name="smart_expressindex",
            display_name="Express index",
            max_length=1,
            description="YouScore expressAnalysisIndex (A-D).",
        ),
        MemoColumn(
            name="smart_summary", display_name="Summary", description="Readable summary.", max_length=4000
        ),
        IntegerColumn(
            name="smart_sanctionscount",
            display_name="Sanctions",
            description="Sanction entries.",
            min_value=0,
        ),
        IntegerColumn(
            name="smart_courtcasescount",
            display_name="Court cases",
            description="Court cases found.",
            min_value=0,
        ),
        IntegerColumn(
            name="smart_riskfactorscount",
            display_name="Risk factors",
            description="Max-caution factors.",
            min_value=0,
        ),
        DateTimeColumn(
            name="smart_checkedon", display_name="Checked on", description="When the data was fetched."
        ),
        MemoColumn(
            name="smart_snapshot",
            display_name="Snapshot",
            max_length=1048576,
            description="JSON snapshot compared by the next check to detect changes.",
        ),
        TextColumn(
            name="smart_error", display_name="Error", description="Why the check failed.", max_length=1000
        ),
    ),
    keys=(
        KeyDefinition(
            name="smart_counterpartycheck_idempotencykey",
            display_name="Idempotency key",
            columns=("smart_idempotencykey",),
        ),
    ),
)

COUNTERPARTY_FINDING = Table(
    name="smart_counterpartyfinding",
    entity_set="smart_counterpartyfindings",
    display_name="Counterparty finding",
    plural_display_name="Counterparty findings",
    description="A sanction, tax debt, court case or risk factor found by a check.",
    primary_name=_name("Short description of the finding."),
    columns=(
        _key_column("Check key, kind and the provider's id of the item.", name="smart_findingkey"),
        LookupColumn(
            name="smart_checkid",
            display_name="Check",
            description="Check that found it.",
            target="smart_counterpartycheck",
            cascade_delete="cascade",
            required="required",
        ),
        LookupColumn(
            name="smart_accountid", display_name="Account", description="Account concerned.", target="account"
        ),
        ChoiceColumn(
            name="smart_kind",
            display_name="Kind",
            description="What was found.",
            choice=FindingKind,
            required="required",
        ),
        ChoiceColumn(
            name="smart_severity",
            display_name="Severity",
            description="Attention needed.",
            choice=FindingSeverity,
        ),
        TextColumn(
            name="smart_source", display_name="Source", description="Register or list.", max_length=200
        ),
        MemoColumn(
            name="smart_details", display_name="Details", description="Provider text.", max_length=4000
        ),
        DateTimeColumn(name="smart_foundon", display_name="Dated", description="Date of the item itself."),
    ),
    keys=(
        KeyDefinition(
            name="smart_counterpartyfinding_findingkey",
            display_name="Finding key",
            columns=("smart_findingkey",),
        ),
    ),
)

COUNTERPARTY_CHANGE = Table(
    name="smart_counterpartychange",
    entity_set="smart_counterpartychanges",
    display_name="Counterparty change",
    plural_display_name="Counterparty changes",
    description="A field that changed between two checks of the same account.",
    primary_name=_name("Field and date."),
    columns=(
        _key_column("Check key and field path.", name="smart_changekey"),
        LookupColumn(
            name="smart_checkid",
            display_name="Check",
            description="Check that detected it.",
            target="smart_counterpartycheck",
            cascade_delete="cascade",
            required="required",
        ),
        LookupColumn(
            name="smart_accountid", display_name="Account", description="Account concerned.", target="account"
        ),
        TextColumn(
            name="smart_field",
            display_name="Field",
            description="Path of the changed value.",
            max_length=200,
            required="required",
        ),
        MemoColumn(name="smart_oldvalue", display_name="Old value", description="Before.", max_length=4000),
        MemoColumn(name="smart_newvalue", display_name="New value", description="After.", max_length=4000),
        DateTimeColumn(
            name="smart_detectedon", display_name="Detected on", description="When it was detected."
        ),
    ),
    keys=(
        KeyDefinition(
            name="smart_counterpartychange_changekey", display_name="Change key", columns=("smart_changekey",)
        ),
    ),
)

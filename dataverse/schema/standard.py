"""Standard tables: the columns we add to them, and the ones our lookups and registration refer to.

Consent. ``contact`` already has ``donotphone`` (calls), ``donotemail``, ``donotbulkemail``,
``donotfax``, ``donotpostalmail``, ``donotbulkpostalmail`` and ``donotsendmm`` (marketing materials);
none of them is about SMS or Viber, so two opt-out flags are added (same polarity as the standard
``donot*`` columns: false means allowed). Where Customer Insights - Journeys is installed, its
``msdynmkt_contactpointconsent4`` table (consent per contact point value, channel and purpose; see
https://learn.microsoft.com/dynamics365/developer/reference/entities/msdynmkt_contactpointconsent4)
is the journeys' own source of truth; these flags cover sends that do not come from a journey.
"""

from __future__ import annotations

from dataverse.schema.choices import RiskLevel
from dataverse.schema.model import BooleanColumn, ChoiceColumn, DateTimeColumn, Table, TextColumn

ACCOUNT = Table(
    name="account",
    entity_set="accounts",
    display_name="Account",
    custom=False,
    columns=(
        TextColumn(
            name="smart_edrpou",
            display_name="Company code (EDRPOU)",
            max_length=10,
            description="EDRPOU of a company (8 digits) or RNOKPP of a sole trader (10 digits).",
        ),
        BooleanColumn(
            name="smart_monitor",
            display_name="Monitor counterparty",
            description="Re-check this account on the weekly counterparty schedule.",
        ),
        ChoiceColumn(
            name="smart_risklevel",
            display_name="Counterparty risk",
            description="Risk from the last check.",
            choice=RiskLevel,
        ),
        DateTimeColumn(
            name="smart_lastcheckedon",
            display_name="Last checked on",
            description="When the last check completed.",
        ),
    ),
)

CONTACT = Table(
    name="contact",
    entity_set="contacts",
    display_name="Contact",
    custom=False,
    columns=(
        BooleanColumn(
            name="smart_donotsms",
            display_name="Do not allow SMS",
            description="The contact has opted out of SMS messages.",
        ),
        BooleanColumn(
            name="smart_donotviber",
            display_name="Do not allow Viber",
            description="The contact has opted out of Viber messages.",
        ),
    ),
)

# Standard tables referenced by lookups, events or registration: logical name -> entity set name.
STANDARD_ENTITY_SETS: dict[str, str] = {
    "account": "accounts",
    "activitypointer": "activitypointers",
    "businessunit": "businessunits",
    "contact": "contacts",
    "msdynmkt_contactpointconsent4": "msdynmkt_contactpointconsent4s",
    "salesorder": "salesorders",
    "sdkmessage": "sdkmessages",
    "sdkmessagefilter": "sdkmessagefilters",
    "sdkmessageprocessingstep": "sdkmessageprocessingsteps",
    "sdkmessageprocessingstepimage": "sdkmessageprocessingstepimages",
    "serviceendpoint": "serviceendpoints",
    "systemuser": "systemusers",
    "team": "teams",
    "transactioncurrency": "transactioncurrencies",
}

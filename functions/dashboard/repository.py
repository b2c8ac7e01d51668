"""Reading the dashboard's rows from Dataverse: a handful of paged queries, only the columns needed.

Messages go through the messaging capability's repository and window filter, payments through the
payments capability's analytics; shipments, accounts and change rows are read here with the schema's
names. Rows stream page by page, so memory stays flat however large the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from dataverse import DataverseClient, odata_literal
from dataverse.schema.counterparty import COUNTERPARTY_CHANGE
from dataverse.schema.shipping import SHIPMENT
from functions.dashboard.funnel import MESSAGE_COLUMNS
from functions.messaging.analytics import analytics_filter
from functions.messaging.repository import MessageRepository
from functions.shipping.rules import ShipmentRow

CHANGE_COLUMNS = (
    "smart_field", "smart_oldvalue", "smart_newvalue", "smart_detectedon", "_smart_accountid_value",
)  # fmt: skip


class DashboardRepository:
    def __init__(self, client: DataverseClient) -> None:
        self._client = client
        self._messages = MessageRepository(client)

    def messages(self, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """``smart_message`` rows queued in [start, end)."""
        return self._messages.stream(analytics_filter(start, end, None), MESSAGE_COLUMNS)

    def shipments(self, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """``smart_shipment`` rows created in [start, end)."""
        return self._client.query(
            SHIPMENT.entity_set,
            filter=f"createdon ge {odata_literal(start)} and createdon lt {odata_literal(end)}",
            select=(*ShipmentRow.SELECT, "createdon"),
        )

    def accounts_with_code(self) -> Iterator[dict[str, Any]]:
        """Active accounts that have a tax code, with their recorded risk level."""
        return self._client.query(
            "accounts",
            filter="smart_edrpou ne null and statecode eq 0",
            select=("accountid", "smart_risklevel"),
        )

    def changes(self, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """``smart_counterpartychange`` rows detected in [start, end), newest first, with account names."""
        return self._client.query(
            COUNTERPARTY_CHANGE.entity_set,
            filter=f"smart_detectedon ge {odata_literal(start)} and smart_detectedon lt {odata_literal(end)}",
            select=CHANGE_COLUMNS,
            orderby=("smart_detectedon desc", "smart_field asc"),
            formatted=True,
        )

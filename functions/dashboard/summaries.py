"""Pure summaries of shipments, counterparty risk and changes, and queue counts, over Dataverse rows.

Rows arrive as the Web API returns them (schema names from ``dataverse.schema``); shipments are read with
the shipping capability's ``ShipmentRow``. Nothing here talks to Dataverse or a queue.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dataverse.schema import RiskLevel, ShipmentStatus
from functions.dashboard.models import (
    CounterpartiesSection,
    DeadLettersSection,
    QueueCount,
    RecentChange,
    ShipmentsSection,
    StatusCount,
)
from functions.messaging.repository import parse_time
from functions.shipping.rules import ShipmentRow

NOT_CHECKED = "not_checked"
_FORMATTED = "@OData.Community.Display.V1.FormattedValue"
_RISK_ORDER = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL, RiskLevel.UNKNOWN)


def summarise_shipments(rows: Iterable[Mapping[str, Any]]) -> ShipmentsSection:
    """Shipments by current status (lifecycle order, every status listed) and the median delivery time.

    Delivery time runs from the row's ``createdon`` to ``smart_statuschangedon`` of shipments now
    received: when the sync saw the parcel handed over (accurate to the sync's schedule).
    """
    statuses: Counter[ShipmentStatus] = Counter()
    hours: list[float] = []
    for row in rows:
        shipment = ShipmentRow.from_dataverse(row)
        if shipment.status is None:
            continue
        statuses[shipment.status] += 1
        created, changed = parse_time(row.get("createdon")), parse_time(shipment.status_changed_on)
        if shipment.status is ShipmentStatus.RECEIVED and created and changed and changed >= created:
            hours.append((changed - created).total_seconds() / 3600)
    ordered = sorted(ShipmentStatus, key=lambda status: (status.rank(), status.option_value))
    return ShipmentsSection(
        total=sum(statuses.values()),
        by_status=[StatusCount(status=s.value, label=s.label, count=statuses[s]) for s in ordered],
        received=statuses[ShipmentStatus.RECEIVED],
        median_hours_to_deliver=round(statistics.median(hours), 2) if hours else None,
    )


def summarise_counterparties(
    accounts: Iterable[Mapping[str, Any]], changes: Sequence[Mapping[str, Any]], changes_in_window: int
) -> CounterpartiesSection:
    """Accounts with a tax code by risk level (``not_checked`` when none is recorded yet), and the
    latest ``smart_counterpartychange`` rows (already newest first)."""
    levels: Counter[str] = Counter()
    for row in accounts:
        risk = row.get("smart_risklevel")
        levels[RiskLevel.from_option_value(int(risk)).value if risk is not None else NOT_CHECKED] += 1
    by_risk = [
        StatusCount(status=level.value, label=level.label, count=levels[level.value]) for level in _RISK_ORDER
    ]
    by_risk.append(StatusCount(status=NOT_CHECKED, label="Not checked", count=levels[NOT_CHECKED]))
    return CounterpartiesSection(
        accounts=sum(levels.values()),
        by_risk=by_risk,
        changes=changes_in_window,
        recent_changes=[_change(row) for row in changes],
    )


def _change(row: Mapping[str, Any]) -> RecentChange:
    return RecentChange(
        detected_on=parse_time(row.get("smart_detectedon")) or parse_time(row.get("createdon")),
        account_id=row.get("_smart_accountid_value"),
        account=row.get("_smart_accountid_value" + _FORMATTED),
        field=str(row.get("smart_field") or ""),
        old=row.get("smart_oldvalue"),
        new=row.get("smart_newvalue"),
    )


def summarise_queues(counts: Mapping[str, Mapping[str, int]], error: str | None = None) -> DeadLettersSection:
    """Per-queue counts in the order given; ``error`` says why some or all could not be read."""
    queues = [
        QueueCount(
            queue=name,
            active=int(values.get("active", 0)),
            scheduled=int(values.get("scheduled", 0)),
            dead_letter=int(values.get("dead_letter", 0)),
        )
        for name, values in counts.items()
    ]
    return DeadLettersSection(total=sum(q.dead_letter for q in queues), queues=queues, error=error)

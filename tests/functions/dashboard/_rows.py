"""Dataverse rows as the Web API returns them, for the dashboard's pure tests (schema names and values)."""

from __future__ import annotations

from typing import Any

from dataverse.schema import MessageChannel, MessageStatus, RiskLevel, ShipmentStatus


def message(
    status: str,
    channel: str | None = None,
    *,
    queued: str = "2026-11-20T09:00:00Z",
    order: str = "viber,sms",
    campaign: str | None = None,
    sent: str | None = None,
    delivered: str | None = None,
) -> dict[str, Any]:
    return {
        "smart_status": MessageStatus(status).option_value,
        "smart_channel": MessageChannel(channel).option_value if channel else None,
        "smart_channelorder": order,
        "smart_queuedon": queued,
        "smart_senton": sent,
        "smart_deliveredon": delivered,
        "smart_cost": None,
        "smart_segments": 1 if channel == "sms" else 0,
        "smart_campaign": campaign,
    }


def shipment(
    status: str | None, *, created: str = "2026-11-20T08:00:00Z", changed: str | None = None
) -> dict[str, Any]:
    return {
        "smart_shipmentid": "7d0a1f52-6c3b-4c57-9a0e-2b8f1c7d9e01",
        "smart_idempotencykey": "order:1",
        "smart_waybillnumber": "20450000000001",
        "smart_status": ShipmentStatus(status).option_value if status else None,
        "smart_statuschangedon": changed,
        "createdon": created,
    }


def account(risk: str | None) -> dict[str, Any]:
    return {
        "accountid": "0a5f8c3e-0000-4000-8000-000000000001",
        "smart_risklevel": RiskLevel(risk).option_value if risk else None,
    }


def change(
    field: str, old: str | None, new: str | None, *, detected: str = "2026-11-22T10:15:00Z"
) -> dict[str, Any]:
    return {
        "smart_field": field,
        "smart_oldvalue": old,
        "smart_newvalue": new,
        "smart_detectedon": detected,
        "_smart_accountid_value": "0a5f8c3e-0000-4000-8000-000000000001",
        "_smart_accountid_value@OData.Community.Display.V1.FormattedValue": "ТОВ «СВІТАНОК»",
    }

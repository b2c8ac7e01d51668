"""Tracking models for ``TrackingDocument.getStatusDocuments`` (at most 100 documents per call).

Response types vary by field and dates come in several formats within one response (providers.md §2.8),
so ``TrackingStatus.from_np`` parses leniently: an unreadable or sentinel date ("0001-01-01 …") is None.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.novaposhta.models import Phone, WaybillNumber
from connectors.novaposhta.statuses import STATUS_CODES, ShipmentState, state_for_code

MAX_DOCUMENTS_PER_CALL = 100
_DATE_FORMATS = (
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y-%m-%d",
)
_logger = logging.getLogger("connectors.novaposhta")


class TrackingQuery(BaseModel):
    """A waybill number, with the sender's or recipient's phone for extended details."""

    model_config = ConfigDict(frozen=True)

    number: WaybillNumber
    phone: Phone | None = None

    def to_np(self) -> dict[str, str]:
        item = {"DocumentNumber": self.number}
        if self.phone:
            item["Phone"] = self.phone
        return item


def parse_np_datetime(value: object) -> datetime | None:
    text = str(value or "").strip()
    if not text or text.startswith("0001-01-01"):
        return None
    if len(text) == 19 and text[2] in "-." and text[5] in "-." and text[13] == ":":
        try:  # "dd-mm-YYYY HH:MM:SS", the tracking API's usual form: parsed without strptime
            return datetime(
                int(text[6:10]),
                int(text[3:5]),
                int(text[0:2]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:19]),
            )
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _decimal(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None


def _text(value: object) -> str:
    return "" if value is None else str(value)


class TrackingStatus(BaseModel):
    """One document's status. ``raw`` holds the provider's item (with names and phones: do not log it)."""

    model_config = ConfigDict(frozen=True)

    number: str
    status_code: str
    status_text: str
    state: ShipmentState
    is_final: bool
    scheduled_delivery_date: datetime | None = None
    actual_delivery_date: datetime | None = None
    recipient_date_time: datetime | None = None
    date_created: datetime | None = None
    warehouse_recipient: str = ""
    warehouse_recipient_ref: str = ""
    city_recipient: str = ""
    document_cost: Decimal | None = None
    announced_price: Decimal | None = None
    redelivery_sum: Decimal | None = None
    amount_to_pay: Decimal | None = None
    undelivery_reason: str = ""
    return_number: str = ""  # LastCreatedOnTheBasisNumber: the return / redelivery waybill
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @classmethod
    def from_np(cls, item: Mapping[str, Any]) -> TrackingStatus:
        code = _text(item.get("StatusCode")).strip()
        if code not in STATUS_CODES:
            _logger.warning("Nova Poshta status code %r (%s) is not in our table", code, item.get("Status"))
        state = state_for_code(code)
        return cls(
            number=_text(item.get("Number")),
            status_code=code,
            status_text=_text(item.get("Status")),
            state=state,
            is_final=state.is_final,
            scheduled_delivery_date=parse_np_datetime(item.get("ScheduledDeliveryDate")),
            actual_delivery_date=parse_np_datetime(item.get("ActualDeliveryDate")),
            recipient_date_time=parse_np_datetime(item.get("RecipientDateTime")),
            date_created=parse_np_datetime(item.get("DateCreated")),
            warehouse_recipient=_text(item.get("WarehouseRecipient")),
            warehouse_recipient_ref=_text(item.get("WarehouseRecipientRef")),
            city_recipient=_text(item.get("CityRecipient")),
            document_cost=_decimal(item.get("DocumentCost")),
            announced_price=_decimal(item.get("AnnouncedPrice")),
            redelivery_sum=_decimal(item.get("RedeliverySum")),
            amount_to_pay=_decimal(item.get("AmountToPay")),
            undelivery_reason=_text(item.get("UndeliveryReasonsSubtypeDescription") or ""),
            return_number=_text(item.get("LastCreatedOnTheBasisNumber") or ""),
            raw=dict(item),
        )

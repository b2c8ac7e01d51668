"""The dashboard's query and its data: one model documents the JSON that Power BI or a flow reads and
feeds the HTML page's charts."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from functions.messaging.analytics import Analytics
from functions.payments.models import PaymentAnalytics


class DashboardQuery(BaseModel):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (UTC days, both inclusive); ``code`` may ride along."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_strip_whitespace=True)

    from_: date | None = Field(
        default=None,
        alias="from",
        title="From",
        description="First day (UTC) shown; default: DASHBOARD_DAYS days up to 'to'.",
    )
    to: date | None = Field(
        default=None, title="To", description="Last day (UTC) shown, inclusive; default today."
    )


class FunnelCounts(BaseModel):
    """Messages at each funnel stage. ``delivered`` includes ``read`` and ``sms_fallback``; every message
    is exactly one of read, delivered-not-read, SMS fallback, in flight or failed."""

    total: int = Field(description="Messages queued.")
    sent: int = Field(description="Handed to GMS (everything but queued, scheduled and not sent).")
    delivered: int = Field(description="Delivered or read, over any channel.")
    read: int = Field(description="Read on Viber.")
    sms_fallback: int = Field(description="Delivered by SMS after Viber was tried first.")
    failed: int = Field(description="Failed, expired, rejected or not sent.")
    in_flight: int = Field(description="Queued, scheduled, or sent and waiting for a report.")


class FunnelDay(BaseModel):
    day: date = Field(description="UTC day the messages were queued.")
    counts: FunnelCounts


class FunnelSeries(BaseModel):
    """One channel's or campaign's funnel, in total and per day (days without messages left out)."""

    name: str | None = Field(
        default=None,  # the JSON leaves None out (exclude_none), so the schema must not require it
        description="Channel code or campaign tag; absent = none (e.g. transactional).",
    )
    label: str = Field(description="What the page shows.")
    totals: FunnelCounts
    days: list[FunnelDay]


class MessagingSection(BaseModel):
    summary: Analytics = Field(description="The messaging analytics of the whole window (rates, medians).")
    by_day: list[FunnelDay] = Field(description="Every day of the window, oldest first.")
    by_channel: list[FunnelSeries] = Field(description="By the channel actually used, largest first.")
    by_campaign: list[FunnelSeries] = Field(description="By campaign tag, largest first.")


class StatusCount(BaseModel):
    status: str = Field(description="Choice code, e.g. in_transit.")
    label: str = Field(description="Choice label.")
    count: int


class ShipmentsSection(BaseModel):
    total: int = Field(description="Waybills created in the window.")
    by_status: list[StatusCount] = Field(description="Their current status, in lifecycle order.")
    received: int = Field(description="Of them, received by the recipient.")
    median_hours_to_deliver: float | None = Field(
        default=None, description="Median from waybill creation to the sync that saw it received."
    )


class RecentChange(BaseModel):
    detected_on: datetime | None = Field(default=None, description="When the check found it.")
    account_id: str | None = Field(default=None, description="The account concerned.")
    account: str | None = Field(default=None, description="Its name.")
    field: str = Field(description="Path of the changed value, e.g. director.")
    old: str | None = Field(default=None, description="Before; null = absent.")
    new: str | None = Field(default=None, description="After; null = no longer present.")


class CounterpartiesSection(BaseModel):
    accounts: int = Field(description="Accounts with a tax code (EDRPOU).")
    by_risk: list[StatusCount] = Field(
        description="Their risk level: low to critical, then unknown and not_checked."
    )
    changes: int = Field(description="Changes detected in the window.")
    recent_changes: list[RecentChange] = Field(description="The latest of them, newest first.")


class QueueCount(BaseModel):
    queue: str
    active: int = Field(description="Waiting to be processed.")
    scheduled: int = Field(description="Scheduled for later.")
    dead_letter: int = Field(description="In the dead-letter sub-queue.")


class DeadLettersSection(BaseModel):
    total: int = Field(description="Dead-lettered messages in every queue.")
    queues: list[QueueCount] = Field(description="Every queue the app binds.")
    error: str | None = Field(default=None, description="Why the counts could not be read, if so.")


class Dashboard(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", description="First day shown (UTC).")
    to: date = Field(description="Last day shown (UTC), inclusive.")
    generated_at: datetime = Field(description="When these figures were read.")
    messaging: MessagingSection
    shipments: ShipmentsSection
    payments: PaymentAnalytics = Field(description="Invoiced, paid and overdue by currency.")
    counterparties: CounterpartiesSection
    dead_letters: DeadLettersSection

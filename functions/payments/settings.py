"""PayPal settings: credentials, webhook verification, invoice defaults and the reconcile schedule."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from connectors.paypal import PAYPAL_CERT_HOSTS, PAYPAL_CERT_NAME_SUFFIXES
from functions.common.settings import AppSettings

RECONCILE_SCHEDULE_SETTING = "PAYPAL_RECONCILE_SCHEDULE"
DEFAULT_RECONCILE_SCHEDULE = "0 */30 * * * *"  # NCRONTAB (six fields, UTC): every 30 minutes

CommaList = Annotated[tuple[str, ...], NoDecode]


class PaymentSettings(AppSettings):
    """``PAYPAL_*`` app settings. Production defaults: offline verification against PayPal's own
    certificate hosts over https only, certificates whose subject ends in ``.paypal.com``."""

    paypal_base_url: str = Field(
        validation_alias="PAYPAL_BASE_URL",
        pattern=r"^https?://[^\s/]+/?$",
        description="https://api-m.sandbox.paypal.com (sandbox) or https://api-m.paypal.com (live).",
    )
    paypal_client_id: str = Field(min_length=1, validation_alias="PAYPAL_CLIENT_ID")
    paypal_client_secret: SecretStr = Field(validation_alias="PAYPAL_CLIENT_SECRET")
    paypal_webhook_id: str = Field(
        min_length=1,
        validation_alias="PAYPAL_WEBHOOK_ID",
        description="The webhook subscription's id from the PayPal dashboard (not an event id).",
    )
    webhook_verification: Literal["offline", "api"] = Field(
        default="offline",
        validation_alias="PAYPAL_WEBHOOK_VERIFICATION",
        description="offline: certificate + CRC32 check here; api: ask verify-webhook-signature.",
    )
    cert_hosts: CommaList = Field(default=PAYPAL_CERT_HOSTS, validation_alias="PAYPAL_CERT_HOSTS")
    cert_http_hosts: CommaList = Field(default=(), validation_alias="PAYPAL_CERT_HTTP_HOSTS")
    cert_name_suffixes: CommaList = Field(
        default=PAYPAL_CERT_NAME_SUFFIXES, validation_alias="PAYPAL_CERT_NAME_SUFFIXES"
    )
    webhook_max_age_seconds: int | None = Field(
        default=None,
        ge=60,
        validation_alias="PAYPAL_WEBHOOK_MAX_AGE_SECONDS",
        description="Refuse transmissions older than this (replay window); off by default.",
    )
    invoicer_business_name: str | None = Field(
        default=None, max_length=300, validation_alias="PAYPAL_INVOICER_BUSINESS_NAME"
    )
    invoicer_email: str | None = Field(default=None, max_length=254, validation_alias="PAYPAL_INVOICER_EMAIL")
    send_to_recipient: bool = Field(
        default=True,
        validation_alias="PAYPAL_SEND_TO_RECIPIENT",
        description="PayPal e-mails the invoice to the payer; false: share the payer link yourself.",
    )
    invoice_due_days: int = Field(
        default=14,
        ge=0,
        le=365,
        validation_alias="PAYPAL_INVOICE_DUE_DAYS",
        description="Due date for invoices whose request names none: today + this many days.",
    )
    invoice_order_states: Annotated[tuple[int, ...], NoDecode] = Field(
        default=(1,),
        validation_alias="PAYPAL_INVOICE_ORDER_STATES",
        description="salesorder statecode values that mean confirmed (1 = Submitted).",
    )
    reconcile_margin_days: int = Field(
        default=2, ge=0, le=30, validation_alias="PAYPAL_RECONCILE_MARGIN_DAYS"
    )
    reconcile_refund_days: int = Field(
        default=180,
        ge=1,
        le=730,
        validation_alias="PAYPAL_RECONCILE_REFUND_DAYS",
        description="How far back the reconcile looks for refunds of paid invoices (PayPal: 180 days).",
    )

    @field_validator("cert_hosts", "cert_http_hosts", "cert_name_suffixes", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("invoice_order_states", mode="before")
    @classmethod
    def _states(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.split(",") if part.strip())
        return value


def reconcile_schedule(environ: Mapping[str, str] | None = None) -> str:
    """The reconcile timer's NCRONTAB: ``PAYPAL_RECONCILE_SCHEDULE`` or every 30 minutes.

    Read when the blueprint is indexed (a binding needs a literal or an app setting that exists;
    this keeps the setting optional). It is not a secret.
    """
    value = (os.environ if environ is None else environ).get(RECONCILE_SCHEDULE_SETTING, "").strip()
    return value or DEFAULT_RECONCILE_SCHEDULE

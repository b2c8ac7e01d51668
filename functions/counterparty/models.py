"""Request and response models of the counterparty endpoints (they become the connector's OpenAPI)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.youcontrol import CounterpartyCode, InvalidCodeError, parse_code
from functions.counterparty.changes import Change
from functions.counterparty.report import CounterpartyReport, RegistryInfo, SanctionEntry, TaxDebt

_CODE_FIELD = Field(
    description="ЄДРПОУ of a company (8 digits) or РНОКПП of a sole trader (10 digits), checksum-valid.",
    examples=["39404434"],
    title="Company code",
)


def checked_code(value: Any) -> CounterpartyCode:
    if not isinstance(value, str):
        raise ValueError("a counterparty code is a string of 8 or 10 digits")
    try:
        return parse_code(value)
    except InvalidCodeError as error:
        raise ValueError(str(error)) from None


class CodeQuery(BaseModel):
    """``?code=`` of the lookup."""

    code: str = _CODE_FIELD

    @field_validator("code")
    @classmethod
    def _valid(cls, value: str) -> str:
        return checked_code(value).value

    @property
    def parsed(self) -> CounterpartyCode:
        return parse_code(self.code)


class CheckIdPath(BaseModel):
    check_id: uuid.UUID = Field(description="Id of the check (from the status URL).", title="Check id")


class CheckRequest(BaseModel):
    """Optional body of ``POST /counterparties/{code}/check``."""

    model_config = ConfigDict(extra="forbid")

    account_id: uuid.UUID | None = Field(
        default=None,
        description="Account to fill and attach the check to; default: every account with this code.",
        title="Account",
    )
    request_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Idempotency key of this request; a repeat with the same id returns the same check. "
        "Default: one check per code, account and minute.",
        title="Request id",
    )
    refresh: bool = Field(
        default=False,
        description="Ignore answers cached before this request (costs paid transactions).",
        title="Fresh data",
    )


class AccountFields(BaseModel):
    """Account columns the registry can fill (standard columns; only empty ones are written by a check)."""

    smart_edrpou: str = Field(description="Company code.")
    name: str | None = Field(default=None, description="Account name (registered short or full name).")
    telephone1: str | None = Field(default=None, description="Main phone.")
    emailaddress1: str | None = Field(default=None, description="E-mail.")
    websiteurl: str | None = Field(default=None, description="Web site.")
    address1_line1: str | None = Field(default=None, description="Street and building.")
    address1_city: str | None = Field(default=None, description="City.")
    address1_postalcode: str | None = Field(default=None, description="Postal code.")
    address1_country: str | None = Field(default=None, description="Country.")


class LookupResult(BaseModel):
    registry: RegistryInfo = Field(description="The state-register card.")
    account: AccountFields = Field(description="Suggested values for a new account card.")


class CheckResult(BaseModel):
    """A check: its status and, once completed, the summary and the full report."""

    check_id: uuid.UUID = Field(description="Id of the smart_counterpartycheck row.", title="Check id")
    code: str = Field(description="Checked code.", title="Code")
    status: str = Field(description="pending, in_progress, completed or failed.", examples=["completed"])
    trigger: str | None = Field(default=None, description="manual or scheduled.")
    account_id: uuid.UUID | None = Field(default=None, description="Account the check belongs to.")
    checked_on: datetime | None = Field(default=None, description="When the data was fetched (UTC).")
    name: str | None = Field(default=None, description="Registered name.", title="Name")
    risk_level: str | None = Field(default=None, description="unknown, low, medium, high or critical.")
    express_index: str | None = Field(default=None, description="YouScore Express Analysis index A-D.")
    sanctions: list[SanctionEntry] = Field(default_factory=list, description="Sanctions found.")
    tax_debt: TaxDebt | None = Field(default=None, description="Tax debt; null when there is none.")
    open_court_cases: int = Field(default=0, description="Court cases without a decision in force.")
    court_cases: int = Field(default=0, description="All court cases.")
    changes: list[Change] = Field(default_factory=list, description="What changed since the previous check.")
    summary: str | None = Field(default=None, description="One readable paragraph.")
    error: str | None = Field(default=None, description="Why the check failed.")
    reason: str | None = Field(default=None, description="Why the check is still pending.")
    report: CounterpartyReport | None = Field(default=None, description="Everything the check found.")


class CheckAccepted(BaseModel):
    """202: YouScore is refreshing its data; the check finishes in the background."""

    check_id: uuid.UUID = Field(description="Id of the check row.", title="Check id")
    code: str = Field(description="Checked code.")
    status: str = Field(description="pending.", examples=["pending"])
    status_url: str = Field(description="Poll this URL: 202 while pending, 200 with the result when done.")
    retry_after: int = Field(description="Seconds to wait before polling.", examples=[20])
    reason: str = Field(description="Why the check is not done yet.")


class MonitoringRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="Names this run; repeating it queues nothing twice. Default: the current minute.",
        title="Run id",
    )
    refresh: bool = Field(
        default=False, description="Ignore cached answers (costs paid transactions).", title="Fresh data"
    )


class MonitoringRun(BaseModel):
    slot: str = Field(description="Schedule slot the checks belong to.", examples=["20261123T03"])
    queued: int = Field(description="Accounts queued for a check.")
    skipped: int = Field(default=0, description="Monitored accounts without a valid code.")

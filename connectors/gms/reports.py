"""Pull-side shapes: delivery reports (simple and advanced) and mass-send job status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from connectors.gms.statuses import SEEN_SUBSTATUS, DeliveryOutcome, outcome_of


def epoch_ms_to_datetime(value: object) -> object:
    """GMS ``time`` is Unix epoch in milliseconds (int or digit string) -> aware UTC datetime."""
    if isinstance(value, bool):
        raise ValueError("time must be epoch milliseconds")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000.0, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError("time is out of range for epoch milliseconds") from None
    return value


def _phone_text(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip().removeprefix("+")
    return value


PhoneText = Annotated[str | None, BeforeValidator(_phone_text)]
EpochMs = Annotated[datetime | None, BeforeValidator(epoch_ms_to_datetime)]


class _Coded(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    status: int | None = None
    substatus: int | None = None
    hyber_status: int | None = None
    error_code: int | None = None
    error_text: str | None = None
    status_text: str | None = None

    def _outcome(self, channel: str | None) -> DeliveryOutcome:
        detailed = self.hyber_status if self.hyber_status is not None else self.error_code
        return outcome_of(self.status, self.substatus, detailed, channel)


class ReportAttempt(_Coded):
    """One channel attempt of an advanced report (also the whole of a simple report)."""

    phone_number: PhoneText = None
    message_id: str | None = None
    extra_id: str | None = None
    time: EpochMs = None
    last_partner: str | None = None
    total_sms_parts: int | None = None
    delivered_sms_parts: int | None = None
    matching_template_id: int | None = None
    clicks: int | None = None

    @property
    def outcome(self) -> DeliveryOutcome:
        return self._outcome(self.last_partner)


class Report(BaseModel):
    """A message's delivery state as ``get_report`` returns it.

    ``summary`` is the attempt that decides the outcome: a read one, else a delivered one, else the
    last. ``attempts`` lists every channel attempt (advanced) or just the summary (simple).
    """

    model_config = ConfigDict(frozen=True)

    summary: ReportAttempt
    attempts: list[ReportAttempt] = Field(default_factory=list)
    delivered_via: str | None = None
    started: bool | None = None
    processing: bool | None = None
    clicks: int | None = None

    @property
    def message_id(self) -> str | None:
        return self.summary.message_id

    @property
    def extra_id(self) -> str | None:
        return self.summary.extra_id

    @property
    def channel(self) -> str | None:
        return self.delivered_via or self.summary.last_partner

    @property
    def outcome(self) -> DeliveryOutcome:
        return self.summary.outcome

    @property
    def seen(self) -> bool:
        return any(attempt.substatus == SEEN_SUBSTATUS for attempt in self.attempts)

    @classmethod
    def from_simple(cls, body: dict[str, object]) -> Report:
        attempt = ReportAttempt.model_validate(body)
        return cls(summary=attempt, attempts=[attempt], clicks=attempt.clicks)

    @classmethod
    def from_advanced(cls, body: dict[str, object]) -> Report:
        raw = body.get("reports")
        attempts = [ReportAttempt.model_validate(item) for item in raw] if isinstance(raw, list) else []
        summary = _decisive(attempts)
        return cls(
            summary=summary,
            attempts=attempts,
            delivered_via=_str_or_none(body.get("delivered_via")),
            started=_bool_or_none(body.get("started")),
            processing=_bool_or_none(body.get("processing")),
            clicks=_int_or_none(body.get("clicks")),
        )


def _decisive(attempts: list[ReportAttempt]) -> ReportAttempt:
    for wanted in (DeliveryOutcome.READ, DeliveryOutcome.DELIVERED):
        for attempt in reversed(attempts):
            if attempt.outcome is wanted:
                return attempt
    return attempts[-1] if attempts else ReportAttempt(status=-1)


class JobMessage(ReportAttempt):
    """One message of a mass-send job (``GET /status/{job_id}``)."""

    processed: bool | None = None
    accepted: bool | None = None


class JobStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: str
    messages: list[JobMessage]


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _bool_or_none(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None

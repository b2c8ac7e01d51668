"""GMS delivery-report callbacks: verify the shared token, then parse, in pure functions.

GMS posts either one report (a JSON object) or a batch (a JSON array), depending on account set-up.
``number`` arrives as a JSON number or a string; ``time`` is Unix epoch in **milliseconds**.
Callbacks carry no signature, so the receiver puts a random token in ``callback_url`` and checks it
with ``verify_callback_token`` before parsing.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator

from connectors.gms.errors import InvalidDeliveryReportError
from connectors.gms.reports import epoch_ms_to_datetime
from connectors.gms.statuses import BLOCKED_BY_PLATFORM, SEEN_SUBSTATUS, DeliveryOutcome, outcome_of

_EpochMs = Annotated[datetime, BeforeValidator(epoch_ms_to_datetime)]


class DeliveryReport(BaseModel):
    """One pushed report. ``sent_via`` is the channel used last (``"hyber"``: blocked by GMS)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    number: str
    time: _EpochMs
    status: int
    substatus: int | None = None
    hyber_status: int | None = None
    message_id: str
    extra_id: str | None = None
    sent_via: str | None = None
    total_sms_parts: int | None = None
    delivered_sms_parts: int | None = None
    matching_template_id: int | None = None
    status_text: str | None = None
    error_code: int | None = None
    error_text: str | None = None

    @field_validator("number", mode="before")
    @classmethod
    def _digits(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            value = value.strip().removeprefix("+")
            if not value.isdigit():
                raise ValueError("number must be digits")
        return value

    @field_validator("sent_via", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def outcome(self) -> DeliveryOutcome:
        detailed = self.hyber_status if self.hyber_status is not None else self.error_code
        return outcome_of(self.status, self.substatus, detailed, self.sent_via)

    @property
    def seen(self) -> bool:
        return self.substatus == SEEN_SUBSTATUS

    @property
    def blocked_by_platform(self) -> bool:
        return self.sent_via == BLOCKED_BY_PLATFORM


def parse_delivery_reports(body: bytes) -> list[DeliveryReport]:
    """Parse a callback body (one object or an array of objects) into reports.

    Raises ``InvalidDeliveryReportError`` whose ``field`` names the offending field, e.g.
    ``[2].time``; the message never repeats the payload's values (they hold phone numbers).
    """
    try:
        payload = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:  # RecursionError: too deep
        raise InvalidDeliveryReportError("delivery report body is not valid JSON", field="body") from error
    single = isinstance(payload, dict)
    items = [payload] if single else payload
    if not isinstance(items, list):
        raise InvalidDeliveryReportError("delivery report body must be an object or an array", field="body")
    reports: list[DeliveryReport] = []
    for index, item in enumerate(items):
        prefix = "" if single else f"[{index}]"
        if not isinstance(item, dict):
            raise InvalidDeliveryReportError(f"delivery report {prefix} must be an object", field=prefix)
        try:
            reports.append(DeliveryReport.model_validate(item))
        except ValidationError as error:
            first = error.errors(include_input=False, include_url=False)[0]
            location = ".".join(str(part) for part in first["loc"])
            field = f"{prefix}.{location}" if prefix else location
            # not chained: pydantic's message repeats the input, which holds phone numbers
            raise InvalidDeliveryReportError(
                f"delivery report field {field}: {first['msg']}", field=field
            ) from None
    return reports


def verify_callback_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of the token from the callback URL with the configured one."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))

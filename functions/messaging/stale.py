"""Messages still ``sent`` long after their time to live: the delivery report callback was lost.

GMS retries a callback a few times on an undocumented policy, so a report posted while the app was
down can be lost for good. The reconcile timer pulls the advanced report of each such message (oldest
first, at most ``batch_size`` a run) and feeds it to the same ``ReportApplier`` the callbacks use, so
statuses still only move forward and each row is written once. A GMS error on one message is logged
and the others go on. A message GMS does not know at all is failed only once it is older than twice
the stale threshold (the accept window long past): until then it is left as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError

from connectors.gms import DeliveryReport, GmsError, GmsNotFoundError, Report
from dataverse.schema import MessageStatus
from functions.messaging.reports import ApplyOutcome
from functions.messaging.repository import KEY, Planner, iso, parse_time
from functions.messaging.statuses import MessageState, StatusChange

log = logging.getLogger(__name__)

_SELECT = ("smart_messageid", KEY, "smart_providermessageid", "smart_phone", "smart_senton")
NOT_FOUND_CODE = "gms_not_found"


class ReportSource(Protocol):
    def get_report(
        self, message_id: str | None = None, extra_id: str | None = None, *, advanced: bool = False
    ) -> Report: ...


class Rows(Protocol):
    def query(
        self, entity_set: str, *, filter: str | None = None, select: Sequence[str] | None = None,
        orderby: str | Sequence[str] | None = None, top: int | None = None,
    ) -> Iterator[dict[str, Any]]: ...  # fmt: skip


class Messages(Protocol):
    def states_by(self, column: str, values: Sequence[str]) -> list[MessageState]: ...
    def write(
        self, items: Sequence[tuple[MessageState, Planner]]
    ) -> list[tuple[MessageState, StatusChange]]: ...


class Applier(Protocol):
    def apply(self, reports: Sequence[DeliveryReport], *, keep_orphans: bool = True) -> ApplyOutcome: ...


@dataclass(frozen=True)
class _Stale:
    key: str
    provider_id: str | None
    phone: str
    sent_at: datetime | None


class StaleSweeper:
    def __init__(
        self,
        rows: Rows,
        messages: Messages,
        gms: ReportSource,
        applier: Applier,
        *,
        stale_after: timedelta,
        batch_size: int = 200,
    ) -> None:
        self.rows, self.messages, self.gms, self.applier = rows, messages, gms, applier
        self.stale_after, self.batch_size = stale_after, batch_size

    def run(self, now: datetime | None = None) -> dict[str, int]:
        now = now or datetime.now(UTC)
        stale = self._stale(now - self.stale_after)
        reports: list[DeliveryReport] = []
        unknown: list[_Stale] = []
        errors = pulled = 0
        for message in stale:
            try:
                reports.extend(_as_delivery_reports(self._pull(message), message, now))
                pulled += 1
            except GmsNotFoundError:
                if message.sent_at is not None and message.sent_at < now - 2 * self.stale_after:
                    unknown.append(message)
                else:
                    log.warning("GMS does not know stale message %s yet; left as sent", message.key)
            except GmsError as error:
                errors += 1
                log.warning("report of stale message %s not pulled: %s", message.key, error)
        applied = self.applier.apply(reports, keep_orphans=False).written if reports else 0
        failed = self._fail_unknown(unknown, now) if unknown else 0
        result = {"stale": len(stale), "pulled": pulled, "updated": applied}
        result.update(unknown=failed, errors=errors)
        if stale:
            log.info("stale messages swept: %s", result)
        return result

    def _stale(self, cutoff: datetime) -> list[_Stale]:
        condition = f"smart_status eq {MessageStatus.SENT.option_value} and smart_senton lt {iso(cutoff)}"
        order = "smart_senton asc"
        top = self.batch_size
        rows = self.rows.query("smart_messages", filter=condition, select=_SELECT, orderby=order, top=top)
        return [
            _Stale(
                key=str(row.get(KEY) or ""),
                provider_id=row.get("smart_providermessageid"),
                phone=str(row.get("smart_phone") or ""),
                sent_at=parse_time(row.get("smart_senton")),
            )
            for row in rows
            if row.get(KEY)
        ]

    def _pull(self, message: _Stale) -> Report:
        try:
            return self.gms.get_report(extra_id=message.key, advanced=True)
        except GmsNotFoundError:
            if not message.provider_id:
                raise
            return self.gms.get_report(message_id=message.provider_id, advanced=True)

    def _fail_unknown(self, unknown: Sequence[_Stale], now: datetime) -> int:
        def planner(state: MessageState) -> StatusChange:
            if state.status is not MessageStatus.SENT:
                return StatusChange()
            text = "GMS has no record of this message long after it was sent; no delivery report will come."
            return StatusChange(
                status=MessageStatus.FAILED, failed_at=now, error_code=NOT_FOUND_CODE, error=text
            )

        states = self.messages.states_by(KEY, [message.key for message in unknown])
        written = self.messages.write([(state, planner) for state in states])
        log.warning("%d stale message(s) unknown to GMS marked failed", len(written))
        return len(written)


def _as_delivery_reports(report: Report, message: _Stale, now: datetime) -> list[DeliveryReport]:
    """The pulled report's channel attempts in the callback's shape (what the applier merges)."""
    found: list[DeliveryReport] = []
    for attempt in report.attempts or [report.summary]:
        if attempt.status is None:
            continue
        values = {
            "number": attempt.phone_number or report.summary.phone_number or message.phone.removeprefix("+"),
            "time": attempt.time or report.summary.time or now,
            "status": attempt.status,
            "substatus": attempt.substatus,
            "hyber_status": attempt.hyber_status,
            "message_id": attempt.message_id or report.message_id or message.provider_id,
            "extra_id": attempt.extra_id or report.extra_id or message.key,
            "sent_via": attempt.last_partner,
            "total_sms_parts": attempt.total_sms_parts,
            "delivered_sms_parts": attempt.delivered_sms_parts,
            "status_text": attempt.status_text,
            "error_code": attempt.error_code,
            "error_text": attempt.error_text,
        }
        try:
            found.append(DeliveryReport.model_validate(values))
        except ValidationError:
            log.warning("pulled report of message %s is incomplete; skipped", message.key)
    return found

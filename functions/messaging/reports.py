"""GMS delivery reports: the callback (verify the token, parse, enqueue, answer fast) and the queue
side (merge the reports of a flush, write each message's change once, keep unknown ones as orphans,
tell Journeys about its messages' outcomes)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from connectors.gms import (
    DeliveryReport,
    InvalidDeliveryReportError,
    parse_delivery_reports,
    verify_callback_token,
)
from functions.common.bus import MessageBus, OutboundMessage
from functions.common.problems import Problem
from functions.common.queues import DELIVERY_REPORTS
from functions.messaging.repository import KEY, Planner
from functions.messaging.statuses import (
    MergedReport,
    MessageState,
    Prices,
    StatusChange,
    journeys_outcome,
    merge_reports,
    plan_change,
)

log = logging.getLogger(__name__)
JOURNEYS_KEY_PREFIX = "cij:"


class ReportIntake:
    """``POST /api/gms/reports?token=``: GMS does not sign callbacks, so the URL carries a secret."""

    def __init__(self, bus: MessageBus, token: str) -> None:
        self.bus = bus
        self._token = token

    def accept(self, token: str | None, body: bytes) -> int:
        if not verify_callback_token(token, self._token):
            raise Problem(401, "The callback token is missing or wrong.")
        try:
            reports = parse_delivery_reports(body)
        except InvalidDeliveryReportError as error:
            field = error.field or "body"
            raise Problem(400, str(error), errors=[{"field": field, "message": str(error)}]) from None
        if not reports:
            return 0
        items = [report.model_dump(mode="json", exclude_none=True) for report in reports]
        canonical = json.dumps(items, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]
        self.bus.send(DELIVERY_REPORTS.name, OutboundMessage.of_json(items, message_id=f"dlr-{digest}"))
        return len(reports)


class Messages(Protocol):
    def states_by(self, column: str, values: Sequence[str]) -> list[MessageState]: ...
    def write(
        self, items: Sequence[tuple[MessageState, Planner]]
    ) -> list[tuple[MessageState, StatusChange]]: ...


class Orphans(Protocol):
    def keep(self, reports: Sequence[MergedReport]) -> int: ...


class Notifier(Protocol):
    def notify(self, outcomes: Sequence[tuple[MessageState, StatusChange, str]]) -> int: ...


@dataclass(frozen=True)
class ApplyOutcome:
    reports: int
    messages: int
    written: int
    orphans: int
    notified: int
    matched: dict[str, str] = field(default_factory=dict, repr=False)  # report key -> message row id

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "matched"}


class ReportApplier:
    def __init__(self, messages: Messages, orphans: Orphans, notifier: Notifier, prices: Prices) -> None:
        self.messages, self.orphans, self.notifier, self.prices = messages, orphans, notifier, prices

    def apply(self, reports: Sequence[DeliveryReport], *, keep_orphans: bool = True) -> ApplyOutcome:
        merged = merge_reports(reports)
        found = self._match(list(merged.values()))
        items: list[tuple[MessageState, Planner]] = []
        orphans: list[MergedReport] = []
        for key, entry in merged.items():
            state = found.get(key)
            if state is None:
                orphans.append(entry)
            else:
                items.append((state, self._planner(entry)))
        written = self.messages.write(items)
        journeys = [
            (before, change, verdict)
            for before, change in written
            if before.key.startswith(JOURNEYS_KEY_PREFIX)
            and change.status is not None
            and (verdict := journeys_outcome(before.status, change.status)) is not None
        ]
        notified = self.notifier.notify(journeys) if journeys else 0
        if orphans and keep_orphans:
            self.orphans.keep(orphans)
        matched = {key: state.id for key, state in found.items()}
        result = ApplyOutcome(len(reports), len(merged), len(written), len(orphans), notified, matched)
        log.info("delivery reports applied: %s", result.as_dict())
        return result

    def _planner(self, entry: MergedReport) -> Planner:
        prices = self.prices
        return lambda state: plan_change(state, entry, prices)

    def _match(self, entries: list[MergedReport]) -> dict[str, MessageState]:
        """Rows by our key (GMS echoes it as extra_id), then by GMS message id for the rest."""
        found: dict[str, MessageState] = {}
        by_key = [entry.extra_id for entry in entries if entry.extra_id]
        for state in self.messages.states_by(KEY, by_key) if by_key else []:
            found[state.key] = state
        rest = {entry.message_id: entry.key for entry in entries if entry.key not in found}
        if rest:
            for state in self.messages.states_by("smart_providermessageid", list(rest)):
                if state.provider_id in rest:
                    found[rest[state.provider_id]] = state
        return found

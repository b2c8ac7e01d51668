"""Customer Insights - Journeys custom channel: the outbound send and the delivery notifications.

Outbound: the channel's outbound custom API (a thin plug-in, see the README) posts its ``payload`` here
and returns our answer as its ``response``. We answer within the plug-in's 20 s: the send is
synchronous with a short GMS timeout, and idempotent on ``RequestId`` (key ``cij:<RequestId>``, also
the GMS ``extra_id``): a retry returns the first answer, and a retry after an uncertain attempt asks
GMS by ``extra_id`` before sending. Journeys enforces its own consent and timing, so quiet hours and
the frequency cap do not apply here. A refusal that a retry cannot fix is ``NotSent`` with the reason;
a provider outage is a 503, so the plug-in fails and the platform retries.

Notifications: when a report moves a journey message to delivered (or read) or to a failure, the
``msdyn_D365ChannelsNotification`` action gets ``notificationPayLoad`` (``Delivered`` / ``NotDelivered``).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors.gms import GmsError
from dataverse import BatchOperation, DataverseClient
from dataverse.schema import MessageStatus
from functions.common.logging import mask_phone
from functions.common.problems import Problem
from functions.messaging.phones import InvalidPhoneError, normalize_phone
from functions.messaging.policy import SenderError, SendPolicy
from functions.messaging.reports import JOURNEYS_KEY_PREFIX
from functions.messaging.repository import MessageRecord
from functions.messaging.rules import TextLimitError, check_text, fit_key, message_row_id
from functions.messaging.sending import Messages, Sender, is_refusal, refused_change, utc_now
from functions.messaging.statuses import MessageState, StatusChange, sent_change

log = logging.getLogger(__name__)
NOTIFICATION_ACTION = "msdyn_D365ChannelsNotification"


class JourneysAppContext(BaseModel):
    model_config = ConfigDict(extra="allow")

    CustomerJourneyId: str | None = None
    UserId: str | None = None
    UserEntityType: str | None = None
    IsTestSend: bool | None = None


class JourneysOutbound(BaseModel):
    """The outbound custom API's ``payload``, as Journeys sends it."""

    model_config = ConfigDict(extra="allow")

    ChannelDefinitionId: uuid.UUID = Field(description="The custom channel definition.")
    RequestId: str = Field(min_length=1, max_length=100, description="Journeys' id of this send.")
    IdempotencyId: str | None = Field(default=None, max_length=100, description="Journeys' idempotency id.")
    From: str = Field(min_length=1, max_length=64, description="Sender (the channel instance's sender id).")
    To: str = Field(min_length=3, max_length=32, description="Recipient phone.")
    Message: dict[str, str] = Field(description="Message parts by name; the text is in 'text'.")
    MarketingAppContext: JourneysAppContext | None = None


class JourneysDetails(BaseModel):
    Reason: str | None = None
    Message: str | None = None


class JourneysResponse(BaseModel):
    """The outbound custom API's ``response``."""

    ChannelDefinitionId: str
    RequestId: str
    MessageId: str | None = Field(default=None, description="GMS message_id when sent.")
    Status: Literal["Sent", "NotSent"]
    Details: JourneysDetails | None = None


class JourneysChannel:
    def __init__(
        self,
        messages: Messages,
        gms: Sender,
        policy: SendPolicy,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.messages, self.gms, self.policy, self.clock = messages, gms, policy, clock

    def outbound(self, payload: JourneysOutbound) -> JourneysResponse:
        key = fit_key(JOURNEYS_KEY_PREFIX + payload.RequestId)
        row_id = message_row_id(key)
        state = self.messages.state(row_id)
        if state is not None and (state.provider_id is not None or state.status is not MessageStatus.QUEUED):
            return self._replay(payload, row_id)
        text = payload.Message.get("text") or ""
        try:
            phone = normalize_phone(payload.To, default_region=self.policy.default_region)
            segments = check_text(text, ["viber", "sms"]) if text else 0
            if not text:
                raise TextLimitError("the message has no 'text' part")
            request = self.policy.send_request(
                key=key, phone=phone, text=text, channels=["viber", "sms"], sender=payload.From
            )
        except (InvalidPhoneError, TextLimitError, SenderError, ValueError) as error:
            return self._not_sent(payload, key, "InvalidMessage", str(error), state)
        retried = state is not None
        if state is None:
            context = payload.MarketingAppContext
            record = MessageRecord(
                id=row_id,
                key=key,
                phone=phone,
                text=text,
                channels=("viber", "sms"),
                segments=segments,
                journey=context.CustomerJourneyId if context else None,
                request_id=payload.RequestId,
                queued_on=self.clock(),
            )
            if not self.messages.create(record):
                return self._replay(payload, row_id)
            state = self.messages.state(row_id)
            assert state is not None
        try:
            result = self.gms.send_message_once(request, check_first=retried)
        except GmsError as error:
            if not is_refusal(error):
                retry_after = getattr(error, "retry_after", None) or 5.0
                problem = Problem(
                    503, "GMS did not confirm the send in time; retry.", retry_after=retry_after
                )
                raise problem from None
            refusal, when = error, self.clock()
            self.messages.write([(state, lambda s: refused_change(s, refusal, when))])
            code = getattr(error, "code", None)
            reason = f"GMS error {code}" if code else "ProviderRefused"
            return _answer(payload, None, "NotSent", reason, getattr(error, "text", None) or str(error))
        now = self.clock()
        self.messages.write([(state, lambda s: sent_change(s, result.message_id, now))])
        log.info(
            "journeys request %s sent to %s as %s", payload.RequestId, mask_phone(phone), result.message_id
        )
        return _answer(payload, result.message_id, "Sent", None, None)

    def _not_sent(
        self, payload: JourneysOutbound, key: str, reason: str, message: str, state: MessageState | None
    ) -> JourneysResponse:
        if state is None:
            record = MessageRecord(
                id=message_row_id(key),
                key=key,
                phone=payload.To[:20],
                text=payload.Message.get("text") or "",
                channels=("viber", "sms"),
                status=MessageStatus.NOT_SENT,
                request_id=payload.RequestId,
                queued_on=self.clock(),
                error=f"{reason}: {message}",
            )
            self.messages.create(record)
        return _answer(payload, None, "NotSent", reason, message)

    def _replay(self, payload: JourneysOutbound, row_id: str) -> JourneysResponse:
        """The first answer again, rebuilt from the row."""
        row = self.messages.get(row_id) or {}
        provider_id = row.get("smart_providermessageid")
        if provider_id:
            return _answer(payload, str(provider_id), "Sent", None, None)
        error = str(row.get("smart_error") or "Not sent.")
        code = row.get("smart_errorcode")
        if row.get("smart_status") == MessageStatus.NOT_SENT.option_value:
            reason, _, message = error.partition(": ")
            return _answer(payload, None, "NotSent", reason, message or error)
        return _answer(payload, None, "NotSent", f"GMS error {code}" if code else "ProviderRefused", error)


def _answer(
    payload: JourneysOutbound,
    message_id: str | None,
    status: Literal["Sent", "NotSent"],
    reason: str | None,
    message: str | None,
) -> JourneysResponse:
    details = JourneysDetails(Reason=reason, Message=message) if reason or message else None
    return JourneysResponse(
        ChannelDefinitionId=str(payload.ChannelDefinitionId),
        RequestId=payload.RequestId,
        MessageId=message_id,
        Status=status,
        Details=details,
    )


class JourneysNotifier:
    """Reports journey message outcomes back to Journeys through ``msdyn_D365ChannelsNotification``."""

    def __init__(
        self, client: DataverseClient, *, channel_definition_id: str | None, sender: str | None
    ) -> None:
        self.client = client
        self.channel_definition_id = channel_definition_id
        self.sender = sender
        self._organization_id: str | None = None
        self._lock = threading.Lock()

    def notify(self, outcomes: Sequence[tuple[MessageState, StatusChange, str]]) -> int:
        if not self.channel_definition_id:
            log.warning("JOURNEYS_CHANNEL_DEFINITION_ID is unset; %d notification(s) skipped", len(outcomes))
            return 0
        operations = [
            BatchOperation("POST", NOTIFICATION_ACTION, {"notificationPayLoad": json.dumps(self.payload(*o))})
            for o in outcomes
        ]
        results = self.client.execute_batch(operations, atomic=False, continue_on_error=True)
        sent = 0
        for (state, _, verdict), result in zip(outcomes, results, strict=True):
            if result.ok:
                sent += 1
            else:
                log.error(
                    "Journeys notification %s for request %s failed: %s",
                    verdict,
                    state.request_id,
                    result.error,
                )
        return sent

    def payload(self, state: MessageState, change: StatusChange, verdict: str) -> dict[str, object]:
        details = None
        if verdict == "NotDelivered":
            reason = change.error_code or (change.status.value if change.status else "")
            details = {"Reason": reason, "Message": change.error or ""}
        body: dict[str, object] = {
            "ChannelDefinitionId": self.channel_definition_id,
            "RequestId": state.request_id,
            "MessageId": state.provider_id or change.provider_id,
            "From": self.sender,
            "OrganizationId": self.organization_id(),
            "Status": verdict,
        }
        if details:
            body["Details"] = details
        return body

    def organization_id(self) -> str | None:
        with self._lock:
            if self._organization_id is None:
                self._organization_id = str(self.client.who_am_i().get("OrganizationId") or "") or None
            return self._organization_id

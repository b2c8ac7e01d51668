"""GMS status codes and their provider-neutral meaning: the one mapping table.

GMS reports three numbers [docs, JSON V2 "Section 9", which is not public]: ``status`` (simplified),
``substatus`` (extended) and ``hyber_status`` (detailed, 5 digits whose first two equal the
substatus). Known from the docs and from a client that calls the real API: status -1/1 pending,
2 delivered, 3 failed; substatus 11 started, 12 accepted, 23 delivered, 26 not delivered within TTL,
35 expired, 36 sending error; hyber_status 23011 SMS delivered, 23033 delivered via Viber, 23043
template Viber delivered, 35015 SMS expired.

ASSUMPTION, to confirm with GMS: the docs say a "seen" status exists for Viber and WhatsApp (pull
reports always, callbacks once GMS enables it) but do not publish its code. We take **substatus 24**
(``status`` 2) as "seen": hyber_status 24033 for Viber, 24043 for template Viber. The simulator uses
these same constants, so changing them here changes both sides.

``sent_via`` / ``last_partner`` equal to ``"hyber"`` with a failure status means the platform
itself blocked the message: that is ``REJECTED``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class DeliveryOutcome(StrEnum):
    """What happened to a message, in words the CRM uses regardless of provider."""

    PENDING = "pending"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    EXPIRED = "expired"
    REJECTED = "rejected"

    @property
    def is_final(self) -> bool:
        return self is not DeliveryOutcome.PENDING


class StatusCodes(NamedTuple):
    status: int
    substatus: int | None
    hyber_status: int | None


ACCEPTED = StatusCodes(-1, 12, None)
STARTED = StatusCodes(1, 11, None)
SMS_DELIVERED = StatusCodes(2, 23, 23011)
VIBER_DELIVERED = StatusCodes(2, 23, 23033)
VIBER_TEMPLATE_DELIVERED = StatusCodes(2, 23, 23043)
VIBER_SEEN = StatusCodes(2, 24, 24033)  # ASSUMPTION (see module docstring)
VIBER_TEMPLATE_SEEN = StatusCodes(2, 24, 24043)  # ASSUMPTION (see module docstring)
NOT_DELIVERED_WITHIN_TTL = StatusCodes(3, 26, None)
SMS_EXPIRED = StatusCodes(3, 35, 35015)
SENDING_ERROR = StatusCodes(3, 36, None)
PHONE_INCORRECT_CODE = 36024
"""``error_code`` of a send refused because the phone number is wrong (permanent)."""

SEEN_SUBSTATUS = 24  # ASSUMPTION (see module docstring)

BLOCKED_BY_PLATFORM = "hyber"
"""``sent_via`` / ``last_partner`` value when GMS itself blocked the message."""

_BY_HYBER_STATUS: dict[int, DeliveryOutcome] = {
    23011: DeliveryOutcome.DELIVERED,
    23033: DeliveryOutcome.DELIVERED,
    23043: DeliveryOutcome.DELIVERED,
    24033: DeliveryOutcome.READ,  # ASSUMPTION
    24043: DeliveryOutcome.READ,  # ASSUMPTION
    35015: DeliveryOutcome.EXPIRED,
}

_BY_SUBSTATUS: dict[int, DeliveryOutcome] = {
    11: DeliveryOutcome.PENDING,
    12: DeliveryOutcome.PENDING,
    23: DeliveryOutcome.DELIVERED,
    SEEN_SUBSTATUS: DeliveryOutcome.READ,  # ASSUMPTION
    26: DeliveryOutcome.EXPIRED,
    35: DeliveryOutcome.EXPIRED,
    36: DeliveryOutcome.FAILED,
}

_BY_STATUS: dict[int, DeliveryOutcome] = {
    -1: DeliveryOutcome.PENDING,
    1: DeliveryOutcome.PENDING,
    2: DeliveryOutcome.DELIVERED,
    3: DeliveryOutcome.FAILED,
}


def outcome_of(
    status: int | None,
    substatus: int | None = None,
    hyber_status: int | None = None,
    channel: str | None = None,
) -> DeliveryOutcome:
    """Map GMS codes to a ``DeliveryOutcome``; the most detailed known code wins.

    ``hyber_status`` alone is enough (job-status items carry only an ``error_code`` in that space).
    Unknown codes fall back to the coarser one; nothing known at all means ``PENDING``, because a
    status we cannot read must not close a message as failed.
    """
    if hyber_status is not None and substatus is None:
        substatus = hyber_status // 1000
    if hyber_status in _BY_HYBER_STATUS:
        outcome = _BY_HYBER_STATUS[hyber_status]
    elif substatus in _BY_SUBSTATUS:
        outcome = _BY_SUBSTATUS[substatus]
    elif status in _BY_STATUS:
        outcome = _BY_STATUS[status]
    else:
        outcome = DeliveryOutcome.PENDING
    if channel == BLOCKED_BY_PLATFORM and outcome in (DeliveryOutcome.FAILED, DeliveryOutcome.EXPIRED):
        return DeliveryOutcome.REJECTED
    return outcome

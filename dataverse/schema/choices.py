"""Choices (option sets) of the custom tables, as ``str`` enums carrying their Dataverse option values.

Each member is a lower-case code (what the code and the API speak), a stable integer option value
(what Dataverse stores; 100000000 + n, the range of a publisher with option value prefix 10000) and an
English label. Option values are never renumbered or reused: a retired member stays in the enum.

``MessageStatus`` and ``ShipmentStatus`` are ordered by ``rank`` so that a late or redelivered report
can be recognised and ignored: a status only ever moves to a higher rank (``can_move_to``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Choice(StrEnum):
    """Base of every choice: ``Member = (code, option_value, label)``; the enum value is the code."""

    _value_: str
    option_value: int
    label: str

    # The defaults only serve type checkers: ``MessageStatus("sent")`` is a by-value lookup at run time
    # and never reaches ``__new__``; members are always declared with all three parts.
    def __new__(cls, code: str, option_value: int = -1, label: str = "") -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.option_value = option_value
        member.label = label
        return member

    @classmethod
    def from_option_value(cls, option_value: int) -> Self:
        """The member stored as ``option_value`` in Dataverse; ValueError for an unknown value."""
        for member in cls:
            if member.option_value == option_value:
                return member
        raise ValueError(f"{option_value} is not an option value of {cls.__name__}")

    @classmethod
    def options(cls) -> list[tuple[int, str]]:
        """``(option_value, label)`` pairs in declaration order, as provisioned."""
        return [(member.option_value, member.label) for member in cls]


class MessageStatus(Choice):
    """Lifecycle of one Viber/SMS message (``smart_message.smart_status``)."""

    QUEUED = ("queued", 100000000, "Queued")
    SCHEDULED = ("scheduled", 100000001, "Scheduled")
    SENT = ("sent", 100000002, "Sent")
    DELIVERED = ("delivered", 100000003, "Delivered")
    READ = ("read", 100000004, "Read")
    FAILED = ("failed", 100000005, "Failed")
    EXPIRED = ("expired", 100000006, "Expired")
    REJECTED = ("rejected", 100000007, "Rejected")
    NOT_SENT = ("not_sent", 100000008, "Not sent")

    def rank(self) -> int:
        """Position in the lifecycle. A failure ranks below ``delivered``: when Viber fails and the SMS
        fallback then delivers, ``failed -> delivered`` is progress, ``delivered -> failed`` is not."""
        return _MESSAGE_RANK[self]

    @property
    def is_final(self) -> bool:
        """True once no further provider report is expected to change the outcome."""
        return self in _MESSAGE_FINAL

    def can_move_to(self, new: MessageStatus) -> bool:
        """True when ``new`` is a step forward; equal or lower ranks are stale and must be ignored."""
        return new.rank() > self.rank()


_MESSAGE_RANK: dict[MessageStatus, int] = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SCHEDULED: 1,
    MessageStatus.SENT: 2,
    MessageStatus.FAILED: 3,
    MessageStatus.EXPIRED: 3,
    MessageStatus.REJECTED: 3,
    MessageStatus.NOT_SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.READ: 5,
}
_MESSAGE_FINAL = frozenset(
    {MessageStatus.READ, MessageStatus.EXPIRED, MessageStatus.REJECTED, MessageStatus.NOT_SENT}
)


class MessageChannel(Choice):
    """Channel a message actually went out on (GMS ``sent_via`` / ``last_partner``)."""

    VIBER = ("viber", 100000000, "Viber")
    SMS = ("sms", 100000001, "SMS")
    BLOCKED = ("blocked", 100000002, "Blocked by provider")


class BatchStatus(Choice):
    """Lifecycle of a bulk send (``smart_messagebatch.smart_status``)."""

    RECEIVED = ("received", 100000000, "Received")
    QUEUED = ("queued", 100000001, "Queued")
    SENDING = ("sending", 100000002, "Sending")
    COMPLETED = ("completed", 100000003, "Completed")
    PARTIALLY_FAILED = ("partially_failed", 100000004, "Partially failed")
    FAILED = ("failed", 100000005, "Failed")


class ShipmentStatus(Choice):
    """Normalised Nova Poshta tracking state; the raw ``StatusCode`` is kept next to it."""

    CREATED = ("created", 100000000, "Created")
    IN_TRANSIT = ("in_transit", 100000001, "In transit")
    ARRIVED = ("arrived", 100000002, "Arrived at branch")
    RECEIVED = ("received", 100000003, "Received")
    REFUSED = ("refused", 100000004, "Refused")
    RETURNED = ("returned", 100000005, "Returned")
    DELETED = ("deleted", 100000006, "Deleted")
    NOT_FOUND = ("not_found", 100000007, "Not found")
    PROBLEM = ("problem", 100000008, "Delivery problem")
    # Refused (or storage ended) and going back to the sender under a new waybill
    # (``smart_returnwaybillnumber``): this waybill's journey is over.
    RETURNING = ("returning", 100000009, "Returning to sender")

    def rank(self) -> int:
        """Position in the delivery lifecycle; ``problem`` can recur, terminal states rank highest."""
        return _SHIPMENT_RANK[self]

    def can_move_to(self, new: ShipmentStatus) -> bool:
        """True when ``new`` is not a step back (same-rank moves such as problem -> in transit pass)."""
        return new != self and new.rank() >= self.rank()


_SHIPMENT_RANK: dict[ShipmentStatus, int] = {
    ShipmentStatus.NOT_FOUND: 0,
    ShipmentStatus.CREATED: 1,
    ShipmentStatus.IN_TRANSIT: 2,
    ShipmentStatus.PROBLEM: 2,
    ShipmentStatus.ARRIVED: 3,
    ShipmentStatus.REFUSED: 4,
    ShipmentStatus.RECEIVED: 5,
    ShipmentStatus.RETURNING: 5,
    ShipmentStatus.RETURNED: 6,  # the return waybill reached the sender: after returning
    ShipmentStatus.DELETED: 5,
}


class PaymentStatus(Choice):
    """PayPal invoice status (Invoicing v2), one member per documented value."""

    DRAFT = ("draft", 100000000, "Draft")
    SENT = ("sent", 100000001, "Sent")
    SCHEDULED = ("scheduled", 100000002, "Scheduled")
    PAYMENT_PENDING = ("payment_pending", 100000003, "Payment pending")
    PARTIALLY_PAID = ("partially_paid", 100000004, "Partially paid")
    PAID = ("paid", 100000005, "Paid")
    MARKED_AS_PAID = ("marked_as_paid", 100000006, "Marked as paid")
    UNPAID = ("unpaid", 100000007, "Unpaid")
    CANCELLED = ("cancelled", 100000008, "Cancelled")
    PARTIALLY_REFUNDED = ("partially_refunded", 100000009, "Partially refunded")
    REFUNDED = ("refunded", 100000010, "Refunded")
    MARKED_AS_REFUNDED = ("marked_as_refunded", 100000011, "Marked as refunded")
    FAILED = ("failed", 100000012, "Failed to create")

    @classmethod
    def from_paypal(cls, status: str) -> PaymentStatus:
        """Map PayPal's upper-case status (``"PARTIALLY_PAID"``) to the member; ValueError if unknown."""
        return cls(status.strip().lower())


class CheckStatus(Choice):
    """Progress of one counterparty check."""

    PENDING = ("pending", 100000000, "Pending")
    IN_PROGRESS = ("in_progress", 100000001, "In progress")
    COMPLETED = ("completed", 100000002, "Completed")
    FAILED = ("failed", 100000003, "Failed")


class CheckTrigger(Choice):
    """What started a counterparty check."""

    MANUAL = ("manual", 100000000, "Manual")
    SCHEDULED = ("scheduled", 100000001, "Scheduled monitoring")


class RiskLevel(Choice):
    """Counterparty risk, from YouScore's express-analysis index (A..D) and findings."""

    UNKNOWN = ("unknown", 100000000, "Unknown")
    LOW = ("low", 100000001, "Low")
    MEDIUM = ("medium", 100000002, "Medium")
    HIGH = ("high", 100000003, "High")
    CRITICAL = ("critical", 100000004, "Critical")


class FindingKind(Choice):
    """Kind of a counterparty finding."""

    SANCTION = ("sanction", 100000000, "Sanction")
    TAX_DEBT = ("tax_debt", 100000001, "Tax debt")
    COURT_CASE = ("court_case", 100000002, "Court case")
    RISK_FACTOR = ("risk_factor", 100000003, "Risk factor")
    ENFORCEMENT = ("enforcement", 100000004, "Enforcement proceeding")
    BANKRUPTCY = ("bankruptcy", 100000005, "Bankruptcy or termination")
    OTHER = ("other", 100000006, "Other")


class FindingSeverity(Choice):
    """How much attention a finding needs (YouScore ``caution``: max / average / min / empty)."""

    HIGH = ("high", 100000000, "High")
    MEDIUM = ("medium", 100000001, "Medium")
    LOW = ("low", 100000002, "Low")
    INFO = ("info", 100000003, "Information")


class ReconciliationStatus(Choice):
    """State of a delivery report that arrived for a message we could not find."""

    PENDING = ("pending", 100000000, "Pending")
    MATCHED = ("matched", 100000001, "Matched")
    ABANDONED = ("abandoned", 100000002, "Abandoned")


ALL_CHOICES: tuple[type[Choice], ...] = (
    MessageStatus,
    MessageChannel,
    BatchStatus,
    ShipmentStatus,
    PaymentStatus,
    CheckStatus,
    CheckTrigger,
    RiskLevel,
    FindingKind,
    FindingSeverity,
    ReconciliationStatus,
)

"""GMS Worldwide (Hyber) JSON V2 client: Viber with SMS fallback, mass sends, delivery reports."""

from connectors.gms.client import GmsClient, GmsCredential, mask_phone
from connectors.gms.errors import (
    GmsApiError,
    GmsAuthenticationError,
    GmsBatchError,
    GmsConnectionError,
    GmsError,
    GmsNotFoundError,
    InvalidDeliveryReportError,
    error_from_response,
)
from connectors.gms.models import (
    MAX_RECIPIENTS_PER_MASS_REQUEST,
    MAX_SMS_SEGMENTS,
    BatchItemResult,
    Channel,
    ChannelOptions,
    PushOptions,
    SendRequest,
    SendResult,
    SmsOptions,
    ViberOptions,
    WhatsAppOptions,
)
from connectors.gms.reports import JobMessage, JobStatus, Report, ReportAttempt
from connectors.gms.segments import SegmentInfo, SmsEncoding, sms_segments
from connectors.gms.statuses import DeliveryOutcome, outcome_of
from connectors.gms.webhooks import DeliveryReport, parse_delivery_reports, verify_callback_token

__all__ = [
    "MAX_RECIPIENTS_PER_MASS_REQUEST",
    "MAX_SMS_SEGMENTS",
    "BatchItemResult",
    "Channel",
    "ChannelOptions",
    "DeliveryOutcome",
    "DeliveryReport",
    "GmsApiError",
    "GmsAuthenticationError",
    "GmsBatchError",
    "GmsClient",
    "GmsConnectionError",
    "GmsCredential",
    "GmsError",
    "GmsNotFoundError",
    "InvalidDeliveryReportError",
    "JobMessage",
    "JobStatus",
    "PushOptions",
    "Report",
    "ReportAttempt",
    "SegmentInfo",
    "SendRequest",
    "SendResult",
    "SmsEncoding",
    "SmsOptions",
    "ViberOptions",
    "WhatsAppOptions",
    "error_from_response",
    "mask_phone",
    "outcome_of",
    "parse_delivery_reports",
    "sms_segments",
    "verify_callback_token",
]

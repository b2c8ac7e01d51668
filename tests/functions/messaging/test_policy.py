"""The sending policy: the GMS request it builds and the screening that decides queued/scheduled/not sent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from connectors.gms import GmsApiError, GmsAuthenticationError, GmsConnectionError
from dataverse.schema import MessageStatus
from functions.messaging.models import ViberContent
from functions.messaging.policy import SenderError, SendPolicy
from functions.messaging.rules import ConsentFacts, Purpose
from functions.messaging.sending import is_refusal, refused_change
from functions.messaging.settings import MessagingSettings
from functions.messaging.statuses import MessageState

NIGHT_UTC = datetime(2026, 6, 10, 20, 30, tzinfo=UTC)  # 23:30 in Kyiv
POLICY = SendPolicy(
    default_sender="MyBrand", quiet_window=(time(21), time(9)), frequency_cap=2, callback_url="https://x/cb"
)


def test_the_request_cascades_viber_then_sms_with_the_ttl_on_the_first_channel() -> None:
    viber = ViberContent(
        image_url="https://example.com/i.png", button_caption="Track", button_url="https://e.x/t"
    )
    request = POLICY.send_request(
        key="order-1",
        phone="+380501234567",
        text="Shipped",
        channels=["viber", "sms"],
        sender=None,
        ttl=120,
        viber=viber,
        campaign="orders",
    )
    wire = request.to_wire()
    assert wire["phone_number"] == 380501234567 and wire["extra_id"] == "order-1" and wire["tag"] == "orders"
    assert wire["channels"] == ["viber", "sms"] and wire["callback_url"] == "https://x/cb"
    assert wire["channel_options"]["viber"] == {
        "text": "Shipped",
        "ttl": 120,
        "alpha_name": "MyBrand",
        "img": "https://example.com/i.png",
        "caption": "Track",
        "action": "https://e.x/t",
    }
    assert wire["channel_options"]["sms"] == {"text": "Shipped", "ttl": 86_400, "alpha_name": "MyBrand"}


def test_sms_needs_a_gsm7_sender_of_at_most_eleven_characters() -> None:
    with pytest.raises(SenderError):
        SendPolicy().sender_for(None, ["sms"])
    with pytest.raises(SenderError):
        POLICY.sender_for("Бренд", ["sms"])
    assert SendPolicy().sender_for(None, ["viber"]) is None


def test_commercial_requests_at_night_are_scheduled_but_journeys_and_transactional_are_not() -> None:
    screen = POLICY.screen(
        Purpose.COMMERCIAL, ["viber"], ConsentFacts(), recent=0, journey=None, now=NIGHT_UTC
    )
    assert screen.status is MessageStatus.SCHEDULED
    assert screen.scheduled_for == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)
    journey = POLICY.screen(
        Purpose.COMMERCIAL, ["viber"], ConsentFacts(), recent=0, journey="j-1", now=NIGHT_UTC
    )
    transactional = POLICY.screen(
        Purpose.TRANSACTIONAL, ["viber"], ConsentFacts(), recent=9, journey=None, now=NIGHT_UTC
    )
    assert journey.status is MessageStatus.QUEUED and transactional.status is MessageStatus.QUEUED


def test_the_frequency_cap_stops_commercial_messages_with_the_reason() -> None:
    noon = NIGHT_UTC - timedelta(hours=12)
    screen = POLICY.screen(Purpose.COMMERCIAL, ["sms"], ConsentFacts(), recent=2, journey=None, now=noon)
    assert screen.status is MessageStatus.NOT_SENT and "Frequency cap" in (screen.reason or "")


def test_settings_build_the_policy_and_the_callback_url(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "GMS_BASE_URL": "https://api-v2.hyber.im",
        "GMS_LOGIN": "login",
        "GMS_PASSWORD": "secret-pass",
        "GMS_CLIENT_ID": "1234",
        "GMS_CALLBACK_TOKEN": "tok-123",
        "SMART_PUBLIC_BASE_URL": "https://app.example/",
        "MESSAGING_QUIET_HOURS": "22:30-08:00",
        "MESSAGING_FREQUENCY_CAP": "3",
        "MESSAGING_COST_VIBER": "0.4",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = MessagingSettings()
    policy = SendPolicy.from_settings(settings)
    assert policy.callback_url == "https://app.example/api/gms/reports?token=tok-123"
    assert policy.quiet_window == (time(22, 30), time(8, 0))
    assert policy.frequency_cap == 3 and str(policy.prices.per_viber) == "0.4"
    assert "secret-pass" not in repr(settings)
    monkeypatch.setenv("MESSAGING_QUIET_HOURS", "late")
    with pytest.raises(ValueError, match="quiet hours"):
        MessagingSettings()


def test_only_a_refusal_of_the_message_itself_is_terminal() -> None:
    refused = GmsApiError("refused", status=200, code=36024, text="Phone number incorrect")
    assert is_refusal(refused)
    assert not is_refusal(GmsConnectionError("timeout"))
    assert not is_refusal(GmsApiError("busy", status=503, is_transient=True))
    assert not is_refusal(GmsAuthenticationError("bad password", status=401))
    state = MessageState(id="r", key="k", status=MessageStatus.QUEUED)
    change = refused_change(state, refused, NIGHT_UTC)
    assert change.status is MessageStatus.REJECTED and change.error_code == "36024"
    assert refused_change(state, GmsConnectionError("timeout"), NIGHT_UTC).status is MessageStatus.FAILED

"""End to end: CRM contacts, a journey's birthday campaign chosen by FetchXML, an order notification and a
Journeys custom-channel send; GMS reports back on its own, in batches, with duplicates and out of order.
Every message ends in the status GMS decided, nothing is sent twice, the timeline and analytics agree."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataverse.schema import MessageChannel, MessageStatus, message_activity_id
from local_runtime.simulators.gms import GmsSimulator
from local_runtime.stack import LocalStack
from tests.functions.messaging.support import (
    CHANNEL_DEFINITION_ID,
    create_contact,
    dataverse,
    idle,
    messaging_stack,
    session,
    wait_until,
)

EXPECTED = {
    "viber_delivered": ("delivered", "viber"),
    "viber_read": ("read", "viber"),
    "sms_delivered": ("delivered", "sms"),
    "failed": ("failed", "sms"),
    "expired": ("expired", "sms"),
    "blocked": ("rejected", "blocked"),
}
REPORTING_GMS = {
    "report_delay_ms": 20.0,
    "batched_reports": True,
    "duplicate_rate": 0.3,
    "out_of_order_rate": 0.3,
    "outcomes": {
        "viber_delivered": 4,
        "viber_read": 3,
        "sms_delivered": 2,
        "failed": 1,
        "expired": 1,
        "blocked": 1,
    },
}


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with messaging_stack(tmp_path, gms_options=REPORTING_GMS) as running:
        yield running


def test_campaign_order_notice_and_journey_send_end_in_the_status_gms_decided(stack: LocalStack) -> None:
    http = session()
    api = f"{stack.url}/api"
    simulator: GmsSimulator = stack.stand_ins["gms"]
    with dataverse(stack) as crm:
        people = [
            create_contact(
                crm, firstname=f"Friend{i}", mobilephone=f"+38067{2_000_000 + i:07d}", address1_city="Lviv"
            )
            for i in range(12)
        ]
        opted_out = create_contact(
            crm,
            firstname="Quiet",
            mobilephone="+380671999999",
            address1_city="Lviv",
            smart_donotsms=True,
            smart_donotviber=True,
        )
        lviv = "<condition attribute='address1_city' operator='eq' value='Lviv'/>"
        fetch = f"<fetch><entity name='contact'><filter>{lviv}</filter></entity></fetch>"
        campaign = {
            "text": "З днем народження, {first_name}!",
            "campaign": "birthday",
            "journey": "birthday-7-days",
            "idempotency_key": "birthday-2026-11-23",
            "selection": {"fetch_xml": fetch},
        }
        assert http.post(f"{api}/messages/batch", json=campaign, timeout=60).status_code == 202
        order = {
            "to": "050 765 43 21",
            "text": "Замовлення 1042 відправлено.",
            "purpose": "transactional",
            "campaign": "orders",
            "regarding": {"id": people[0]},
            "idempotency_key": "order-1042-shipped",
        }
        assert http.post(f"{api}/messages", json=order, timeout=10).status_code == 202
        journey = {
            "ChannelDefinitionId": CHANNEL_DEFINITION_ID,
            "RequestId": str(uuid.uuid4()),
            "From": "MyBrand",
            "To": "+380931234567",
            "Message": {"text": "Ваш кошик чекає"},
        }
        assert (
            http.post(f"{api}/channels/journeys/outbound", json=journey, timeout=25).json()["Status"]
            == "Sent"
        )

        waiting = {
            MessageStatus.QUEUED.option_value,
            MessageStatus.SCHEDULED.option_value,
            MessageStatus.SENT.option_value,
        }
        columns = ["smart_idempotencykey", "smart_status", "smart_channel", "_smart_contactid_value"]

        def all_reported() -> list[dict[str, Any]] | None:
            rows = list(crm.query("smart_messages", select=columns))
            if len(rows) != 15 or any(r["smart_status"] in waiting for r in rows):
                return None
            return rows if simulator.store.pending_count() == 0 and idle(stack) else None

        rows = wait_until(all_reported, timeout=30, what="every message reported")
        accepted = {m["extra_id"]: m for m in simulator.messages()}
        assert len(accepted) == 14  # 12 campaign contacts (not the opted-out one) + order + journey
        for row in rows:
            key = row["smart_idempotencykey"]
            status = MessageStatus.from_option_value(row["smart_status"]).value
            if key not in accepted:
                assert status == "not_sent" and row["_smart_contactid_value"] == opted_out
                continue
            want_status, want_channel = EXPECTED[accepted[key]["outcome"]]
            assert status == want_status, (key, accepted[key]["outcome"])
            assert MessageChannel.from_option_value(row["smart_channel"]).value == want_channel
            if row["_smart_contactid_value"]:
                activity = crm.retrieve("smart_messageactivities", str(message_activity_id(key)))
                assert activity["smart_status"] == row["smart_status"]

        assert simulator.duplicates_by_extra_id() == {}
        assert list(crm.query("smart_deliveryreports")) == []  # every report found its message

    result = http.get(f"{api}/messages/analytics", params={"campaign": "birthday"}, timeout=10).json()
    outcomes = Counter(EXPECTED[m["outcome"]][0] for key, m in accepted.items() if key.startswith("birthday"))
    assert result["total"] == 13 and result["by_status"] == dict(sorted({**outcomes, "not_sent": 1}.items()))
    delivered = outcomes["delivered"] + outcomes["read"]
    assert result["delivery_rate"] == round(delivered / 12, 4)
    notified = [
        json.loads(n["body"]["notificationPayLoad"]) for n in stack.stand_ins["dataverse"].notifications
    ]
    assert [n["RequestId"] for n in notified] == [journey["RequestId"]]
    journey_outcome = EXPECTED[accepted[f"cij:{journey['RequestId']}"]["outcome"]][0]
    assert notified[0]["Status"] == (
        "Delivered" if journey_outcome in ("delivered", "read") else "NotDelivered"
    )

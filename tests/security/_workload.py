"""A representative workload through the whole stack: every capability, their webhooks, provider
outages and bad input, touching the phone numbers and tax codes of ``conftest`` on purpose.
Returns every answer, so the error bodies can be scanned too."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import requests

from dataverse import DataverseClient, StaticTokenAuth
from local_runtime.loopback import Faults
from local_runtime.stack import EMULATOR_TOKEN, LocalStack
from tests.fuzz._webhooks import create_order, settle, wait_until
from tests.security.conftest import PHONES, SECRETS, TAX_CODES

ACCOUNT_EVENT = Path(__file__).resolve().parents[1] / "dataverse" / "fixtures" / "create_account.json"


class Client:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.answers: list[requests.Response] = []

    def call(self, method: str, path: str, *, key: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {"x-functions-key": SECRETS["SMART_FUNCTION_KEY"] if key is None else key}
        headers.update(kwargs.pop("headers", {}))
        answer = requests.request(method, f"{self.stack.url}{path}", headers=headers, timeout=30, **kwargs)
        self.answers.append(answer)
        return answer


def run_workload(stack: LocalStack) -> list[requests.Response]:
    client = Client(stack)
    messaging_part(client)
    shipping_and_payments_part(client)
    counterparty_part(client)
    webhooks_and_keys_part(client)
    settle(stack)
    return client.answers


def messaging_part(client: Client) -> None:
    stack, gms = client.stack, client.stack.stand_ins["gms"]
    ids = []
    for phone in PHONES[:2]:
        body = {"to": phone, "text": f"Parcel for {phone} is ready.", "purpose": "transactional"}
        ids.append(client.call("POST", "/api/messages", json=body).json()["id"])
    client.call("POST", "/api/messages", json={"to": PHONES[0], "text": "Sale!", "purpose": "commercial"})
    client.call("POST", "/api/messages", json={"to": PHONES[0][:-6], "text": "short number"})
    client.call("POST", "/api/messages", json={"to": PHONES[1], "text": ""})
    batch = {"recipients": [{"to": p} for p in PHONES], "text": "Bulk", "purpose": "transactional"}
    client.call("POST", "/api/messages/batch", json=batch)
    gms.set_faults(error_rate=1.0, error_status=500)  # GMS down for the third phone's message
    failing = {"to": PHONES[2], "text": "While GMS is down", "purpose": "transactional"}
    client.call("POST", "/api/messages", json=failing)
    wait_until(lambda: sum(gms.server.faults_injected.values()) > 0, what="GMS to refuse a send")
    gms.set_faults()
    sent = [_wait_sent(client, i) for i in ids]
    gms.flush()  # GMS posts its delivery reports (with the full numbers) to our callback
    report = {"number": PHONES[0][1:], "time": 1, "status": 2, "message_id": sent[0]["provider_message_id"]}
    client.call("POST", f"/api/gms/reports?token={SECRETS['GMS_CALLBACK_TOKEN']}", key="", json=report)
    client.call("POST", "/api/gms/reports?token=wrong-token", key="", json=report)
    client.call(
        "POST",
        f"/api/gms/reports?token={SECRETS['GMS_CALLBACK_TOKEN']}",
        key="",
        json={**report, "time": "x"},
    )
    settle(stack)


def _wait_sent(client: Client, message_id: str) -> dict[str, Any]:
    def sent() -> dict[str, Any] | None:
        view: dict[str, Any] = client.call("GET", f"/api/messages/{message_id}").json()
        return view if view.get("provider_message_id") else None

    return wait_until(sent, what="message sent")


def shipping_and_payments_part(client: Client) -> None:
    stack = client.stack
    with DataverseClient(stack.env["DATAVERSE_URL"], StaticTokenAuth(EMULATOR_TOKEN)) as crm:
        first, second = str(uuid.uuid4()), str(uuid.uuid4())
        create_order(crm, first, phone=PHONES[1])
        create_order(crm, second, phone=PHONES[2])
    shipment = client.call("POST", "/api/shipments", json={"order_id": first}).json()
    if shipment.get("waybill_number"):
        client.call("GET", f"/api/shipments/{shipment['waybill_number']}")
    client.call("GET", "/api/shipments/123")
    client.call("POST", "/api/shipments", json={"recipient": {"phone": PHONES[0][:-1]}})
    client.call("POST", "/api/invoices", json={"order_id": first})
    client.call("POST", "/api/invoices", json={"customer": {"email": "x@example.org", "phone": PHONES[0]}})
    novaposhta, paypal = stack.stand_ins["novaposhta"], stack.stand_ins["paypal"]
    novaposhta.set_faults(error_rate=1.0, error_status=500)
    paypal.set_faults(Faults(error_rate=1.0, error_status=500))
    try:
        client.call("POST", "/api/shipments", json={"order_id": second})
        client.call("POST", "/api/invoices", json={"order_id": second})
        client.call("GET", "/api/shipping/settlements", params={"q": "Київ"})
    finally:
        novaposhta.set_faults()
        paypal.set_faults(Faults())


def counterparty_part(client: Client) -> None:
    youscore = client.stack.stand_ins["youscore"]
    for code in TAX_CODES:
        client.call("GET", "/api/counterparties/lookup", params={"code": code})
        client.call("POST", f"/api/counterparties/{code}/check", json={})
        client.call("GET", f"/api/counterparties/{code}")
    client.call("GET", "/api/counterparties/lookup", params={"code": TAX_CODES[0][:-1]})
    youscore.set_faults(Faults(error_rate=1.0, error_status=500))
    try:
        client.call("POST", f"/api/counterparties/{TAX_CODES[1]}/check", json={"request_id": "outage"})
        client.call("GET", "/api/counterparties/lookup", params={"code": TAX_CODES[1]})
    finally:
        youscore.set_faults(None)


def webhooks_and_keys_part(client: Client) -> None:
    event = json.loads(ACCOUNT_EVENT.read_text())
    event["PrimaryEntityId"] = str(uuid.uuid4())
    body = json.dumps(event).encode()
    client.call("POST", "/api/dataverse/events", key="", data=body, headers={"X-Webhook-Secret": "wrong"})
    secret = {"X-Webhook-Secret": SECRETS["DATAVERSE_WEBHOOK_SECRET"]}
    client.call("POST", "/api/dataverse/events", key="", data=body, headers=secret)
    client.call("POST", "/api/dataverse/events", key="", data=b"{", headers=secret)
    client.call("POST", "/api/paypal/webhook", key="", data=b'{"id": "WH-1"}')
    client.call("GET", "/api/connection", key="not-the-key")
    client.call("GET", "/api/connection", key=SECRETS["SMART_FUNCTION_KEY"][:-1])
    client.call("GET", "/admin/functions", key=SECRETS["SMART_FUNCTION_KEY"])

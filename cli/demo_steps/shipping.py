"""Demo step for shipping: a CRM order gets a Nova Poshta waybill, the registry is formed, the parcel
moves in the simulator and the scheduled sync brings each status change back into the CRM."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from connectors.novaposhta import NovaPoshtaClient, redact_print_url
from dataverse import DataverseClient, StaticTokenAuth
from dataverse.schema import ShipmentStatus
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

KYIV = "8d5a980d-391c-11dd-90d9-001a92567626"


def run(stack: LocalStack, session: requests.Session) -> dict[str, Any]:
    api = f"{stack.url}/api"
    _sending_branch(stack)
    lviv = _get(session, f"{api}/shipping/settlements", q="Львів")["items"][0]
    branches = _get(session, f"{api}/shipping/warehouses", settlement=lviv["value"])["items"]
    quote = _post(session, f"{api}/shipping/quotes", {"recipient_city_ref": lviv["value"], "weight": "1.5",
                                                      "declared_value": "1500"})  # fmt: skip
    with DataverseClient(stack.env["DATAVERSE_URL"], StaticTokenAuth(EMULATOR_TOKEN)) as crm:
        order_id = _crm_order(crm)
        shipment = _post(session, f"{api}/shipments", {"order_id": order_id})
        number = shipment["waybill_number"]
        retried = _post(session, f"{api}/shipments", {"order_id": order_id})
        registry = _post(session, f"{api}/shipments/registry", {"numbers": [number]})
        statuses = []
        # the parcel moves in the simulator; the sync (timer or on demand) follows it, and its return
        for hours in (20, 200, 24):
            _advance(stack.env["NOVAPOSHTA_BASE_URL"], hours)
            report = _post(session, f"{api}/shipping/sync", {})
            current = _get(session, f"{api}/shipments/{number}")
            back = f", goods back under {current['return_waybill_number']}" if current.get(
                "return_waybill_number") else ""  # fmt: skip
            statuses.append(f"+{hours} h: {current['status']} ({current['status_code']}){back}, sync wrote "
                            f"{report['changed']} in {report['write_requests']} request(s)")  # fmt: skip
        history = crm.query(
            "smart_shipmentstatuses",
            filter=f"_smart_shipmentid_value eq {shipment['shipment_id']}",
            select=["smart_status"],
        )
        changes = [ShipmentStatus.from_option_value(row["smart_status"]).value for row in history]
    return {
        "look-ups": f"{lviv['title']}: {len(branches)} branches and lockers",
        "quote": f"{quote['cost']} UAH, delivery {quote['estimated_delivery_date']}",
        "order": order_id,
        "waybill": f"{number}, {shipment['cost']} UAH, to {shipment['recipient_warehouse']}",
        "label (key redacted)": redact_print_url(shipment["label_url"]),
        "retry": f"same waybill: {retried['waybill_number'] == number} (replayed {retried['replayed']})",
        "registry": f"{registry['registry_number']} with {len(registry['added'])} waybill(s)",
        "tracking": statuses,
        "status rows in the CRM": sorted(changes, key=lambda s: ShipmentStatus(s).rank()),
    }


def _sending_branch(stack: LocalStack) -> None:
    """The sending branch is the operator's choice; when it is not configured, use Kyiv branch 1
    (set before the first shipping call, which reads the settings)."""
    if stack.env.get("NOVAPOSHTA_SENDER_ADDRESS_REF"):
        return
    with NovaPoshtaClient(stack.env["NOVAPOSHTA_BASE_URL"], stack.env["NOVAPOSHTA_API_KEY"]) as novaposhta:
        branch = next(w for w in novaposhta.get_warehouses(city_ref=KYIV, query="1").items if w.number == "1")
    stack.env["NOVAPOSHTA_SENDER_CITY_REF"] = KYIV
    stack.env["NOVAPOSHTA_SENDER_ADDRESS_REF"] = branch.ref


def _crm_order(crm: DataverseClient) -> str:
    """A customer and an order to a Lviv branch, as a salesperson would enter them."""
    contact = crm.create(
        "contacts", {"firstname": "Олена", "lastname": "Коваль", "mobilephone": "+380671234567"}
    )
    order_id = str(uuid.uuid4())
    crm.create(
        "salesorders",
        {
            "salesorderid": order_id,
            "name": "Кавоварка для Олени",
            "ordernumber": "ORD-DEMO-1",
            "customerid_contact@odata.bind": f"/contacts({contact})",
            "shipto_name": "Олена Коваль",
            "shipto_telephone": "067 123 45 67",
            "shipto_city": "Львів",
            "shipto_line1": "Відділення №2",
            "totalamount": 1500,
        },
    )
    crm.create(
        "salesorderdetails",
        {"salesorderid@odata.bind": f"/salesorders({order_id})", "productdescription": "Кавоварка",
         "quantity": 1, "priceperunit": 1500},
    )  # fmt: skip
    return order_id


def _get(session: requests.Session, url: str, **params: str) -> dict[str, Any]:
    response = session.get(url, params=params, timeout=30)
    response.raise_for_status()
    return dict(response.json())


def _post(session: requests.Session, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = session.post(url, json=body, timeout=60)
    if response.status_code >= 400:
        raise RuntimeError(f"POST {url} answered {response.status_code}: {response.text}")
    return dict(response.json())


def _advance(novaposhta_url: str, hours: float) -> None:
    requests.post(f"{novaposhta_url}/_sim/advance", json={"hours": hours}, timeout=10).raise_for_status()

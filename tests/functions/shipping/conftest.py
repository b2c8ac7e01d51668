"""A running local stack (Dataverse emulator + Nova Poshta simulator) and helpers to make CRM orders."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dataverse import DataverseClient, StaticTokenAuth
from local_runtime.simulators.novaposhta import NovaPoshtaSimulator
from local_runtime.stack import EMULATOR_TOKEN, LocalStack

KEY = "shipping-key"
MASTER = "shipping-master"
KYIV = "8d5a980d-391c-11dd-90d9-001a92567626"
LVIV = "db5c88f5-391c-11dd-90d9-001a92567626"
ODESA = "db5c88d0-391c-11dd-90d9-001a92567626"


def kyiv_branch_1() -> str:
    return str(uuid.uuid5(uuid.UUID("6b3a1c0e-8c1f-4b7e-9d2a-5a4f0c9e1d11"), "warehouse/Київ/1"))


def stack_env(**extra: str) -> dict[str, str]:
    return {
        "SMART_FUNCTION_KEY": KEY,
        "SMART_MASTER_KEY": MASTER,
        "NOVAPOSHTA_SENDER_CITY_REF": KYIV,
        "NOVAPOSHTA_SENDER_ADDRESS_REF": kyiv_branch_1(),
        "SHIPPING_ORDER_STATUS_MAP": json.dumps({"received": {"statuscode": 100001}}),
        "SHIPPING_SHIP_ON_STATUSCODES": "3,100001",
        "SHIPPING_SYNC_BACKOFF_SECONDS": "60",
        "NOVAPOSHTA_TIMEOUT_SECONDS": "2",
        **extra,
    }


class Shop:
    """The test's view of the running stack: HTTP calls, the CRM (emulator) and the carrier (simulator)."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.url = stack.url
        self.np: NovaPoshtaSimulator = stack.stand_ins["novaposhta"]
        self.crm = DataverseClient(stack.stand_ins["dataverse"].url, StaticTokenAuth(EMULATOR_TOKEN))

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"x-functions-key": KEY, **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}/api/{path}", headers=headers, timeout=30, **kwargs)

    def contact(self, first: str = "Іван", last: str = "Петренко", phone: str = "+380671234567") -> str:
        return self.crm.create("contacts", {"firstname": first, "lastname": last, "mobilephone": phone})

    def order(self, city: str = "Львів", line: str = "Відділення №2", **columns: Any) -> str:
        customer = columns.pop("customer", None) or self.contact()
        data = {
            "name": "Замовлення",
            "ordernumber": f"ORD-{uuid.uuid4().hex[:6]}",
            "shipto_name": "Іван Петренко",
            "shipto_telephone": "0671234567",
            "shipto_city": city,
            "shipto_line1": line,
            "totalamount": 1500,
            "customerid_contact@odata.bind": f"/contacts({customer})",
            **columns,
        }
        order_id = self.crm.create("salesorders", data)
        self.crm.create(
            "salesorderdetails",
            {"salesorderid@odata.bind": f"/salesorders({order_id})", "productdescription": "Кавоварка",
             "quantity": 1, "priceperunit": 1500},
        )  # fmt: skip
        return order_id

    def shipment_row(self, number: str) -> dict[str, Any]:
        rows = list(self.crm.query("smart_shipments", filter=f"smart_waybillnumber eq '{number}'"))
        assert len(rows) == 1
        return rows[0]

    def status_rows(self, shipment_id: str) -> list[dict[str, Any]]:
        return list(
            self.crm.query("smart_shipmentstatuses", filter=f"_smart_shipmentid_value eq {shipment_id}",
                           orderby="createdon")
        )  # fmt: skip

    def wait_for(self, condition: Callable[[], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    data_dir: Path = tmp_path_factory.mktemp("shipping")
    with LocalStack(port=0, data_dir=data_dir, env=stack_env(), run_timers=False) as stack:
        yield Shop(stack)


@pytest.fixture(autouse=True)
def _clear_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "shop" in request.fixturenames:
        shop: Shop = request.getfixturevalue("shop")
        shop.np.set_faults()

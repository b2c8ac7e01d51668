"""Address, Counterparty and quote methods of the simulator."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from local_runtime.simulators.novaposhta import _data, _rules
from local_runtime.simulators.novaposhta._data import CITIES, CITY_BY_REF, STREETS
from local_runtime.simulators.novaposhta._state import PHONE, Refusal, SimState, decimal, page_of, parse_date

Result = tuple[list[Any], Any]  # data, info


def search_settlements(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    if not props.get("Limit"):
        raise Refusal(("20000900011", "Limit is required"))
    query = str(props.get("CityName") or "").strip().casefold()
    if not query:
        raise Refusal(("20000900012", "CityName is empty"))
    found = [city.settlement() for city in CITIES if city.name.casefold().startswith(query)]
    return [{"TotalCount": len(found), "Addresses": page_of(found, props, 20)}], []


def get_warehouses(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    rows = [w for city in CITIES for w in city.warehouses]
    for key, field in (
        ("CityRef", "CityRef"),
        ("SettlementRef", "SettlementRef"),
        ("TypeOfWarehouseRef", "TypeOfWarehouse"),
    ):
        if props.get(key):
            rows = [w for w in rows if w[field] == props[key]]
    if props.get("CityName"):
        rows = [w for w in rows if w["CityDescription"].casefold() == str(props["CityName"]).casefold()]
    if props.get("FindByString"):
        needle = str(props["FindByString"]).casefold()
        rows = [w for w in rows if needle in w["Description"].casefold() or needle == w["Number"]]
    if props.get("WarehouseId"):
        rows = [w for w in rows if w["Number"] == str(props["WarehouseId"])]
    return page_of(rows, props, 500), {"totalCount": len(rows)}


def search_streets(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    if not props.get("Limit") or not props.get("StreetName"):
        raise Refusal(("20000900013", "StreetName and Limit are required"))
    needle = str(props["StreetName"]).casefold()
    rows = [
        {
            "SettlementRef": city.settlement_ref,
            "SettlementStreetRef": ref,
            "SettlementStreetDescription": name,
            "Present": f"вул. {name}",
            "StreetsType": "d4450bdb-0a58-11de-b6f5-001d92f78697",
            "StreetsTypeDescription": "вулиця",
        }
        for ref, (city, name) in STREETS.items()
        if city.settlement_ref == props.get("SettlementRef") and needle in name.casefold()
    ]
    return [{"TotalCount": len(rows), "Addresses": page_of(rows, props, 20)}], []


def save_address(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    errors = []
    if props.get("CounterpartyRef") not in (_data.RECIPIENTS_REF, _data.SENDER_REF):
        errors.append(("20000900014", "CounterpartyRef not found"))
    street = STREETS.get(str(props.get("StreetRef")))
    if street is None:
        errors.append(("20000900015", "StreetRef not found"))
    if not str(props.get("BuildingNumber") or "").strip():
        errors.append(("20000900016", "BuildingNumber is empty"))
    if errors or street is None:
        raise Refusal(*errors)
    flat = str(props.get("Flat") or "").strip()
    city, name = street
    description = f"вул. {name} д.{props['BuildingNumber']}" + (f" кв.{flat}" if flat else "")
    ref = _data.ref(
        "address", str(props["CounterpartyRef"]), str(props["StreetRef"]), str(props["BuildingNumber"]), flat
    )
    state.addresses[ref] = {"Ref": ref, "Description": description, "CityRef": city.city_ref}
    return [{"Ref": ref, "Description": description}], []


def get_counterparties(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    kind = props.get("CounterpartyProperty")
    rows = {"Sender": [_data.SENDER], "Recipient": [_data.RECIPIENTS]}.get(str(kind))
    if rows is None:
        raise Refusal(("20000900017", "CounterpartyProperty is invalid"))
    return rows, {"totalCount": len(rows)}


def get_contact_persons(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    ref = props.get("Ref")
    if ref == _data.SENDER_REF:
        rows = [_data.SENDER_CONTACT]
    elif ref == _data.RECIPIENTS_REF:
        rows = list(state.contacts.values())
    else:
        raise Refusal(("20000200138", "Counterparty not found"))
    return page_of(rows, props, 100), {"totalCount": len(rows)}


def save_counterparty(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    if props.get("CounterpartyType") != "PrivatePerson" or props.get("CounterpartyProperty") != "Recipient":
        raise Refusal(("20000900018", "Only PrivatePerson recipients are supported by the simulator"))
    errors = []
    for name in ("FirstName", "LastName"):
        if not str(props.get(name) or "").strip():
            errors.append(("20000900019", f"{name} is empty"))
    phone = str(props.get("Phone") or "")
    if not PHONE.match(phone):
        errors.append(("20000100018", "Phone invalid format"))
    if errors:
        raise Refusal(*errors)
    names = [str(props.get(n) or "").strip() for n in ("LastName", "FirstName", "MiddleName")]
    ref = _data.ref("contact", phone, *names)
    contact = {
        "Ref": ref,
        "Description": " ".join(n for n in names if n),
        "Phones": phone,
        "Email": str(props.get("Email") or ""),
        "LastName": names[0],
        "FirstName": names[1],
        "MiddleName": names[2],
    }
    state.contacts[ref] = contact
    nested = {"success": True, "data": [contact], "errors": [], "warnings": [], "info": []}
    return [{**_data.RECIPIENTS, "ContactPerson": nested}], []


def _cities(props: dict[str, Any]) -> tuple[_data.City, _data.City]:
    sender, recipient = (
        CITY_BY_REF.get(str(props.get("CitySender"))),
        CITY_BY_REF.get(str(props.get("CityRecipient"))),
    )
    errors = []
    if sender is None:
        errors.append(("20000200106", "CitySender not found"))
    if recipient is None:
        errors.append(("20000200103", "CityRecipient not found"))
    if errors or sender is None or recipient is None:
        raise Refusal(*errors)
    return sender, recipient


def get_document_price(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    sender, recipient = _cities(props)
    weight = decimal(props.get("Weight"))
    if weight is None or weight < Decimal("0.1"):
        raise Refusal(("20000900020", "Weight is invalid"))
    redelivery = props.get("RedeliveryCalculate")
    cod = decimal(redelivery.get("Amount")) if isinstance(redelivery, dict) else None
    service = str(props.get("ServiceType") or "WarehouseWarehouse")
    return [_rules.price(service, weight, decimal(props.get("Cost")), sender is recipient, cod)], []


def get_delivery_date(state: SimState, props: dict[str, Any], now: datetime) -> Result:
    sender, recipient = _cities(props)
    send = parse_date(props.get("DateTime")) or now.date()
    when = _rules.delivery_date(
        send, str(props.get("ServiceType") or "WarehouseWarehouse"), sender is recipient
    )
    delivery = {"date": f"{when.isoformat()} 00:00:00.000000", "timezone_type": 3, "timezone": "Europe/Kiev"}
    return [{"DeliveryDate": delivery}], []

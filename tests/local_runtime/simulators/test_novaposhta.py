"""The Nova Poshta simulator at the wire: envelope, auth, limits, simulated time, admin API, faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from local_runtime.simulators.novaposhta import (
    AUTH_FAIL,
    CITIES,
    DELETE_REFUSED,
    KEY_EMPTY,
    SENDER_CONTACT,
    SENDER_REF,
    NovaPoshtaSimulator,
)

CLOCK = datetime(2025, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Kyiv"))
KYIV, LVIV = CITIES[0], CITIES[1]


@pytest.fixture
def np_sim() -> Iterator[NovaPoshtaSimulator]:
    with NovaPoshtaSimulator(api_key="wire-key", seed=3, clock=lambda: CLOCK) as simulator:
        yield simulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def call(
    http: requests.Session,
    sim: NovaPoshtaSimulator,
    model: str,
    method: str,
    properties: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    path: str = "/v2.0/json/",
) -> dict[str, Any]:
    body = {
        "apiKey": sim.api_key if key is None else key,
        "modelName": model,
        "calledMethod": method,
        "methodProperties": properties or {},
    }
    response = http.post(sim.url + path, json=body, timeout=5)
    assert response.status_code == 200  # Nova Poshta answers 200 even when it refuses
    payload: dict[str, Any] = response.json()
    return payload


def save_properties(sim: NovaPoshtaSimulator, http: requests.Session, **overrides: Any) -> dict[str, Any]:
    recipient = call(
        http,
        sim,
        "Counterparty",
        "save",
        {
            "FirstName": "Тарас",
            "LastName": "Шевченко",
            "Phone": "380671234567",
            "CounterpartyType": "PrivatePerson",
            "CounterpartyProperty": "Recipient",
        },
    )["data"][0]
    properties = {
        "PayerType": "Recipient",
        "PaymentMethod": "Cash",
        "DateTime": "24.11.2025",
        "CargoType": "Parcel",
        "Weight": "1.5",
        "VolumeGeneral": "0.004",
        "SeatsAmount": "1",
        "ServiceType": "WarehouseWarehouse",
        "Description": "Товари",
        "Cost": "1500",
        "CitySender": KYIV.city_ref,
        "Sender": SENDER_REF,
        "SenderAddress": KYIV.warehouses[0]["Ref"],
        "ContactSender": SENDER_CONTACT["Ref"],
        "SendersPhone": "380501112233",
        "CityRecipient": LVIV.city_ref,
        "Recipient": recipient["Ref"],
        "RecipientAddress": LVIV.warehouses[0]["Ref"],
        "ContactRecipient": recipient["ContactPerson"]["data"][0]["Ref"],
        "RecipientsPhone": "380671234567",
    }
    properties.update(overrides)
    return properties


def test_success_envelope_has_every_field_the_real_one_has(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    payload = call(http, np_sim, "Address", "getWarehouses", {"CityRef": KYIV.city_ref, "Limit": "5"})
    assert set(payload) == {
        "success",
        "data",
        "errors",
        "warnings",
        "info",
        "messageCodes",
        "errorCodes",
        "warningCodes",
        "infoCodes",
    }
    assert payload["success"] is True and payload["errors"] == []
    assert payload["info"] == {"totalCount": 12}
    assert len(payload["data"]) == 5


def test_model_and_method_may_come_in_the_url(np_sim: NovaPoshtaSimulator, http: requests.Session) -> None:
    body = {"apiKey": np_sim.api_key, "methodProperties": {"CityName": "Одеса", "Limit": "5"}}
    payload = http.post(np_sim.url + "/v2.0/json/Address/searchSettlements", json=body, timeout=5).json()
    assert payload["data"][0]["Addresses"][0]["DeliveryCity"] == CITIES[2].city_ref
    assert np_sim.calls["Address.searchSettlements"] == 1


def test_wrong_or_missing_key_is_refused_with_the_real_code_and_text(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    wrong = call(
        http, np_sim, "Counterparty", "getCounterparties", {"CounterpartyProperty": "Sender"}, key="nope"
    )
    empty = call(
        http, np_sim, "Counterparty", "getCounterparties", {"CounterpartyProperty": "Sender"}, key=""
    )
    assert (wrong["success"], wrong["errorCodes"], wrong["errors"]) == (False, [AUTH_FAIL[0]], [AUTH_FAIL[1]])
    assert (empty["errorCodes"], empty["errors"]) == ([KEY_EMPTY[0]], [KEY_EMPTY[1]])


def test_tracking_works_without_a_key_but_hides_cash_on_delivery(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    cod = [{"PayerType": "Recipient", "CargoType": "Money", "RedeliveryString": "900"}]
    number = call(
        http, np_sim, "InternetDocument", "save", save_properties(np_sim, http, BackwardDeliveryData=cod)
    )["data"][0]["IntDocNumber"]
    documents = {"Documents": [{"DocumentNumber": number, "Phone": ""}]}
    keyless = call(http, np_sim, "TrackingDocument", "getStatusDocuments", documents, key="")["data"][0]
    keyed = call(http, np_sim, "TrackingDocument", "getStatusDocuments", documents)["data"][0]
    assert keyless["StatusCode"] == keyed["StatusCode"] == "1"
    assert "RedeliverySum" not in keyless and keyed["RedeliverySum"] == 900


def test_search_settlements_needs_a_limit(np_sim: NovaPoshtaSimulator, http: requests.Session) -> None:
    payload = call(http, np_sim, "Address", "searchSettlements", {"CityName": "Київ"})
    assert payload["success"] is False and payload["errors"]


def test_save_refuses_bad_data_with_every_problem_listed(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    properties = save_properties(np_sim, http, RecipientsPhone="0671234567", Weight="0", CityRecipient="x")
    payload = call(http, np_sim, "InternetDocument", "save", properties)
    assert payload["success"] is False
    assert "RecipientsPhone invalid format" in payload["errors"]
    assert "20000200103" in payload["errorCodes"]  # CityRecipient not found
    assert len(payload["errors"]) == len(payload["errorCodes"]) >= 3
    assert np_sim.waybills() == []


def test_parcel_locker_needs_options_seat_within_its_dimensions(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    locker = next(w for w in LVIV.warehouses if w["CategoryOfWarehouse"] == "Postomat")
    no_seat = call(
        http,
        np_sim,
        "InternetDocument",
        "save",
        save_properties(np_sim, http, RecipientAddress=locker["Ref"]),
    )
    seat = {
        "volumetricVolume": "0.1",
        "volumetricWidth": "30",
        "volumetricLength": "70",
        "volumetricHeight": "20",
        "weight": "1",
    }
    too_long = call(
        http,
        np_sim,
        "InternetDocument",
        "save",
        save_properties(np_sim, http, RecipientAddress=locker["Ref"], OptionsSeat=[seat], VolumeGeneral=""),
    )
    ok = call(
        http,
        np_sim,
        "InternetDocument",
        "save",
        save_properties(
            np_sim, http, RecipientAddress=locker["Ref"], OptionsSeat=[{**seat, "volumetricLength": "60"}]
        ),
    )
    assert no_seat["success"] is False and "OptionsSeat" in no_seat["errors"][0]
    assert too_long["errorCodes"] == ["20000200212"]
    assert ok["success"] is True


def test_waybill_numbers_are_14_digits_and_deterministic_per_seed(http: requests.Session) -> None:
    numbers = []
    for _ in range(2):
        with NovaPoshtaSimulator(seed=11, clock=lambda: CLOCK) as sim:
            numbers.append(call(http, sim, "InternetDocument", "save", save_properties(sim, http))["data"][0])
    assert numbers[0] == numbers[1]
    assert len(numbers[0]["IntDocNumber"]) == 14 and numbers[0]["IntDocNumber"].startswith("2045")
    assert numbers[0]["EstimatedDeliveryDate"] == "26.11.2025"


def test_more_than_100_tracking_documents_is_refused(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    documents = [{"DocumentNumber": f"2045{n:010d}", "Phone": ""} for n in range(101)]
    payload = call(http, np_sim, "TrackingDocument", "getStatusDocuments", {"Documents": documents})
    assert payload["success"] is False and "100" in payload["errors"][0]
    ok = call(http, np_sim, "TrackingDocument", "getStatusDocuments", {"Documents": documents[:100]})
    assert len(ok["data"]) == 100 and {row["StatusCode"] for row in ok["data"]} == {"3"}


def test_delete_only_while_created_and_the_deleted_waybill_tracks_as_2(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    first = call(http, np_sim, "InternetDocument", "save", save_properties(np_sim, http))["data"][0]
    second = call(http, np_sim, "InternetDocument", "save", save_properties(np_sim, http))["data"][0]
    deleted = call(http, np_sim, "InternetDocument", "delete", {"DocumentRefs": first["Ref"]})
    assert deleted["data"] == [{"Ref": first["Ref"]}]
    np_sim.advance(30)
    refused = call(http, np_sim, "InternetDocument", "delete", {"DocumentRefs": [second["Ref"]]})
    assert (refused["errorCodes"], refused["errors"]) == ([DELETE_REFUSED[0]], [DELETE_REFUSED[1]])
    documents = {
        "Documents": [{"DocumentNumber": first["IntDocNumber"]}, {"DocumentNumber": second["IntDocNumber"]}]
    }
    rows = call(http, np_sim, "TrackingDocument", "getStatusDocuments", documents)["data"]
    assert rows[0]["StatusCode"] == "2" and rows[1]["StatusCode"] not in ("1", "2")


def test_document_list_filters_by_send_date_and_carries_the_client_barcode(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    call(
        http, np_sim, "InternetDocument", "save", save_properties(np_sim, http, InfoRegClientBarcodes="ORD-1")
    )
    call(http, np_sim, "InternetDocument", "save", save_properties(np_sim, http, DateTime="26.11.2025"))
    today = call(
        http,
        np_sim,
        "InternetDocument",
        "getDocumentList",
        {"DateTimeFrom": "24.11.2025", "DateTimeTo": "24.11.2025", "GetFullList": "1"},
    )
    assert [row["InfoRegClientBarcodes"] for row in today["data"]] == ["ORD-1"]
    assert today["info"] == {"totalCount": 1}


def test_duplicates_by_client_barcode_are_reported(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    for _ in range(2):
        call(
            http,
            np_sim,
            "InternetDocument",
            "save",
            save_properties(np_sim, http, InfoRegClientBarcodes="DUP"),
        )
    call(http, np_sim, "InternetDocument", "save", save_properties(np_sim, http, InfoRegClientBarcodes="ONE"))
    duplicates = np_sim.duplicates_by_client_barcode()
    assert list(duplicates) == ["DUP"] and len(duplicates["DUP"]) == 2


def test_admin_api_drives_time_errors_faults_and_reset(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    number = call(http, np_sim, "InternetDocument", "save", save_properties(np_sim, http))["data"][0][
        "IntDocNumber"
    ]
    advanced = http.post(np_sim.url + "/_sim/advance", json={"hours": 500}, timeout=5).json()
    assert advanced["now"].startswith("2025-12-15")
    state = http.get(np_sim.url + "/_sim/state", timeout=5).json()
    assert state["waybills"][0]["number"] == number
    assert state["waybills"][0]["status_code"] in {"9", "102", "105"}

    http.post(
        np_sim.url + "/_sim/envelope-errors",
        json={"count": 1, "code": "20000100016", "text": "Service unavailable"},
        timeout=5,
    )
    refused = call(http, np_sim, "Counterparty", "getCounterparties", {"CounterpartyProperty": "Sender"})
    assert (refused["errorCodes"], refused["errors"]) == (["20000100016"], ["Service unavailable"])
    assert call(http, np_sim, "Counterparty", "getCounterparties", {"CounterpartyProperty": "Sender"})[
        "success"
    ]

    http.post(np_sim.url + "/_sim/faults", json={"error_rate": 1.0, "error_status": 502}, timeout=5)
    assert http.post(np_sim.url + "/v2.0/json/", json={}, timeout=5).status_code == 502
    http.post(np_sim.url + "/_sim/faults", json={}, timeout=5)

    http.post(np_sim.url + "/_sim/reset", timeout=5)
    state = http.get(np_sim.url + "/_sim/state", timeout=5).json()
    assert (state["waybills"], state["calls"], state["sim_hours"]) == ([], {}, 0.0)


def test_admin_rejects_unknown_fault_options(np_sim: NovaPoshtaSimulator, http: requests.Session) -> None:
    response = http.post(np_sim.url + "/_sim/faults", json={"explode": True}, timeout=5)
    assert response.status_code == 400


def test_stalled_save_is_recorded_before_the_answer_comes(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    http.post(np_sim.url + "/_sim/stall-next-save", json={"seconds": 1.0}, timeout=5)
    body = {
        "apiKey": np_sim.api_key,
        "modelName": "InternetDocument",
        "calledMethod": "save",
        "methodProperties": save_properties(np_sim, http, InfoRegClientBarcodes="SLOW"),
    }
    with pytest.raises(requests.Timeout):
        http.post(np_sim.url + "/v2.0/json/", json=body, timeout=0.25)
    assert [w["client_barcode"] for w in np_sim.waybills()] == ["SLOW"]


def test_print_links_check_the_key_in_the_path(np_sim: NovaPoshtaSimulator, http: requests.Session) -> None:
    number = call(http, np_sim, "InternetDocument", "save", save_properties(np_sim, http))["data"][0][
        "IntDocNumber"
    ]
    good = http.get(
        f"{np_sim.url}/orders/printMarking85x85/orders/{number}/type/pdf8/apiKey/wire-key", timeout=5
    )
    bad = http.get(f"{np_sim.url}/orders/printDocument/orders/{number}/type/pdf/apiKey/other", timeout=5)
    assert good.status_code == 200 and good.headers["Content-Type"] == "application/pdf"
    assert bad.status_code == 403


def test_a_scripted_refusal_goes_103_then_102_with_a_return_waybill(
    np_sim: NovaPoshtaSimulator, http: requests.Session
) -> None:
    number = call(http, np_sim, "InternetDocument", "save", save_properties(np_sim, http))["data"][0][
        "IntDocNumber"
    ]
    outcome = np_sim.url + "/_sim/outcome"
    scripted = http.post(outcome, json={"number": number, "outcome": "refused"}, timeout=5)
    assert scripted.status_code == 200
    codes = []
    for hours in (60, 60, 60, 60):
        np_sim.advance(hours)
        [row] = call(http, np_sim, "TrackingDocument", "getStatusDocuments",
                     {"Documents": [{"DocumentNumber": number}]})["data"]  # fmt: skip
        codes.append(row["StatusCode"])
    assert "103" in codes and codes[-1] == "102"
    back_number = row["LastCreatedOnTheBasisNumber"]
    assert back_number not in ("", number)
    back = []
    for hours in (0, 20, 20):  # the return waybill: on its way, at the sender's branch, picked up
        np_sim.advance(hours)
        [returned] = call(http, np_sim, "TrackingDocument", "getStatusDocuments",
                          {"Documents": [{"DocumentNumber": back_number}]})["data"]  # fmt: skip
        back.append(returned["StatusCode"])
    assert back[-1] == "9" and back == sorted(back, key=int)
    unknown = http.post(outcome, json={"number": number, "outcome": "lost"}, timeout=5)
    missing = http.post(outcome, json={"number": "1" * 14, "outcome": "refused"}, timeout=5)
    assert (unknown.status_code, missing.status_code) == (400, 400)

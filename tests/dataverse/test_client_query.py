"""Queries: OData options, paging through @odata.nextLink, FetchXML."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from dataverse import DataverseClient, StaticTokenAuth, ValidationError, bind, odata_literal
from local_runtime.dataverse_emulator import DataverseEmulator
from tests.dataverse.conftest import FAST_RETRY

ROWS = 12_000


@pytest.fixture(scope="module")
def big() -> Iterator[tuple[DataverseEmulator, DataverseClient]]:
    """12,000 contacts, written once for the module with CreateMultiple."""
    with (
        DataverseEmulator() as emulator,
        DataverseClient(emulator.url, StaticTokenAuth("t"), retry=FAST_RETRY) as client,
    ):
        rows = [
            {"firstname": f"F{i:05d}", "lastname": ("Koval", "Bondar", "Lys")[i % 3], "address1_city": "Kyiv"}
            for i in range(ROWS)
        ]
        client.create_multiple("contacts", "contact", rows, chunk_size=1000)
        yield emulator, client


def test_paging_over_12000_rows_returns_each_row_once(big: tuple[DataverseEmulator, DataverseClient]) -> None:
    emulator, client = big
    emulator.counters.reset()
    ids = [row["contactid"] for row in client.query("contacts", select=["firstname"])]
    assert len(ids) == ROWS and len(set(ids)) == ROWS
    assert emulator.counters.snapshot()["requests_by_kind"] == {"query": 3}  # 5,000 + 5,000 + 2,000


def test_paging_with_orderby_and_a_small_page_size(big: tuple[DataverseEmulator, DataverseClient]) -> None:
    _, client = big
    names = [
        row["firstname"]
        for row in client.query(
            "contacts",
            select=["firstname"],
            filter="lastname eq 'koval'",
            orderby="firstname desc",
            page_size=1500,
        )
    ]
    assert len(names) == ROWS // 3 and len(set(names)) == ROWS // 3
    assert names == sorted(names, reverse=True)


def test_query_streams_lazily(big: tuple[DataverseEmulator, DataverseClient]) -> None:
    emulator, client = big
    emulator.counters.reset()
    rows = client.query("contacts", page_size=100)
    first = [next(rows) for _ in range(150)]
    assert len(first) == 150
    assert emulator.counters.snapshot()["requests_by_kind"] == {"query": 2}


def test_top_and_count(big: tuple[DataverseEmulator, DataverseClient]) -> None:
    _, client = big
    assert len(list(client.query("contacts", top=7, orderby=["lastname asc", "firstname asc"]))) == 7
    answer = client.request("GET", "contacts", params={"$count": "true", "$top": "1"})
    assert answer["@odata.count"] == 5000
    assert answer["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is True


def test_filter_operators(client: DataverseClient) -> None:
    account = client.create("accounts", {"name": "Contoso"})
    for first, last, city, phone in [
        ("Ann", "O'Hara", "Kyiv", True),
        ("Bob", "Smith", "Lviv", False),
        ("Cid", "Smithers", None, None),
        ("Dan", "Jones", "kyiv", False),
    ]:
        body = {"firstname": first, "lastname": last, "address1_city": city, "donotphone": phone}
        if first == "Bob":
            body["parentcustomerid_account@odata.bind"] = bind("accounts", account)
        client.create("contacts", body)

    def names(expression: str) -> list[str]:
        rows = client.query("contacts", filter=expression, select=["firstname"], orderby="firstname")
        return [row["firstname"] for row in rows]

    assert names("address1_city eq 'KYIV'") == ["Ann", "Dan"]  # text compares case-insensitively
    assert names("address1_city ne 'Kyiv'") == ["Bob"]  # a null column matches no comparison
    assert names("address1_city eq null") == ["Cid"]
    assert names("startswith(lastname,'smith') and not endswith(lastname,'ers')") == ["Bob"]
    assert names(f"contains(lastname,{odata_literal(chr(39))})") == ["Ann"]
    assert names("(donotphone eq true or firstname eq 'Dan') and address1_city ne null") == ["Ann", "Dan"]
    assert names(f"_parentcustomerid_value eq {account}") == ["Bob"]
    assert names("firstname gt 'B' and firstname le 'Cid'") == ["Bob", "Cid"]
    assert names("Microsoft.Dynamics.CRM.In(PropertyName='firstname',PropertyValues=['Ann','Dan'])") == [
        "Ann",
        "Dan",
    ]
    assert names("createdon ge 2000-01-01T00:00:00Z") == ["Ann", "Bob", "Cid", "Dan"]


def test_bad_queries_are_validation_errors(client: DataverseClient) -> None:
    with pytest.raises(ValidationError, match="Could not find a property named 'nosuch'"):
        list(client.query("contacts", filter="nosuch eq 1"))
    with pytest.raises(ValidationError, match="incompatible types"):
        list(client.query("contacts", filter=f"contactid eq '{uuid.uuid4()}'"))
    with pytest.raises(ValidationError):
        list(client.query("contacts", select=["parentcustomerid"]))


def test_expand_single_and_collection_navigation(client: DataverseClient) -> None:
    account = client.create("accounts", {"name": "Contoso"})
    order = client.create(
        "salesorders", {"name": "SO-9", "customerid_account@odata.bind": bind("accounts", account)}
    )
    for quantity in (1, 2):
        client.create(
            "salesorderdetails",
            {
                "productdescription": f"item {quantity}",
                "quantity": quantity,
                "priceperunit": 10.0,
                "salesorderid@odata.bind": bind("salesorders", order),
            },
        )
    row = client.retrieve(
        "salesorders",
        order,
        select=["name"],
        expand="customerid_account($select=name),order_details($select=quantity,extendedamount)",
    )
    assert row["customerid_account"]["name"] == "Contoso"
    assert sorted(d["extendedamount"] for d in row["order_details"]) == [10.0, 20.0]


def test_fetch_xml_by_id_list_with_like_and_order(client: DataverseClient) -> None:
    ids = [
        client.create("contacts", {"firstname": name, "lastname": "Test"}) for name in ("Ann", "Bob", "Cid")
    ]
    xml = f"""<fetch>
      <entity name="contact">
        <attribute name="firstname" />
        <order attribute="firstname" descending="true" />
        <filter type="and">
          <condition attribute="contactid" operator="in">
            <value>{ids[0]}</value><value>{{{ids[2].upper()}}}</value>
          </condition>
          <condition attribute="lastname" operator="like" value="te%" />
        </filter>
      </entity>
    </fetch>"""
    rows = list(client.fetch_xml("contacts", xml))
    assert [row["firstname"] for row in rows] == ["Cid", "Ann"]


def test_fetch_xml_pages_with_the_paging_cookie(client: DataverseClient, emulator: DataverseEmulator) -> None:
    client.create_multiple("contacts", "contact", [{"lastname": f"P{i}"} for i in range(7)])
    xml = (
        '<fetch><entity name="contact"><attribute name="lastname" />'
        '<order attribute="lastname" /></entity></fetch>'
    )
    emulator.counters.reset()
    rows = list(client.fetch_xml("contacts", xml, page_size=3))
    assert [row["lastname"] for row in rows] == [f"P{i}" for i in range(7)]
    assert emulator.counters.snapshot()["requests_by_kind"] == {"fetchxml": 3}
    top = '<fetch top="2"><entity name="contact"><attribute name="lastname" /></entity></fetch>'
    assert len(list(client.fetch_xml("contacts", top))) == 2


def test_fetch_xml_with_formatted_values(client: DataverseClient) -> None:
    client.create("salesorders", {"name": "SO-F", "statuscode": 1, "totalamount": 5.0})
    xml = '<fetch><entity name="salesorder"><attribute name="statuscode" /></entity></fetch>'
    (row,) = list(client.fetch_xml("salesorders", xml, formatted=True))
    assert row["statuscode@OData.Community.Display.V1.FormattedValue"] == "New"

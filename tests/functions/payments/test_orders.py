"""Reading an order: the Web API row (with $expand) becomes what an invoice needs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from functions.payments.orders import order_from_row

ORDER_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"


def test_a_contact_order_with_lines_in_line_number_order() -> None:
    row = {  # shaped like GET salesorders(id)?$select=...&$expand=... answers
        "ordernumber": "ORD-01042-K7P2Q",
        "name": "Office furniture",
        "freightamount": 12.5,
        "transactioncurrencyid": {"isocurrencycode": "EUR", "transactioncurrencyid": "d5c3e4f6"},
        "customerid_contact": {
            "emailaddress1": "olena@example.com",
            "firstname": "Olena",
            "lastname": "Koval",
            "contactid": "c0ffee00-0000-4000-8000-000000000001",
        },
        "customerid_account": None,
        "order_details": [
            {"productdescription": "Desk", "quantity": 1.0, "priceperunit": 260.0, "lineitemnumber": 2},
            {"productdescription": "Chair", "quantity": 2.0, "priceperunit": 120.1, "lineitemnumber": 1},
            {"productdescription": None, "quantity": 0.0, "priceperunit": 5.0, "lineitemnumber": 3},
        ],
    }
    order = order_from_row(ORDER_ID, row)
    assert (order.number, order.currency, order.freight) == ("ORD-01042-K7P2Q", "EUR", Decimal("12.5"))
    assert order.customer is not None and order.customer.contact_id == "c0ffee00-0000-4000-8000-000000000001"
    assert [(line.name, line.quantity, line.unit_price) for line in order.lines] == [
        ("Chair", Decimal("2.0"), Decimal("120.1")),
        ("Desk", Decimal("1.0"), Decimal("260.0")),
        ("Item 3", Decimal("0.0"), Decimal("5.0")),  # a zero quantity stays zero (and is refused later)
    ]


def test_an_account_order_invoices_the_company() -> None:
    row: dict[str, Any] = {
        "ordernumber": None,
        "name": "Fleet order",
        "transactioncurrencyid": {"isocurrencycode": "PLN"},
        "customerid_contact": None,
        "customerid_account": {"name": "Kvitka LLC", "emailaddress1": "billing@kvitka.example"},
        "order_details": [],
    }
    order = order_from_row(ORDER_ID, row)
    assert order.number == "Fleet order" and order.currency == "PLN" and order.lines == []
    assert order.customer is not None
    assert (order.customer.business_name, order.customer.email, order.customer.contact_id) == (
        "Kvitka LLC",
        "billing@kvitka.example",
        None,
    )

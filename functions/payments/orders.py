"""The order source on Dataverse: a ``salesorder`` with its currency, customer and lines, in one request."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from functions.payments.drafts import Customer, OrderData, OrderLine
from functions.payments.repository import DataverseTable, decimal_of

_EXPAND = ",".join(
    (
        "transactioncurrencyid($select=isocurrencycode)",
        "customerid_contact($select=emailaddress1,firstname,lastname)",
        "customerid_account($select=name,emailaddress1)",
        "order_details($select=productdescription,quantity,priceperunit,lineitemnumber)",
    )
)


class OrderReader:
    def __init__(self, client: DataverseTable) -> None:
        self._client = client

    def read_order(self, order_id: str) -> OrderData:
        """NotFoundError when there is no such order."""
        select = ["ordernumber", "name", "freightamount"]
        return order_from_row(
            order_id, self._client.retrieve("salesorders", order_id, select=select, expand=_EXPAND)
        )


def order_from_row(order_id: str, row: Mapping[str, Any]) -> OrderData:
    currency = row.get("transactioncurrencyid") or {}
    contact = row.get("customerid_contact")
    account = row.get("customerid_account")
    customer = None
    if contact:
        customer = Customer(
            email=contact.get("emailaddress1"),
            given_name=contact.get("firstname"),
            surname=contact.get("lastname"),
            contact_id=contact.get("contactid"),
        )
    elif account:
        customer = Customer(email=account.get("emailaddress1"), business_name=account.get("name"))
    details = sorted(row.get("order_details") or [], key=lambda d: d.get("lineitemnumber") or 0)
    lines = [
        OrderLine(
            name=str(detail.get("productdescription") or f"Item {index}"),
            quantity=_or(decimal_of(detail.get("quantity")), Decimal(1)),
            unit_price=_or(decimal_of(detail.get("priceperunit")), Decimal(0)),
        )
        for index, detail in enumerate(details, start=1)
    ]
    return OrderData(
        order_id=order_id,
        number=row.get("ordernumber") or row.get("name"),
        currency=currency.get("isocurrencycode") if isinstance(currency, Mapping) else None,
        customer=customer,
        lines=lines,
        freight=decimal_of(row.get("freightamount")),
    )


def _or(value: Decimal | None, default: Decimal) -> Decimal:
    """``value`` unless it is missing (a zero stays zero and is refused later, never replaced)."""
    return default if value is None else value

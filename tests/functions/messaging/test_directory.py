"""FetchXML selections get the contact columns sending needs; anything but contacts is refused."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from functions.messaging.directory import CONTACT_COLUMNS, in_filter, with_contact_columns


def test_missing_contact_columns_are_added_and_paging_attributes_dropped() -> None:
    entity = "<entity name='contact'><attribute name='firstname'/></entity>"
    root = ElementTree.fromstring(with_contact_columns(f"<fetch page='3' paging-cookie='x'>{entity}</fetch>"))  # noqa: S314
    names = [element.get("name") for element in root.iter("attribute")]
    assert sorted(names) == sorted(CONTACT_COLUMNS)
    assert root.get("page") is None and root.get("paging-cookie") is None


def test_all_attributes_is_left_as_is() -> None:
    query = "<fetch><entity name='contact'><all-attributes/></entity></fetch>"
    assert not list(ElementTree.fromstring(with_contact_columns(query)).iter("attribute"))  # noqa: S314


@pytest.mark.parametrize(
    "query",
    [
        "<fetch><entity name='account'><attribute name='name'/></entity></fetch>",
        "<fetch><entity name='contact'>",
        "<savedquery/>",
        "<!DOCTYPE fetch [<!ENTITY a 'aaaa'>]><fetch><entity name='contact'>&a;</entity></fetch>",
    ],
)
def test_queries_not_on_contacts_are_refused(query: str) -> None:
    with pytest.raises(ValueError):
        with_contact_columns(query)


def test_in_filters_quote_values_the_odata_way() -> None:
    assert in_filter("smart_phone", ["+380501234567", "O'Brien"]) == (
        "Microsoft.Dynamics.CRM.In(PropertyName='smart_phone',PropertyValues=['+380501234567','O''Brien'])"
    )

"""What Dataverse knows about recipients: contacts (phone, country, opt-out flags, names for templates),
the Customer Insights - Journeys contact-point consent table where it is installed, and how many
messages a phone got recently (frequency cap). Reads only, in as few requests as the filters allow."""

from __future__ import annotations

import logging
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from dataverse import DataverseClient, NotFoundError, ValidationError
from dataverse.schema import MessageStatus
from functions.messaging.rules import ConsentValue, Purpose

log = logging.getLogger(__name__)

CONTACT_COLUMNS = (
    "contactid", "firstname", "lastname", "fullname", "mobilephone", "address1_country",
    "smart_donotsms", "smart_donotviber",
)  # fmt: skip
CONSENTS, PURPOSES = "msdynmkt_contactpointconsent4s", "msdynmkt_purposes"
# msdynmkt_contactpointtype: 534120001 Text Message, 534120002 Custom (a custom channel such as Viber)
_POINT_CHANNELS = {534120001: "sms", 534120002: "viber"}
_CONSENT_VALUES = {
    534120000: ConsentValue.NOT_SET,
    534120001: ConsentValue.OPTED_IN,
    534120002: ConsentValue.OPTED_OUT,
}
_PURPOSE_TYPES = {534120000: Purpose.COMMERCIAL, 534120001: Purpose.TRANSACTIONAL}
_CONSENT_COLUMNS = (
    "msdynmkt_contactpointvalue", "msdynmkt_contactpointtype", "msdynmkt_value",
    "_msdynmkt_purposeid_value", "_msdynmkt_topicid_value",
)  # fmt: skip
_IN_CHUNK = 200


@dataclass(frozen=True)
class Contact:
    id: str
    phone: str | None
    country: str | None
    donot_sms: bool
    donot_viber: bool
    variables: Mapping[str, Any]

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Contact:
        variables = {name: value for name, value in row.items() if not name.startswith(("@", "_"))}
        names = {"first_name": "firstname", "last_name": "lastname", "full_name": "fullname"}
        variables.update({alias: row.get(column) for alias, column in names.items()})
        return cls(
            id=str(row["contactid"]),
            phone=row.get("mobilephone"),
            country=row.get("address1_country"),
            donot_sms=bool(row.get("smart_donotsms")),
            donot_viber=bool(row.get("smart_donotviber")),
            variables=variables,
        )


def in_filter(column: str, values: Iterable[str]) -> str:
    literals = ",".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"Microsoft.Dynamics.CRM.In(PropertyName='{column}',PropertyValues=[{literals}])"


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), _IN_CHUNK):
        yield unique[start : start + _IN_CHUNK]


class ContactDirectory:
    def __init__(self, client: DataverseClient, *, consent_cache_seconds: float = 3600.0) -> None:
        self.client = client
        self._consent_cache_seconds = consent_cache_seconds
        self._lock = threading.Lock()
        self._purposes: dict[str, Purpose] | None = None
        self._checked_at = 0.0

    # ---- contacts --------------------------------------------------------------------------------

    def contact(self, contact_id: str) -> Contact | None:
        try:
            return Contact.of(self.client.retrieve("contacts", contact_id, select=CONTACT_COLUMNS))
        except NotFoundError:
            return None

    def contacts(self, ids: Iterable[str]) -> dict[str, Contact]:
        found: dict[str, Contact] = {}
        for part in _chunks(str(i).lower() for i in ids):
            for row in self.client.query(
                "contacts", filter=in_filter("contactid", part), select=CONTACT_COLUMNS
            ):
                contact = Contact.of(row)
                found[contact.id.lower()] = contact
        return found

    def contacts_page(self, fetch_xml: str, *, page: int, count: int, cookie: str | None) -> ContactPage:
        """One page of a FetchXML selection (``count`` rows; ``cookie`` from the previous page)."""
        root = ElementTree.fromstring(with_contact_columns(fetch_xml))  # noqa: S314 - checked just above
        root.set("page", str(page))
        root.set("count", str(count))
        if cookie:
            root.set("paging-cookie", cookie)
        query = ElementTree.tostring(root, encoding="unicode")
        payload = self.client.request("GET", "contacts", params={"fetchXml": query}, headers=_PAGING) or {}
        contacts = [Contact.of(row) for row in payload.get("value", [])]
        more = bool(payload.get("@Microsoft.Dynamics.CRM.morerecords"))
        return ContactPage(
            contacts, more, _paging_cookie(payload.get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"))
        )

    def view_fetch_xml(self, view_id: str) -> str | None:
        """The FetchXML of a system view (``savedquery``) or a personal view (``userquery``)."""
        for entity_set in ("savedqueries", "userqueries"):
            try:
                row = self.client.retrieve(entity_set, view_id, select=["fetchxml", "returnedtypecode"])
            except (NotFoundError, ValidationError):
                continue
            xml = row.get("fetchxml")
            if isinstance(xml, str) and xml.strip():
                return xml
        return None

    # ---- consent ---------------------------------------------------------------------------------

    def consent_points(self, phones: Iterable[str]) -> dict[str, dict[tuple[str, Purpose], ConsentValue]]:
        """Purpose-level consent rows per phone (E.164); empty when the table is not installed."""
        purposes = self._purpose_types()
        result: dict[str, dict[tuple[str, Purpose], ConsentValue]] = {}
        if not purposes:
            return result
        for part in _chunks(phones):
            condition = f"{in_filter('msdynmkt_contactpointvalue', part)} and statecode eq 0"
            for row in self.client.query(CONSENTS, filter=condition, select=_CONSENT_COLUMNS):
                channel = _POINT_CHANNELS.get(row.get("msdynmkt_contactpointtype") or 0)
                purpose = purposes.get(str(row.get("_msdynmkt_purposeid_value") or "").lower())
                value = _CONSENT_VALUES.get(row.get("msdynmkt_value") or 0)
                if channel is None or purpose is None or value is None or row.get("_msdynmkt_topicid_value"):
                    continue
                result.setdefault(str(row["msdynmkt_contactpointvalue"]), {})[(channel, purpose)] = value
        return result

    def _purpose_types(self) -> dict[str, Purpose]:
        with self._lock:
            fresh = time.monotonic() - self._checked_at < self._consent_cache_seconds
            if self._purposes is not None and fresh:
                return self._purposes
        try:
            rows = self.client.query(PURPOSES, select=["msdynmkt_purposeid", "msdynmkt_type"])
            purposes = {
                str(row["msdynmkt_purposeid"]).lower(): _PURPOSE_TYPES[row["msdynmkt_type"]]
                for row in rows
                if row.get("msdynmkt_type") in _PURPOSE_TYPES
            }
        except (NotFoundError, ValidationError):
            log.info("contact-point consent is not installed; consent comes from the contact flags only")
            purposes = {}
        with self._lock:
            self._purposes, self._checked_at = purposes, time.monotonic()
        return purposes

    # ---- frequency ---------------------------------------------------------------------------------

    def recent_counts(self, phones: Iterable[str], since: datetime) -> Counter[str]:
        """Messages recorded per phone since ``since`` (not counting ones that were not sent)."""
        counts: Counter[str] = Counter()
        moment = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        recent = f"smart_queuedon ge {moment} and smart_status ne {MessageStatus.NOT_SENT.option_value}"
        for part in _chunks(phones):
            condition = f"{in_filter('smart_phone', part)} and {recent}"
            for row in self.client.query("smart_messages", filter=condition, select=["smart_phone"]):
                counts[str(row["smart_phone"])] += 1
        return counts


@dataclass(frozen=True)
class ContactPage:
    contacts: list[Contact]
    more: bool
    cookie: str | None


_ANNOTATIONS = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords"
_PAGING = {"Prefer": f'odata.include-annotations="{_ANNOTATIONS}"'}


def _paging_cookie(annotation: object) -> str | None:
    """Dataverse answers ``<cookie pagenumber="2" pagingcookie="%253ccookie..."/>``, double-encoded."""
    if not isinstance(annotation, str) or not annotation.strip():
        return None
    element = ElementTree.fromstring(annotation)  # noqa: S314 - returned by Dataverse for our own query
    cookie = element.get("pagingcookie")
    return unquote(unquote(cookie)) if cookie else None


def with_contact_columns(fetch_xml: str) -> str:
    """Add the contact columns sending needs to a FetchXML query on ``contact``; ValueError otherwise."""
    if "<!" in fetch_xml:
        raise ValueError("DOCTYPE and ENTITY declarations are not allowed in FetchXML")
    try:
        root = ElementTree.fromstring(fetch_xml)  # noqa: S314 - declarations refused above; no entities
    except ElementTree.ParseError as error:
        raise ValueError(f"not well-formed XML: {error}") from None
    entity = root.find("entity")
    if root.tag != "fetch" or entity is None:
        raise ValueError("must be <fetch><entity name='contact'>...</entity></fetch>")
    if entity.get("name") != "contact":
        raise ValueError(f"must select contacts, not {entity.get('name')!r}")
    if entity.find("all-attributes") is None:
        present = {element.get("name") for element in entity.findall("attribute")}
        for column in CONTACT_COLUMNS:
            if column not in present:
                ElementTree.SubElement(entity, "attribute", {"name": column})
    root.attrib.pop("page", None)
    root.attrib.pop("paging-cookie", None)
    return ElementTree.tostring(root, encoding="unicode")

"""Sender profiles: which Nova Poshta account (API key) and sender (counterparty, contact, sending branch)
a waybill is created under, and the rule that picks one for an order.

A profile is chosen in this order: the one the request names; the first profile whose
``business_units`` holds the order's owning business unit; the first whose ``order_types`` holds the
order's type (the value of the column named by ``SHIPPING_ORDER_TYPE_COLUMN``); the default profile.

``counterparty_ref``, ``contact_ref`` and ``phone`` may be left out: they are then read once from
Nova Poshta (the account's first sender counterparty and its first contact person). ``city_ref`` and
``address_ref`` (the sending branch) are a business decision and must be configured.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict, SecretStr

from connectors.novaposhta import NovaPoshtaClient, Phone, Ref, Sender
from functions.common.problems import Problem


class SenderProfileConfig(BaseModel):
    """One sender profile as configured (``NOVAPOSHTA_SENDER_PROFILES`` entry)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: SecretStr | None = None
    counterparty_ref: Ref | None = None
    contact_ref: Ref | None = None
    phone: Phone | None = None
    city_ref: Ref | None = None
    address_ref: Ref | None = None
    business_units: tuple[uuid.UUID, ...] = ()
    order_types: tuple[str, ...] = ()


def choose_profile(
    profiles: Mapping[str, SenderProfileConfig],
    default: str,
    *,
    requested: str | None = None,
    business_unit: str | None = None,
    order_type: str | None = None,
) -> str:
    """The profile name for a shipment (see the module docstring); 422 for an unknown requested name."""
    if requested:
        if requested not in profiles:
            raise Problem(
                422,
                f"Unknown sender profile {requested!r}.",
                errors=[{"field": "sender_profile", "message": f"use one of {sorted(profiles)}"}],
            )
        return requested
    if business_unit:
        wanted = _uuid(business_unit)
        for name, profile in profiles.items():
            if wanted is not None and wanted in profile.business_units:
                return name
    if order_type:
        for name, profile in profiles.items():
            if order_type in profile.order_types:
                return name
    return default


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class SenderDirectory:
    """The configured profiles, one Nova Poshta client per API key, and each profile's ``Sender``."""

    def __init__(
        self,
        profiles: Mapping[str, SenderProfileConfig],
        default: str,
        default_api_key: str,
        client_for_key: Callable[[str], NovaPoshtaClient],
    ) -> None:
        if default not in profiles:
            raise ValueError(f"default sender profile {default!r} is not configured")
        self.profiles = dict(profiles)
        self.default = default
        self._default_key = default_api_key
        self._client_for_key = client_for_key
        self._senders: dict[str, Sender] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        return sorted(self.profiles)

    def choose(
        self, requested: str | None, business_unit: str | None = None, order_type: str | None = None
    ) -> str:
        return choose_profile(
            self.profiles,
            self.default,
            requested=requested,
            business_unit=business_unit,
            order_type=order_type,
        )

    def api_key(self, name: str) -> str:
        key = self._profile(name).api_key
        return key.get_secret_value() if key is not None else self._default_key

    def client(self, name: str | None = None) -> NovaPoshtaClient:
        return self._client_for_key(self.api_key(name or self.default))

    def sender(self, name: str) -> Sender:
        """The profile's sender; refs not configured are read from Nova Poshta once."""
        with self._lock:
            cached = self._senders.get(name)
        if cached is not None:
            return cached
        profile = self._profile(name)
        if profile.city_ref is None or profile.address_ref is None:
            raise Problem(
                503,
                f"Sender profile {name!r} has no sending city or branch; set city_ref and address_ref "
                "(NOVAPOSHTA_SENDER_CITY_REF / NOVAPOSHTA_SENDER_ADDRESS_REF for the default profile).",
            )
        counterparty_ref, contact_ref, phone = profile.counterparty_ref, profile.contact_ref, profile.phone
        client = self.client(name)
        if counterparty_ref is None:
            counterparties = client.get_counterparties("Sender")
            if not counterparties:
                raise Problem(503, f"Nova Poshta account of profile {name!r} has no sender counterparty.")
            counterparty_ref = counterparties[0].ref
        if contact_ref is None or phone is None:
            contacts = client.get_counterparty_contact_persons(counterparty_ref)
            if not contacts:
                raise Problem(503, f"Sender of profile {name!r} has no contact person in Nova Poshta.")
            contact_ref = contact_ref or contacts[0].ref
            phone = phone or contacts[0].phones.split(",")[0].strip()
        sender = Sender(
            counterparty_ref=counterparty_ref,
            contact_ref=contact_ref,
            city_ref=profile.city_ref,
            address_ref=profile.address_ref,
            phone=phone,
        )
        with self._lock:
            self._senders[name] = sender
        return sender

    def _profile(self, name: str) -> SenderProfileConfig:
        try:
            return self.profiles[name]
        except KeyError:
            raise Problem(422, f"Unknown sender profile {name!r}.") from None

"""The registry card (``GET /v1/usr/{code}``), the "not found" result and the key balance.

The card's shape differs by ``contractorType`` (reference §4.3): a legal entity has ``name`` as
``{fullName, shortName}`` and a ``code``; a sole trader (ФОП) has ``name`` as a plain string and no
``code``. ``RegistryCard.from_payload`` folds both into one model, keeping YouScore's field names in
snake_case. What a sole trader's card carries beyond ``name`` is NOT FOUND in the spec (it links an
external example); the fields below are all optional so either shape parses.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from connectors.youcontrol._base import LenientDatetime, WireModel, as_list
from connectors.youcontrol.codes import CounterpartyKind

_HEAD_ROLE = "керівник"
_SOLE_TRADER_TYPE_MARK = "ФОП"
_TERMINATED_MARK = "припинен"


class Address(WireModel):
    zip: str | None = None
    country: str | None = None
    region: str | None = None
    district: str | None = None
    city: str | None = None
    street: str | None = None
    building: str | None = None
    apartment: str | None = None


class EconomicActivity(WireModel):
    """A КВЕД (NACE) activity."""

    code: str | None = None
    description: str | None = None
    is_main: bool = False


class Signer(WireModel):
    """A person entitled to act for the company; the director has role ``керівник``."""

    name: str | None = None
    role: str | None = None
    description: str | None = None
    appoint_date: LenientDatetime = None

    @property
    def is_head(self) -> bool:
        return _HEAD_ROLE in (self.role or "").lower()


class Founder(WireModel):
    """A founder or an ultimate beneficial owner (``ownership_type`` is null for a plain founder)."""

    name: str | None = None
    code: str | None = None
    address: str | None = None
    capital: float | None = None
    ownership_type: str | None = None
    ownership_percent: float | None = None
    interest: float | None = None
    indirect_interest: float | None = None
    country: str | None = None
    type: int | None = None  # YouScore's BeneficiaryType (1 or 2); its meaning is not documented
    beneficiary_false: bool | None = None

    @property
    def is_beneficiary(self) -> bool:
        """[infer] The spec says ownershipType and the interests are null for a plain founder."""
        return self.ownership_type is not None or self.interest is not None


class Contacts(WireModel):
    phone: str | None = None
    additional_phone: str | None = None
    email: str | None = None
    web_site: str | None = None


class TerminationStatus(WireModel):
    date: LenientDatetime = None
    subject: str | None = None
    court: str | None = None
    status: str | None = None


class RegistrationOfTermination(WireModel):
    entry_date: LenientDatetime = None
    entry_number: str | None = None
    status: str | None = None


class BankruptcyStatus(WireModel):
    date: LenientDatetime = None
    subject: str | None = None
    court: str | None = None
    event: str | None = None


class RegistryCard(WireModel):
    """A counterparty's card in the state register (ЄДР)."""

    code: str
    contractor_type: str | None = None
    full_name: str | None = None
    short_name: str | None = None
    name_in_english: str | None = None
    legal_form: str | None = None
    status: str | None = None
    registration_date: LenientDatetime = None
    actual_date: LenientDatetime = None
    address: str | None = None
    address_parts: Address | None = None
    main_activity: EconomicActivity | None = Field(default=None, alias="mainEconomicActivity")
    activities: list[EconomicActivity] = Field(default_factory=list, alias="economicActivities")
    signers: list[Signer] = Field(default_factory=list)
    founders: list[Founder] = Field(default_factory=list)
    authorised_capital: float | None = None
    contacts: Contacts | None = None
    termination_status: TerminationStatus | None = None
    registration_of_termination: RegistrationOfTermination | None = None
    bankruptcy_status: BankruptcyStatus | None = None

    @classmethod
    def from_payload(cls, code: str, payload: Any) -> RegistryCard:
        """Parse a ``/v1/usr`` body of either shape; ``code`` fills in when the body has none (ФОП)."""
        body = dict(payload) if isinstance(payload, dict) else {}
        name = body.pop("name", None)
        if isinstance(name, dict):
            body.setdefault("fullName", name.get("fullName"))
            body.setdefault("shortName", name.get("shortName"))
        elif isinstance(name, str):
            body.setdefault("fullName", name)
        english = body.pop("nameInEnglish", None)
        if isinstance(english, dict):
            body["nameInEnglish"] = english.get("fullName") or english.get("shortName")
        elif isinstance(english, str):
            body["nameInEnglish"] = english
        capital = body.get("foundingCapital")
        if isinstance(capital, dict):
            body.setdefault("authorisedCapital", capital.get("sum"))
        body.setdefault("registrationDate", _registration_date(body))
        if not isinstance(body.get("address"), str):
            body["address"] = None
        for list_field in ("economicActivities", "signers", "founders"):
            body[list_field] = as_list(body.get(list_field))
        body["code"] = body.get("code") or code
        return cls.model_validate(body)

    @property
    def kind(self) -> CounterpartyKind:
        if self.contractor_type:
            is_sole_trader = _SOLE_TRADER_TYPE_MARK in self.contractor_type
        else:
            is_sole_trader = len(self.code) == 10
        return CounterpartyKind.SOLE_TRADER if is_sole_trader else CounterpartyKind.COMPANY

    @property
    def heads(self) -> list[Signer]:
        return [signer for signer in self.signers if signer.is_head]

    @property
    def director(self) -> Signer | None:
        heads = self.heads
        return heads[0] if heads else None

    @property
    def beneficiaries(self) -> list[Founder]:
        return [founder for founder in self.founders if founder.is_beneficiary]

    @property
    def is_terminated(self) -> bool:
        """Termination registered (the company or ФОП no longer exists)."""
        if self.registration_of_termination is not None and self.registration_of_termination.entry_date:
            return True
        return (self.status or "").lower().startswith(_TERMINATED_MARK)

    @property
    def in_termination(self) -> bool:
        return self.termination_status is not None and not self.is_terminated

    @property
    def in_bankruptcy(self) -> bool:
        return self.bankruptcy_status is not None


def _registration_date(body: dict[str, Any]) -> Any:
    for block, field in (
        ("registrationBeforeLaw", "date"),
        ("registrationViaReformation", "date"),
        ("registrationAfterLaw", "entryDate"),
        ("registrationBeforeLaw", "entryDate"),
    ):
        value = body.get(block)
        if isinstance(value, dict) and value.get(field):
            return value[field]
    return None


class NotFound(WireModel):
    """YouScore answered 404: it has no such record for this module and code. Not cached."""

    module: str
    code: str


class EndpointUsage(WireModel):
    api: str | None = None
    endpoint: str | None = None
    count: int = 0


class KeyBalance(WireModel):
    """``GET /v1/rateLimits`` (free): the key's paid-transaction budget, refreshed every 30 s."""

    actual_date: LenientDatetime = None
    total_limits: int | None = None
    requests_left: int | None = None
    requests_count: list[EndpointUsage] = Field(default_factory=list)

"""YouScore modules and their API keys.

YouScore sells keys per product ("Data", "Analytics", PDF reports...; reference §4.1), so each module
this connector calls has its own key slot. One key may serve several modules (``shared``), or a Data
key and an Analytics key may be split the way the spec labels the endpoints (``data_and_analytics``).
A module without a key raises ``ModuleNotConfiguredError`` before any HTTP call. Keys never appear in
``repr``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from enum import StrEnum

from connectors.youcontrol.errors import ModuleNotConfiguredError


class YouScoreModule(StrEnum):
    """What is asked for; also the cache and the error-message vocabulary."""

    REGISTRY = "registry"  # GET /v1/usr/{code}                DATA
    SANCTIONS = "sanctions"  # GET /v1/sanctions?contractorCode= ANALYTICS
    TAX_DEBT = "tax_debt"  # GET /v1/taxDebt/{code}            DATA
    COURTS = "courts"  # GET /v1/courtCaseGroup/{code}         ANALYTICS
    EXPRESS = "express"  # GET /v1/expressAnalysis/{code}     ANALYTICS
    VAT = "vat"  # GET /v1/vat/{code}                         DATA
    SCORING = "scoring"  # GET /v1/financialScoring/{code}    ANALYTICS


DATA_MODULES = frozenset({YouScoreModule.REGISTRY, YouScoreModule.TAX_DEBT, YouScoreModule.VAT})
ANALYTICS_MODULES = frozenset(set(YouScoreModule) - DATA_MODULES)


@dataclass(frozen=True)
class YouScoreKeys:
    """One optional API key per module. ``vat`` and ``scoring`` are extras a contract may not include."""

    registry: str | None = field(default=None, repr=False)
    sanctions: str | None = field(default=None, repr=False)
    tax_debt: str | None = field(default=None, repr=False)
    courts: str | None = field(default=None, repr=False)
    express: str | None = field(default=None, repr=False)
    vat: str | None = field(default=None, repr=False)
    scoring: str | None = field(default=None, repr=False)

    @classmethod
    def shared(cls, key: str, *, vat: bool = True, scoring: bool = True) -> YouScoreKeys:
        """One key for every module (``vat``/``scoring`` optional)."""
        return cls(key, key, key, key, key, key if vat else None, key if scoring else None)

    @classmethod
    def data_and_analytics(
        cls, data: str, analytics: str, *, vat: bool = True, scoring: bool = True
    ) -> YouScoreKeys:
        """The Data key for registry, tax debt and VAT; the Analytics key for the rest."""
        return cls(
            registry=data,
            sanctions=analytics,
            tax_debt=data,
            courts=analytics,
            express=analytics,
            vat=data if vat else None,
            scoring=analytics if scoring else None,
        )

    def key_for(self, module: YouScoreModule) -> str:
        key: str | None = getattr(self, module.value)
        if not key:
            raise ModuleNotConfiguredError(module.value)
        return key

    def configured(self) -> frozenset[YouScoreModule]:
        return frozenset(YouScoreModule(f.name) for f in fields(self) if getattr(self, f.name))

    def __repr__(self) -> str:
        names = ", ".join(sorted(m.value for m in self.configured()))
        return f"YouScoreKeys(configured=[{names}])"


def key_fingerprint(key: str) -> str:
    """A short, non-reversible name for a key: rate-limit partition and log label."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]

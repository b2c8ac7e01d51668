"""Shared pydantic base for YouScore payloads: camelCase on the wire, extra fields ignored, lenient dates."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic.alias_generators import to_camel


def _lenient_datetime(value: Any, handler: ValidatorFunctionWrapHandler) -> datetime | None:
    """A date YouScore sends empty or in an unexpected format becomes None instead of failing the card."""
    if value in (None, ""):
        return None
    try:
        parsed: datetime | None = handler(value)
    except ValidationError:
        return None
    return parsed


LenientDatetime = Annotated[datetime | None, WrapValidator(_lenient_datetime)]


class WireModel(BaseModel):
    """Base of every response model: tolerant of fields YouScore adds later, immutable once parsed."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


def as_list(value: Any) -> list[Any]:
    """YouScore documents some lists as single objects (sanctions, scoring): accept both, and null."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]

"""Typed shape of a Dataverse event: the context's ids and pipeline data, target, images, parameters."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from dataverse.errors import DataverseError


class MalformedEventError(DataverseError, ValueError):
    """The payload is not a usable execution context; ``path`` names the offending field."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"malformed Dataverse event at {path}: {problem}")


class EntityReference(BaseModel):
    model_config = ConfigDict(frozen=True)

    logical_name: str
    id: uuid.UUID
    name: str | None = None


class OptionSetValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: int


class Money(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: Decimal


class Entity(BaseModel):
    """A row as the context carries it: only the columns that were set, changed or imaged."""

    model_config = ConfigDict(frozen=True)

    logical_name: str
    id: uuid.UUID | None = None
    attributes: dict[str, Any] = {}
    formatted_values: dict[str, str] = {}
    row_version: str | None = None

    def __getitem__(self, name: str) -> Any:
        return self.attributes[name]

    def __contains__(self, name: object) -> bool:
        return name in self.attributes

    def get(self, name: str, default: Any = None) -> Any:
        return self.attributes.get(name, default)


class DataverseEvent(BaseModel):
    """One Dataverse event. ``target`` / images are attribute dicts; the full entities are kept too."""

    model_config = ConfigDict(frozen=True)

    message: str
    table: str
    record_id: uuid.UUID
    target: dict[str, Any] | None = None
    target_entity: Entity | None = None
    target_reference: EntityReference | None = None
    pre_image: dict[str, Any] | None = None
    post_image: dict[str, Any] | None = None
    pre_images: dict[str, Entity] = {}
    post_images: dict[str, Entity] = {}
    input_parameters: dict[str, Any] = {}
    output_parameters: dict[str, Any] = {}
    shared_variables: dict[str, Any] = {}
    correlation_id: uuid.UUID | None = None
    operation_id: uuid.UUID | None = None
    request_id: uuid.UUID | None = None
    operation_created_on: datetime | None = None
    depth: int = 1
    stage: int | None = None
    mode: int | None = None
    user_id: uuid.UUID | None = None
    initiating_user_id: uuid.UUID | None = None
    business_unit_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    organization_name: str | None = None
    secondary_table: str | None = None
    owning_extension: EntityReference | None = None
    trimmed: bool = False

    def value(self, column: str, default: Any = None) -> Any:
        """The row's value after the operation as far as the event knows: target, post image, pre image."""
        for source in (self.target, self.post_image, self.pre_image):
            if source is not None and column in source:
                return source[column]
        return default

    def changed(self, column: str) -> bool:
        """True when the operation set ``column`` (it is in the target) to a value different from the
        pre image (or when there is no pre image to compare with)."""
        if self.target is None or column not in self.target:
            return False
        return self.pre_image is None or self.pre_image.get(column) != self.target[column]

    @property
    def dedupe_key(self) -> str:
        """Stable across redeliveries of the same event: message, table, row and operation."""
        operation = self.operation_id or self.request_id or self.correlation_id
        return f"{self.message}:{self.table}:{self.record_id}:{operation}"

"""Parse a serialised ``RemoteExecutionContext`` (webhook body or Service Bus JSON body)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from dataverse.events.models import (
    DataverseEvent,
    Entity,
    EntityReference,
    MalformedEventError,
    Money,
    OptionSetValue,
)

WEBHOOK_TRIMMED_HEADER = "x-ms-dynamics-msg-size-exceeded"
SERVICEBUS_TRIMMED_PROPERTY = "MessageMaxSizeExceeded"
_WCF_DATE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{2})(\d{2}))?\)/$")


def parse_webhook(body: bytes | str, headers: Mapping[str, str]) -> DataverseEvent:
    """Parse a webhook POST body; the size-exceeded header marks the event trimmed."""
    trimmed = any(name.lower() == WEBHOOK_TRIMMED_HEADER for name in headers)
    return parse_event(body, trimmed=trimmed)


def parse_servicebus_message(body: bytes | str, application_properties: Mapping[Any, Any]) -> DataverseEvent:
    """Parse a Service Bus message body (JSON format); ``MessageMaxSizeExceeded`` marks it trimmed.

    Property names may be ``bytes`` (as azure-servicebus hands them over) or ``str``.
    """
    names = {k.decode("utf-8", "replace") if isinstance(k, bytes) else str(k) for k in application_properties}
    return parse_event(body, trimmed=SERVICEBUS_TRIMMED_PROPERTY in names)


def parse_event(payload: bytes | str | Mapping[str, Any], *, trimmed: bool = False) -> DataverseEvent:
    """Parse a RemoteExecutionContext (raw JSON or already decoded); MalformedEventError names the field."""
    context = _load(payload)
    inputs = _pairs(context.get("InputParameters"), "InputParameters")
    pre_images = _images(context.get("PreEntityImages"), "PreEntityImages")
    post_images = _images(context.get("PostEntityImages"), "PostEntityImages")
    raw_target = inputs.get("Target")
    target_entity = raw_target if isinstance(raw_target, Entity) else None
    target_reference = raw_target if isinstance(raw_target, EntityReference) else None
    first_pre = next(iter(pre_images.values()), None)
    first_post = next(iter(post_images.values()), None)
    owning = context.get("OwningExtension")
    return DataverseEvent(
        message=_required_str(context, "MessageName"),
        table=_required_str(context, "PrimaryEntityName"),
        record_id=_required_guid(context.get("PrimaryEntityId"), "PrimaryEntityId"),
        target=dict(target_entity.attributes) if target_entity else None,
        target_entity=target_entity,
        target_reference=target_reference,
        pre_image=dict(first_pre.attributes) if first_pre else None,
        post_image=dict(first_post.attributes) if first_post else None,
        pre_images=pre_images,
        post_images=post_images,
        input_parameters=inputs,
        output_parameters=_pairs(context.get("OutputParameters"), "OutputParameters"),
        shared_variables=_pairs(context.get("SharedVariables"), "SharedVariables"),
        correlation_id=_guid(context.get("CorrelationId"), "CorrelationId"),
        operation_id=_guid(context.get("OperationId"), "OperationId"),
        request_id=_guid(context.get("RequestId"), "RequestId"),
        operation_created_on=_date_field(context.get("OperationCreatedOn"), "OperationCreatedOn"),
        depth=_int(context.get("Depth", 1), "Depth"),
        stage=_optional_int(context.get("Stage"), "Stage"),
        mode=_optional_int(context.get("Mode"), "Mode"),
        user_id=_guid(context.get("UserId"), "UserId"),
        initiating_user_id=_guid(context.get("InitiatingUserId"), "InitiatingUserId"),
        business_unit_id=_guid(context.get("BusinessUnitId"), "BusinessUnitId"),
        organization_id=_guid(context.get("OrganizationId"), "OrganizationId"),
        organization_name=_optional_str(context.get("OrganizationName"), "OrganizationName"),
        secondary_table=_optional_str(context.get("SecondaryEntityName"), "SecondaryEntityName"),
        owning_extension=_reference(owning, "OwningExtension") if owning is not None else None,
        trimmed=trimmed,
    )


def parse_wcf_date(text: str) -> datetime:
    """``/Date(1506409448000-0700)/`` -> aware datetime (the same instant, in the given offset or UTC)."""
    match = _WCF_DATE.match(text)
    if match is None:
        raise ValueError(f"not a WCF date: {text!r}")
    millis, sign, hours, minutes = match.groups()
    instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(millis))
    if sign is None:
        return instant
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return instant.astimezone(timezone(offset if sign == "+" else -offset))


def _load(payload: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(payload, bytes | str):
        try:
            text = payload.decode("utf-8-sig") if isinstance(payload, bytes) else payload.lstrip("\ufeff")
            payload = json.loads(text, parse_float=Decimal)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError; too deep
            raise MalformedEventError("$", f"not JSON ({error.__class__.__name__})") from error
    if not isinstance(payload, Mapping):
        raise MalformedEventError("$", "expected a JSON object")
    return payload


def _required_str(context: Mapping[str, Any], name: str) -> str:
    value = context.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedEventError(name, "missing or not a non-empty string")
    return value


def _optional_str(value: Any, path: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise MalformedEventError(path, "expected a string")


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEventError(path, "expected an integer")
    return value


def _optional_int(value: Any, path: str) -> int | None:
    return None if value is None else _int(value, path)


def _guid(value: Any, path: str) -> uuid.UUID | None:
    return None if value is None else _required_guid(value, path)


def _required_guid(value: Any, path: str) -> uuid.UUID:
    if not isinstance(value, str):
        raise MalformedEventError(path, "missing or not a GUID string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise MalformedEventError(path, f"not a GUID: {value[:40]!r}") from None


def _date_field(value: Any, path: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedEventError(path, "expected a /Date(...)/ string")
    try:
        return parse_wcf_date(value)
    except ValueError:
        raise MalformedEventError(path, f"not a /Date(ms)/ value: {value[:40]!r}") from None


def _pair_items(value: Any, path: str) -> Iterator[tuple[str, Any, str]]:
    """``(key, raw value, path of the value)`` for a DataContract key/value list (None = empty)."""
    if value is None:
        return
    if not isinstance(value, list):
        raise MalformedEventError(path, "expected a list of key/value pairs")
    for index, item in enumerate(value):
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise MalformedEventError(f"{path}[{index}]", "expected an object with a string 'key'")
        yield item["key"], item.get("value"), f"{path}[{index}].value"


def _pairs(value: Any, path: str) -> dict[str, Any]:
    """A key/value list as a dict, each value converted."""
    return {key: _convert(raw, raw_path) for key, raw, raw_path in _pair_items(value, path)}


def _images(value: Any, path: str) -> dict[str, Entity]:
    """Entity images by alias; every value must be an Entity (the JSON often omits its ``__type``)."""
    images: dict[str, Entity] = {}
    for alias, raw, raw_path in _pair_items(value, path):
        if not isinstance(raw, Mapping):
            raise MalformedEventError(raw_path, "expected an Entity object")
        images[alias] = _entity(raw, raw_path)
    return images


def _type_name(value: Mapping[str, Any]) -> str:
    return str(value.get("__type") or "").split(":", 1)[0]


def _convert(value: Any, path: str) -> Any:
    """Turn one serialised value into its Python type."""
    if isinstance(value, str):
        return parse_wcf_date(value) if _WCF_DATE.match(value) else value
    if isinstance(value, list):
        return [_convert(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, Mapping):
        return value  # None, bool, int, Decimal
    kind = _type_name(value)
    if kind == "Entity" or (not kind and "Attributes" in value and "LogicalName" in value):
        return _entity(value, path)
    if kind == "EntityReference" or (not kind and {"Id", "LogicalName"} <= value.keys()):
        return _reference(value, path)
    if kind == "OptionSetValue":
        return OptionSetValue(value=_int(value.get("Value"), f"{path}.Value"))
    if kind == "Money":
        return Money(value=_decimal(value.get("Value"), f"{path}.Value"))
    if kind == "EntityCollection":
        return _convert(value.get("Entities") or [], f"{path}.Entities")
    if kind.startswith("KeyValuePairOf"):
        return _convert(value.get("value"), f"{path}.value")
    return {str(k): _convert(v, f"{path}.{k}") for k, v in value.items()}


def _decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise MalformedEventError(path, "expected a number")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _entity(value: Mapping[str, Any], path: str) -> Entity:
    logical_name = value.get("LogicalName")
    if not isinstance(logical_name, str) or not logical_name:
        raise MalformedEventError(f"{path}.LogicalName", "missing or not a string")
    formatted = _pairs(value.get("FormattedValues"), f"{path}.FormattedValues")
    row_version = value.get("RowVersion")
    return Entity(
        logical_name=logical_name,
        id=_guid(value.get("Id"), f"{path}.Id"),
        attributes=_pairs(value.get("Attributes"), f"{path}.Attributes"),
        formatted_values={k: str(v) for k, v in formatted.items()},
        row_version=None if row_version is None else str(row_version),
    )


def _reference(value: Any, path: str) -> EntityReference:
    if not isinstance(value, Mapping):
        raise MalformedEventError(path, "expected an EntityReference object")
    logical_name = value.get("LogicalName")
    if not isinstance(logical_name, str) or not logical_name:
        raise MalformedEventError(f"{path}.LogicalName", "missing or not a string")
    return EntityReference(
        logical_name=logical_name,
        id=_required_guid(value.get("Id"), f"{path}.Id"),
        name=_optional_str(value.get("Name"), f"{path}.Name"),
    )

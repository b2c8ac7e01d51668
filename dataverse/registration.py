"""Register how Dataverse pushes events to this app: one service endpoint and its processing steps.

The endpoint is either a webhook (``contract`` 8, ``authtype`` 5 HttpHeader sending ``X-Webhook-Secret``)
or a Service Bus queue (``contract`` 2, SAS key, ``messageformat`` 2 JSON) that feeds the
``dataverse-events`` queue. Each step is an asynchronous (``mode`` 1) post-operation (``stage`` 40)
``sdkmessageprocessingstep`` for a table and message, with filtering attributes and a post image
(pre image for Delete). Values are those of the ``serviceendpoint`` and ``sdkmessageprocessingstep``
table references on learn.microsoft.com.

Registration is idempotent: rows are found by name first and only created when missing or updated
when they differ; steps that carry this endpoint's name prefix but are no longer wanted are deleted.
Secrets are write-only in Dataverse, so the endpoint's description keeps a slow, salted fingerprint of
the secret to notice a rotation; secrets never reach logs or error messages.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

from dataverse.addressing import bind, odata_literal
from dataverse.client import DataverseClient
from dataverse.errors import DataverseError

__all__ = [
    "DEFAULT_ENDPOINT_NAME",
    "DEFAULT_STEPS",
    "WEBHOOK_SECRET_HEADER",
    "EventStep",
    "RegistrationError",
    "RegistrationReport",
    "register_event_endpoints",
]

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT_NAME = "smart-dataverse-events"
DEFAULT_QUEUE = "dataverse-events"
WEBHOOK_SECRET_HEADER = "X-Webhook-Secret"  # noqa: S105 - a header name, not a secret
CONTRACT_QUEUE, CONTRACT_WEBHOOK = 2, 8
AUTH_SAS_KEY, AUTH_HTTP_HEADER = 2, 5
MESSAGE_FORMAT_JSON = 2
STAGE_POST_OPERATION, MODE_ASYNC = 40, 1
IMAGE_PRE, IMAGE_POST = 0, 1
_FINGERPRINT_PREFIX = "auth fingerprint: "


class RegistrationError(DataverseError):
    """Registration could not be completed (bad arguments, unknown message or table)."""


@dataclass(frozen=True)
class EventStep:
    """An event Dataverse should push: ``message`` on ``table``.

    ``filtering_attributes`` limit an Update step to changes of those columns. ``image_attributes`` are
    the columns of the image sent along (post image for Create/Update, pre image for Delete).
    """

    table: str
    message: Literal["Create", "Update", "Delete"]
    filtering_attributes: tuple[str, ...] = ()
    image_attributes: tuple[str, ...] = ()
    rank: int = 1

    def step_name(self, endpoint_name: str) -> str:
        return f"{endpoint_name}: {self.table} {self.message}"

    @property
    def image(self) -> tuple[str, int, str] | None:
        """(alias, image type, message property name) of the image, or None."""
        if not self.image_attributes:
            return None
        if self.message == "Delete":
            return "PreImage", IMAGE_PRE, "Target"
        return "PostImage", IMAGE_POST, "Id" if self.message == "Create" else "Target"


_ORDER_COLUMNS = ("name", "ordernumber", "customerid", "totalamount", "transactioncurrencyid", "statuscode")
_ACCOUNT_COLUMNS = ("name", "smart_edrpou", "smart_monitor")

DEFAULT_STEPS: tuple[EventStep, ...] = (
    EventStep("salesorder", "Create", image_attributes=_ORDER_COLUMNS),
    EventStep(
        "salesorder",
        "Update",
        filtering_attributes=("statuscode", "statecode"),
        image_attributes=_ORDER_COLUMNS,
    ),
    EventStep("account", "Create", image_attributes=_ACCOUNT_COLUMNS),
    EventStep(
        "account",
        "Update",
        filtering_attributes=("smart_edrpou", "smart_monitor"),
        image_attributes=_ACCOUNT_COLUMNS,
    ),
)


@dataclass
class RegistrationReport:
    endpoint_id: str = ""
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def record(self, action: str, name: str) -> None:
        getattr(self, action).append(name)
        if action != "unchanged":
            log.info("dataverse event registration: %s %s", action, name)


def register_event_endpoints(
    client: DataverseClient,
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    servicebus_connection: str | None = None,
    servicebus_queue: str = DEFAULT_QUEUE,
    steps: tuple[EventStep, ...] = DEFAULT_STEPS,
    endpoint_name: str = DEFAULT_ENDPOINT_NAME,
    remove_stale: bool = True,
) -> RegistrationReport:
    """Register (or bring up to date) the endpoint and its steps; returns what changed.

    Give either ``webhook_url`` + ``webhook_secret`` or ``servicebus_connection`` (a SAS connection
    string with send rights; its ``EntityPath``, if present, wins over ``servicebus_queue``).
    """
    if (webhook_url is None) == (servicebus_connection is None):
        raise RegistrationError("give either webhook_url (with webhook_secret) or servicebus_connection")
    if webhook_url is not None:
        if not webhook_secret:
            raise RegistrationError("a webhook endpoint needs webhook_secret")
        wanted, secret = _webhook_endpoint(endpoint_name, webhook_url, webhook_secret)
    else:
        assert servicebus_connection is not None
        wanted, secret = _servicebus_endpoint(endpoint_name, servicebus_connection, servicebus_queue)
    report = RegistrationReport()
    registrar = _Registrar(client, report)
    report.endpoint_id = registrar.ensure_endpoint(endpoint_name, wanted, secret)
    wanted_names = set()
    for step in steps:
        wanted_names.add(step.step_name(endpoint_name))
        registrar.ensure_step(step, endpoint_name, report.endpoint_id)
    if remove_stale:
        registrar.remove_stale_steps(endpoint_name, wanted_names)
    return report


def _webhook_endpoint(name: str, url: str, secret: str) -> tuple[dict[str, Any], dict[str, Any]]:
    public = {"name": name, "contract": CONTRACT_WEBHOOK, "authtype": AUTH_HTTP_HEADER, "url": url}
    settings = (
        f"<settings><setting name={quoteattr(WEBHOOK_SECRET_HEADER)} value={quoteattr(secret)} /></settings>"
    )
    return public, {"authvalue": settings}


def _servicebus_endpoint(name: str, connection: str, queue: str) -> tuple[dict[str, Any], dict[str, Any]]:
    parts = _parse_connection_string(connection)
    endpoint = parts.get("endpoint", "")
    if (
        not endpoint.startswith("sb://")
        or "sharedaccesskeyname" not in parts
        or "sharedaccesskey" not in parts
    ):
        raise RegistrationError(
            "servicebus_connection must be a SAS connection string with Endpoint=sb://..., "
            "SharedAccessKeyName and SharedAccessKey"
        )
    address = endpoint.rstrip("/") + "/"
    namespace = address.removeprefix("sb://").split(".", 1)[0]
    public = {
        "name": name,
        "contract": CONTRACT_QUEUE,
        "authtype": AUTH_SAS_KEY,
        "namespaceaddress": address,
        "solutionnamespace": namespace,
        "path": parts.get("entitypath") or queue,
        "saskeyname": parts["sharedaccesskeyname"],
        "messageformat": MESSAGE_FORMAT_JSON,
        "userclaim": 1,
        "connectionmode": 1,
    }
    return public, {"saskey": parts["sharedaccesskey"]}


def _parse_connection_string(connection: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in connection.split(";"):
        name, sep, value = piece.strip().partition("=")
        if sep:
            parts[name.strip().lower()] = value.strip()
    return parts


def _fingerprint(endpoint_name: str, secret: Mapping[str, Any]) -> str:
    """Slow, salted digest of the write-only secret, so a rotation can be noticed without reading it."""
    material = "\0".join(f"{k}={v}" for k, v in sorted(secret.items())).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", material, endpoint_name.encode("utf-8"), 100_000).hex()[:24]


class _Registrar:
    def __init__(self, client: DataverseClient, report: RegistrationReport) -> None:
        self.client = client
        self.report = report
        self._messages: dict[str, str] = {}

    def _first(self, entity_set: str, filter_: str, select: list[str]) -> dict[str, Any] | None:
        return next(iter(self.client.query(entity_set, filter=filter_, select=select, top=1)), None)

    def ensure_endpoint(self, name: str, wanted: dict[str, Any], secret: dict[str, Any]) -> str:
        description = f"Registered by SMART Connectors. {_FINGERPRINT_PREFIX}{_fingerprint(name, secret)}"
        columns = ["serviceendpointid", "description", *wanted]
        found = self._first("serviceendpoints", f"name eq {odata_literal(name)}", columns)
        if found is None:
            endpoint_id = self.client.create(
                "serviceendpoints", {**wanted, **secret, "description": description}
            )
            self.report.record("created", f"serviceendpoint {name}")
            return endpoint_id
        endpoint_id = str(found["serviceendpointid"])
        changes = {k: v for k, v in wanted.items() if found.get(k) != v}
        if found.get("description") != description:
            changes.update(secret, description=description)
        if changes:
            self.client.update("serviceendpoints", endpoint_id, changes)
            self.report.record("updated", f"serviceendpoint {name}")
        else:
            self.report.record("unchanged", f"serviceendpoint {name}")
        return endpoint_id

    def _message_id(self, message: str) -> str:
        if message not in self._messages:
            found = self._first("sdkmessages", f"name eq {odata_literal(message)}", ["sdkmessageid"])
            if found is None:
                raise RegistrationError(f"sdkmessage {message!r} does not exist")
            self._messages[message] = str(found["sdkmessageid"])
        return self._messages[message]

    def _filter_id(self, table: str, message_id: str) -> str:
        by_table = f"primaryobjecttypecode eq {odata_literal(table)}"
        query = f"{by_table} and _sdkmessageid_value eq {uuid.UUID(message_id)}"
        found = self._first("sdkmessagefilters", query, ["sdkmessagefilterid"])
        if found is None:
            raise RegistrationError(
                f"no sdkmessagefilter for {table}; is the table's {message_id} message enabled?"
            )
        return str(found["sdkmessagefilterid"])

    def ensure_step(self, step: EventStep, endpoint_name: str, endpoint_id: str) -> None:
        name = step.step_name(endpoint_name)
        message_id = self._message_id(step.message)
        filter_id = self._filter_id(step.table, message_id)
        wanted: dict[str, Any] = {
            "name": name,
            "stage": STAGE_POST_OPERATION,
            "mode": MODE_ASYNC,
            "rank": step.rank,
            "supporteddeployment": 0,
            "asyncautodelete": True,
            "filteringattributes": ",".join(step.filtering_attributes) or None,
        }
        links = {
            "_sdkmessageid_value": message_id,
            "_sdkmessagefilterid_value": filter_id,
            "_eventhandler_value": endpoint_id,
        }
        binds = {
            "sdkmessageid@odata.bind": bind("sdkmessages", message_id),
            "sdkmessagefilterid@odata.bind": bind("sdkmessagefilters", filter_id),
            "eventhandler_serviceendpoint@odata.bind": bind("serviceendpoints", endpoint_id),
        }
        found = self._first(
            "sdkmessageprocessingsteps",
            f"name eq {odata_literal(name)}",
            ["sdkmessageprocessingstepid", *wanted, *links],
        )
        if found is None:
            step_id = self.client.create("sdkmessageprocessingsteps", {**wanted, **binds})
            self.report.record("created", f"step {name}")
        else:
            step_id = str(found["sdkmessageprocessingstepid"])
            changes = {k: v for k, v in wanted.items() if found.get(k) != v}
            if any(str(found.get(k) or "").lower() != v.lower() for k, v in links.items()):
                changes.update(binds)
            if changes:
                self.client.update("sdkmessageprocessingsteps", step_id, changes)
                self.report.record("updated", f"step {name}")
            else:
                self.report.record("unchanged", f"step {name}")
        self._ensure_image(step, name, step_id)

    def _ensure_image(self, step: EventStep, step_name: str, step_id: str) -> None:
        image = step.image
        if image is None:
            return
        alias, image_type, property_name = image
        wanted = {
            "name": alias,
            "entityalias": alias,
            "imagetype": image_type,
            "messagepropertyname": property_name,
            "attributes": ",".join(step.image_attributes),
        }
        by_step = f"_sdkmessageprocessingstepid_value eq {uuid.UUID(step_id)}"
        query = f"{by_step} and entityalias eq {odata_literal(alias)}"
        found = self._first(
            "sdkmessageprocessingstepimages", query, ["sdkmessageprocessingstepimageid", *wanted]
        )
        label = f"image {step_name} {alias}"
        if found is None:
            body = {
                **wanted,
                "sdkmessageprocessingstepid@odata.bind": bind("sdkmessageprocessingsteps", step_id),
            }
            self.client.create("sdkmessageprocessingstepimages", body)
            self.report.record("created", label)
            return
        changes = {k: v for k, v in wanted.items() if found.get(k) != v}
        if changes:
            self.client.update(
                "sdkmessageprocessingstepimages", str(found["sdkmessageprocessingstepimageid"]), changes
            )
            self.report.record("updated", label)
        else:
            self.report.record("unchanged", label)

    def remove_stale_steps(self, endpoint_name: str, wanted_names: set[str]) -> None:
        prefix = f"{endpoint_name}: "
        query = f"startswith(name,{odata_literal(prefix)})"
        for row in list(
            self.client.query(
                "sdkmessageprocessingsteps", filter=query, select=["sdkmessageprocessingstepid", "name"]
            )
        ):
            if row.get("name") not in wanted_names:
                self.client.delete(
                    "sdkmessageprocessingsteps", str(row["sdkmessageprocessingstepid"]), missing_ok=True
                )
                self.report.record("deleted", f"step {row.get('name')}")

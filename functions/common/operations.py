"""Operation metadata on HTTP functions: the one place a route's models and docs are declared.

The custom connector definitions (OpenAPI 2.0) and the README's endpoint list are generated from
this metadata plus the route the function is registered with, so they cannot drift from the code.

    @bp.route(route="messages", methods=["POST"])
    @operation(connector="messaging", operation_id="SendMessage", summary="Send a message",
               description="Queues one Viber message with SMS fallback.",
               request=SendMessageRequest, response=MessageAccepted, status=202)
    @endpoint
    def send_message(req: func.HttpRequest) -> func.HttpResponse: ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__smart_operation__"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    description: str
    connector: str | None = None  # None: not published in a custom connector (webhooks, internal)
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    path_parameters: Mapping[str, str] = field(default_factory=dict)  # name -> description
    errors: tuple[int, ...] = (400, 401, 422)
    visibility: str | None = None  # x-ms-visibility of the operation: important / advanced / internal
    deprecated: bool = False
    tags: tuple[str, ...] = ()


def operation(**kwargs: Any) -> Callable[[F], F]:
    """Attach an ``Operation`` to the function (kept by functools.wraps on outer decorators)."""
    described = Operation(**kwargs)
    if not described.description.endswith("."):
        raise ValueError(f"{described.operation_id}: a description must end with a period")
    if not described.operation_id[:1].isupper() or "_" in described.operation_id:
        raise ValueError(f"{described.operation_id}: operationIds are PascalCase")

    def attach(function: F) -> F:
        setattr(function, ATTRIBUTE, described)
        return function

    return attach


def operation_of(function: Callable[..., Any]) -> Operation | None:
    found = getattr(function, ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None

"""Discover a FunctionApp's functions and bindings from the azure-functions library, and call them.

Nothing here keeps a second list of routes: everything comes from ``app.get_functions()``, the same
metadata the Functions host reads when it indexes a Python v2 app.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import azure.functions as func

from local_runtime.ncrontab import NCronTab
from local_runtime.routes import RouteTemplate

T = TypeVar("T")


class Out(func.Out[T], Generic[T]):
    """A concrete output binding value holder, as the worker passes one."""

    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: T) -> None:
        self._value = val

    def get(self) -> T:
        return self._value  # type: ignore[no-any-return]


@dataclass(frozen=True)
class OutputBinding:
    arg_name: str
    kind: str  # "serviceBus"
    queue: str


@dataclass(frozen=True)
class IndexedFunction:
    name: str
    trigger_type: str
    arg_name: str
    user_function: Callable[..., Any]
    outputs: tuple[OutputBinding, ...] = ()
    wants_context: bool = False
    # HTTP
    route: RouteTemplate | None = None
    methods: frozenset[str] | None = None
    auth_level: str = "function"
    # timer
    schedule: NCronTab | None = None
    run_on_startup: bool = False
    # queue
    queue: str | None = None
    connection: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def invoke(self, trigger_value: Any, *, invocation_id: str) -> tuple[Any, dict[str, Any]]:
        """Call the user function; returns (return value, {output arg name: value set})."""
        kwargs: dict[str, Any] = {self.arg_name: trigger_value}
        outs: dict[str, Out[Any]] = {binding.arg_name: Out() for binding in self.outputs}
        kwargs.update(outs)
        if self.wants_context:
            kwargs["context"] = _Context(invocation_id, self.name)
        result = self.user_function(**kwargs)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
        return result, {name: out.get() for name, out in outs.items() if out.get() is not None}


class _Context(func.Context):
    def __init__(self, invocation_id: str, function_name: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return os.getcwd()

    @property
    def trace_context(self) -> Any:
        return None

    @property
    def retry_context(self) -> Any:
        return None

    @property
    def thread_local_storage(self) -> Any:
        return None


_SETTING = re.compile(r"%([^%]+)%")


def resolve_setting_names(value: str, env: Mapping[str, str] | None = None) -> str:
    """``%QUEUE_NAME%`` -> the app setting's value, as the host resolves binding expressions."""
    environment = os.environ if env is None else env

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environment:
            raise KeyError(f"binding refers to app setting {name!r}, which is not set")
        return environment[name]

    return _SETTING.sub(substitute, value)


def load_app(spec: str) -> func.FunctionApp:
    """``module:attribute`` (default attribute ``app``) -> the FunctionApp object."""
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    app = getattr(module, attribute or "app")
    if not isinstance(app, func.FunctionApp):
        raise TypeError(f"{spec} is not an azure.functions.FunctionApp")
    return app


_INDEXED: dict[int, list[Any]] = {}


def _functions_of(app: func.FunctionApp) -> list[Any]:
    """``app.get_functions()`` validates names once and refuses a second call; keep its answer."""
    if id(app) not in _INDEXED:
        _INDEXED[id(app)] = list(app.get_functions())
    return _INDEXED[id(app)]


def index_app(app: func.FunctionApp, env: Mapping[str, str] | None = None) -> list[IndexedFunction]:
    indexed: list[IndexedFunction] = []
    for function in _functions_of(app):
        trigger = function.get_trigger()
        if trigger is None:
            raise ValueError(f"{function.get_function_name()} has no trigger")
        trigger_repr = trigger.get_dict_repr()
        user_function = function.get_user_function()
        parameters = inspect.signature(user_function).parameters
        outputs = []
        for binding in function.get_bindings():
            data = binding.get_dict_repr()
            if (
                data.get("direction") == func.decorators.core.BindingDirection.OUT
                and data["type"] == "serviceBus"
            ):
                queue = data.get("queueName") or data.get("topicName") or ""
                outputs.append(OutputBinding(data["name"], "serviceBus", resolve_setting_names(queue, env)))
        common: dict[str, Any] = {
            "name": function.get_function_name(),
            "trigger_type": trigger_repr["type"],
            "arg_name": trigger_repr["name"],
            "user_function": user_function,
            "outputs": tuple(outputs),
            "wants_context": "context" in parameters,
        }
        trigger_type = trigger_repr["type"]
        if trigger_type == "httpTrigger":
            methods = trigger_repr.get("methods")
            auth = trigger_repr.get("authLevel")
            indexed.append(
                IndexedFunction(
                    **common,
                    route=RouteTemplate(str(trigger_repr.get("route") or function.get_function_name())),
                    methods=frozenset(str(getattr(m, "value", m)).upper() for m in methods)
                    if methods
                    else None,
                    auth_level=str(getattr(auth, "value", auth or app.auth_level.value)).lower(),
                )
            )
        elif trigger_type == "timerTrigger":
            indexed.append(
                IndexedFunction(
                    **common,
                    schedule=NCronTab(resolve_setting_names(trigger_repr["schedule"], env)),
                    run_on_startup=bool(trigger_repr.get("runOnStartup")),
                )
            )
        elif trigger_type == "serviceBusTrigger":
            if trigger_repr.get("topicName"):
                raise ValueError(f"{common['name']}: topic triggers are not used by this app")
            indexed.append(
                IndexedFunction(
                    **common,
                    queue=resolve_setting_names(trigger_repr["queueName"], env),
                    connection=trigger_repr.get("connection"),
                )
            )
        else:
            raise ValueError(f"{common['name']}: trigger type {trigger_type!r} is not supported locally")
    return indexed

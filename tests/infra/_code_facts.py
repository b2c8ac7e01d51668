"""What the code needs from Azure, discovered at run time: settings, queues and bindings.

Settings: every pydantic-settings class defined under the ``functions`` package (found by importing
each module with ``pkgutil.walk_packages`` and walking ``BaseSettings`` subclasses), with the env var
names of each field. Queues: ``functions.common.queues.QUEUES``. Bindings: the Service Bus queues,
connections and ``%SETTING%`` names that ``function_app.app`` binds, read from ``app.get_functions()``.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import sys
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import azure.functions as func
from pydantic import AliasChoices, AliasPath, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from functions.common.queues import QUEUES, QueueSpec


@dataclass(frozen=True)
class SettingField:
    """One field of a settings class. ``names`` are its env var names (any one of them will do)."""

    owner: str
    field: str
    names: tuple[str, ...]
    required: bool
    secret: bool

    @property
    def label(self) -> str:
        return f"{self.owner.rsplit('.', 1)[-1]}.{self.field} ({' or '.join(self.names)})"


@dataclass(frozen=True)
class OneOf:
    """Fields of one class that are each optional but of which at least one must be set."""

    owner: str
    fields: tuple[str, ...]
    why: str


# Settings a class needs in "one of" form, which pydantic cannot express as required fields.
ONE_OF_RULES: tuple[OneOf, ...] = (
    OneOf(
        "functions.common.settings.BusSettings",
        ("servicebus_connection", "servicebus_namespace"),
        "Service Bus by connection string or by identity",
    ),
    OneOf(
        "functions.counterparty.settings.CounterpartySettings",
        ("youscore_api_key",),
        "YouScore needs the shared key (the Bicep does not declare per-module keys)",
    ),
)


@dataclass(frozen=True)
class QueueBinding:
    function: str
    direction: str  # "trigger" or "output"
    queue: str  # as written in the binding, may be %SETTING%
    connection: str


@dataclass
class CodeFacts:
    fields: list[SettingField]
    one_of: tuple[OneOf, ...]
    queues: tuple[QueueSpec, ...]
    queue_bindings: list[QueueBinding]
    setting_references: set[str] = field(default_factory=set)  # %NAME% in any binding
    connections: set[str] = field(default_factory=set)  # binding connection names
    optional_settings: dict[str, str] = field(default_factory=dict)  # timer_schedule() name -> default


def import_package(package: str) -> None:
    """Import every module under ``package`` so its settings classes exist.

    ``pkgutil.walk_packages`` skips folders without ``__init__.py`` (namespace packages, which Python
    and the Functions host import fine), so their ``.py`` files are found on disk as well.
    """
    root = importlib.import_module(package)
    names = {module.name for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")}
    for folder in map(Path, root.__path__):
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if "__pycache__" not in parts and all(part.isidentifier() for part in parts):
                names.add(".".join((package, *parts)).removesuffix(".__init__"))
    for name in sorted(names):
        importlib.import_module(name)


def settings_classes(package: str = "functions") -> list[type[BaseSettings]]:
    """Every BaseSettings subclass defined in ``package`` or below, after importing all its modules."""
    import_package(package)
    found: dict[str, type[BaseSettings]] = {}
    pending: list[type[BaseSettings]] = [BaseSettings]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            module = subclass.__module__
            if module == package or module.startswith(f"{package}."):
                found[f"{module}.{subclass.__qualname__}"] = subclass
    return [found[name] for name in sorted(found)]


def setting_fields(classes: Iterable[type[BaseSettings]]) -> list[SettingField]:
    fields: list[SettingField] = []
    for cls in classes:
        prefix = str(cls.model_config.get("env_prefix") or "")
        owner = f"{cls.__module__}.{cls.__qualname__}"
        for name, info in cls.model_fields.items():
            fields.append(
                SettingField(owner, name, env_names(name, info, prefix), info.is_required(), _is_secret(info))
            )
    return fields


def env_names(name: str, info: FieldInfo, prefix: str = "") -> tuple[str, ...]:
    """Env var names pydantic-settings reads for a field: its validation alias(es), else prefix + name."""
    alias = info.validation_alias or info.alias
    if alias is None:
        return (f"{prefix}{name}".upper(),)
    choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
    names: list[str] = []
    for choice in choices:
        if isinstance(choice, AliasPath):
            first = choice.path[0]
            if isinstance(first, str):
                names.append(first)
        else:
            names.append(choice)
    return tuple(dict.fromkeys(names))


def _is_secret(info: FieldInfo) -> bool:
    return _mentions_secret(info.annotation)


def _mentions_secret(annotation: Any) -> bool:
    """``SecretStr``, ``SecretStr | None``, ``Annotated[SecretStr, ...]`` and the like."""
    if isinstance(annotation, type) and issubclass(annotation, SecretStr):
        return True
    return any(_mentions_secret(arg) for arg in typing.get_args(annotation))


_SETTING = re.compile(r"%([^%]+)%")
# The Service Bus extension's default connection name when a binding names none.
_DEFAULT_SERVICEBUS_CONNECTION = "AzureWebJobsServiceBus"


def app_bindings(functions: Iterable[Any]) -> tuple[list[QueueBinding], set[str], set[str]]:
    """(Service Bus queue bindings, %SETTING% names, connection names) of indexed functions."""
    queues: list[QueueBinding] = []
    references: set[str] = set()
    connections: set[str] = set()
    for function in functions:
        name = function.get_function_name()
        for binding in function.get_bindings():
            data = binding.get_dict_repr()
            for value in _strings(data):
                references.update(_SETTING.findall(value))
            kind = str(data.get("type"))
            if kind not in ("serviceBusTrigger", "serviceBus"):
                if data.get("connection"):
                    connections.add(str(data["connection"]))
                continue
            if data.get("topicName"):
                raise ValueError(
                    f"{name}: binds a Service Bus topic; this infrastructure declares queues only"
                )
            direction = "trigger" if kind == "serviceBusTrigger" else "output"
            connection = str(data.get("connection") or _DEFAULT_SERVICEBUS_CONNECTION)
            connections.add(connection)
            queues.append(QueueBinding(name, direction, str(data.get("queueName") or ""), connection))
    return queues, references, connections


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def optional_binding_settings(package: str = "functions") -> dict[str, str]:
    """Settings a binding names as ``%SETTING%`` only when they are set, found in the source as calls
    ``timer_schedule(SETTING, default)`` (functions/common/settings.py): {setting: default}.

    The environment decided at import time which way each binding went, so the bindings alone cannot
    tell; the modules must already be imported (``import_package``) to resolve constant names.
    """
    found: dict[str, str] = {}
    root = importlib.import_module(package)
    for folder in map(Path, root.__path__):
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            module = sys.modules.get(".".join((package, *parts)).removesuffix(".__init__"))
            for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if (
                    isinstance(call, ast.Call)
                    and _called_name(call) == "timer_schedule"
                    and len(call.args) == 2
                ):
                    name, default = (_constant(arg, module, path) for arg in call.args)
                    found[name] = default
    return found


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _constant(node: ast.expr, module: Any, path: Path) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and isinstance(getattr(module, node.id, None), str):
        return str(getattr(module, node.id))
    raise ValueError(f"{path}:{node.lineno}: timer_schedule() needs a string literal or a module constant")


def indexed_functions(app: func.FunctionApp) -> list[Any]:
    """``app.get_functions()``, once per process: the library refuses a second call on one app, so
    share the local runtime's cache (other tests in the same run may have indexed the app first)."""
    from local_runtime import app_index

    return list(app_index._functions_of(app))


def collect_code_facts() -> CodeFacts:
    import function_app

    queue_bindings, references, connections = app_bindings(indexed_functions(function_app.app))
    fields = setting_fields(settings_classes("functions"))
    return CodeFacts(
        fields=fields,
        one_of=ONE_OF_RULES,
        queues=tuple(QUEUES),
        queue_bindings=queue_bindings,
        setting_references=references,
        connections=connections,
        optional_settings=optional_binding_settings("functions"),
    )

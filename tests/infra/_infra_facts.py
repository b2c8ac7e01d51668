"""What the Bicep declares, read from the parsed templates: the function app's settings (the one
``appsettings`` config resource, a literal object) and every Service Bus queue with its properties."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.infra._bicep_eval import BicepTree, Unresolved, evaluate, loop_scopes, render
from tests.infra._bicep_nodes import BicepFile, Declaration, Loop, Node, Obj

KEY_VAULT_REFERENCE = re.compile(
    r"^@Microsoft\.KeyVault\(VaultName=(?P<vault>[^;()]+);SecretName=(?P<secret>[A-Za-z0-9-]{1,127})\)$"
)


@dataclass(frozen=True)
class DeclaredSetting:
    name: str
    value: Node
    file: BicepFile

    @property
    def rendered(self) -> str:
        return render(self.value, self.file)

    @property
    def key_vault_secret(self) -> str | None:
        match = KEY_VAULT_REFERENCE.match(self.rendered)
        return match.group("secret") if match else None


@dataclass(frozen=True)
class DeclaredQueue:
    name: str
    properties: dict[str, Any]
    origin: str


@dataclass
class InfraFacts:
    settings: dict[str, DeclaredSetting]
    queues: dict[str, DeclaredQueue]
    problems: list[str] = field(default_factory=list)


def collect_infra_facts(tree: BicepTree) -> InfraFacts:
    facts = InfraFacts({}, {})
    _collect_settings(tree, facts)
    _collect_queues(tree, facts)
    return facts


def _collect_settings(tree: BicepTree, facts: InfraFacts) -> None:
    for file, site in tree.resources("Microsoft.Web/sites"):
        site_config = _entries(_entries(site.value).get("properties")).get("siteConfig")
        if "appSettings" in _entries(site_config):
            facts.problems.append(
                f"{file.path.name}: {site.name} sets siteConfig.appSettings; declare app settings only "
                "in the 'appsettings' config resource"
            )
    configs = [
        (file, resource)
        for file, resource in tree.resources("Microsoft.Web/sites/config")
        if _name(resource, file) == "appsettings"
    ]
    if len(configs) != 1:
        facts.problems.append(f"expected one 'appsettings' config resource, found {len(configs)}")
        return
    file, resource = configs[0]
    properties = _entries(resource.value).get("properties")
    if not isinstance(properties, Obj):
        facts.problems.append(
            f"{file.path.name}: {resource.name}.properties must be an object literal so the settings can be "
            "checked"
        )
        return
    for name, value in properties.entries.items():
        facts.settings[name] = DeclaredSetting(name, value, file)


def _collect_queues(tree: BicepTree, facts: InfraFacts) -> None:
    for file, resource in tree.resources("Microsoft.ServiceBus/namespaces/queues"):
        body = resource.value
        try:
            scopes = loop_scopes(body, file) if isinstance(body, Loop) else [{}]
            bodies = [body.body if isinstance(body, Loop) else body] * len(scopes)
            for scope, item in zip(scopes, bodies, strict=True):
                if not isinstance(item, Obj):
                    raise Unresolved(f"{resource.name} is conditional")
                name = evaluate(item.entries.get("name"), file, scope)
                properties = evaluate(item.entries.get("properties"), file, scope)
                if name in facts.queues:
                    facts.problems.append(f"queue {name!r} is declared twice")
                facts.queues[name] = DeclaredQueue(name, properties, f"{file.path.name}:{resource.name}")
        except Unresolved as error:
            facts.problems.append(f"{file.path.name}: cannot read queue resource {resource.name}: {error}")


def _entries(node: Node | None) -> dict[str, Node]:
    return node.entries if isinstance(node, Obj) else {}


def _name(resource: Declaration, file: BicepFile) -> str:
    return render(_entries(resource.value).get("name"), file)

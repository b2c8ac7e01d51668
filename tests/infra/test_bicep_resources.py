"""The Azure resources have the shape the platform reference asks for (platform.md section 6)."""

from __future__ import annotations

from typing import Any

from functions.common.queues import DATAVERSE_EVENTS
from tests.infra._bicep_eval import BicepTree, evaluate, render
from tests.infra._bicep_nodes import BicepFile, Cond, Declaration, Expr, Loop, Obj, Ref
from tests.infra._infra_facts import KEY_VAULT_REFERENCE, collect_infra_facts

ROLE_IDS = {
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Azure Service Bus Data Receiver": "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    "Azure Service Bus Data Sender": "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
}


def _only(tree: BicepTree, resource_type: str) -> tuple[BicepFile, Obj]:
    found = tree.resources(resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    file, declaration = found[0]
    assert isinstance(declaration.value, Obj)
    return file, declaration.value


def _get(node: Any, *path: str) -> Any:
    for key in path:
        assert isinstance(node, Obj), f"{key}: not an object"
        node = node.entries[key]
    return node


def _main_argument(tree: BicepTree, module_file: str, param: str) -> Any:
    main = next(f for f in tree.templates() if f.path.name == "main.bicep")
    for module in main.of_kind("module"):
        if module.type.endswith(module_file):
            return evaluate(_get(module.value, "params", param), main)
    raise AssertionError(f"main.bicep does not call {module_file}")


def test_function_app_runs_python_311_on_flex_consumption_with_a_system_identity(tree: BicepTree) -> None:
    plan_file, plan = _only(tree, "Microsoft.Web/serverfarms")
    assert evaluate(_get(plan, "sku"), plan_file) == {"name": "FC1", "tier": "FlexConsumption"}
    assert evaluate(_get(plan, "properties", "reserved"), plan_file) is True

    file, site = _only(tree, "Microsoft.Web/sites")
    assert evaluate(_get(site, "kind"), file) == "functionapp,linux"
    assert evaluate(_get(site, "identity"), file) == {"type": "SystemAssigned"}
    config = _get(site, "properties", "functionAppConfig")
    assert evaluate(_get(config, "runtime", "name"), file) == "python"
    assert _main_argument(tree, "functionapp.bicep", "pythonVersion") == "3.11"
    storage = _get(config, "deployment", "storage")
    assert evaluate(_get(storage, "type"), file) == "blobContainer"
    assert evaluate(_get(storage, "authentication"), file) == {"type": "SystemAssignedIdentity"}
    scale = _get(config, "scaleAndConcurrency")
    assert {"maximumInstanceCount", "instanceMemoryMB"} <= scale.entries.keys()


def test_host_storage_and_telemetry_use_the_identity(tree: BicepTree) -> None:
    settings = collect_infra_facts(tree).settings
    assert {
        "AzureWebJobsStorage__accountName",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "SERVICEBUS_CONNECTION__fullyQualifiedNamespace",
    } <= settings.keys()
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"].rendered == "Authorization=AAD"
    file, storage = _only(tree, "Microsoft.Storage/storageAccounts")
    assert evaluate(_get(storage, "properties", "allowSharedKeyAccess"), file) is False
    file, insights = _only(tree, "Microsoft.Insights/components")
    assert isinstance(_get(insights, "properties", "WorkspaceResourceId"), Ref)
    assert evaluate(_get(insights, "properties", "DisableLocalAuth"), file) is True


def test_key_vault_uses_rbac_and_references_name_the_deployed_vault(tree: BicepTree) -> None:
    file, vault = _only(tree, "Microsoft.KeyVault/vaults")
    assert evaluate(_get(vault, "properties", "enableRbacAuthorization"), file) is True
    references = [s for s in collect_infra_facts(tree).settings.values() if s.key_vault_secret]
    assert references, "no app setting is a Key Vault reference"
    for setting in references:
        assert "VaultName=${keyVaultName};" in setting.value.token.text  # type: ignore[union-attr]
        assert KEY_VAULT_REFERENCE.match(setting.rendered)


def test_service_bus_is_standard_and_dataverse_gets_a_send_only_rule_on_its_queue(tree: BicepTree) -> None:
    file, namespace = _only(tree, "Microsoft.ServiceBus/namespaces")
    assert evaluate(_get(namespace, "sku", "name"), file) == "Standard"
    rules = tree.resources("Microsoft.ServiceBus/namespaces/queues/authorizationRules")
    assert len(rules) == 1
    file, rule = rules[0]
    _, queue, name = render(_get(rule.value, "name"), file).split("/")
    assert queue == DATAVERSE_EVENTS.name
    assert queue in collect_infra_facts(tree).queues
    assert name != "RootManageSharedAccessKey"
    assert evaluate(_get(rule.value, "properties", "rights"), file) == ["Send"]


def _body(declaration: Declaration) -> Obj:
    body = declaration.value
    while isinstance(body, Cond | Loop):
        body = body.body
    assert isinstance(body, Obj)
    return body


def _role_of(definition: Any, file: BicepFile) -> str:
    """The role GUID in ``subscriptionResourceId('...roleDefinitions', <guid literal | var | var.key>)``."""
    assert isinstance(definition, Expr) and definition.text.startswith("subscriptionResourceId(")
    last = definition.text.rsplit(",", 1)[1].strip().removesuffix(")").strip()
    if last.startswith("'"):
        return last.strip("'")
    return str(evaluate(Ref(tuple(last.split(".")), ()), file))


def test_the_app_identity_gets_each_role_it_needs_with_stable_names(tree: BicepTree) -> None:
    granted = set()
    for file, assignment in tree.resources("Microsoft.Authorization/roleAssignments"):
        body = _body(assignment)
        name = _get(body, "name")
        assert isinstance(name, Expr) and name.text.startswith("guid("), (
            f"{assignment.name}: name must be guid()"
        )
        role = _role_of(_get(body, "properties", "roleDefinitionId"), file)
        if file.path.name == "roles.bicep":
            assert evaluate(_get(body, "properties", "principalType"), file) == "ServicePrincipal"
            assert isinstance(_get(body, "properties", "principalId"), Ref)
            granted.add(role)
    assert {label for label, role in ROLE_IDS.items() if role not in granted} == set()

"""The Bicep declares exactly what the code needs: settings, secrets, queues and their properties.

The first test compares the real code with the real templates; the others feed the checker a copy
with one side changed and assert it reports the mismatch, so the first test cannot pass vacuously.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from pydantic import AliasChoices, Field, SecretStr

from functions.common.queues import QueueSpec
from functions.common.settings import AppSettings
from tests.infra._bicep_eval import BicepTree
from tests.infra._code_facts import CodeFacts, QueueBinding, setting_fields
from tests.infra._consistency import check, duration_seconds, secret_name_for
from tests.infra._infra_facts import collect_infra_facts
from tests.infra.conftest import edited

FUNCTION_APP = "modules/functionapp.bicep"
SERVICE_BUS = "modules/servicebus.bicep"
APP_SETTINGS_ANCHOR = "    DATAVERSE_URL: dataverseUrl\n"
QUEUES_ANCHOR = "var queues = [\n"
NOT_DECLARED = "is not declared in the Bicep app settings"
GHOST_QUEUE = """  {
    name: 'ghost-queue'
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
  }
"""


class _GhostSettings(AppSettings):
    """A capability that exists only in code (its module is tests.*, so discovery never sees it)."""

    ghost_api_url: str = Field(validation_alias="GHOST_API_URL")
    ghost_api_key: SecretStr = Field(validation_alias="GHOST_API_KEY")
    ghost_timeout: float = Field(default=10.0, validation_alias="GHOST_TIMEOUT")


class _EitherAliasSettings(AppSettings):
    either: str = Field(validation_alias=AliasChoices("EITHER_OLD_NAME", "EITHER_NEW_NAME"))


Added = Callable[[CodeFacts, BicepTree], list[str]]


@pytest.fixture(scope="module")
def new_problems(code_facts: CodeFacts, tree: BicepTree) -> Added:
    """Problems a changed copy has beyond those of the real code and templates, so each test below
    isolates its one change even while the first test is failing for an unrelated drift."""
    baseline = set(check(code_facts, collect_infra_facts(tree)))

    def added(code: CodeFacts, changed: BicepTree) -> list[str]:
        return sorted(set(check(code, collect_infra_facts(changed))) - baseline)

    return added


def _with(code: CodeFacts, **changes: object) -> CodeFacts:
    return dataclasses.replace(code, **changes)  # type: ignore[arg-type]


def test_bicep_declares_what_the_code_needs_and_nothing_else(code_facts: CodeFacts, tree: BicepTree) -> None:
    assert check(code_facts, collect_infra_facts(tree)) == []


def test_discovery_sees_the_shared_settings_and_the_bound_queues(code_facts: CodeFacts) -> None:
    owners = {item.owner.rsplit(".", 1)[-1] for item in code_facts.fields}
    assert {"CoreSettings", "BusSettings"} <= owners
    assert any(item.required and "DATAVERSE_URL" in item.names for item in code_facts.fields)
    assert "dataverse-events" in {spec.name for spec in code_facts.queues}


def test_a_queue_added_only_to_the_bicep_is_reported(code_facts: CodeFacts, new_problems: Added) -> None:
    tree = edited(SERVICE_BUS, QUEUES_ANCHOR, QUEUES_ANCHOR + GHOST_QUEUE)
    assert new_problems(code_facts, tree) == [
        "queue 'ghost-queue' is declared in the Bicep but neither bound nor listed in QUEUES"
    ]


def test_a_queue_added_only_to_queues_py_is_reported(
    code_facts: CodeFacts, tree: BicepTree, new_problems: Added
) -> None:
    code = _with(code_facts, queues=(*code_facts.queues, QueueSpec("ghost-queue")))
    assert new_problems(code, tree) == ["queue 'ghost-queue' is in QUEUES but not declared in the Bicep"]


def test_a_queue_property_that_differs_is_reported(
    code_facts: CodeFacts, tree: BicepTree, new_problems: Added
) -> None:
    first = code_facts.queues[0]
    changed = dataclasses.replace(first, lock_duration=90.0, dead_letter_on_expiration=False)
    code = _with(code_facts, queues=(changed, *code_facts.queues[1:]))
    problems = new_problems(code, tree)
    assert len(problems) == 2
    assert all(problem.startswith(f"queue {first.name!r}: ") for problem in problems)
    assert any("lockDuration is 'PT1M' in the Bicep but QUEUES says 90.0" in p for p in problems)
    assert any("deadLetteringOnMessageExpiration" in p for p in problems)


def test_a_queue_a_function_binds_must_be_in_queues_py_and_in_the_bicep(
    code_facts: CodeFacts, tree: BicepTree, new_problems: Added
) -> None:
    binding = QueueBinding("ghost_worker", "trigger", "unlisted-queue", "SERVICEBUS_CONNECTION")
    code = _with(code_facts, queue_bindings=[*code_facts.queue_bindings, binding])
    assert new_problems(code, tree) == [
        "queue 'unlisted-queue' is bound by a function but not declared in the Bicep",
        "queue 'unlisted-queue' is bound by a function but not listed in functions/common/queues.py",
    ]


def test_a_bound_queue_named_by_an_app_setting_resolves_through_the_bicep(
    code_facts: CodeFacts, new_problems: Added
) -> None:
    binding = QueueBinding("ghost_worker", "output", "%GHOST_QUEUE_NAME%", "SERVICEBUS_CONNECTION")
    code = _with(
        code_facts,
        queue_bindings=[*code_facts.queue_bindings, binding],
        setting_references={*code_facts.setting_references, "GHOST_QUEUE_NAME"},
    )
    declared = edited(
        FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + "    GHOST_QUEUE_NAME: 'payments'\n"
    )
    assert new_problems(code, declared) == []
    missing = new_problems(code, edited(FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR))
    assert missing == ["a binding uses %GHOST_QUEUE_NAME% but the Bicep does not declare GHOST_QUEUE_NAME"]
    computed = edited(
        FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + "    GHOST_QUEUE_NAME: planName\n"
    )
    assert new_problems(code, computed) == [
        "ghost_worker: queue setting GHOST_QUEUE_NAME must be a literal in the Bicep"
    ]


def test_a_required_setting_added_only_to_a_settings_class_is_reported(
    code_facts: CodeFacts, tree: BicepTree, new_problems: Added
) -> None:
    code = _with(code_facts, fields=[*code_facts.fields, *setting_fields([_GhostSettings])])
    assert new_problems(code, tree) == [
        f"required setting _GhostSettings.ghost_api_key (GHOST_API_KEY) {NOT_DECLARED}",
        f"required setting _GhostSettings.ghost_api_url (GHOST_API_URL) {NOT_DECLARED}",
    ]


def test_a_declared_secret_must_be_a_key_vault_reference_named_by_convention(
    code_facts: CodeFacts, new_problems: Added
) -> None:
    code = _with(code_facts, fields=[*code_facts.fields, *setting_fields([_GhostSettings])])
    good = (
        "    GHOST_API_URL: 'https://ghost.example'\n"
        "    GHOST_API_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=ghost-api-key)'\n"
    )
    assert new_problems(code, edited(FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + good)) == []
    plain = good.replace(
        "'@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=ghost-api-key)'", "planName"
    )
    assert new_problems(code, edited(FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + plain)) == [
        "secret setting GHOST_API_KEY must be a Key Vault reference, not <expr>"
    ]
    misnamed = good.replace("SecretName=ghost-api-key", "SecretName=key1")
    assert new_problems(code, edited(FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + misnamed)) == [
        "GHOST_API_KEY references Key Vault secret 'key1'; name it 'ghost-api-key'"
    ]


def test_a_setting_declared_only_in_the_bicep_is_reported(code_facts: CodeFacts, new_problems: Added) -> None:
    tree = edited(FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + "    GHOST_FEATURE_FLAG: 'on'\n")
    assert new_problems(code_facts, tree) == [
        "app setting GHOST_FEATURE_FLAG is declared in the Bicep but no settings class, binding or platform "
        "feature reads it"
    ]


def test_any_one_alias_of_a_required_setting_satisfies_it(code_facts: CodeFacts, new_problems: Added) -> None:
    code = _with(code_facts, fields=[*code_facts.fields, *setting_fields([_EitherAliasSettings])])
    tree = edited(FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + "    EITHER_NEW_NAME: 'x'\n")
    assert new_problems(code, tree) == []


def test_service_bus_needs_a_connection_string_or_a_namespace(
    code_facts: CodeFacts, new_problems: Added
) -> None:
    line = "    SERVICEBUS_CONNECTION__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace\n"
    problems = new_problems(code_facts, edited(FUNCTION_APP, line, ""))
    assert (
        "Service Bus by connection string or by identity: declare one of SERVICEBUS_CONNECTION, "
        "SERVICEBUS_CONNECTION__fullyQualifiedNamespace, SERVICEBUS_CONNECTION__FULLYQUALIFIEDNAMESPACE "
        "in the Bicep app settings"
    ) in problems
    assert (
        "binding connection SERVICEBUS_CONNECTION has no SERVICEBUS_CONNECTION or SERVICEBUS_CONNECTION__* "
        "app setting" in problems
    )


def test_the_one_of_rule_fails_loudly_when_bus_settings_changes(
    code_facts: CodeFacts, tree: BicepTree, new_problems: Added
) -> None:
    fields = [item for item in code_facts.fields if item.field != "servicebus_namespace"]
    problems = new_problems(_with(code_facts, fields=fields), tree)
    assert problems == [
        "one-of rule for functions.common.settings.BusSettings names unknown fields ['servicebus_namespace']"
    ]


def test_settings_flex_consumption_rejects_are_reported(code_facts: CodeFacts, new_problems: Added) -> None:
    tree = edited(
        FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + "    FUNCTIONS_WORKER_RUNTIME: 'python'\n"
    )
    assert "app setting FUNCTIONS_WORKER_RUNTIME must not be set on Flex Consumption" in new_problems(
        code_facts, tree
    )


def test_app_settings_must_stay_a_literal_object(code_facts: CodeFacts, new_problems: Added) -> None:
    tree = edited(
        FUNCTION_APP,
        "  name: 'appsettings'\n  properties: {\n",
        "  name: 'appsettings'\n  properties: union({}, {\n",
        ("\n  }\n}\n\noutput functionAppName", "\n  })\n}\n\noutput functionAppName"),
    )
    assert (
        "functionapp.bicep: appSettings.properties must be an object literal so the settings can be checked"
        in new_problems(code_facts, tree)
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT1M", 60.0), ("PT5M", 300.0), ("PT10M", 600.0), ("P14D", 1_209_600.0), ("P1DT2H3M4.5S", 93_784.5)],
)
def test_iso_8601_durations_convert_to_seconds(text: str, seconds: float) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "1M", "PT1X", 60])
def test_malformed_durations_are_rejected(text: object) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        duration_seconds(text)


def test_secret_names_follow_the_setting_names() -> None:
    assert secret_name_for("DATAVERSE_WEBHOOK_SECRET") == "dataverse-webhook-secret"


def test_a_schedule_a_timer_binds_only_when_set_may_be_declared_and_must_be_ncrontab(
    code_facts: CodeFacts, new_problems: Added
) -> None:
    code = _with(
        code_facts, optional_settings={**code_facts.optional_settings, "GHOST_SCHEDULE": "0 0 * * * *"}
    )
    good = edited(
        FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + "    GHOST_SCHEDULE: '0 0 3 * * *'\n"
    )
    assert new_problems(code, good) == []
    five = edited(
        FUNCTION_APP, APP_SETTINGS_ANCHOR, APP_SETTINGS_ANCHOR + "    GHOST_SCHEDULE: '0 3 * * *'\n"
    )
    assert new_problems(code, five) == [
        "GHOST_SCHEDULE must be a six-field NCRONTAB schedule, not '0 3 * * *'"
    ]
    assert new_problems(code_facts, good) == [
        "app setting GHOST_SCHEDULE is declared in the Bicep but no settings class, binding or platform "
        "feature reads it"
    ]

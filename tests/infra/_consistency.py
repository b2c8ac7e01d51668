"""Compare what the code needs (settings, queues, bindings) with what the Bicep declares.

``check(code, infra)`` returns one sentence per mismatch, in both directions: a required setting or a
queue the code uses but the Bicep lacks, and an app setting or queue the Bicep declares but nothing in
the code reads. Tests feed it modified copies of either side to prove it notices.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from functions.common.queues import QueueSpec
from tests.infra._bicep_eval import Unresolved, evaluate
from tests.infra._code_facts import CodeFacts
from tests.infra._infra_facts import DeclaredQueue, DeclaredSetting, InfraFacts

# Settings the platform reads (not our settings classes). Patterns, case-insensitive.
PLATFORM_SETTINGS = (
    "AzureWebJobsStorage__*",
    "APPLICATIONINSIGHTS_*",
    "SERVICEBUS_CONNECTION__*",
    "PYTHON_*",
    "AzureFunctionsJobHost__*",
)
# Moved into functionAppConfig or unsupported on Flex Consumption.
FORBIDDEN_ON_FLEX = (
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_EXTENSION_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTSHARE",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD",
    "WEBSITE_TIME_ZONE",
    "AzureWebJobsStorage",
)
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
# Service Bus limits on queue properties (seconds), checked against QUEUES.
_LOCK_RANGE = (5.0, 300.0)
_DUPLICATE_WINDOW_RANGE = (20.0, 7 * 24 * 3600.0)


def duration_seconds(value: object) -> float:
    """ISO 8601 duration as Service Bus writes it (``PT1M``, ``P14D``, ``PT0.5S``) -> seconds."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or value == "P" or str(value).endswith("T"):
        raise ValueError(f"{value!r} is not an ISO 8601 duration")
    days, hours, minutes, seconds = (float(group or 0) for group in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def secret_name_for(setting: str) -> str:
    """Key Vault secret name convention: DATAVERSE_WEBHOOK_SECRET -> dataverse-webhook-secret."""
    return setting.lower().replace("__", "-").replace("_", "-")


# -- the comparison ------------------------------------------------------------------------------


def check(code: CodeFacts, infra: InfraFacts) -> list[str]:
    """Every mismatch between code and infrastructure, as sentences; empty when they agree."""
    problems = list(infra.problems)
    declared = {name.upper(): setting for name, setting in infra.settings.items()}
    problems += _check_settings(code, declared)
    problems += _check_unused(code, declared) + _check_schedules(code, declared)
    resolved = _check_bindings(code, declared, problems)
    problems += _check_queues(code, infra, resolved)
    return sorted(set(problems))


def _check_settings(code: CodeFacts, declared: dict[str, DeclaredSetting]) -> list[str]:
    problems = []
    for item in code.fields:
        present = [declared[name.upper()] for name in item.names if name.upper() in declared]
        if item.required and not present:
            problems.append(f"required setting {item.label} is not declared in the Bicep app settings")
        for setting in present if item.secret else []:
            secret = setting.key_vault_secret
            if secret is None:
                problems.append(
                    f"secret setting {setting.name} must be a Key Vault reference, not {setting.rendered}"
                )
            elif secret != secret_name_for(setting.name):
                problems.append(
                    f"{setting.name} references Key Vault secret {secret!r}; "
                    f"name it {secret_name_for(setting.name)!r}"
                )
    for rule in code.one_of:
        fields = {f.field: f for f in code.fields if f.owner == rule.owner}
        unknown = [name for name in rule.fields if name not in fields]
        if not fields or unknown:
            problems.append(
                f"one-of rule for {rule.owner} names unknown fields {unknown or list(rule.fields)}"
            )
            continue
        names = [n for name in rule.fields for n in fields[name].names]
        if not any(n.upper() in declared for n in names):
            problems.append(f"{rule.why}: declare one of {', '.join(names)} in the Bicep app settings")
    for name in declared:
        if any(name == forbidden.upper() for forbidden in FORBIDDEN_ON_FLEX):
            problems.append(f"app setting {declared[name].name} must not be set on Flex Consumption")
    return problems


def _check_unused(code: CodeFacts, declared: dict[str, DeclaredSetting]) -> list[str]:
    known = {n.upper() for item in code.fields for n in item.names}
    known |= {n.upper() for n in code.setting_references}
    known |= {n.upper() for n in code.optional_settings}
    patterns = [p.upper() for p in PLATFORM_SETTINGS]
    patterns += [f"{c.upper()}__*" for c in code.connections] + [c.upper() for c in code.connections]
    return [
        f"app setting {setting.name} is declared in the Bicep but no settings class, binding or platform "
        "feature reads it"
        for name, setting in declared.items()
        if name not in known and not any(fnmatch.fnmatchcase(name, p) for p in patterns)
    ]


def _check_schedules(code: CodeFacts, declared: dict[str, DeclaredSetting]) -> list[str]:
    """Timer schedules declared in the Bicep are six-field NCRONTAB (the Functions format, UTC)."""
    problems = []
    for name in sorted({*code.optional_settings, *code.setting_references}):
        setting = declared.get(name.upper())
        if setting is None or not name.upper().endswith("_SCHEDULE"):
            continue
        try:
            value = evaluate(setting.value, setting.file)
        except Unresolved:
            continue
        if not isinstance(value, str) or len(value.split()) != 6:
            problems.append(f"{setting.name} must be a six-field NCRONTAB schedule, not {value!r}")
    return problems


def _check_bindings(code: CodeFacts, declared: dict[str, DeclaredSetting], problems: list[str]) -> set[str]:
    for reference in sorted(code.setting_references):
        if reference.upper() not in declared:
            problems.append(f"a binding uses %{reference}% but the Bicep does not declare {reference}")
    for connection in sorted(code.connections):
        if connection.upper() not in declared and not any(
            n.startswith(f"{connection.upper()}__") for n in declared
        ):
            problems.append(
                f"binding connection {connection} has no {connection} or {connection}__* app setting"
            )
    resolved: set[str] = set()
    for binding in code.queue_bindings:
        match = re.fullmatch(r"%([^%]+)%", binding.queue)
        if match is None:
            resolved.add(binding.queue)
            continue
        setting = declared.get(match.group(1).upper())
        if setting is None:
            continue  # reported above
        try:
            resolved.add(str(evaluate(setting.value, setting.file)))
        except Unresolved:
            problems.append(
                f"{binding.function}: queue setting {setting.name} must be a literal in the Bicep"
            )
    return resolved


def _check_queues(code: CodeFacts, infra: InfraFacts, bound: set[str]) -> list[str]:
    problems = []
    specs: dict[str, QueueSpec] = {}
    for spec in code.queues:
        if spec.name in specs:
            problems.append(f"queue {spec.name!r} is listed twice in QUEUES")
        specs[spec.name] = spec
        problems += _check_limits(spec)
    for name in sorted(bound - specs.keys()):
        problems.append(f"queue {name!r} is bound by a function but not listed in functions/common/queues.py")
    for name in sorted(specs.keys() - infra.queues.keys()):
        problems.append(f"queue {name!r} is in QUEUES but not declared in the Bicep")
    for name in sorted(bound - specs.keys() - infra.queues.keys()):
        problems.append(f"queue {name!r} is bound by a function but not declared in the Bicep")
    for name in sorted(infra.queues.keys() - specs.keys() - bound):
        problems.append(f"queue {name!r} is declared in the Bicep but neither bound nor listed in QUEUES")
    for name in sorted(specs.keys() & infra.queues.keys()):
        problems += _compare_queue(specs[name], infra.queues[name])
    return problems


def _check_limits(spec: QueueSpec) -> list[str]:
    problems = []
    if not _LOCK_RANGE[0] <= spec.lock_duration <= _LOCK_RANGE[1]:
        problems.append(
            f"queue {spec.name!r}: lock duration {spec.lock_duration}s is outside Service Bus' 5-300 s"
        )
    window = spec.duplicate_detection_window
    if window and not _DUPLICATE_WINDOW_RANGE[0] <= window <= _DUPLICATE_WINDOW_RANGE[1]:
        problems.append(f"queue {spec.name!r}: duplicate detection window {window}s is outside 20 s - 7 days")
    if spec.max_delivery_count < 1:
        problems.append(f"queue {spec.name!r}: max delivery count must be at least 1")
    return problems


_QUEUE_PROPERTIES: tuple[tuple[str, Callable[[QueueSpec], object], bool], ...] = (
    # (Bicep property, expected value from the spec, compare as ISO 8601 duration)
    ("lockDuration", lambda s: s.lock_duration, True),
    ("maxDeliveryCount", lambda s: s.max_delivery_count, False),
    ("requiresDuplicateDetection", lambda s: s.duplicate_detection_window > 0, False),
    ("defaultMessageTimeToLive", lambda s: s.default_time_to_live, True),
    ("deadLetteringOnMessageExpiration", lambda s: s.dead_letter_on_expiration, False),
)


def _compare_queue(spec: QueueSpec, queue: DeclaredQueue) -> list[str]:
    checks = list(_QUEUE_PROPERTIES)
    if spec.duplicate_detection_window > 0:
        checks.append(("duplicateDetectionHistoryTimeWindow", lambda s: s.duplicate_detection_window, True))
    problems = []
    for prop, expected_of, is_duration in checks:
        expected = expected_of(spec)
        if prop not in queue.properties:
            problems.append(f"queue {spec.name!r}: {prop} is not set in the Bicep (QUEUES says {expected})")
            continue
        actual = queue.properties[prop]
        try:
            same = duration_seconds(actual) == expected if is_duration else actual == expected
        except ValueError as error:
            problems.append(f"queue {spec.name!r}: {prop}: {error}")
            continue
        if not same:
            problems.append(
                f"queue {spec.name!r}: {prop} is {actual!r} in the Bicep but QUEUES says {expected}"
            )
    return problems

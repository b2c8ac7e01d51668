"""``connectors generate [--check]``: the custom connector files, generated from the function app.

For each connector (messaging, shipping, payments, counterparty) that has operations, writes
``infra/powerplatform/connectors/<name>/`` in the layout of microsoft/PowerPlatformConnectors:
``apiDefinition.swagger.json`` (from the routes and pydantic models, see functions.common.openapi),
``apiProperties.json``, ``readme.md``, and ``operations.lock.json``: every operationId ever
published. A published operation is never removed or renamed (add a ``V2`` and deprecate the old
one); generation refuses to drop one. ``--check`` writes nothing and fails when a committed file
differs from what the code generates.

The host is not baked in: each connection names its function app host and the ``dynamichosturl``
policy sends calls to ``https://<host>/api`` (the policy replaces host and base path together).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from functions.common.openapi import (
    BASE_PATH,
    FUNCTION_KEY_HEADER,
    SECURITY_SCHEME,
    ConnectorInfo,
    DefinitionError,
    Endpoint,
    build_swagger,
    published_in,
)
from functions.common.operations import operation_of

ROOT = Path(__file__).resolve().parent.parent
CONNECTORS_DIR = ROOT / "infra" / "powerplatform" / "connectors"
SWAGGER = "apiDefinition.swagger.json"
PROPERTIES = "apiProperties.json"
README = "readme.md"
LEDGER = "operations.lock.json"
HOST_PARAMETER = "host_name"
PUBLISHER = "SMART Connectors"


@dataclass(frozen=True)
class Connector:
    info: ConnectorInfo
    brand_color: str
    provider: str
    provider_account: str  # what a tenant needs at the provider


CATALOGUE: tuple[Connector, ...] = (
    Connector(
        ConnectorInfo(
            "messaging",
            "SMART Messaging (GMS Viber/SMS)",
            "Send Viber messages with SMS fallback through GMS Worldwide from Dataverse and Power Automate, "
            "follow their delivery reports and read messaging results.",
            website="https://gms-worldwide.com",
            privacy_policy="https://gms-worldwide.com",
            categories=("Communication", "Marketing"),
        ),
        brand_color="#665cac",
        provider="GMS Worldwide (Hyber JSON V2)",
        provider_account="a GMS Worldwide account with a Viber sender name and an SMS alpha name",
    ),
    Connector(
        ConnectorInfo(
            "shipping",
            "SMART Shipping (Nova Poshta)",
            "Look up Nova Poshta cities and branches, quote delivery prices and dates, and create, track "
            "and delete waybills for CRM orders.",
            website="https://novaposhta.ua",
            privacy_policy="https://novaposhta.ua",
            categories=("Commerce", "Sales and CRM"),
        ),
        brand_color="#da291c",
        provider="Nova Poshta API 2.0",
        provider_account="a Nova Poshta business account and its API key",
    ),
    Connector(
        ConnectorInfo(
            "payments",
            "SMART Payments (PayPal)",
            "Invoice CRM orders with PayPal, cancel invoices or remind payers, follow payment status and "
            "read payment analytics by currency.",
            website="https://www.paypal.com",
            privacy_policy="https://www.paypal.com",
            categories=("Finance", "Commerce"),
        ),
        brand_color="#003087",
        provider="PayPal REST (Invoicing v2)",
        provider_account="a PayPal business account with a REST app (client id and secret) and a webhook",
    ),
    Connector(
        ConnectorInfo(
            "counterparty",
            "SMART Counterparty (YouControl)",
            "Check Ukrainian companies and sole proprietors with YouControl (YouScore): company card, "
            "sanctions, tax debt, court cases and risk factors, written to the CRM account.",
            website="https://youcontrol.com.ua",
            privacy_policy="https://youcontrol.com.ua",
            categories=("Business Intelligence", "Sales and CRM"),
        ),
        brand_color="#0b5394",
        provider="YouControl (YouScore API)",
        provider_account="a YouScore API key for the modules you use",
    ),
)


# --- reading the app -------------------------------------------------------------------------------


def endpoints_of(app: Any) -> list[Endpoint]:
    """Every HTTP function of a FunctionApp that carries an ``@operation``, once per method."""
    from local_runtime.app_index import _functions_of

    endpoints = []
    for function in _functions_of(app):
        trigger = function.get_trigger().get_dict_repr()
        described = operation_of(function.get_user_function())
        if trigger.get("type") != "httpTrigger" or described is None or described.connector is None:
            continue
        methods = [str(getattr(m, "value", m)).upper() for m in trigger.get("methods") or ()]
        if len(methods) != 1:
            raise DefinitionError([f"{described.operation_id}: a published function takes one method only"])
        auth = trigger.get("authLevel") or app.auth_level
        route = str(trigger.get("route") or function.get_function_name())
        endpoints.append(Endpoint(route, methods[0], described, str(getattr(auth, "value", auth)).lower()))
    return endpoints


def app_endpoints() -> list[Endpoint]:
    from function_app import app

    return endpoints_of(app)


# --- the files --------------------------------------------------------------------------------------


def render(connector: Connector, endpoints: Sequence[Endpoint], locked: Sequence[str] = ()) -> dict[str, str]:
    """The connector's files as text, or {} when none of its own operations exists yet."""
    name = connector.info.name
    mine = published_in(name, endpoints)
    if not any(e.operation.connector == name for e in mine):
        if locked:
            raise DefinitionError([f"published operations vanished: {', '.join(sorted(locked))}"])
        return {}
    swagger = build_swagger(connector.info, mine)
    operation_ids = {op["operationId"] for methods in swagger["paths"].values() for op in methods.values()}
    gone = sorted(set(locked) - operation_ids)
    if gone:
        raise DefinitionError(
            [f"published operation {op} is gone; add a V2 and deprecate the old one" for op in gone]
        )
    ledger = {"connector": name, "published": sorted(operation_ids | set(locked))}
    return {
        SWAGGER: _json(swagger),
        PROPERTIES: _json(api_properties(connector)),
        README: readme(connector, swagger),
        LEDGER: _json(ledger),
    }


def api_properties(connector: Connector) -> dict[str, Any]:
    return {
        "properties": {
            "connectionParameters": {
                HOST_PARAMETER: {
                    "type": "string",
                    "uiDefinition": {
                        "displayName": "Function app host",
                        "description": "Host name of your SMART Connectors function app, without https:// "
                        "or /api.",
                        "tooltip": "For example contoso-smart.azurewebsites.net.",
                        "constraints": {"required": "true", "clearText": True, "tabIndex": 1},
                    },
                },
                SECURITY_SCHEME: {
                    "type": "securestring",
                    "uiDefinition": {
                        "displayName": "Function key",
                        "description": f"A function key of the app (sent as {FUNCTION_KEY_HEADER}).",
                        "tooltip": "Azure portal: the function app, Functions, App keys. Use one key per "
                        "environment.",
                        "constraints": {"required": "true", "clearText": False, "tabIndex": 2},
                    },
                },
            },
            "iconBrandColor": connector.brand_color,
            "capabilities": [],
            "policyTemplateInstances": [
                {
                    "templateId": "dynamichosturl",
                    "title": "Function app host",
                    "parameters": {
                        "x-ms-apimTemplateParameter.urlTemplate": (
                            f"https://@connectionParameters('{HOST_PARAMETER}'){BASE_PATH}"
                        )
                    },
                }
            ],
            "publisher": PUBLISHER,
        }
    }


def readme(connector: Connector, swagger: Mapping[str, Any]) -> str:
    info, folder = connector.info, f"infra/powerplatform/connectors/{connector.info.name}"
    operations = sorted(
        (op for methods in swagger["paths"].values() for op in methods.values()),
        key=lambda op: str(op["operationId"]),
    )
    listed = []
    for op in operations:
        notes = [n for n, on in (("deprecated", op.get("deprecated")), ("hidden", op.get("x-ms-visibility") ==
                 "internal")) if on]
        suffix = f" ({', '.join(notes)})" if notes else ""
        listed.append(f"### {op['summary']}{suffix}\n`{op['operationId']}`: {op['description']}\n")
    return "\n".join(
        [
            f"# {info.title}",
            f"{info.description} The calls go to your own SMART Connectors function app (Azure Functions), "
            f"which talks to {connector.provider} and keeps the results in Dataverse.\n",
            f"## Publisher: {PUBLISHER}\n",
            "## Prerequisites",
            "- A deployed SMART Connectors function app (see the project README, deployment guide).",
            f"- {connector.provider_account[0].upper()}{connector.provider_account[1:]}, "
            "configured in the app settings.",
            "- A Power Platform environment where you may create custom connectors (premium licence).\n",
            "## Supported Operations",
            *listed,
            "## Obtaining Credentials",
            "The connector authenticates with a function key of the app, sent in the "
            f"`{FUNCTION_KEY_HEADER}` header. In the Azure portal open the function app, then Functions, "
            "App keys, and add a key for Power Platform, or run `az functionapp keys set --resource-group "
            "<group> --name <app> --key-type functionKeys --key-name powerplatform`. Provider credentials "
            "stay in the app's settings (Key Vault references); the connector never sees them.\n",
            "## Getting Started",
            "1. Import the connector (below).",
            "2. Create a connection: the function app host (e.g. `contoso-smart.azurewebsites.net`) and "
            "the function key. On the connector's Test tab, `TestConnection` (hidden in flows) checks both "
            "without any provider call.",
            "3. Add an action of this connector to a flow, e.g. after a Dataverse trigger.\n",
            "## Known Issues and Limitations",
            "- Custom connectors allow 500 requests per minute per connection; Power Automate waits 120 s "
            "for an answer, so long work is queued by the app and answered at once.",
            "- Errors come back as RFC 9457 problem details (`Problem`): `detail` says what went wrong, "
            "`errors` names each refused field.",
            "- The Website and Privacy policy entries of the definition point at the provider; a publisher "
            "submitting the connector for certification replaces them with its own pages.",
            "- These files are generated from the code (`smart-connectors connectors generate`); edit the "
            "routes and models, not the files.\n",
            "## Frequently Asked Questions",
            "### Which environments can one definition serve?",
            "All of them: each connection names its own function app host (the `dynamichosturl` policy), "
            "so dev, test and production differ only in their connections.\n",
            "### Is it safe to repeat a call?",
            "Yes for the operations that create something: they are keyed by the CRM record or an "
            "idempotency key, and a repeat answers the first result.\n",
            "## Deployment Instructions",
            "With the Power Platform CLI:",
            "```",
            "pac auth create --environment https://<org>.crm.dynamics.com",
            f'pac connector create --api-definition-file "{folder}/{SWAGGER}" \\',
            f'    --api-properties-file "{folder}/{PROPERTIES}" [--solution-unique-name <solution>]',
            f'pac connector update --connector-id <id> --api-definition-file "{folder}/{SWAGGER}" \\',
            f'    --api-properties-file "{folder}/{PROPERTIES}"',
            "```",
            "or with paconn:",
            "```",
            "paconn login",
            f'paconn create --api-def "{folder}/{SWAGGER}" --api-prop "{folder}/{PROPERTIES}"',
            "```",
            "",
        ]
    )


def _json(document: Any) -> str:
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


# --- generate / check --------------------------------------------------------------------------------


def rendered_all(
    endpoints: Sequence[Endpoint],
    root: Path = CONNECTORS_DIR,
    catalogue: Sequence[Connector] = CATALOGUE,
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """(name -> files for every connector with operations, problems of those that cannot be generated).

    The committed ledgers under ``root`` are honoured: a locked operationId may not disappear.
    """
    rendered: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for connector in catalogue:
        try:
            files = render(connector, endpoints, _locked(root / connector.info.name))
        except DefinitionError as error:
            problems += [f"{connector.info.name}: {problem}" for problem in error.problems]
            continue
        if files:
            rendered[connector.info.name] = files
    return rendered, problems


def stale_files(
    rendered: Mapping[str, Mapping[str, str]],
    root: Path = CONNECTORS_DIR,
    *,
    failed: Collection[str] = (),
    catalogue: Sequence[Connector] = CATALOGUE,
) -> list[str]:
    """Committed files that differ from the generated ones (JSON compared as data), or are missing;
    folders of connectors that publish nothing any more. ``failed`` connectors are left out."""
    stale = []
    for name, files in rendered.items():
        for filename, text in files.items():
            path = root / name / filename
            if not path.exists() or not _same(path.read_text(encoding="utf-8"), text, filename):
                stale.append(f"{name}/{filename}")
    known = {c.info.name for c in catalogue}
    for folder in sorted(root.iterdir()) if root.exists() else ():
        if folder.is_dir() and folder.name not in rendered and folder.name not in failed:
            reason = "no operations publish it" if folder.name in known else "not a known connector"
            stale.append(f"{folder.name}/ ({reason})")
    return stale


def _same(committed: str, generated: str, filename: str) -> bool:
    if filename.endswith(".json"):
        return bool(json.loads(committed) == json.loads(generated))
    return committed == generated


def _locked(folder: Path) -> list[str]:
    path = folder / LEDGER
    if not path.exists():
        return []
    return [str(op) for op in json.loads(path.read_text(encoding="utf-8")).get("published", [])]


def write(rendered: Mapping[str, Mapping[str, str]], root: Path = CONNECTORS_DIR) -> list[Path]:
    written = []
    for name, files in rendered.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for filename, text in files.items():
            path = root / name / filename
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                written.append(path)
    return written


def add_parser(sub: Any) -> None:
    connectors = sub.add_parser("connectors", help="Power Platform custom connector definitions")
    actions = connectors.add_subparsers(dest="connectors_command", required=True)
    generate = actions.add_parser("generate", help="write infra/powerplatform/connectors/* from the code")
    generate.add_argument("--check", action="store_true", help="write nothing; fail if a file is stale")


def run(
    args: argparse.Namespace,
    *,
    endpoints: Sequence[Endpoint] | None = None,
    root: Path = CONNECTORS_DIR,
    catalogue: Sequence[Connector] = CATALOGUE,
) -> int:
    """``connectors generate [--check]``; the keywords let tests point it at their own app and folder."""
    try:
        found = app_endpoints() if endpoints is None else endpoints
        rendered, problems = rendered_all(found, root, catalogue)
    except DefinitionError as error:
        rendered, problems = {}, list(error.problems)
    failed = {problem.split(":", 1)[0] for problem in problems}
    skipped = [c.info.name for c in catalogue if c.info.name not in rendered and c.info.name not in failed]
    if skipped:
        print(f"no operations yet, skipped: {', '.join(skipped)}")
    if problems:
        print("these connector definitions cannot be generated until the code is fixed:")
        print("\n".join(f"  - {problem}" for problem in problems))
    if args.check:
        stale = stale_files(rendered, root, failed=failed, catalogue=catalogue)
        if stale:
            print("stale connector files (run `smart-connectors connectors generate`):")
            print("\n".join(f"  - {item}" for item in stale))
        elif rendered:
            print(f"connector files up to date: {', '.join(rendered)}")
        return 1 if stale or problems else 0
    written = write(rendered, root)
    for path in written:
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"generated: {', '.join(rendered) or 'nothing'} ({len(written)} files changed)")
    return 1 if problems else 0

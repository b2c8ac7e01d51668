"""``provision`` (tables as code -> Dataverse) and ``register-events`` (webhook / Service Bus steps)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from tqdm import tqdm


def add_parsers(sub: Any) -> None:
    provision = sub.add_parser(
        "provision", help="create or update the smart_* tables in Dataverse (idempotent)"
    )
    provision.add_argument("--json", action="store_true", help="print the report as JSON")
    provision.add_argument(
        "--export", action="store_true", help="only write the JSON definitions under infra/"
    )

    register = sub.add_parser(
        "register-events", help="register the Dataverse endpoint and steps (idempotent)"
    )
    target = register.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--webhook-url", help="the app's /api/dataverse/events URL (uses DATAVERSE_WEBHOOK_SECRET)"
    )
    target.add_argument(
        "--servicebus-connection", help="SAS connection string with send rights on the dataverse-events queue"
    )
    register.add_argument("--json", action="store_true")


def run_provision(args: argparse.Namespace) -> int:
    from dataverse.provisioning import ProvisionAction, export_definitions, provision
    from functions.common.ports import get_dataverse

    if args.export:
        path = export_definitions()
        print(f"definitions written to {path}")
        return 0
    client = get_dataverse()
    with tqdm(desc="provisioning", unit="item", disable=args.json) as bar:

        def progress(action: ProvisionAction) -> None:
            bar.update()
            bar.set_postfix_str(f"{action.action} {action.kind} {action.name}"[-60:])

        report = provision(client, progress=progress)
    if args.json:
        print(
            json.dumps({"created": report.created, "updated": report.updated, "unchanged": report.unchanged})
        )
    else:
        print(f"provisioned {client.base_url}: {report.summary()}")
    return 0


def run_register(args: argparse.Namespace) -> int:
    from dataverse.registration import register_event_endpoints
    from functions.common.ports import get_core_settings, get_dataverse

    settings = get_core_settings()
    secret = settings.dataverse_webhook_secret
    if args.webhook_url and secret is None:
        print("DATAVERSE_WEBHOOK_SECRET must be set to register a webhook", file=sys.stderr)
        return 2
    report = register_event_endpoints(
        get_dataverse(),
        webhook_url=args.webhook_url,
        webhook_secret=secret.get_secret_value() if secret and args.webhook_url else None,
        servicebus_connection=args.servicebus_connection,
    )
    if args.json:
        print(json.dumps(asdict(report)))
    else:
        print(
            f"endpoint {report.endpoint_id}: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.deleted)} deleted"
        )
    return 0

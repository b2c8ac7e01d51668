"""``smart-connectors``: the command line for developers and operators."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence

import requests

from cli import chaos as chaos_commands
from cli import connectors as connector_commands
from cli import dataverse as dataverse_commands
from cli import dlq
from cli import send as send_commands
from cli import sync as sync_commands
from dataverse.errors import DataverseError
from functions.common.settings import SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smart-connectors", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    dev = sub.add_parser("dev", help="serve the local runtime (emulator + simulators) until Ctrl-C")
    dev.add_argument("--port", type=int, default=7071)
    dev.add_argument("--app", default="function_app:app", help="module:attribute of the FunctionApp")
    dev.add_argument("--data-dir", default=None, help="where the local queue and emulator keep data")
    dev.add_argument("--no-timers", action="store_true", help="fire timers only on demand")
    dev.add_argument(
        "--telemetry",
        default="none",
        choices=("none", "console"),
        help="print spans and metrics to the console",
    )

    demo = sub.add_parser("demo", help="start the local runtime and walk the real flows end to end")
    demo.add_argument("--port", type=int, default=0, help="0 picks a free port")
    demo.add_argument("--keep-running", action="store_true", help="keep serving after the demo")
    demo.add_argument("--json", action="store_true", help="print the demo's results as JSON")

    dlq.add_parser(sub)
    chaos_commands.add_parser(sub)
    connector_commands.add_parser(sub)
    dataverse_commands.add_parsers(sub)
    sync_commands.add_parser(sub)
    send_commands.add_parser(sub)

    bench = sub.add_parser("bench", help="run benchmark scenarios (ours vs baseline, same run)")
    from bench.cli import add_arguments as add_bench_arguments

    add_bench_arguments(bench)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return _dispatch(parser, args)
    except SettingsError as error:
        print(f"configuration: {error}", file=sys.stderr)
        return EXIT_CONFIGURATION
    except (DataverseError, requests.RequestException, ConnectionError) as error:
        print(f"a dependency did not answer as expected: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_DEPENDENCY


EXIT_FAILED = 1  # the command ran and found failures (a failed check, lost items, ids not found)
EXIT_CONFIGURATION = 2  # a setting is missing or malformed (also argparse's usage errors)
EXIT_DEPENDENCY = 3  # Dataverse, Service Bus or a provider could not be reached or refused the call


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "dev":
        return _dev(args)
    if args.command == "demo":
        from cli.demo import run_demo

        return run_demo(port=args.port, keep_running=args.keep_running, as_json=args.json)
    if args.command == "dlq":
        return dlq.run(args)
    if args.command == "chaos":
        return chaos_commands.run(args)
    if args.command == "connectors":
        return connector_commands.run(args)
    if args.command == "provision":
        return dataverse_commands.run_provision(args)
    if args.command == "register-events":
        return dataverse_commands.run_register(args)
    if args.command == "sync":
        return sync_commands.run(args)
    if args.command == "send-bulk":
        return send_commands.run(args)
    if args.command == "bench":
        from bench.cli import run as run_bench

        return run_bench(args)
    parser.error(f"unknown command {args.command}")
    return 2


def _dev(args: argparse.Namespace) -> int:
    from pathlib import Path

    from local_runtime.stack import LocalStack

    stack = LocalStack(
        port=args.port,
        app_spec=args.app,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        run_timers=not args.no_timers,
        telemetry=args.telemetry,
    ).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print(f"SMART Connectors local runtime on {stack.url}/api", flush=True)
    if stack.generated_key:
        print(f"function key (generated; set SMART_FUNCTION_KEY to fix it): {stack.function_key}", flush=True)
    assert stack.host is not None
    for function in stack.host.functions:
        route = f" /api/{function.route.template}" if function.route else ""
        print(f"  {function.trigger_type:18} {function.name}{route}", flush=True)
    print(json.dumps({"ready": stack.url}), flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

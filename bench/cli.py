"""``python -m bench [names...] [--quick] [--out FILE]`` (also ``smart-connectors bench``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import harness


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description="run benchmark scenarios")
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", help="scenarios to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--list", action="store_true", help="list scenarios and exit")
    parser.add_argument("--out", type=Path, default=None, help="JSON results file")
    parser.add_argument(
        "--json", action="store_true", help="print the results as JSON on stdout (the table goes to stderr)"
    )


def run(args: argparse.Namespace) -> int:
    if args.list:
        for name, scenario in harness.discover().items():
            print(f"{name:24} {scenario.description}")
        return 0
    if args.json:
        with contextlib.redirect_stdout(sys.stderr):
            results = harness.run(args.names or None, quick=args.quick, out=args.out)
        print(json.dumps(results_json(results)), flush=True)
    else:
        results = harness.run(args.names or None, quick=args.quick, out=args.out)
    failed = [c for r in results for c in r.checks if not c.passed]
    return 1 if failed else 0


def results_json(results: list[harness.Result]) -> dict[str, Any]:
    """The results (with each metric's ratio) and whether every check passed."""
    return {
        "passed": all(c.passed for r in results for c in r.checks),
        "results": [
            {**asdict(r), "metrics": [{**asdict(m), "ratio": m.ratio} for m in r.metrics]} for r in results
        ],
    }

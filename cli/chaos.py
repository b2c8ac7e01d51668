"""``smart-connectors chaos [--small] [--seed N] [--json]``: the chaos run (see ``local_runtime/chaos``).

Exit code 0 when nothing was lost, duplicated at a provider or moved backwards; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chaos = sub.add_parser(
        "chaos",
        help="mixed workload under injected faults and worker crashes; prints what was lost (must be 0)",
    )
    chaos.add_argument("--small", action="store_true", help="a few hundred items (a few minutes)")
    chaos.add_argument("--seed", type=int, default=1, help="everything random derives from it (default 1)")
    chaos.add_argument("--json", action="store_true", help="print the figures as JSON")
    chaos.add_argument(
        "--gms-callback-attempts",
        type=int,
        default=10,
        help="how often GMS posts a delivery report before giving up, 0.25 s x attempt apart (default 10, "
        "about 11 s; GMS does not document its policy)",
    )
    chaos.add_argument(
        "--data-dir",
        default=None,
        help="keep the run's queue, emulator database and worker log here (default: .smart/chaos-<seed>)",
    )


def run(args: argparse.Namespace) -> int:
    from local_runtime.chaos import ChaosConfig, run_chaos

    data_dir = Path(args.data_dir) if args.data_dir else ROOT / ".smart" / f"chaos-{args.seed}"
    profile = ChaosConfig.small if args.small else ChaosConfig.full
    config = profile(seed=args.seed, data_dir=data_dir, gms_callback_attempts=args.gms_callback_attempts)
    logging.getLogger().setLevel(logging.WARNING)  # the stand-ins' INFO lines would drown the table
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop the worker and stand-ins
    progress = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else print
    report = run_chaos(config, say=progress)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False, default=str))
    else:
        print(report.table())
    return 0 if report.ok else 1

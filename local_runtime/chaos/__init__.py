"""The chaos run: a mixed workload through the local runtime while every stand-in misbehaves and the
worker process is SIGKILLed and restarted, then a reconciliation that proves nothing was lost,
duplicated at a provider or moved backwards.

``run_chaos(ChaosConfig.small(seed=7), say=print)`` returns a ``ChaosReport`` (``.table()``,
``.to_json()``, ``.lost``, ``.duplicates``, ``.regressions``, ``.ok``). The command line is
``smart-connectors chaos [--small] [--seed N] [--json]``.
"""

from local_runtime.chaos.config import FULL, SMALL, TINY, ChaosConfig, Sizes
from local_runtime.chaos.history import Regression, StatusHistory
from local_runtime.chaos.report import ChaosReport
from local_runtime.chaos.runner import run_chaos
from local_runtime.chaos.schedule import FaultPlan, plan_faults
from local_runtime.chaos.workload import Workload, build_workload

__all__ = [
    "FULL",
    "SMALL",
    "TINY",
    "ChaosConfig",
    "ChaosReport",
    "FaultPlan",
    "Regression",
    "Sizes",
    "StatusHistory",
    "Workload",
    "build_workload",
    "plan_faults",
    "run_chaos",
]

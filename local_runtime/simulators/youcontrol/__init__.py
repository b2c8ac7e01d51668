"""YouScore (YouControl) simulator: the real wire format on loopback plus a ``/_sim/`` admin API.

``YouScoreSimulator(port=0, *, api_key="sim-youscore-key", seed=0, rate_limits=((200, 60.0), (50, 5.0)),
not_ready_first=True)``; ``FIXTURE_CODES`` names the fixed counterparties by role.
"""

from local_runtime.simulators.youcontrol._fixtures import FIXTURE_CODES
from local_runtime.simulators.youcontrol._records import CounterpartyRecord, CourtCaseRecord
from local_runtime.simulators.youcontrol._script import SCRIPT, Evolution
from local_runtime.simulators.youcontrol._simulator import MODULES, YouScoreSimulator

__all__ = [
    "FIXTURE_CODES",
    "MODULES",
    "SCRIPT",
    "CounterpartyRecord",
    "CourtCaseRecord",
    "Evolution",
    "YouScoreSimulator",
]

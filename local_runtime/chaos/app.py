"""The app the chaos run's worker process serves: the real ``function_app.app``, with short queue locks.

``smart-connectors dev --app local_runtime.chaos.app:app`` loads this module instead of ``function_app``.
The local stack takes the queue specs from the app module's ``QUEUES`` when it has one (as the host tests'
sample app does), so the only difference from the production app is the peek-lock duration: a message
whose worker is SIGKILLed comes back after ``SMART_CHAOS_LOCK_SECONDS`` (default 5) instead of 60-300 s.
Delivery counts, duplicate detection and time-to-live stay as declared in ``functions/common/queues.py``.
Lock renewal keeps long handlers' locks alive as in production (renewed at half the lock duration).
"""

from __future__ import annotations

import os
from dataclasses import replace

from function_app import QUEUES as DECLARED_QUEUES
from function_app import app
from local_runtime.chaos.config import LOCK_SECONDS_SETTING

__all__ = ["QUEUES", "app"]

DEFAULT_LOCK_SECONDS = 5.0


def _lock_seconds() -> float:
    value = float(os.environ.get(LOCK_SECONDS_SETTING) or DEFAULT_LOCK_SECONDS)
    if value < 1.0:
        raise ValueError(f"{LOCK_SECONDS_SETTING} must be at least 1 second, not {value:g}")
    return value


QUEUES = tuple(
    replace(spec, lock_duration=min(spec.lock_duration, _lock_seconds())) for spec in DECLARED_QUEUES
)

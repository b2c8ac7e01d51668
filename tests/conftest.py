"""Suite-wide settings: no telemetry exporter unless a test installs its own in-memory one."""

from __future__ import annotations

import os

os.environ.setdefault("SMART_TELEMETRY", "none")

"""End to end in a real browser: the demo's flows fill a local stack, headless Chromium opens the dashboard
and every chart is drawn with the demo's data.

Chromium is driven by its own command-line modes (no Python driver): ``--dump-dom`` prints the DOM after
the page's script ran (the script marks each chart with how many of its bars and slices got a non-zero
size on screen), ``--screenshot`` renders the page to a PNG. With ``SMART_UPDATE_SCREENSHOT=1`` the
screenshot replaces ``docs/dashboard.png`` (the README's picture).

Chromium is part of the test set-up: found on PATH (or at ``SMART_CHROMIUM``), else installed with
``apt-get install -y chromium`` when running as root; the test fails, never skips, when neither works.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests

from local_runtime.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "dashboard.png"
KEY = "dashboard-browser-key"
DEMO_STEPS = ("messaging", "shipping", "payments", "counterparty")
CHARTS = ("funnel-per-day", "by-channel", "by-campaign", "shipments", "payments", "risk", "dead-letters")
WINDOW = (1400, 1960)
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
    "--force-device-scale-factor=1",
)  # fmt: skip


def _find_chromium() -> str | None:
    explicit = os.environ.get("SMART_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((found for name in _NAMES if (found := shutil.which(name))), None)


def ensure_chromium() -> str:
    """The Chromium binary, installing Debian's ``chromium`` package when missing and allowed to."""
    found = _find_chromium()
    if found:
        return found
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        steps = (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"])
        outputs = [
            subprocess.run(step, env=quiet, capture_output=True, text=True, timeout=900) for step in steps
        ]
        found = _find_chromium()
        if found:
            return found
        tail = "\n".join(output.stderr[-600:] for output in outputs)
        pytest.fail(f"headless Chromium could not be installed with apt-get:\n{tail}")
    pytest.fail(
        "the dashboard browser test needs headless Chromium: run `apt-get install -y chromium` (as root), "
        "or point SMART_CHROMIUM at a Chromium or Chrome binary"
    )


def _chromium(binary: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [binary, *_FLAGS, f"--user-data-dir={profile}", *arguments]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Chromium did not finish: {' '.join(command[:1] + list(arguments[:-1]))}")
    assert done.returncode == 0, f"Chromium failed ({done.returncode}): {done.stderr[-800:]}"
    return done


class _Charts(HTMLParser):
    """Each chart's drawn-mark count (written by the page's script) and all the text of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.drawn: dict[str, int] = {}
        self.text: list[str] = []
        self.checked = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html" and values.get("data-charts-checked") == "yes":
            self.checked = True
        if tag == "svg" and values.get("class") == "chart":
            self.drawn[str(values.get("id"))] = int(values.get("data-drawn-marks") or -1)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def chromium() -> str:
    return ensure_chromium()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, dict[str, Any]]]:
    """A stack after the demo: every capability's flow, plus one malformed Dataverse event dead-lettered."""
    env = {
        "SMART_FUNCTION_KEY": KEY,
        "COUNTERPARTY_RETRY_DELAY_SECONDS": "0.2",
        "DASHBOARD_CACHE_SECONDS": "0",
    }
    with LocalStack(
        port=0, data_dir=tmp_path_factory.mktemp("dashboard-demo"), env=env, run_timers=False
    ) as stack:
        session = requests.Session()
        session.headers["x-functions-key"] = KEY
        results = {
            step: importlib.import_module(f"cli.demo_steps.{step}").run(stack, session) for step in DEMO_STEPS
        }
        poison = session.post(
            f"{stack.url}/_local/queues/dataverse-events/messages", data=b"{not json", timeout=10
        )
        assert poison.status_code == 201, poison.text
        assert stack.queue is not None
        deadline = time.monotonic() + 20
        while stack.queue.counts("dataverse-events")["dead_letter"] == 0:
            assert time.monotonic() < deadline, "the malformed Dataverse event was not dead-lettered"
            time.sleep(0.05)
        results["data"] = session.get(f"{stack.url}/api/dashboard/data", timeout=60).json()
        yield stack, results


def test_every_chart_is_drawn_with_the_demos_data(
    chromium: str, demo: tuple[LocalStack, dict[str, Any]], tmp_path: Path
) -> None:
    stack, results = demo
    campaign = next(s["name"] for s in results["data"]["messaging"]["by_campaign"] if s["name"])

    dom = _chromium(
        chromium, tmp_path / "profile", "--dump-dom", f"{stack.url}/api/dashboard?code={KEY}"
    ).stdout

    charts = _Charts()
    charts.feed(dom)
    assert charts.checked, "the page's script did not run"
    assert list(charts.drawn) == list(CHARTS)
    empty = [chart for chart, drawn in charts.drawn.items() if drawn <= 0]
    assert empty == [], f"charts drawn without a single visible bar or slice: {empty}"
    text = " ".join(charts.text)
    assert campaign.startswith("demo-birthday-") and campaign in text
    assert results["counterparty"]["lookup"] in text  # the checked company, in the recent changes
    assert "dataverse-events" in text and "EUR" in text
    messages = results["data"]["messaging"]["summary"]["total"]
    assert re.search(rf"<b>{messages}</b><span>messages</span>", dom)


def test_the_dashboard_renders_to_a_screenshot(
    chromium: str, demo: tuple[LocalStack, dict[str, Any]], tmp_path: Path
) -> None:
    stack, _ = demo
    picture = tmp_path / "dashboard.png"
    size = f"--window-size={WINDOW[0]},{WINDOW[1]}"

    _chromium(
        chromium,
        tmp_path / "profile",
        f"--screenshot={picture}",
        size,
        f"{stack.url}/api/dashboard?code={KEY}",
    )

    data = picture.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == WINDOW
    assert len(data) > 50_000, "the screenshot is suspiciously small: is the page blank?"
    if os.environ.get("SMART_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(picture, SCREENSHOT)

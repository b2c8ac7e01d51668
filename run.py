#!/usr/bin/env python3
"""One entry point for a fresh clone: sets up .venv, installs, then runs a task.

    python3 run.py demo     local runtime + Dataverse emulator + provider simulators, walks the real flows
    python3 run.py test     ruff, mypy and the whole pytest suite
    python3 run.py dev      serve the local runtime until Ctrl-C
    python3 run.py <any smart-connectors sub-command and its options>

Only the standard library is used here: this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def _wanted_stamp() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "requirements.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_environment() -> None:
    """Create the virtual environment and install the project (editable) with its dev tools."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before the venv exists
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = _wanted_stamp()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("installing dependencies into .venv (first run only) ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def ensure_chromium() -> None:
    """The dashboard's browser test needs a headless Chromium: install Debian's package when missing."""
    names = ("chromium", "chromium-browser", "google-chrome")
    if os.environ.get("SMART_CHROMIUM") or any(shutil.which(name) for name in names):
        return
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        print("installing chromium for the browser test (first run only) ...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, check=False)


def run_tests(extra: list[str]) -> int:
    ensure_chromium()
    steps = [
        ("ruff", [str(PYTHON), "-m", "ruff", "check", "."]),
        ("mypy", [str(PYTHON), "-m", "mypy"]),
        ("pytest", [str(PYTHON), "-m", "pytest", *extra]),
    ]
    for name, command in steps:
        print(f"== {name}", flush=True)
        code = subprocess.run(command, cwd=ROOT).returncode
        if name == "pytest" and code == 5:
            print("pytest collected no tests: that is a failure here", file=sys.stderr)
            return 1
        if code != 0:
            print(f"{name} failed (exit {code})", file=sys.stderr)
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    ensure_environment()
    task, rest = argv[0], argv[1:]
    if task == "test":
        return run_tests(rest)
    cli = BIN / "smart-connectors"
    return subprocess.run([str(cli), task, *rest], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

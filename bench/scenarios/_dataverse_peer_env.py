"""The peer's own virtual environment, ``bench/.peer-venv``, and running ``_dataverse_peer`` in it.

``PowerPlatform-Dataverse-Client`` pulls in pandas, numpy, aiohttp and azure-identity; none of that
belongs in the project's environment, so the peer gets a venv of its own, created with the project's
interpreter and pip (PyPI) on the first full run and reused afterwards. A marker file records the
exact requirement installed; a half-built venv (no marker, or another version) is rebuilt. The venv
holds a ``.gitignore`` of ``*`` (as ``python -m venv`` writes from 3.13 on), so git never picks it up.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

PEER_VENV = Path(__file__).resolve().parents[1] / ".peer-venv"
PEER_REQUIREMENT = "PowerPlatform-Dataverse-Client[async]==1.1.0"
PEER_SCRIPT = Path(__file__).with_name("_dataverse_peer.py")
_MARKER = "bench-installed.txt"


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def peer_python(*, install: bool, venv: Path = PEER_VENV) -> tuple[Path | None, str]:
    """The peer venv's interpreter, installing it when ``install``; else (None, why not)."""
    marker = venv / _MARKER
    _ignore(venv)
    if marker.is_file() and marker.read_text().strip() == PEER_REQUIREMENT and _python(venv).exists():
        return _python(venv), ""
    if not install:
        return None, f"{venv.name} not set up (the full run creates it: pip install {PEER_REQUIREMENT})"
    if venv.exists():
        shutil.rmtree(venv)
    steps = (
        [sys.executable, "-m", "venv", str(venv)],
        [str(_python(venv)), "-m", "pip", "install", "--quiet", "--no-input", PEER_REQUIREMENT],
    )
    print(f"   setting up {venv} with {PEER_REQUIREMENT} (once)", flush=True)
    for step in steps:
        try:
            completed = subprocess.run(step, capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"could not set up {venv.name}: {type(error).__name__}: {error}"
        if completed.returncode != 0:
            lines = (completed.stderr or completed.stdout).strip().splitlines()
            return None, f"could not set up {venv.name}: {' / '.join(lines[-3:])}"
        _ignore(venv)
    marker.write_text(PEER_REQUIREMENT + "\n")
    return _python(venv), ""


def _ignore(venv: Path) -> None:
    ignore = venv / ".gitignore"
    if venv.is_dir() and not ignore.exists():
        ignore.write_text("# created by bench/scenarios/_dataverse_peer_env.py\n*\n")


def run_peer(python: Path, job: dict[str, Any]) -> dict[str, Any]:
    """Run one job through ``_dataverse_peer`` in the peer venv; its JSON answer (``error`` on failure)."""
    completed = subprocess.run(
        [str(python), str(PEER_SCRIPT)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        tail = completed.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": "PeerProcessFailed", "status": None, "retry_after": None, "message": tail[0][:300]}
    return dict(json.loads(lines[-1]))

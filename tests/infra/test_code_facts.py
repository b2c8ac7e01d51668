"""Discovery of what the code needs: settings classes in every module of a package (also folders
without ``__init__.py``), their env var names, and settings that timer bindings use only when set."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra._code_facts import optional_binding_settings, setting_fields, settings_classes

SETTINGS_MODULE = """
from pydantic import AliasChoices, Field, SecretStr
from functions.common.settings import AppSettings

class DeepSettings(AppSettings):
    token: SecretStr = Field(validation_alias="DEEP_TOKEN")

class DeeperSettings(DeepSettings):
    url: str = Field(default="https://x", validation_alias=AliasChoices("DEEP_URL", "DEEP_ADDRESS"))
"""
BLUEPRINT_MODULE = """
from functions.common.settings import timer_schedule

SYNC = "DEEP_SYNC_SCHEDULE"
SCHEDULE = timer_schedule(SYNC, "0 0 * * * *")
OTHER = timer_schedule("DEEP_OTHER_SCHEDULE", "0 30 2 * * *")
"""


@pytest.fixture
def ghost_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A package with a regular subpackage and a folder without ``__init__.py``."""
    package = tmp_path / "ghost_capabilities"
    (package / "deep").mkdir(parents=True)
    (package / "loose").mkdir()
    (package / "__init__.py").write_text("")
    (package / "deep" / "__init__.py").write_text("")
    (package / "deep" / "settings.py").write_text(textwrap.dedent(SETTINGS_MODULE))
    (package / "loose" / "blueprint.py").write_text(textwrap.dedent(BLUEPRINT_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "ghost_capabilities"
    for name in [m for m in sys.modules if m.startswith("ghost_capabilities")]:
        del sys.modules[name]


def test_settings_classes_are_found_in_every_module_with_their_env_names(ghost_package: str) -> None:
    fields = {
        (f.owner.rsplit(".", 1)[-1], f.names, f.required, f.secret)
        for f in setting_fields(settings_classes(ghost_package))
    }
    assert fields == {
        ("DeepSettings", ("DEEP_TOKEN",), True, True),
        ("DeeperSettings", ("DEEP_TOKEN",), True, True),
        ("DeeperSettings", ("DEEP_URL", "DEEP_ADDRESS"), False, False),
    }


def test_settings_a_timer_binds_only_when_set_are_found_in_the_source(ghost_package: str) -> None:
    settings_classes(ghost_package)  # imports every module, including the folder without __init__.py
    assert optional_binding_settings(ghost_package) == {
        "DEEP_SYNC_SCHEDULE": "0 0 * * * *",
        "DEEP_OTHER_SCHEDULE": "0 30 2 * * *",
    }

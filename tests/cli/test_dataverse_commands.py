"""``provision`` and ``register-events`` against the Dataverse emulator: run twice, same end state."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from cli.main import main
from dataverse.registration import DEFAULT_STEPS
from functions.common import container
from local_runtime.dataverse_emulator import DataverseEmulator


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[DataverseEmulator]:
    with DataverseEmulator(expected_token="cli-token") as running:
        monkeypatch.setenv("DATAVERSE_URL", running.url)
        monkeypatch.setenv("DATAVERSE_ACCESS_TOKEN", "cli-token")
        monkeypatch.setenv("DATAVERSE_WEBHOOK_SECRET", "cli-webhook-secret")
        container.reset()
        yield running
        container.reset()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_provision_twice_changes_nothing_the_second_time(
    emulator: DataverseEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _run(capsys, "provision", "--json")
    second = _run(capsys, "provision", "--json")
    assert first["created"] > 100  # type: ignore[operator]
    assert (second["created"], second["updated"]) == (0, 0)


def test_register_events_twice_reaches_the_same_end_state(
    emulator: DataverseEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://smart.example.net/api/dataverse/events"
    first = _run(capsys, "register-events", "--webhook-url", url, "--json")
    second = _run(capsys, "register-events", "--webhook-url", url, "--json")
    assert first["created"]
    assert second["endpoint_id"] == first["endpoint_id"]
    assert (second["created"], second["updated"], second["deleted"]) == ([], [], [])
    assert len(emulator.rows("sdkmessageprocessingstep")) == len(DEFAULT_STEPS)
    assert len(emulator.rows("serviceendpoint")) == 1


def test_missing_configuration_is_exit_2_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATAVERSE_URL", raising=False)
    container.reset()
    assert main(["provision"]) == 2
    assert "DATAVERSE_URL: is required but not set" in capsys.readouterr().err
    container.reset()


def test_unreachable_dataverse_is_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATAVERSE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("DATAVERSE_ACCESS_TOKEN", "t")
    container.reset()
    assert main(["provision", "--json"]) == 3
    assert "did not answer" in capsys.readouterr().err
    container.reset()

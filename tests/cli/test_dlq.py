"""``dlq list`` and ``dlq replay`` against the local queue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from functions.common.bus import OutboundMessage
from functions.common.queues import QUEUES
from local_runtime.queue import LocalQueue


@pytest.fixture
def queue_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SERVICEBUS_CONNECTION", raising=False)
    path = tmp_path / "queue.db"
    queue = LocalQueue(path, QUEUES)
    queue.send_many("shipments", [OutboundMessage.of_json({"n": n}, message_id=f"m-{n}") for n in range(3)])
    for message in queue.receive("shipments", 3):
        queue.dead_letter(message, f"ValueError: bad order {message.message_id}", "by the test")
    queue.close()
    return path


def test_dlq_list_shows_reason_and_body(queue_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dlq", "list", "shipments", "--db", str(queue_db), "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [item["message_id"] for item in items] == ["m-0", "m-1", "m-2"]
    assert items[1]["reason"] == "ValueError: bad order m-1"
    assert items[1]["body_preview"] == '{"n":1}'


def test_dlq_replay_one_id_then_all(queue_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dlq", "replay", "shipments", "--id", "m-1", "--db", str(queue_db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["replayed"] == 1
    queue = LocalQueue(queue_db, QUEUES)
    assert [m.message_id for m in queue.receive("shipments", 5)] == ["m-1"]
    assert main(["dlq", "replay", "shipments", "--db", str(queue_db)]) == 0
    assert "replayed 2 message(s)" in capsys.readouterr().out
    assert queue.list_dead_letters("shipments") == []


def test_dlq_replay_of_an_unknown_id_exits_non_zero(queue_db: Path) -> None:
    assert main(["dlq", "replay", "shipments", "--id", "nope", "--db", str(queue_db)]) == 1

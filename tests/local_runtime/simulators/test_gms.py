import base64
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.gms import DeliveryOutcome, parse_delivery_reports
from local_runtime.loopback import LoopbackServer, Request, Response
from local_runtime.simulators.gms import GmsSimulator, SimOutcome

ONE_REPORT = {"viber_delivered": 1.0}
AUTH = "Basic " + base64.b64encode(b"sim:sim-password").decode()


class Receiver:
    """A local callback endpoint: records every body; the first ``fail_first`` requests get 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[Any] = []
        self.fail_first = fail_first
        self.requests = 0
        self.arrived = threading.Event()
        self._lock = threading.Lock()
        self.server = LoopbackServer(self.handle, name="receiver")

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.requests += 1
            if self.requests <= self.fail_first:
                return Response.json({"error": "down"}, 500)
            self.bodies.append(request.json())
        self.arrived.set()
        return Response.json({"ok": True})

    @property
    def url(self) -> str:
        return f"{self.server.url}/api/gms/dlr?code=token"

    def reports(self) -> list[dict[str, Any]]:
        flat: list[dict[str, Any]] = []
        for body in self.bodies:
            flat.extend(body if isinstance(body, list) else [body])
        return flat


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()
    with box.server:
        yield box


def body(
    phone: Any = 380961111111, extra_id: str = "crm-1", callback_url: str | None = None, **overrides: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "phone_number": phone,
        "extra_id": extra_id,
        "channels": ["viber", "sms"],
        "channel_options": {
            "viber": {"text": "Привіт", "ttl": 60},
            "sms": {"text": "Привіт", "ttl": 300, "alpha_name": "MyBrand"},
        },
    }
    if callback_url:
        payload["callback_url"] = callback_url
    payload.update(overrides)
    return payload


def post(sim: GmsSimulator, path: str, payload: Any, auth: str | None = AUTH) -> requests.Response:
    headers = {"Authorization": auth} if auth else {}
    return requests.post(f"{sim.url}{path}", json=payload, headers=headers, timeout=5)


def send(sim: GmsSimulator, **kwargs: Any) -> str:
    answer = post(sim, f"/{sim.client_id}", body(**kwargs))
    assert answer.status_code == 200, answer.text
    message_id: str = answer.json()["message_id"]
    return message_id


def test_missing_or_wrong_auth_is_401() -> None:
    with GmsSimulator(report_delay_ms=None) as sim:
        assert post(sim, "/12345", body(), auth=None).status_code == 401
        wrong = "Basic " + base64.b64encode(b"sim:nope").decode()
        assert post(sim, "/12345", body(), auth=wrong).status_code == 401
        assert sim.messages() == []


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"phone_number": "+380961111111"}, 36024, None),
        ({"phone_number": 123}, 36024, None),
        ({"channels": ["viber", "viber"]}, 36001, "channels"),
        ({"channels": ["viber", "sms", "push"]}, 36001, "channel_options.push"),
        ({"extra_id": "x" * 65}, 36001, "extra_id"),
    ],
)
def test_invalid_send_is_refused_with_error_body_and_http_200(
    change: dict[str, Any], code: int, field: str | None
) -> None:
    with GmsSimulator(report_delay_ms=None) as sim:
        answer = post(sim, "/12345", {**body(), **change})
        assert answer.status_code == 200
        assert answer.json()["error_code"] == code
        if field:
            assert field in answer.json()["error_text"]
        assert sim.messages() == []


@pytest.mark.parametrize(
    ("channel", "options", "field"),
    [
        ("viber", {"text": "x", "ttl": 39}, "channel_options.viber.ttl"),
        ("sms", {"text": "x", "ttl": 259_201, "alpha_name": "B"}, "channel_options.sms.ttl"),
        ("sms", {"text": "x", "ttl": 300, "alpha_name": "Brand€"}, "channel_options.sms.alpha_name"),
        ("sms", {"text": "x", "ttl": 300, "alpha_name": "TwelveChars!"}, "channel_options.sms.alpha_name"),
        ("sms", {"text": "ж" * 336, "ttl": 300, "alpha_name": "B"}, "channel_options.sms.text"),
        ("sms", {"text": "a" * 766, "ttl": 300, "alpha_name": "B"}, "channel_options.sms.text"),
        ("viber", {"text": "x" * 1001, "ttl": 60}, "channel_options.viber.text"),
    ],
)
def test_channel_rules_are_enforced_naming_the_field(
    channel: str, options: dict[str, Any], field: str
) -> None:
    with GmsSimulator(report_delay_ms=None) as sim:
        answer = post(sim, "/12345", body(channels=[channel], channel_options={channel: options}))
        assert answer.json()["error_code"] == 36001
        assert field in answer.json()["error_text"]


def test_same_extra_id_sent_twice_is_recorded_as_duplicate() -> None:
    with GmsSimulator(report_delay_ms=None) as sim:
        first, second = send(sim, extra_id="dup"), send(sim, extra_id="dup")
        send(sim, extra_id="single")
        assert sim.duplicates_by_extra_id() == {"dup": [first, second]}
        state = requests.get(f"{sim.url}/_sim/state", timeout=5).json()
        assert state["duplicates_by_extra_id"] == {"dup": [first, second]}
        assert len(state["messages"]) == 3


def test_batch_sync_rejects_bad_recipients_individually() -> None:
    with GmsSimulator(report_delay_ms=None) as sim:
        payload = {
            "messages": [
                {"phone_number": 380961111111, "extra_id": "a", "text": "Hi"},
                {"phone_number": "0961", "extra_id": "b", "text": "Hi"},
                {"phone_number": 380962222222, "extra_id": "c", "text": "ж" * 400},
            ],
            "channels": ["sms"],
            "channel_options": {"sms": {"ttl": 300, "alpha_name": "B"}},
        }
        items = post(sim, "/12345/batch/sync", payload).json()["messages"]
        assert [item["accepted"] for item in items] == [True, False, False]
        assert items[0]["phone_number"] == "380961111111"
        assert items[1]["error_code"] == 36024
        assert "channel_options.sms.text" in items[2]["error_text"]
        assert [m["extra_id"] for m in sim.messages()] == ["a"]


def test_batch_common_part_error_refuses_the_whole_request() -> None:
    with GmsSimulator(report_delay_ms=None) as sim:
        payload = {
            "messages": [{"phone_number": 380961111111, "text": "Hi"}],
            "channels": ["sms"],
            "channel_options": {"sms": {"ttl": 10, "alpha_name": "B"}},
        }
        answer = post(sim, "/12345/batch/sync", payload).json()
        assert answer["error_code"] == 36001
        assert "channel_options.sms.ttl" in answer["error_text"]


def test_single_reports_are_posted_as_objects_with_numeric_number(receiver: Receiver) -> None:
    with GmsSimulator(report_delay_ms=None, outcomes={"viber_delivered": 1}) as sim:
        message_id = send(sim, callback_url=receiver.url)
        assert sim.flush() == 1
    [report_body] = receiver.bodies
    assert isinstance(report_body, dict)
    assert report_body["number"] == 380961111111
    assert report_body["message_id"] == message_id
    [report] = parse_delivery_reports(json.dumps(report_body).encode())
    assert (report.outcome, report.sent_via, report.extra_id) == (DeliveryOutcome.DELIVERED, "viber", "crm-1")


def test_batched_reports_are_posted_as_arrays_with_string_numbers(receiver: Receiver) -> None:
    with GmsSimulator(report_delay_ms=None, batched_reports=True, outcomes={"sms_delivered": 1}) as sim:
        for i in range(3):
            send(sim, extra_id=f"m-{i}", phone=f"38096111111{i}", callback_url=receiver.url)
        sim.flush()
    [array] = receiver.bodies
    assert isinstance(array, list)
    assert [item["number"] for item in array] == ["380961111110", "380961111111", "380961111112"]
    reports = parse_delivery_reports(json.dumps(array).encode())
    assert {r.outcome for r in reports} == {DeliveryOutcome.DELIVERED}
    assert {(r.total_sms_parts, r.delivered_sms_parts) for r in reports} == {(1, 1)}


def test_read_outcome_posts_delivered_then_seen(receiver: Receiver) -> None:
    with GmsSimulator(report_delay_ms=None, outcomes={"viber_read": 1}) as sim:
        send(sim, callback_url=receiver.url)
        sim.flush()
    outcomes = [r.outcome for r in parse_delivery_reports(json.dumps(receiver.reports()).encode())]
    assert outcomes == [DeliveryOutcome.DELIVERED, DeliveryOutcome.READ]


def test_out_of_order_mode_posts_seen_before_delivered_but_pull_shows_read(receiver: Receiver) -> None:
    with GmsSimulator(report_delay_ms=None, outcomes={"viber_read": 1}, out_of_order_rate=1.0) as sim:
        message_id = send(sim, callback_url=receiver.url)
        sim.flush()
        pulled = requests.get(
            f"{sim.url}/12345/api/dr/{message_id}/simple", headers={"Authorization": AUTH}, timeout=5
        ).json()
        assert sim.stats()["reports_out_of_order"] == 1
    outcomes = [r.outcome for r in parse_delivery_reports(json.dumps(receiver.reports()).encode())]
    assert outcomes == [DeliveryOutcome.READ, DeliveryOutcome.DELIVERED]
    assert pulled["substatus"] == 24


def test_duplicate_mode_posts_each_report_twice(receiver: Receiver) -> None:
    with GmsSimulator(report_delay_ms=None, outcomes={"viber_delivered": 1}, duplicate_rate=1.0) as sim:
        send(sim, callback_url=receiver.url)
        sim.flush()
        assert sim.stats()["reports_duplicated"] == 1
    first, second = receiver.reports()
    assert first == second


def test_same_seed_gives_the_same_outcomes_ids_and_report_order(receiver: Receiver) -> None:
    mix = {"viber_delivered": 1, "viber_read": 1, "sms_delivered": 1, "failed": 1, "expired": 1}

    def run(seed: int) -> list[tuple[Any, ...]]:
        receiver.bodies.clear()
        with GmsSimulator(
            report_delay_ms=None, seed=seed, outcomes=mix, duplicate_rate=0.3, out_of_order_rate=0.5
        ) as sim:
            for i in range(25):
                send(sim, extra_id=f"d-{i}", callback_url=receiver.url)
            sim.flush()
        return [
            (r["message_id"], r["extra_id"], r["status"], r.get("substatus"), r["sent_via"])
            for r in receiver.reports()
        ]

    first, again, other = run(7), run(7), run(8)
    assert first == again
    assert first != other
    statuses = {entry[2:4] for entry in first}
    assert {(2, 23), (2, 24), (3, 35), (3, 36)} <= statuses


def test_failed_callback_is_retried_and_counted() -> None:
    flaky = Receiver(fail_first=2)
    with (
        flaky.server,
        GmsSimulator(report_delay_ms=None, outcomes=ONE_REPORT, callback_retry_delay_ms=1) as sim,
    ):
        send(sim, callback_url=flaky.url)
        sim.flush()
        stats = sim.stats()
    assert len(flaky.reports()) == 1
    assert flaky.requests == 3
    assert stats["callback_retries"] == 2
    assert stats.get("callback_failures", 0) == 0


def test_callback_that_keeps_failing_is_given_up_and_counted() -> None:
    down = Receiver(fail_first=100)
    with (
        down.server,
        GmsSimulator(
            report_delay_ms=None, outcomes=ONE_REPORT, callback_attempts=3, callback_retry_delay_ms=1
        ) as sim,
    ):
        message_id = send(sim, callback_url=down.url)
        sim.flush()
        stats = sim.stats()
        pulled = requests.get(
            f"{sim.url}/12345/api/dr/{message_id}/simple", headers={"Authorization": AUTH}, timeout=5
        ).json()
    assert down.requests == 3
    assert (stats["callback_failures"], stats["reports_undelivered"]) == (1, 1)
    assert pulled["status"] in (2, 3)  # the status still changed; only the push failed


def test_non_loopback_callback_is_never_called_and_kept_for_pull() -> None:
    with GmsSimulator(report_delay_ms=None, outcomes={"viber_delivered": 1}) as sim:
        message_id = send(sim, callback_url="https://example.com/dlr")
        sim.flush()
        assert sim.stats()["reports_kept_for_pull"] == 1
        assert sim.delivered_reports == []
        pulled = requests.get(
            f"{sim.url}/12345/api/dr/{message_id}/simple", headers={"Authorization": AUTH}, timeout=5
        ).json()
        assert pulled["hyber_status"] == 23033


def test_background_dispatcher_posts_reports_without_flush(receiver: Receiver) -> None:
    with GmsSimulator(report_delay_ms=10, outcomes={"viber_delivered": 1}) as sim:
        send(sim, callback_url=receiver.url)
        assert receiver.arrived.wait(timeout=5)
    assert receiver.reports()[0]["hyber_status"] == 23033


def test_pull_report_before_any_event_is_pending_on_hyber() -> None:
    with GmsSimulator(report_delay_ms=None) as sim:
        send(sim, extra_id="ext/with slash")
        headers = {"Authorization": AUTH}
        simple = requests.get(
            f"{sim.url}/12345/api/dr/external/ext%2Fwith%20slash/simple", headers=headers, timeout=5
        ).json()
        advanced = requests.get(
            f"{sim.url}/12345/api/dr/external/ext%2Fwith%20slash/advanced", headers=headers, timeout=5
        ).json()
        missing = requests.get(f"{sim.url}/12345/api/dr/external/nope/simple", headers=headers, timeout=5)
    assert (simple["status"], simple["last_partner"]) == (-1, "hyber")
    assert advanced["reports"] == [] and advanced["processing"] is True
    assert advanced["channels"] == [{"channel": "viber", "ttl": 60}, {"channel": "sms", "ttl": 300}]
    assert missing.status_code == 404


def test_admin_faults_hit_gms_paths_but_not_admin_paths() -> None:
    with GmsSimulator(report_delay_ms=None) as sim:
        answer = requests.post(
            f"{sim.url}/_sim/faults", json={"error_rate": 1.0, "error_status": 502}, timeout=5
        )
        assert answer.json()["error_rate"] == 1.0
        assert post(sim, "/12345", body()).status_code == 502
        assert requests.get(f"{sim.url}/_sim/state", timeout=5).json()["faults_injected"] == {"http_502": 1}
        requests.post(f"{sim.url}/_sim/reset", timeout=5)
        assert post(sim, "/12345", body()).status_code == 200


def test_admin_flush_outcomes_and_stall(receiver: Receiver) -> None:
    with GmsSimulator(report_delay_ms=None) as sim:
        requests.post(f"{sim.url}/_sim/outcomes", json={"plans": {"crm-x": "expired"}}, timeout=5)
        send(sim, extra_id="crm-x", callback_url=receiver.url)
        assert requests.post(f"{sim.url}/_sim/flush", timeout=5).json() == {"flushed": 1}
        [report] = parse_delivery_reports(json.dumps(receiver.reports()).encode())
        assert report.outcome is DeliveryOutcome.EXPIRED
        assert report.hyber_status == 35015
        requests.post(f"{sim.url}/_sim/stall", json={"count": 1, "seconds": 2}, timeout=5)
        with pytest.raises(requests.Timeout):
            requests.post(
                f"{sim.url}/12345", json=body(extra_id="late"), headers={"Authorization": AUTH}, timeout=0.2
            )
        assert [m["extra_id"] for m in sim.messages()] == ["crm-x", "late"]


def test_sim_outcome_names_are_the_documented_mix() -> None:
    assert {o.value for o in SimOutcome} == {
        "viber_delivered",
        "viber_read",
        "sms_delivered",
        "failed",
        "expired",
        "blocked",
    }

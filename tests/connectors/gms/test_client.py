import logging

import pytest

from connectors.common.retry import RetryPolicy
from connectors.gms import (
    DeliveryOutcome,
    GmsApiError,
    GmsAuthenticationError,
    GmsBatchError,
    GmsClient,
    GmsConnectionError,
    GmsCredential,
    GmsNotFoundError,
)
from local_runtime.simulators.gms import GmsSimulator, SimOutcome
from tests.connectors.gms.conftest import PASSWORD, SleepRecorder, make_request


def sends(sim: GmsSimulator) -> int:
    return sim.server.counts[f"POST /{sim.client_id}"]


def test_single_send_returns_the_message_id_gms_recorded(sim: GmsSimulator, client: GmsClient) -> None:
    result = client.send_message(make_request(extra_id="crm-1"))
    [recorded] = sim.messages()
    assert result.message_id == recorded["message_id"]
    assert result.extra_id == "crm-1"
    assert not result.recovered
    assert recorded["phone_number"] == "380961111111"
    assert recorded["channels"] == ["viber", "sms"]
    assert recorded["texts"]["sms"] == "Ваше замовлення відправлено"


def test_batch_of_1000_goes_in_one_request_with_results_in_order(
    sim: GmsSimulator, client: GmsClient
) -> None:
    requests = [make_request(phone=f"380970{i:06d}", extra_id=f"bulk-{i}") for i in range(1000)]
    results = client.send_batch(requests)
    assert sends(sim) == 1
    assert [r.extra_id for r in results] == [f"bulk-{i}" for i in range(1000)]
    assert all(r.accepted and r.message_id for r in results)
    assert len({r.message_id for r in results}) == 1000
    assert len(sim.messages()) == 1000
    assert sim.duplicates_by_extra_id() == {}


def test_batch_with_two_common_parts_makes_two_requests_and_keeps_input_order(
    sim: GmsSimulator, client: GmsClient
) -> None:
    requests = [
        make_request(phone=f"38097000000{i}", extra_id=f"b-{i}", tag=f"tag-{i % 2}") for i in range(4)
    ]
    results = client.send_batch(requests)
    assert sends(sim) == 2
    assert [r.extra_id for r in results] == ["b-0", "b-1", "b-2", "b-3"]
    tags = {m["extra_id"]: m["tag"] for m in sim.messages()}
    assert tags == {"b-0": "tag-0", "b-1": "tag-1", "b-2": "tag-0", "b-3": "tag-1"}


def test_error_body_with_http_200_raises_typed_permanent_error(sim: GmsSimulator, client: GmsClient) -> None:
    bad = make_request().model_copy(update={"phone_number": "12"})  # skips our validation on purpose
    with pytest.raises(GmsApiError) as excinfo:
        client.send_message(bad)
    error = excinfo.value
    assert (error.status, error.code, error.text) == (200, 36024, "Phone number incorrect")
    assert not error.is_transient
    assert sim.messages() == []


def test_permanent_error_is_not_retried_by_send_message_once(
    sim: GmsSimulator, client: GmsClient, sleeps: SleepRecorder
) -> None:
    bad = make_request().model_copy(update={"phone_number": "12"})
    with pytest.raises(GmsApiError):
        client.send_message_once(bad)
    assert sends(sim) == 1
    assert sleeps.pauses == []


def test_plain_send_is_never_retried(sim: GmsSimulator, client: GmsClient) -> None:
    sim.set_faults(throttle_rate=1.0, retry_after_seconds=0.5)
    with pytest.raises(GmsApiError) as excinfo:
        client.send_message(make_request())
    assert excinfo.value.status == 429
    assert excinfo.value.is_transient
    assert excinfo.value.retry_after == 0.5
    assert sends(sim) == 1


def test_throttled_send_is_retried_after_retry_after_then_succeeds(
    sim: GmsSimulator, client: GmsClient, sleeps: SleepRecorder
) -> None:
    sim.set_faults(throttle_rate=1.0, retry_after_seconds=0.25)
    sleeps.hook = sim.set_faults  # the throttle ends while the client waits
    result = client.send_message_once(make_request(extra_id="crm-429"))
    assert sleeps.pauses == [0.25]
    assert sim.server.faults_injected["throttle"] == 1
    assert [m["message_id"] for m in sim.messages()] == [result.message_id]
    assert not result.recovered


def test_report_read_is_retried_on_5xx(sim: GmsSimulator, client: GmsClient, sleeps: SleepRecorder) -> None:
    sent = client.send_message(make_request())
    sim.set_faults(error_rate=1.0, error_status=503)
    sleeps.hook = sim.set_faults
    assert client.get_report(sent.message_id).message_id == sent.message_id
    assert len(sleeps.pauses) == 1


def test_timeout_after_gms_accepted_is_recovered_by_extra_id_without_second_send(
    sim: GmsSimulator, sleeps: SleepRecorder
) -> None:
    retry = RetryPolicy(max_attempts=3, base_delay=0.01, sleep=sleeps)
    credential = GmsCredential(sim.login, PASSWORD, sim.client_id)
    sim.stall_next_sends(1, seconds=3.0)  # GMS accepts, then answers after the client gave up
    with GmsClient(sim.url, credential, timeout=0.3, retry=retry) as impatient:
        with pytest.raises(GmsConnectionError):
            impatient.send_message(make_request(extra_id="crm-timeout-0"))
        sim.stall_next_sends(1, seconds=3.0)
        result = impatient.send_message_once(make_request(extra_id="crm-timeout"))
    assert result.recovered
    ids = [m["message_id"] for m in sim.messages() if m["extra_id"] == "crm-timeout"]
    assert ids == [result.message_id]
    assert sim.duplicates_by_extra_id() == {}


def test_timeout_before_gms_accepted_sends_exactly_once_after_lookup(
    sim: GmsSimulator, client: GmsClient, sleeps: SleepRecorder
) -> None:
    sim.set_faults(timeout_rate=1.0, timeout_seconds=3.0)
    sleeps.hook = sim.set_faults  # the network recovers during the backoff
    with GmsClient(
        sim.url,
        GmsCredential(sim.login, PASSWORD, sim.client_id),
        timeout=0.3,
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, sleep=sleeps),
    ) as impatient:
        result = impatient.send_message_once(make_request(extra_id="crm-lost"))
    assert not result.recovered
    assert [m["message_id"] for m in sim.messages()] == [result.message_id]
    assert sim.server.counts[f"GET /{sim.client_id}"] == 1  # the lookup by extra_id before resending


def test_redelivered_send_does_not_message_twice(sim: GmsSimulator, client: GmsClient) -> None:
    first = client.send_message_once(make_request(extra_id="crm-redelivered"))
    again = client.send_message_once(make_request(extra_id="crm-redelivered"), check_first=True)
    assert again.recovered
    assert again.message_id == first.message_id
    assert len(sim.messages()) == 1


def test_send_message_once_needs_an_extra_id(client: GmsClient) -> None:
    with pytest.raises(ValueError, match="extra_id"):
        client.send_message_once(make_request(extra_id=None))


def test_connection_refused_is_a_connection_error() -> None:
    credential = GmsCredential("login", PASSWORD, "1")
    gms = GmsClient("http://127.0.0.1:9", credential, timeout=0.5, retry=RetryPolicy(max_attempts=1))
    with gms, pytest.raises(GmsConnectionError) as excinfo:
        gms.send_message(make_request())
    assert excinfo.value.is_transient
    assert PASSWORD not in str(excinfo.value)


def test_reports_follow_the_message_from_pending_to_final(sim: GmsSimulator, client: GmsClient) -> None:
    sim.plan_outcome("crm-fallback", SimOutcome.SMS_DELIVERED)
    sent = client.send_message(make_request(extra_id="crm-fallback"))
    assert client.get_report(sent.message_id).outcome is DeliveryOutcome.PENDING
    sim.flush()
    simple = client.get_report(extra_id="crm-fallback")
    assert (simple.outcome, simple.channel, simple.message_id) == (
        DeliveryOutcome.DELIVERED,
        "sms",
        sent.message_id,
    )
    assert simple.summary.hyber_status == 23011
    advanced = client.get_report(sent.message_id, advanced=True)
    assert [a.last_partner for a in advanced.attempts] == ["viber", "sms"]
    assert [a.outcome for a in advanced.attempts] == [DeliveryOutcome.EXPIRED, DeliveryOutcome.DELIVERED]
    assert advanced.outcome is DeliveryOutcome.DELIVERED
    assert advanced.delivered_via == "sms"
    assert advanced.processing is False


def test_read_message_reports_read_and_seen(sim: GmsSimulator, client: GmsClient) -> None:
    sim.plan_outcome("crm-read", SimOutcome.VIBER_READ)
    client.send_message(make_request(extra_id="crm-read"))
    sim.flush()
    report = client.get_report(extra_id="crm-read", advanced=True)
    assert report.outcome is DeliveryOutcome.READ
    assert report.seen


def test_unknown_message_is_not_found(client: GmsClient) -> None:
    with pytest.raises(GmsNotFoundError):
        client.get_report(extra_id="never-sent")
    with pytest.raises(ValueError, match="exactly one"):
        client.get_report()


def test_async_batch_job_status_lists_each_message(sim: GmsSimulator, client: GmsClient) -> None:
    requests = [make_request(phone=f"38097000000{i}", extra_id=f"job-{i}") for i in range(3)]
    [job_id] = client.submit_batch(requests)
    sim.flush()
    status = client.get_job_status(job_id)
    assert status.job_id == job_id
    assert sorted(m.extra_id or "" for m in status.messages) == ["job-0", "job-1", "job-2"]
    assert all(m.accepted and m.outcome is DeliveryOutcome.DELIVERED for m in status.messages)


def test_wrong_password_is_an_authentication_error_without_secrets(sim: GmsSimulator) -> None:
    wrong = "wrong-Pa55word-xyz"
    with (
        GmsClient(
            sim.url, GmsCredential(sim.login, wrong, sim.client_id), retry=RetryPolicy(max_attempts=1)
        ) as gms,
        pytest.raises(GmsAuthenticationError) as excinfo,
    ):
        gms.send_message(make_request())
    assert excinfo.value.status == 401
    assert not excinfo.value.is_transient
    assert wrong not in str(excinfo.value)
    assert wrong not in repr(excinfo.value)


def test_credentials_never_appear_in_reprs_or_logs(
    sim: GmsSimulator, client: GmsClient, caplog: pytest.LogCaptureFixture
) -> None:
    credential = GmsCredential(sim.login, PASSWORD, sim.client_id)
    assert PASSWORD not in repr(credential)
    assert PASSWORD not in str(credential)
    assert PASSWORD not in repr(client)
    with caplog.at_level(logging.DEBUG, logger="connectors.gms"):
        client.send_message(make_request(phone="380961234567"))
    assert caplog.records
    assert PASSWORD not in caplog.text
    assert "380961234567" not in caplog.text
    assert "+380*****4567" in caplog.text


def test_failure_of_a_later_batch_body_reports_what_gms_already_accepted(
    sim: GmsSimulator, client: GmsClient
) -> None:
    accepted = [make_request(phone=f"38097000000{i}", extra_id=f"ok-{i}") for i in range(2)]
    refused = make_request(extra_id="refused").model_copy(update={"tag": "x" * 65})  # GMS refuses this body
    with pytest.raises(GmsBatchError) as excinfo:
        client.send_batch([*accepted, refused])
    error = excinfo.value
    assert [r.extra_id for r in error.completed] == ["ok-0", "ok-1"]
    assert error.pending_count == 1
    assert not error.is_transient
    assert isinstance(error.__cause__, GmsApiError)
    assert error.__cause__.code == 36001
    assert sorted(m["extra_id"] for m in sim.messages()) == ["ok-0", "ok-1"]

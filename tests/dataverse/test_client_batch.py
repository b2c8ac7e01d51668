"""$batch: change sets, rollback, continue-on-error, Content-ID references, splitting."""

from __future__ import annotations

from dataverse import AlternateKey, BatchOperation, DataverseClient, bind
from dataverse._multipart import build_body, parse_response, plan_units, results_for
from local_runtime.dataverse_emulator import DataverseEmulator
from tests.dataverse.conftest import define_message_table


def test_an_atomic_change_set_rolls_back_entirely(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    before = emulator.count("contact")
    results = client.execute_batch(
        [
            BatchOperation.create("contacts", {"lastname": "One"}),
            BatchOperation.create("contacts", {"lastname": "Two"}),
            BatchOperation.create("contacts", {"lastname": "Three", "no_such_column": 1}),
        ]
    )
    assert emulator.count("contact") == before
    assert all(result.rolled_back and not result.ok for result in results)
    assert all(result.error is not None and result.error.status == 400 for result in results)


def test_a_successful_change_set_returns_each_created_id(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    results = client.execute_batch(
        [BatchOperation.create("contacts", {"lastname": f"N{i}"}) for i in range(3)]
    )
    assert all(result.ok and result.status == 204 for result in results)
    stored = {row["contactid"] for row in emulator.rows("contact")}
    assert {result.entity_id for result in results} <= stored
    assert emulator.counters.snapshot()["requests_by_kind"] == {"batch": 1}


def test_content_id_references_link_rows_inside_one_change_set(client: DataverseClient) -> None:
    results = client.execute_batch(
        [
            BatchOperation.create("accounts", {"name": "Parent Co"}, content_id="acc"),
            BatchOperation.create(
                "contacts", {"lastname": "Child", "parentcustomerid_account@odata.bind": "$acc"}
            ),
            BatchOperation.update("accounts", "$acc", {"accountnumber": "P-1"}),
        ]
    )
    assert all(result.ok for result in results), [r.error for r in results]
    account_id, contact_id = results[0].entity_id, results[1].entity_id
    assert contact_id is not None and account_id is not None
    assert client.retrieve("contacts", contact_id)["_parentcustomerid_value"] == account_id
    assert client.retrieve("accounts", account_id)["accountnumber"] == "P-1"


def test_continue_on_error_runs_every_operation(client: DataverseClient, emulator: DataverseEmulator) -> None:
    before = emulator.count("contact")
    results = client.execute_batch(
        [
            BatchOperation.create("contacts", {"lastname": "A"}),
            BatchOperation.create("contacts", {"lastname": 42}),
            BatchOperation.create("contacts", {"lastname": "C"}),
        ],
        atomic=False,
        continue_on_error=True,
    )
    assert [result.ok for result in results] == [True, False, True]
    assert results[1].error is not None and results[1].error.status == 400
    assert emulator.count("contact") == before + 2


def test_without_continue_on_error_the_batch_stops_at_the_first_failure(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    before = emulator.count("contact")
    results = client.execute_batch(
        [
            BatchOperation.create("contacts", {"lastname": "A"}),
            BatchOperation.create("contacts", {"lastname": 42}),
            BatchOperation.create("contacts", {"lastname": "C"}),
        ],
        atomic=False,
    )
    assert results[0].status == 204
    assert results[1].status == 400 and not results[2].executed
    assert emulator.count("contact") == before + 1


def test_reads_and_keyed_upserts_in_one_batch(client: DataverseClient) -> None:
    define_message_table(client)
    key = AlternateKey({"smart_idempotencykey": "b-1"})
    results = client.execute_batch(
        [
            BatchOperation.upsert("smart_messages", key, {"smart_name": "x"}, mode="create_only"),
            BatchOperation.get("smart_messages?$select=smart_name"),
            BatchOperation.upsert("smart_messages", key, {"smart_name": "again"}, mode="create_only"),
        ]
    )
    assert results[0].ok
    assert results[1].ok and [row["smart_name"] for row in results[1].body["value"]] == ["x"]
    assert results[2].error is not None and results[2].error.status == 412
    assert type(results[2].error).__name__ == "DuplicateRecordError"


def test_more_than_1000_operations_are_split_into_batches(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    operations = [BatchOperation.create("contacts", {"lastname": f"L{i}"}) for i in range(1200)]
    results = client.execute_batch(operations, atomic=False)
    assert len(results) == 1200 and all(result.ok for result in results)
    assert emulator.counters.snapshot()["requests_by_kind"] == {"batch": 2}


def test_responses_shaped_like_dataverse_map_back_to_operations() -> None:
    operations = [
        BatchOperation.create("tasks", {"subject": "a"}),
        BatchOperation.create("tasks", {"subject": "b"}),
        BatchOperation.get("tasks?$select=subject"),
    ]
    units = plan_units(operations, atomic=True)
    content_type, body = build_body(operations, units, "https://org.crm.dynamics.com/api/data/v9.2/")
    assert content_type.startswith("multipart/mixed; boundary=batch_")
    text = body.decode()
    assert (
        "Content-ID: 1" in text and "POST https://org.crm.dynamics.com/api/data/v9.2/tasks HTTP/1.1" in text
    )
    response = (
        "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n"
        "--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 1\r\n\r\nHTTP/1.1 204 No Content\r\nOData-Version: 4.0\r\n"
        "OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/tasks(a59c24a3-1a2b-4c5d-8e9f-000000000001)\r\n\r\n\r\n"
        "--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 2\r\n\r\nHTTP/1.1 204 No Content\r\nOData-Version: 4.0\r\n"
        "OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/tasks(a59c24a3-1a2b-4c5d-8e9f-000000000002)\r\n\r\n\r\n"
        "--changesetresponse_2--\r\n"
        "--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; odata.metadata=minimal\r\n"
        "OData-Version: 4.0\r\n\r\n"
        '{"value": [{"subject": "a"}]}\r\n'
        "--batchresponse_1--\r\n"
    )
    results = results_for(
        operations, units, parse_response("multipart/mixed; boundary=batchresponse_1", response.encode())
    )
    assert [r.entity_id for r in results[:2]] == [
        "a59c24a3-1a2b-4c5d-8e9f-000000000001",
        "a59c24a3-1a2b-4c5d-8e9f-000000000002",
    ]
    assert results[2].body == {"value": [{"subject": "a"}]}


def test_bind_in_batch_uses_normal_references(client: DataverseClient) -> None:
    account = client.create("accounts", {"name": "Existing"})
    (result,) = client.execute_batch(
        [
            BatchOperation.create(
                "contacts",
                {"lastname": "L", "parentcustomerid_account@odata.bind": bind("accounts", account)},
            )
        ]
    )
    assert result.ok


def test_a_standalone_write_fails_alone_and_the_change_set_before_it_stays(
    client: DataverseClient, emulator: DataverseEmulator
) -> None:
    mixed = [BatchOperation.create("tasks", {}), BatchOperation("PATCH", "tasks(x)", {}, standalone=True)]
    assert plan_units(mixed, atomic=True) == [("changeset", [0]), ("single", [1])]
    before = emulator.count("contact")
    results = client.execute_batch(
        [
            BatchOperation.create("contacts", {"lastname": "Kept"}),
            BatchOperation("POST", "contacts", {"no_such_column": 1}, standalone=True),
        ],
        atomic=True,
        continue_on_error=True,
    )
    assert results[0].ok and not results[1].ok
    assert emulator.count("contact") == before + 1

"""The real adapters against the model servers of `tests/fakes`: the documented answers the
clients rely on (created vs updated, idempotent registration, soft-then-hard delete,
savepoint triggers, 409 for a terminal job) and the refusals a wrong request gets."""

from __future__ import annotations

import json

import pytest

from streamt.adapters.protocols import AdapterError
from streamt.adapters.sql_gateway import StatementError
from tests.fakes.connect import JDBC_SINK

from ..apply.fakes import FakeConnect, FakeFlink, FakeRegistry

SINK = {"connector.class": JDBC_SINK, "topics": "t", "connection.url": "jdbc:postgresql://d/x"}
V1 = json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})
V2_DEFAULT = json.dumps(
    {
        "type": "record",
        "name": "R",
        "fields": [
            {"name": "a", "type": "long"},
            {"name": "b", "type": ["null", "string"], "default": None},
        ],
    }
)
V2_NO_DEFAULT = json.dumps(
    {
        "type": "record",
        "name": "R",
        "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}],
    }
)
TABLES = [
    "CREATE TABLE `src` (`a` INT) WITH ('connector' = 'kafka')",
    "CREATE TABLE `out` (`a` INT)",
]


# ---------------------------------------------------------------- Connect


def test_connect_put_creates_then_updates_and_lists_status_and_info() -> None:
    c = FakeConnect()
    c.put_connector("s", SINK)
    c.put_connector("s", {**SINK, "tasks.max": "2"})
    assert [a for a in c.server.router.answered if a[0] == "PUT"] == [
        ("PUT", "/connectors/s/config", 201),
        ("PUT", "/connectors/s/config", 200),
    ]
    (state,) = c.list_connectors()
    assert (state.name, state.state, state.tasks, state.type) == (
        "s",
        "RUNNING",
        ("RUNNING",) * 2,
        "sink",
    )
    assert state.config == {**SINK, "tasks.max": "2", "name": "s"}


def test_connect_refuses_an_invalid_config_with_its_errors_and_during_a_rebalance() -> None:
    c = FakeConnect()
    with pytest.raises(AdapterError) as err:
        c.put_connector("s", {"connector.class": JDBC_SINK, "topics": "t"})
    assert err.value.status == 400 and "connection.url" in str(err.value)
    with pytest.raises(AdapterError) as err:
        c.put_connector("s", {**SINK, "name": "other"})
    assert err.value.status == 400 and "doesn't match connector name in the URL" in str(err.value)
    with pytest.raises(AdapterError) as err:
        c.put_connector("s", {**SINK, "connector.class": "com.nope.Sink"})
    assert err.value.status == 500
    c.server.rebalancing = True
    with pytest.raises(AdapterError) as err:
        c.put_connector("s", SINK)
    assert err.value.status == 409
    assert c.server.connectors == {}


def test_connect_pause_resume_restart_and_delete_change_the_model() -> None:
    c = FakeConnect()
    c.put_connector("s", SINK)
    c.pause_connector("s")
    assert c.list_connectors()[0].state == "PAUSED"
    c.resume_connector("s")
    c.server.fail_task("s", 0, "org.apache.kafka.connect.errors.ConnectException: db down\n\tat x")
    assert c.list_connectors()[0].errors == (
        "org.apache.kafka.connect.errors.ConnectException: db down",
    )
    c.restart_connector("s", only_failed=True)
    assert c.list_connectors()[0].tasks == ("RUNNING",)
    c.delete_connector("s")
    c.delete_connector("s")  # gone already: Connect answers 404, which is fine
    assert c.list_connectors() == []
    with pytest.raises(AdapterError) as err:
        c.pause_connector("s")
    assert err.value.status == 404


def test_connect_validate_reports_errors_per_key() -> None:
    c = FakeConnect()
    assert c.validate_connector("s", SINK) == []
    assert c.validate_connector("s", {"connector.class": JDBC_SINK}) == [
        'connection.url: Missing required configuration "connection.url" which has no default value.',
        "topics: Must configure one of topics or topics.regex",
    ]
    (unknown,) = c.validate_connector("s", {"connector.class": "com.nope.Sink"})
    assert unknown.startswith("connector.class: BadRequestException: Failed to find any class")


# ---------------------------------------------------------------- Schema Registry


def test_registry_registration_is_idempotent_and_ids_are_global() -> None:
    r = FakeRegistry()
    first = r.register("a-value", "AVRO", V1)
    assert r.register("a-value", "AVRO", V1) == first  # the same schema: no new version
    assert r.register("b-value", "avro", V1) == first  # the same schema elsewhere: the same id
    states = {s.subject: (s.version, s.schema_id) for s in r.list_subjects()}
    assert states == {"a-value": (1, first), "b-value": (1, first)}


def test_registry_judges_backward_compatibility_by_its_own_avro_rules() -> None:
    r = FakeRegistry()
    assert r.check_compatibility("s", "AVRO", V1) == (True, [])  # no subject yet
    r.register("s", "AVRO", V1)
    assert r.check_compatibility("s", "AVRO", V2_DEFAULT) == (True, [])  # int -> long promotes
    ok, messages = r.check_compatibility("s", "AVRO", V2_NO_DEFAULT)
    assert not ok and "READER_FIELD_MISSING_DEFAULT_VALUE" in messages[0] and "'b'" in messages[0]
    with pytest.raises(AdapterError) as err:
        r.register("s", "AVRO", V2_NO_DEFAULT)
    assert err.value.status == 409
    r.set_compatibility("s", "NONE")
    assert r.get_compatibility("s") == "NONE" and r.get_compatibility("t") is None
    assert r.register("s", "AVRO", V2_NO_DEFAULT) > 0
    with pytest.raises(AdapterError) as err:
        r.set_compatibility("s", "SIDEWAYS")
    assert err.value.status == 422


def test_registry_refuses_an_invalid_schema_and_deletes_soft_then_hard() -> None:
    r = FakeRegistry()
    with pytest.raises(AdapterError) as err:
        r.register("s", "AVRO", '{"type": "record", "name": "R"}')
    assert err.value.status == 422 and "42201" in str(err.value)
    r.register("s", "AVRO", V1)
    r.delete_subject("s")
    assert r.list_subjects() == []
    assert "s" in r.server.subjects  # soft: still known to the registry
    r.delete_subject("s", permanent=True)  # a second soft delete is 40404 (allowed), then hard
    assert "s" not in r.server.subjects


# ---------------------------------------------------------------- Flink + SQL Gateway


def test_flink_submit_starts_a_named_job_and_a_savepoint_upgrade_restores_from_it() -> None:
    f = FakeFlink()
    job_id = f.submit(
        [*TABLES, "INSERT INTO `out` SELECT `a` FROM `src`"], {"pipeline.name": "p.m"}
    )
    assert len(job_id) == 32 and f.jobs[job_id].state == "RUNNING" and f.jobs[job_id].name == "p.m"
    assert f.free_slots() == (7, 8)
    savepoint = f.stop_with_savepoint(job_id)
    assert savepoint in f.server.savepoints and f.jobs[job_id].state == "FINISHED"
    f.cancel(job_id)  # terminal already: Flink answers 409, which is fine
    again = f.submit(
        [*TABLES, "INSERT INTO `out` SELECT `a` FROM `src`"],
        {"pipeline.name": "p.m", "execution.savepoint.path": savepoint},
    )
    assert f.jobs[again].state == "RUNNING"
    assert f.checkpoint_stats(again).restored_path == savepoint


def test_flink_refuses_undefined_tables_and_fails_a_restore_from_a_savepoint_it_never_wrote() -> (
    None
):
    f = FakeFlink()
    with pytest.raises(StatementError) as err:
        f.submit([TABLES[0], "INSERT INTO `out` SELECT `a` FROM `src`"], {"pipeline.name": "p"})
    assert "Object 'out' not found" in err.value.summary
    with pytest.raises(StatementError) as err:
        f.submit([TABLES[1], "INSERT INTO `out` SELECT `a` FROM `src`"], {"pipeline.name": "p"})
    assert "Object 'src' not found" in err.value.summary
    assert f.explain([TABLES[1], "INSERT INTO `out` SELECT * FROM `nope`"]) == [
        "ValidationException: SQL validation failed. From line 1, column 1 to line 1, column 1: "
        "Object 'nope' not found"
    ]
    assert f.server.jobs == {} and f.server.sessions == {}
    job_id = f.submit(
        [*TABLES, "INSERT INTO `out` SELECT `a` FROM `src`"],
        {"pipeline.name": "p", "execution.savepoint.path": "file:/nowhere/savepoint-1"},
    )
    assert f.jobs[job_id].state == "FAILED"
    assert f.job_exceptions(job_id)[0].startswith("java.io.FileNotFoundException")


def test_flink_answers_unknown_jobs_with_404_and_a_result_fetch_without_row_format_with_400() -> (
    None
):
    f = FakeFlink()
    with pytest.raises(AdapterError) as err:
        f.job_state("0" * 32)
    assert err.value.status == 404
    f.cancel("0" * 32)  # a job that is gone is fine for cancel
    session = f.gateway.open_session({})
    op = f.gateway_api.request(
        "POST", f"/v2/sessions/{session}/statements", json_body={"statement": "SET 'a' = 'b'"}
    ).json()["operationHandle"]
    reply = f.gateway_api.request(
        "GET", f"/v2/sessions/{session}/operations/{op}/result/0", allow=(400,)
    )
    assert reply.status == 400
    assert f.server.sessions[session].properties == {"a": "b"}

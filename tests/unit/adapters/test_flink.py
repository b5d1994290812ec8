import httpx
import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import RetryPolicy
from streamt.adapters.protocols import AdapterError, CheckpointState
from streamt.adapters.sql_gateway import error_summary
from streamt.resources import JobState

from .fakes import Script, Sleeps, client, ok, text

JOB = "0123456789abcdef0123456789abcdef"
S = "/v2/sessions/sess"
GATEWAY_ERROR = {
    "errors": [
        "Internal server error.",
        "<Exception on server side:\n"
        "org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\n"
        "\tat org.apache.flink.table.gateway.rest.handler.statement.FetchResultsHandler.handleRequest\n"
        "Caused by: org.apache.flink.table.gateway.service.utils.SqlExecutionException: "
        "Failed to execute the operation abc.\n"
        "\tat org.apache.flink.table.gateway.service.operation.OperationManager$Operation.processThrowable\n"
        "Caused by: org.apache.flink.table.api.ValidationException: SQL validation failed. "
        "From line 1, column 15 to line 1, column 20: Object 'nosuch' not found\n"
        "\tat org.apache.flink.table.planner.calcite.FlinkPlannerImpl.validate\n"
        "Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nosuch' not found\n"
        "\t... 30 more\n\nEnd of exception on server side>",
    ]
}


def flink(rest: Script, gateway: Script | None = None, sleeps: Sleeps | None = None) -> FlinkClient:
    return FlinkClient(
        client(rest, "http://flink.test"),
        client(gateway or Script(), "http://gateway.test"),
        retry=RetryPolicy(attempts=2),
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def run_statement(script: Script, op: str, result: object = None, status: str = "FINISHED") -> None:
    script.add("POST", f"{S}/statements", ok({"operationHandle": op}))
    script.add("GET", f"{S}/operations/{op}/status", ok({"status": "RUNNING"}))
    script.add("GET", f"{S}/operations/{op}/status", ok({"status": status}))
    if status != "FINISHED":
        script.add("GET", f"{S}/operations/{op}/result/0", ok(GATEWAY_ERROR, 500))
        return
    script.add(
        "GET",
        f"{S}/operations/{op}/result/0",
        ok(
            result
            or {"resultType": "EOS", "results": {"data": [{"kind": "INSERT", "fields": ["OK"]}]}}
        ),
    )


def test_list_jobs_is_one_overview_call():
    rest = Script().add(
        "GET",
        "/jobs/overview",
        ok(
            {
                "jobs": [
                    {
                        "jid": JOB,
                        "name": "p.m",
                        "state": "RUNNING",
                        "start-time": 5,
                        "end-time": -1,
                        "duration": 9,
                    }
                ]
            }
        ),
    )
    f = flink(rest)
    assert f.list_jobs() == [JobState(JOB, "p.m", "RUNNING", 5, -1, 9)]
    assert f.calls == 1


def test_list_jobs_rejects_missing_fields():
    rest = Script().add("GET", "/jobs/overview", ok({"jobs": [{"name": "x"}]}))
    with pytest.raises(AdapterError, match="'jid'"):
        flink(rest).list_jobs()


def test_submit_opens_a_session_with_the_config_runs_statements_in_order_and_returns_the_job_id():
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    run_statement(gw, "op1")
    insert_result = {
        "resultType": "PAYLOAD",
        "jobID": JOB,
        "results": {"data": [{"kind": "INSERT", "fields": [JOB]}]},
        "nextResultUri": f"{S}/operations/op2/result/1?rowFormat=JSON",
    }
    run_statement(gw, "op2", insert_result)
    gw.add("DELETE", S, ok({"status": "CLOSED"}))
    f = flink(Script(), gw)
    config = {"pipeline.name": "p.m", "execution.savepoint.path": "file:/sp/1"}
    assert f.submit(["CREATE TABLE t (a INT)", "INSERT INTO t SELECT 1"], config) == JOB
    assert gw.body(0) == {"sessionName": "streamt", "properties": config}
    assert gw.body(1) == {"statement": "CREATE TABLE t (a INT)"}
    assert gw.body(5) == {"statement": "INSERT INTO t SELECT 1"}
    assert gw.seen[4].url.params["rowFormat"] == "JSON"
    assert not gw.steps


def test_submit_failure_raises_the_flink_error_and_still_closes_the_session():
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    run_statement(gw, "op1", status="ERROR")
    gw.add("DELETE", S, ok({"status": "CLOSED"}))
    with pytest.raises(AdapterError) as err:
        flink(Script(), gw).submit(["INSERT INTO nosuch SELECT 1"], {"sasl.password": "s3cret"})
    message = str(err.value)
    assert "ValidationException: SQL validation failed" in message
    assert "root cause: SqlValidatorException: Object 'nosuch' not found" in message
    assert "INSERT INTO" not in message and "s3cret" not in message  # no statement/secret echo
    assert not gw.steps  # the session was closed


def test_submit_of_a_statement_that_starts_no_job_is_an_error():
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    run_statement(gw, "op1")
    gw.add("DELETE", S, ok({}))
    with pytest.raises(AdapterError, match="started no job"):
        flink(Script(), gw).submit(["CREATE TABLE t (a INT)"], {})


def test_explain_returns_the_planner_error_and_closes_the_session():
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    run_statement(gw, "op1")
    run_statement(gw, "op2", status="ERROR")
    gw.add("DELETE", S, ok({}))
    errors = flink(Script(), gw).explain(
        ["CREATE TABLE t (a INT)", "INSERT INTO t SELECT * FROM nosuch;"]
    )
    assert errors == [
        "ValidationException: SQL validation failed. From line 1, column 15 to line 1, column 20: "
        "Object 'nosuch' not found (root cause: SqlValidatorException: Object 'nosuch' not found)"
    ]
    assert gw.body(5) == {"statement": "EXPLAIN INSERT INTO t SELECT * FROM nosuch"}
    assert not gw.steps


def test_explain_of_a_valid_job_returns_no_errors():
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    run_statement(
        gw,
        "op1",
        {"resultType": "EOS", "results": {"data": [{"kind": "INSERT", "fields": ["== Plan =="]}]}},
    )
    gw.add("DELETE", S, ok({}))
    assert flink(Script(), gw).explain(["INSERT INTO t SELECT 1"]) == []


def test_statement_rejected_at_submission_is_summarised():
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    gw.add("POST", f"{S}/statements", ok(GATEWAY_ERROR, 500))
    gw.add("DELETE", S, ok({}))
    assert flink(Script(), gw).explain(["SELEC 1"])[0].startswith("ValidationException")


def test_results_not_ready_are_polled_via_next_result_uri():
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    gw.add("POST", f"{S}/statements", ok({"operationHandle": "op"}))
    gw.add("GET", f"{S}/operations/op/status", ok({"status": "FINISHED"}))
    gw.add(
        "GET",
        f"{S}/operations/op/result/0",
        ok(
            {
                "resultType": "NOT_READY",
                "nextResultUri": f"{S}/operations/op/result/0?rowFormat=JSON",
            }
        ),
    )
    gw.add(
        "GET",
        f"{S}/operations/op/result/0",
        ok({"resultType": "EOS", "results": {"data": [{"kind": "INSERT", "fields": [JOB]}]}}),
    )
    gw.add("DELETE", S, ok({}))
    assert flink(Script(), gw).submit(["INSERT INTO t SELECT 1"], {}) == JOB  # id from the row


def test_stop_with_savepoint_polls_the_trigger_then_waits_for_the_job_to_finish():
    rest = Script().add("POST", f"/jobs/{JOB}/stop", ok({"request-id": "trig"}, 202))
    rest.add("GET", f"/jobs/{JOB}/savepoints/trig", ok({"status": {"id": "IN_PROGRESS"}}))
    rest.add(
        "GET",
        f"/jobs/{JOB}/savepoints/trig",
        ok({"status": {"id": "COMPLETED"}, "operation": {"location": "file:/sp/savepoint-1"}}),
    )
    rest.add("GET", f"/jobs/{JOB}", ok({"state": "RUNNING"}))
    rest.add("GET", f"/jobs/{JOB}", ok({"state": "FINISHED"}))
    sleeps = Sleeps()
    f = flink(rest, sleeps=sleeps)
    assert f.stop_with_savepoint(JOB, "file:/sp") == "file:/sp/savepoint-1"
    assert rest.body(0) == {"drain": False, "targetDirectory": "file:/sp"}
    assert len(sleeps) == 2 and f.calls == 5


def test_failed_savepoint_raises_the_cause():
    rest = Script().add("POST", f"/jobs/{JOB}/stop", ok({"request-id": "trig"}, 202))
    failure = {
        "class": "java.lang.IllegalStateException",
        "stack-trace": "java.lang.IllegalStateException: No savepoint directory\n\tat x",
    }
    rest.add(
        "GET",
        f"/jobs/{JOB}/savepoints/trig",
        ok({"status": {"id": "COMPLETED"}, "operation": {"failure-cause": failure}}),
    )
    with pytest.raises(AdapterError, match="No savepoint directory"):
        flink(rest).stop_with_savepoint(JOB)


def test_cancel_tolerates_an_unknown_job():
    rest = (
        Script()
        .add("PATCH", f"/jobs/{JOB}", ok(status=202))
        .add("PATCH", f"/jobs/{JOB}", text("{}", 404))
    )
    f = flink(rest)
    f.cancel(JOB)
    f.cancel(JOB)
    assert rest.seen[0].url.params["mode"] == "cancel"


def test_checkpoint_stats():
    rest = Script().add(
        "GET",
        f"/jobs/{JOB}/checkpoints",
        ok(
            {
                "counts": {"completed": 3, "failed": 1},
                "latest": {
                    "completed": {"latest_ack_timestamp": 77, "external_path": "file:/c/3"},
                    "restored": {"external_path": "file:/sp/savepoint-1", "is_savepoint": True},
                },
            }
        ),
    )
    rest.add(
        "GET",
        f"/jobs/{JOB}/checkpoints",
        ok({"counts": {"completed": 0, "failed": 0}, "latest": {"completed": None}}),
    )
    f = flink(rest)
    assert f.checkpoint_stats(JOB) == CheckpointState(3, 1, 77, "file:/c/3", "file:/sp/savepoint-1")
    assert f.checkpoint_stats(JOB) == CheckpointState(0, 0, 0, "")


def test_rest_5xx_on_get_is_retried():
    rest = (
        Script()
        .add("GET", "/jobs/overview", text("busy", 503))
        .add("GET", "/jobs/overview", ok({"jobs": []}))
    )
    f = flink(rest)
    assert f.list_jobs() == []
    assert f.calls == 2


def test_gateway_down_is_a_clear_error():
    gw = (
        Script()
        .add("POST", "/v2/sessions", httpx.ConnectError("refused"))
        .add("POST", "/v2/sessions", httpx.ConnectError("refused"))
    )
    with pytest.raises(AdapterError) as err:
        flink(Script(), gw).submit(["INSERT INTO t SELECT 1"], {})
    assert str(err.value).startswith(
        "flink-sql-gateway http://gateway.test/v2/sessions: cannot connect"
    )


def test_error_summary_handles_plain_text_and_single_exceptions():
    assert error_summary("just text") == "just text"
    one = '{"errors": ["org.apache.flink.sql.parser.impl.ParseException: Encountered \\"SELEC\\" at line 1"]}'
    assert error_summary(one) == 'ParseException: Encountered "SELEC" at line 1'


def test_a_failed_session_close_does_not_hide_the_statement_error():
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    run_statement(gw, "op1", status="ERROR")
    gw.add("DELETE", S, httpx.ConnectError("gone")).add("DELETE", S, httpx.ConnectError("gone"))
    with pytest.raises(AdapterError, match="Object 'nosuch' not found"):
        flink(Script(), gw).submit(["INSERT INTO nosuch SELECT 1"], {})


def test_a_statement_that_never_finishes_times_out_with_a_clear_error():
    now = [0.0]
    gw = Script().add("POST", "/v2/sessions", ok({"sessionHandle": "sess"}))
    gw.add("POST", f"{S}/statements", ok({"operationHandle": "op"}))
    for _ in range(4):  # at t = 0, 50, 100, 150 (past the deadline)
        gw.add("GET", f"{S}/operations/op/status", ok({"status": "RUNNING"}))
    gw.add("DELETE", S, ok({}))

    def sleep(seconds):
        now[0] += 50.0

    f = FlinkClient(
        client(Script(), "http://flink.test"),
        client(gw, "http://gateway.test"),
        timeout_s=100.0,
        sleep=sleep,
        clock=lambda: now[0],
    )
    with pytest.raises(AdapterError, match="statement still RUNNING after 100s"):
        f.submit(["INSERT INTO t SELECT 1"], {})
    assert not gw.steps  # polled until the deadline, then closed the session


NO_SLOTS_TRACE = (
    "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n"
    "\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure\n"
    "Caused by: java.util.concurrent.CompletionException: "
    "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: "
    "Could not acquire the minimum required resources.\n"
    "\t... 4 more\n"
    "Caused by: org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: "
    "Could not acquire the minimum required resources.\n"
    "\t... 30 more\n"
)


def test_job_exceptions_give_the_root_cause_of_each_failure_newest_first():
    rest = Script().add(
        "GET",
        f"/jobs/{JOB}/exceptions",
        ok(
            {
                "exceptionHistory": {
                    "entries": [
                        {
                            "exceptionName": "org.apache.flink.runtime.JobException",
                            "stacktrace": NO_SLOTS_TRACE,
                            "timestamp": 2,
                        },
                        {"exceptionName": "java.lang.IllegalStateException", "timestamp": 1},
                    ],
                    "truncated": False,
                }
            }
        ),
    )
    assert flink(rest).job_exceptions(JOB) == [
        "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: "
        "Could not acquire the minimum required resources.",
        "java.lang.IllegalStateException",
    ]


def test_job_exceptions_empty_history_and_flink_1_root_exception():
    empty = Script().add(
        "GET", f"/jobs/{JOB}/exceptions", ok({"exceptionHistory": {"entries": []}})
    )
    assert flink(empty).job_exceptions(JOB) == []
    legacy = Script().add(
        "GET",
        f"/jobs/{JOB}/exceptions",
        ok({"root-exception": "java.lang.RuntimeException: boom\n\tat x.y(Z.java:1)"}),
    )
    assert flink(legacy).job_exceptions(JOB) == ["java.lang.RuntimeException: boom"]


def test_job_parallelism_is_the_widest_vertex_and_free_slots_come_from_overview():
    rest = (
        Script()
        .add(
            "GET",
            f"/jobs/{JOB}",
            ok({"state": "RESTARTING", "vertices": [{"parallelism": 2}, {"parallelism": 9}]}),
        )
        .add("GET", "/overview", ok({"slots-total": 8, "slots-available": 3, "taskmanagers": 1}))
    )
    client_ = flink(rest)
    assert client_.job_parallelism(JOB) == 9
    assert client_.free_slots() == (3, 8)


def test_tasks_started_needs_every_subtask_running_not_just_the_vertex_status():
    def vertex(running: int, scheduled: int) -> dict[str, object]:
        # Flink reports the vertex RUNNING as soon as some subtasks run
        return {"status": "RUNNING", "tasks": {"RUNNING": running, "SCHEDULED": scheduled}}

    rest = (
        Script()
        .add("GET", f"/jobs/{JOB}", ok({"state": "RUNNING", "vertices": [vertex(8, 4)]}))
        .add("GET", f"/jobs/{JOB}", ok({"state": "RUNNING", "vertices": [vertex(12, 0)]}))
        .add("GET", f"/jobs/{JOB}", ok({"state": "RUNNING", "vertices": []}))
    )
    client_ = flink(rest)
    assert client_.tasks_started(JOB) is False
    assert client_.tasks_started(JOB) is True
    assert client_.tasks_started(JOB) is False  # no vertices yet: not started

"""Pure parts of the runners: actions with a fake poster and fake Flink, unit-test job rewiring,
final-per-key judging, schema checks against registry documents, value decoding, options."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import fastavro
import pytest
from tests.unit.apply.fakes import FakeRegistry

from streamt.compile.jobs import InputTable, bounded_input
from streamt.compile.specs import ChangelogMode
from streamt.diagnostics import StreamtError
from streamt.load import model as lm
from streamt.load.model import Project
from streamt.resources import JobState
from streamt.testing.actions import apply_actions
from streamt.testing.assertions import AcceptedTypes, Assertion, AssertionKind, NotNull
from streamt.testing.env import TestEnv, targets_from_project
from streamt.testing.kafka_io import StartAt, decode_value
from streamt.testing.options import build_options
from streamt.testing.records import Record
from streamt.testing.results import Status, TestResult
from streamt.testing.runner import RunOptions, selected_specs
from streamt.testing.schema_tests import run_schema_test
from streamt.testing.session import names_from_selection
from streamt.testing.spec import (
    AlertAction,
    BlockDeployAction,
    ParsedTest,
    PauseModelAction,
    UnitCase,
)
from streamt.testing.unit import isolate, judge

Make = Callable[[str], Project]


class FakeFlink:
    def __init__(self, jobs: Sequence[JobState]) -> None:
        self.jobs, self.stopped = list(jobs), []  # type: ignore[var-annotated]

    def list_jobs(self) -> Sequence[JobState]:
        return self.jobs

    def stop_with_savepoint(self, job_id: str, directory: str | None = None) -> str:
        self.stopped.append(job_id)
        return f"file:///sp/{job_id}"


def _env(
    posted: list[tuple[str, Mapping[str, Any]]], flink: Any = None, status: int = 200
) -> TestEnv:
    def post(url: str, body: Mapping[str, Any]) -> int:
        posted.append((url, body))
        return status

    return TestEnv(
        project="p",
        bootstrap="",
        environ={"HOOK": "https://user:secret@hooks.example/x"},
        post=post,
        flink=flink,
    )


def _spec(*actions: Any) -> ParsedTest:
    return ParsedTest("t", "orders", lm.TestType.SAMPLE, (), tuple(actions))


FAILED = TestResult("t", "sample", "orders", Status.FAIL, "1 of 1 assertions failed")


def test_alert_posts_slack_json_and_never_reports_the_secret_url() -> None:
    posted: list[tuple[str, Mapping[str, Any]]] = []
    result = apply_actions(_spec(AlertAction("${HOOK}", "#data")), FAILED, _env(posted), {})
    assert posted[0][0] == "https://user:secret@hooks.example/x"
    assert posted[0][1]["channel"] == "#data"
    assert "streamt data test *t* (sample on `orders`) failed" in posted[0][1]["text"]
    assert result.actions_taken == ("alert sent to hooks.example (HTTP 200)",)
    missing = apply_actions(_spec(AlertAction("${NOPE}")), FAILED, _env([]), {})
    assert missing.actions_taken == ("alert NOT sent: environment variable NOPE is not set",)
    refused = apply_actions(_spec(AlertAction("${HOOK}")), FAILED, _env([], status=500), {})
    assert refused.actions_taken == ("alert NOT accepted by hooks.example: HTTP 500",)


def test_actions_only_on_failure_and_block_deploy_marks_blocking() -> None:
    posted: list[tuple[str, Mapping[str, Any]]] = []
    passed = TestResult("t", "sample", "orders", Status.PASS)
    result = apply_actions(
        _spec(AlertAction("${HOOK}"), BlockDeployAction()), passed, _env(posted), {}
    )
    assert posted == [] and result.actions_taken == () and result.blocking


def test_pause_model_stops_the_running_job_with_a_savepoint() -> None:
    flink = FakeFlink(
        [
            JobState("j1", "streamt.shop.orders", "RUNNING"),
            JobState("j0", "streamt.shop.orders", "CANCELED"),
        ]
    )
    result = apply_actions(
        _spec(PauseModelAction()), FAILED, _env([], flink), {"orders": "streamt.shop.orders"}
    )
    assert flink.stopped == ["j1"]
    assert result.actions_taken == ("paused model 'orders' (job j1) with savepoint file:///sp/j1",)


UNIT = """\
- name: u
  model: orders_clean
  type: unit
  given: [{input: orders_raw, rows: [{order_id: a}]}]
  expect: {rows: [{order_id: a}]}
- name: v
  model: orders_clean
  type: unit
  given: [{input: customers, rows: []}]
  expect: {rows: []}
"""


def test_isolate_rewires_topics_and_makes_inputs_bounded(make_project: Make) -> None:
    project = make_project(UNIT)
    specs = {s.name: s for s in selected_specs(project, RunOptions())}
    isolated = isolate(project, specs["u"])
    assert set(isolated.topics) == {"orders_raw"}
    assert isolated.topics["orders_raw"].startswith("streamt_ut_u_orders_raw_")
    script = isolated.job.script
    assert f"'topic'='{isolated.topics['orders_raw']}'" in script
    assert f"'topic'='{isolated.output_topic}'" in script
    # the compiler emits the bounded input in the table's own options: no statement added
    tables = {t: s for s in isolated.job.statements if (t := _created(s))}
    raw, out = tables["orders_raw"], tables["orders_clean"]
    for option in BOUNDED:
        assert option in raw and option not in out  # the output is not a scan
    assert raw.count("'scan.startup.mode'") == 1 and "LIKE" not in script
    assert "DROP" not in script and len(tables) == 2
    assert isolated.job.config["parallelism.default"] == "1"
    with pytest.raises(
        ValueError, match=r"given input\(s\) \['customers'\] are not read by 'orders_clean'"
    ):
        isolate(project, specs["v"])


BOUNDED = (
    "'scan.bounded.mode'='latest-offset'",
    "'scan.watermark.emit.strategy'='on-event'",
    "'scan.startup.mode'='earliest-offset'",
)


def _created(statement: str) -> str | None:
    first = statement.split("\n", 1)[0]
    prefix = "CREATE TEMPORARY TABLE `"
    return first[len(prefix) :].split("`", 1)[0] if first.startswith(prefix) else None


def test_bounded_inputs_read_to_the_latest_offset_and_upsert_ones_take_no_startup_mode() -> None:
    kafka = InputTable("t", (), (("connector", "kafka"), ("scan.startup.mode", "group-offsets")))
    bounded = dict(bounded_input(kafka).options)
    assert bounded == {
        "connector": "kafka",
        "scan.startup.mode": "earliest-offset",
        "scan.bounded.mode": "latest-offset",
        "scan.watermark.emit.strategy": "on-event",
    }
    upsert = dict(bounded_input(InputTable("u", (), (("connector", "upsert-kafka"),))).options)
    assert "scan.startup.mode" not in upsert and upsert["scan.bounded.mode"] == "latest-offset"
    view = InputTable("v", (), view_query="SELECT 1")
    assert bounded_input(view) is view


def test_judge_final_rows_per_key_for_upsert_outputs() -> None:
    spec = ParsedTest("u", "totals", lm.TestType.UNIT, (), unit=UnitCase((), ({"k": "a", "n": 2},)))
    log = [
        Record({"k": "a", "n": 1}, key=b"a"),
        Record({"k": "b", "n": 1}, key=b"b"),
        Record({"k": "a", "n": 2}, key=b"a"),
        Record({}, key=b"b", tombstone=True),
    ]
    assert judge(spec, ChangelogMode.UPSERT, log).status is Status.PASS
    appended = judge(spec, ChangelogMode.APPEND, log)
    assert appended.status is Status.FAIL
    assert appended.diff.startswith("rows differ (1 matched, 0 missing, 2 unexpected):")


def test_schema_test_against_compiled_and_registered_json_schema(make_project: Make) -> None:
    project = make_project("[]\n")
    target = targets_from_project(project)["orders_raw"]
    doc = {
        "type": "object",
        "required": ["order_id"],
        "properties": {"order_id": {"type": "string"}, "amount": {"type": ["number", "null"]}},
    }
    registry = FakeRegistry()  # the real client over the registry model (tests/fakes)
    registry.register("orders.raw-value", "JSON", json.dumps(doc))
    env = TestEnv(project="shop", bootstrap="", registry=registry)
    assertions = (
        Assertion(0, AssertionKind.NOT_NULL, NotNull(columns=("order_id", "amount"))),
        Assertion(
            1,
            AssertionKind.ACCEPTED_TYPES,
            AcceptedTypes(types={"amount": "integer", "status": "string"}),
        ),
    )
    result = run_schema_test(
        ParsedTest("s", "orders_raw", lm.TestType.SCHEMA, assertions), target, env
    )
    messages = {o.assertion: o.message for o in result.outcomes}
    assert result.status is Status.FAIL
    assert messages["not_null[0]"] == "ok against the compiled schema"
    assert messages["not_null[0]@registry"] == "amount is nullable in the registered schema"
    assert messages["accepted_types[1]"] == "amount is number in the compiled schema, not integer"
    assert (
        messages["accepted_types[1]@registry"]
        == "amount is number in the registered schema, not integer; status is not in the registered schema"
    )


def test_decode_json_and_confluent_avro() -> None:
    assert decode_value(b'{"a": 1}', None) == {"a": 1}
    assert decode_value(b"[1]", None) == {"value": [1]}
    assert decode_value(b"\xff", None) == {"value": "\ufffd"}
    schema = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "long"}]}
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), {"a": 7})
    wire = b"\x00" + (42).to_bytes(4, "big") + buf.getvalue()
    assert decode_value(wire, lambda i: json.dumps(schema) if i == 42 else "") == {"a": 7}


def test_options_and_selection() -> None:
    assert StartAt.parse("offset:12") == StartAt("offset", 12)
    assert StartAt.parse("2024-01-01T00:00:00Z") == StartAt("time", 1_704_067_200_000)
    with pytest.raises(ValueError):
        StartAt.parse("yesterday")
    with pytest.raises(StreamtError) as err:
        build_options(
            types=frozenset(),
            targets=set(),
            tests=set(),
            selected=False,
            deploy=False,
            since="x",
            start="earliest",
        )
    assert err.value.diagnostics[0].code == "T020"
    assert names_from_selection(["model.shop.a", "source.shop.b", "test.shop.t"], "shop") == (
        frozenset({"a", "b"}),
        frozenset({"t"}),
    )
    # names may hold dots: the project's part is known, never guessed at the first dot
    assert names_from_selection(["test.shop.eu.t.v2", "model.shop.eu.m"], "shop.eu") == (
        frozenset({"m"}),
        frozenset({"t.v2"}),
    )


def test_selected_specs_by_type_test_or_target(make_project: Make) -> None:
    project = make_project(
        UNIT
        + "- {name: s, model: orders_raw, type: sample, assertions: [{not_null: {columns: [order_id]}}]}\n"
    )
    names = lambda o: [s.name for s in selected_specs(project, o)]  # noqa: E731
    assert names(RunOptions(types=frozenset({lm.TestType.SAMPLE}))) == ["s"]
    assert names(RunOptions(tests=frozenset({"u"}), targets=frozenset({"orders_raw"}))) == [
        "u",
        "s",
    ]


def test_continuous_report_without_a_running_job() -> None:
    from streamt.testing.continuous import report

    spec = ParsedTest("w", "orders", lm.TestType.CONTINUOUS, ())
    none = report(spec, TestEnv(project="p", bootstrap="", flink=FakeFlink([])))  # type: ignore[arg-type]
    assert (none.status, none.message) == (
        Status.SKIPPED,
        "not deployed: run `streamt test --type continuous --deploy`",
    )
    failed = FakeFlink([JobState("j9", "streamt-test.p.w", "FAILED")])
    broken = report(spec, TestEnv(project="p", bootstrap="", flink=failed))  # type: ignore[arg-type]
    assert (broken.status, broken.message) == (Status.ERROR, "the test's Flink job j9 FAILED")
    assert report(spec, TestEnv(project="p", bootstrap="")).status is Status.ERROR


def test_windowed_max_lag_is_not_row_level(make_project: Make) -> None:
    from streamt.testing.check import check_tests

    project = make_project(
        """\
        - name: c
          model: orders_clean
          type: continuous
          assertions: [{max_lag: {column: ts, max: 30s, window: 1m}}]
          on_failure: {actions: [{dlq: {topic: x}}]}
        """
    )
    assert [d.code for d in check_tests(project)] == ["T011"]

"""Continuous tests on the real stack: deployed on a running pipeline, they catch what arrives after.

One pipeline job (the model `orders_clean`) runs; a bad row produced *before* the test is
deployed is never reported. The continuous test holds, for every assertion kind, a variant the
data satisfies and one it violates; after deployment good and bad rows flow through the pipeline:
* each violated variant has violations in the violations topic, each satisfied one has none;
* `streamt test` reporting fails the test, the alert reaches a local HTTP server (Slack-shaped
  JSON), and pause_model stops the pipeline job with a savepoint;
* the DLQ topic receives exactly the rows that violate row-level assertions, reason in headers.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from streamt.adapters.protocols import FlinkCluster
from streamt.compile import compile_project
from streamt.context import Context
from streamt.graph.dag import build_graph
from streamt.local.endpoints import Endpoints
from streamt.testing.env import env_from_project
from streamt.testing.kafka_io import OutRow, produce_rows, read_records
from streamt.testing.results import Status
from streamt.testing.runner import RunOptions, run_tests
from tests.integration.test_apply_support import wait_for_slots
from tests.integration.test_datatests_support import create_topics, unique, write_project

pytestmark = pytest.mark.integration

ASSERTIONS = {  # label -> (assertion, violated by the data?)
    "not_null[0]": ("not_null: {columns: [order_id]}", False),
    "not_null[1]": ("not_null: {columns: [customer_id]}", True),
    "accepted_values[2]": ("accepted_values: {column: status, values: [NEW, PAID, LOST]}", False),
    "accepted_values[3]": ("accepted_values: {column: status, values: [NEW, PAID]}", True),
    "range[4]": ("range: {column: amount, min: 0, max: 100000}", False),
    "range[5]": ("range: {column: amount, max: 10000}", True),
    "accepted_types[6]": ("accepted_types: {types: {amount: number, order_ts: timestamp}}", False),
    "accepted_types[7]": ("accepted_types: {types: {note: number}}", True),
    "custom_sql:never": ('custom_sql: {name: never, where: "amount < 0"}', False),
    "custom_sql:paid_is_cheap": (
        "custom_sql: {name: paid_is_cheap, where: \"status = 'PAID' AND amount > 5000\"}",
        True,
    ),
    "max_lag[10]": ("max_lag: {column: order_ts, max: 1h}", False),
    "max_lag[11]": ("max_lag: {column: order_ts, max: 30s}", True),
    "unique_key[12]": ("unique_key: {key: [order_id, amount]}", False),
    "unique_key[13]": ("unique_key: {key: order_id}", True),
    "unique_key[14]": ("unique_key: {key: [order_id, amount], window: 10s}", False),
    "unique_key[15]": ("unique_key: {key: order_id, window: 10s}", True),
    "foreign_key[16]": (
        "foreign_key: {column: customer_id, ref: customers, ref_column: id, window: 1h}",
        False,
    ),
    "foreign_key[17]": (
        "foreign_key: {column: order_id, ref: customers, ref_column: id, window: 3s}",
        True,
    ),
    "distribution[18]": (
        "distribution: {column: amount, window: 5s, buckets: [{min: 0, expected_ratio: 1.0, tolerance: 0.01}]}",
        False,
    ),
    "distribution[19]": (
        "distribution: {column: amount, window: 5s, buckets: [{min: 0, max: 100, expected_ratio: 1.0, tolerance: 0.01}]}",
        True,
    ),
    "throughput[20]": ("throughput: {max_per_second: 1000, window: 5s}", False),
    "throughput[21]": ("throughput: {max_per_second: 0.1, window: 5s}", True),
    "freshness[22]": ("freshness: {max_age: 1h}", False),
    "freshness[23]": ("freshness: {max_age: 3s}", True),
    "max_lag[24]": ("max_lag: {column: order_ts, max: 1h, window: 5s}", False),
    "max_lag[25]": ("max_lag: {column: order_ts, max: 30s, window: 5s}", True),
}
ROW_LEVEL = {  # the violated row-level variants (one violation per bad record)
    "not_null[1]",
    "accepted_values[3]",
    "range[5]",
    "accepted_types[7]",
    "custom_sql:paid_is_cheap",
    "max_lag[11]",
}
ROW_LEVEL_BAD = {"b_null", "b_status", "b_big", "b_type", "b_sql", "b_lag"}


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        server.shutdown()


def _ts(offset_s: float = 0.0) -> str:
    stamp = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_s)
    return stamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _row(
    order_id: str,
    customer: str | None = "c1",
    amount: float = 10.0,
    status: str = "NEW",
    note: str = "5",
    lag_s: float = 0.0,
) -> OutRow:
    value = {
        "order_id": order_id,
        "customer_id": customer,
        "amount": amount,
        "status": status,
        "note": note,
        "order_ts": _ts(-lag_s),
    }
    return OutRow(value)


def _running(flink: FlinkCluster, name: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = [j for j in flink.list_jobs() if j.name == name and j.state == "RUNNING"]
        if jobs:
            return jobs[0].job_id
        time.sleep(0.5)
    raise AssertionError(f"job {name} not running after {timeout}s")


PROJECT = """\
sources:
  - name: orders_raw
    topic: {raw}
    columns: [{{name: order_id, type: STRING}}, {{name: customer_id, type: STRING}}, {{name: amount, type: DOUBLE}}, {{name: status, type: STRING}}, {{name: note, type: STRING}}, {{name: order_ts, type: TIMESTAMP(3)}}]
  - name: customers
    topic: {customers}
    columns: [{{name: id, type: STRING}}]
models:
  - name: orders_clean
    sql: SELECT order_id, customer_id, amount, status, note, order_ts FROM {{{{ source("orders_raw") }}}} WHERE amount > 0
    advanced: {{topic: {{name: {out}}}}}
tests:
  - name: watch
    model: orders_clean
    type: continuous
    assertions:
{assertions}    on_failure:
      actions:
        - alert: {{url: "${{HOOK_URL}}", channel: "#data"}}
        - dlq: {{topic: {dlq}}}
        - pause_model: {{}}
"""


def test_continuous_test_catches_violations_after_deployment(
    tmp_path: Path, local_stack: Endpoints, webhook: str
) -> None:
    raw, out, customers, dlq = (
        unique("dt_raw"),
        unique("dt_clean"),
        unique("dt_cust"),
        unique("dt_dlq"),
    )
    create_topics(local_stack.kafka_bootstrap, raw, out, customers)
    assertions = "".join(f"      - {a}\n" for a, _ in ASSERTIONS.values())
    project = write_project(
        tmp_path,
        local_stack,
        PROJECT.format(raw=raw, customers=customers, out=out, dlq=dlq, assertions=assertions),
    )
    compiled = compile_project(project, build_graph(project)[0])
    env = env_from_project(project, {"HOOK_URL": webhook})
    assert env.flink is not None
    options = RunOptions(tests=frozenset({"watch"}))

    pipeline = next(j for j in compiled.desired.jobs if j.name == "orders_clean")
    wait_for_slots(2)  # the pipeline and the continuous test job
    env.flink.submit(pipeline.statements, pipeline.config)
    pipeline_job = _running(env.flink, pipeline.pipeline_name)
    test_job = ""
    try:
        # before deployment: a bad row that must never be reported
        produce_rows(
            local_stack.kafka_bootstrap, raw, [_row("old_bad", customer=None, amount=99999.0)]
        )
        deadline = time.monotonic() + 60
        while not read_records(local_stack.kafka_bootstrap, out, max_records=10, timeout_s=5):
            assert time.monotonic() < deadline, "the pipeline never wrote the first row"
        produce_rows(
            local_stack.kafka_bootstrap, customers, [OutRow({"id": "c1"}), OutRow({"id": "c2"})]
        )
        time.sleep(1)

        # deployed as `streamt test --deploy` does: the test's job and topics planned, applied
        deployed = Context(tmp_path, environ={"HOOK_URL": webhook}).test(
            types=("continuous",), deploy=True
        )
        assert deployed[0].status is Status.PASS, deployed[0].message
        test_job = _running(env.flink, f"streamt-test.{project.name}.watch")
        time.sleep(2)

        good = [
            _row(
                f"g{i}",
                customer=f"c{1 + i % 2}",
                amount=10.0 * (i + 1),
                status="PAID" if i % 2 else "NEW",
            )
            for i in range(6)
        ]
        bad = [
            _row("b_null", customer=None),
            _row("b_status", status="LOST"),
            _row("b_big", amount=50000.0),
            _row("b_type", note="abc"),
            _row("b_sql", amount=6000.0, status="PAID"),
            _row("b_lag", lag_s=120),
            _row("dup", amount=1.0),
            _row("dup", amount=2.0),
        ]
        produce_rows(local_stack.kafka_bootstrap, raw, good + bad)

        from streamt.testing.continuous import violations

        wanted = {label for label, (_, violated) in ASSERTIONS.items() if violated}
        deadline = time.monotonic() + 120
        found: dict[str, list[dict[str, object]]] = {}
        rows: list[dict[str, object]] = []
        tick = 0
        while time.monotonic() < deadline:
            if "foreign_key[17]" not in found:  # more rows move event time on; then go quiet
                tick += 1
                produce_rows(local_stack.kafka_bootstrap, raw, [_row(f"tick{tick}", amount=20.0)])
            rows = violations(env, "watch", 0)
            found = {}
            for v in rows:
                found.setdefault(str(v["assertion"]), []).append(v)
            if wanted <= set(found):
                break
            time.sleep(2)
        summary = {k: len(v) for k, v in sorted(found.items())}
        assert wanted <= set(found), (
            f"missing violations for {sorted(wanted - set(found))}; got {summary}"
        )
        assert not (set(found) - wanted), f"satisfied assertions reported violations: {summary}"
        row_level = [v for v in rows if str(v["assertion"]) in ROW_LEVEL]
        assert {json.loads(str(v["row"]))["order_id"] for v in row_level} == ROW_LEVEL_BAD, summary
        assert not any("old_bad" in str(v["row"]) for v in rows), (
            "a row from before deployment was reported"
        )
        dup_rows = [json.loads(str(v["row"])) for v in found["unique_key[13]"]]
        assert [r["order_id"] for r in dup_rows] == ["dup"]
        unmatched = {json.loads(str(v["row"]))["order_id"] for v in found["foreign_key[17]"]}
        assert {"g0", "b_null", "dup"} <= unmatched

        dlq_records = read_records(local_stack.kafka_bootstrap, dlq, max_records=1000, timeout_s=10)
        assert {r.value["order_id"] for r in dlq_records} == ROW_LEVEL_BAD
        reasons = {r.value["order_id"]: dict(r.headers) for r in dlq_records}
        assert reasons["b_big"] == {"streamt-test": b"watch", "streamt-reason": b"range[5]"}
        assert reasons["b_type"]["streamt-reason"] == b"accepted_types[7]"
        assert reasons["b_lag"]["streamt-reason"] == b"max_lag[11]"
        assert (
            next(r for r in dlq_records if r.value["order_id"] == "b_big").value["amount"]
            == 50000.0
        )

        result = run_tests(project, compiled, env, options)[0]
        assert result.status is Status.FAIL, result.message
        failed = {o.assertion for o in result.outcomes if not o.passed}
        assert failed == wanted
        assert any(a.startswith("alert sent to 127.0.0.1:") for a in result.actions_taken), (
            result.actions_taken
        )
        assert (
            Hook.received
            and "watch" in Hook.received[-1]["text"]
            and Hook.received[-1]["channel"] == "#data"
        )
        paused = [a for a in result.actions_taken if a.startswith("paused model 'orders_clean'")]
        assert paused and "savepoint" in paused[0], result.actions_taken
        state = next(j.state for j in env.flink.list_jobs() if j.job_id == pipeline_job)
        assert state == "FINISHED"
    finally:
        Context(tmp_path).destroy(Context(tmp_path).destroy_plan())  # the test's job and topics
        for job in (test_job, pipeline_job):
            states = {j.job_id: j.state for j in env.flink.list_jobs()}
            if job and states.get(job) not in (None, "FINISHED", "CANCELED", "FAILED"):
                env.flink.cancel(job)

"""Faults on a private stack (its own home, ports shifted by the offset `tests/stack.py` names for it; restarting a component of
the shared stack would break every other test): the SQL Gateway and the JobManager restarted
between `plan --out` and `apply --plan`, and Kafka Connect killed while a JDBC sink writes into
PostgreSQL. Components are restarted the way a user does it, `streamt local restart NAME
[--kill]`; every output is read back and compared row by row.

What each fault loses or duplicates is asserted exactly (and printed, run with `-s`):
- SQL Gateway restarted: nothing (it holds only sessions; each submit opens its own);
- JobManager killed: the plan file is refused (A005, naming the lost job); the job resumes
  from its last retained checkpoint with its counts; rows it wrote after that checkpoint are
  written again to its upsert topic (same values: the latest row per key is exact);
- Connect killed mid-stream: the sink resumes from its committed offsets; a keyed (upsert)
  table ends exact; an append (insert) table would get the rows between the last offset commit
  and the kill twice, so append sinks are keyed on their Kafka coordinates (see README,
  "Failures and recovery").

`STREAMT_FAULTS_HOME=DIR` reuses (and leaves running) a stack in DIR, for development.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import http_client
from streamt.local.config import load_config
from streamt.local.endpoints import Endpoints
from streamt.local.stack import Stack
from tests.kafka_helpers import create_topic, produce_json
from tests.stack import private_offset

from .test_apply_support import read_all, wait_for

pytestmark = pytest.mark.integration
OFFSET = private_offset(__name__)
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Private:
    env: dict[str, str]
    ep: Endpoints

    def streamt(
        self, *args: str, ok: bool | None = True, extra: dict[str, str] | None = None
    ) -> str:
        """The CLI's output; fails unless it exits 0 (`ok`), non-zero (not `ok`), or either (None)."""
        proc = subprocess.run(
            [sys.executable, "-m", "streamt", *args],
            env={**self.env, **(extra or {})},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        out = proc.stdout + proc.stderr
        assert ok is None or (proc.returncode == 0) is ok, (
            f"streamt {' '.join(args)} -> {proc.returncode}:\n{out}"
        )
        return out

    def flink(self) -> FlinkClient:
        return FlinkClient(
            http_client(self.ep.flink_rest_url), http_client(self.ep.sql_gateway_url)
        )

    def running(self, pipeline: str) -> list[str]:
        return [
            j.job_id
            for j in self.flink().list_jobs()
            if j.name == pipeline and j.state == "RUNNING"
        ]

    def project(self, root: Path, name: str, body: str) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        (root / "stream_project.yml").write_text(
            f"""\
project: {{name: {name}}}
runtime:
  kafka: {{bootstrap_servers: "{self.ep.kafka_bootstrap}"}}
  flink:
    default: local
    clusters:
      local: {{rest_url: "{self.ep.flink_rest_url}", sql_gateway_url: "{self.ep.sql_gateway_url}"}}
  connect:
    default: local
    clusters:
      local: {{rest_url: "{self.ep.connect_url}"}}
{body}"""
        )
        return root


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Private]:
    kept = os.environ.get("STREAMT_FAULTS_HOME")
    home = Path(kept) if kept else tmp_path_factory.mktemp("faults-stack")
    env = {
        **os.environ,
        "STREAMT_LOCAL_HOME": str(home),
        "STREAMT_LOCAL_PORT_OFFSET": str(OFFSET),
        "STREAMT_LOCAL_CDS": "0",  # a throwaway home: no class-data archive to dump at each stop
    }
    private = Private(env, load_config(home=home, port_offset=OFFSET).endpoints)
    only = ("--only", "kafka", "--only", "flink", "--only", "sql-gateway", "--only", "connect")
    private.streamt("local", "up", "--wait", *only)
    try:
        yield private
    finally:
        if not kept:
            private.streamt("local", "down", "--purge")


def suffix() -> str:
    return uuid.uuid4().hex[:8]


def counts_body(topic: str, model: str) -> str:
    return f"""\
sources:
  - name: events
    topic: {topic}
    columns:
      - {{name: k, type: STRING}}
models:
  - name: {model}
    key: [k]
    sql: SELECT k, COUNT(*) AS c FROM {{{{ source("events") }}}} GROUP BY k
"""


def produce_keys(stack: Private, topic: str, keys: str) -> None:
    produce_json(stack.ep.kafka_bootstrap, topic, [{"k": k} for k in keys])


def latest(stack: Private, topic: str, expected: dict[str, int]) -> tuple[dict[str, int], int]:
    """The latest count per key of the upsert topic once it equals `expected` (or after the
    wait), and how many records the topic holds."""
    records: list[tuple[object, object]] = []

    def settled() -> bool:
        nonlocal records
        records = read_all(stack.ep.kafka_bootstrap, topic, expect=0, timeout=5, settle=1)
        return _latest(records) == expected

    wait_for(settled, timeout=90)
    return _latest(records), len(records)


def _latest(records: list[tuple[object, object]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _key, value in records:
        assert isinstance(value, dict)
        out[value["k"]] = value["c"]
    return out


def test_sql_gateway_restarted_between_plan_and_apply(stack: Private, tmp_path: Path) -> None:
    s = suffix()
    name, topic, model = f"gw_{s}", f"gw_{s}.events", f"counts_{s}"
    project = stack.project(tmp_path / "p", name, counts_body(topic, model))
    create_topic(stack.ep.kafka_bootstrap, topic)
    plan = tmp_path / "plan.json"
    stack.streamt("plan", "-p", str(project), "--out", str(plan))

    assert "restarted sql-gateway" in stack.streamt("local", "restart", "sql-gateway", "--kill")

    stack.streamt("apply", "-p", str(project), "--plan", str(plan), "--auto-approve")
    produce_keys(stack, topic, "aab")
    counts, records = latest(stack, model, {"a": 2, "b": 1})
    assert counts == {"a": 2, "b": 1}
    assert records == 3  # a:1, a:2, b:1 — nothing lost, nothing written twice
    assert len(stack.running(f"streamt.{name}.{model}")) == 1
    assert "No changes" in stack.streamt("plan", "-p", str(project))


def checkpointed_after(stack: Private, job_id: str, since_ms: int, timeout: float = 60) -> str:
    """The path of the job's first checkpoint completed after `since_ms`."""
    stats = wait_for(
        lambda: (st := stack.flink().checkpoint_stats(job_id)).last_completed_ms > since_ms and st,
        timeout=timeout,
    )
    assert stats and stats.last_path, f"no checkpoint of {job_id} after {since_ms}"
    return str(stats.last_path)


def test_jobmanager_killed_between_plan_and_apply(stack: Private, tmp_path: Path) -> None:
    s = suffix()
    name, topic, model = f"jm_{s}", f"jm_{s}.events", f"counts_{s}"
    pipeline = f"streamt.{name}.{model}"
    project = stack.project(tmp_path / "p", name, counts_body(topic, model))
    create_topic(stack.ep.kafka_bootstrap, topic)
    stack.streamt("apply", "-p", str(project), "--auto-approve")
    produce_keys(stack, topic, "aab")
    assert latest(stack, model, {"a": 2, "b": 1})[0] == {"a": 2, "b": 1}
    (job,) = stack.running(pipeline)
    checkpoint = checkpointed_after(stack, job, int(time.time() * 1000))
    plan = tmp_path / "plan.json"
    assert "No changes" in stack.streamt("plan", "-p", str(project), "--out", str(plan))

    restarted = stack.streamt("local", "restart", "jobmanager", "--kill")
    assert f"job {job} was lost by a JobManager restart" in restarted, restarted
    assert stack.running(pipeline) == []  # no HA: the new JobManager does not know the job

    refused = stack.streamt(
        "apply", "-p", str(project), "--plan", str(plan), "--auto-approve", ok=False
    )
    assert "A005" in refused and "live infrastructure" in refused, refused
    assert (
        f"flink_job.{model}: was noop (up to date), now create (lost by a JobManager restart"
        in refused
    )
    assert stack.running(pipeline) == []  # the stale plan submitted nothing

    replanned = stack.streamt("plan", "-p", str(project))
    assert "resubmitting from its last checkpoint" in replanned, replanned
    stack.streamt("apply", "-p", str(project), "--auto-approve")
    produce_keys(stack, topic, "abb")
    counts, records = latest(stack, model, {"a": 3, "b": 3})
    assert counts == {"a": 3, "b": 3}  # counted on from the checkpoint, not from zero
    assert records == 6  # the checkpoint followed every row: nothing was written twice
    (resumed,) = stack.running(pipeline)
    restored = stack.flink().checkpoint_stats(resumed).restored_path or ""
    assert restored.rstrip("/").rsplit("/", 1)[-1] == checkpoint.rstrip("/").rsplit("/", 1)[-1]
    assert "No changes" in stack.streamt("plan", "-p", str(project))


def sink_body(topic: str, s: str, pg) -> str:  # type: ignore[no-untyped-def]
    def sink(name: str, upstream: str) -> str:
        return f"""\
  - name: {name}
    from: {upstream}
    advanced:
      connector:
        type: jdbc-sink
        config:
          connection.url: {pg.jdbc_url}
          connection.username: {pg.user}
          connection.password: ${{PG_PASSWORD}}
"""

    return f"""\
sources:
  - name: orders
    topic: {topic}
    columns:
      - {{name: order_id, type: STRING}}
      - {{name: amount, type: INT}}
models:
  - name: paid_{s}
    sql: SELECT order_id, amount FROM {{{{ source("orders") }}}} WHERE amount > 0
  - name: totals_{s}
    key: [order_id]
    sql: SELECT order_id, SUM(amount) AS total FROM {{{{ source("orders") }}}} GROUP BY order_id
{sink(f"pga_{s}", f"paid_{s}")}{sink(f"pgk_{s}", f"totals_{s}")}"""


def pg_rows(pg, table: str, value: str = "amount") -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    try:
        return pg.query(f'SELECT order_id, {value} FROM "{table}" ORDER BY order_id, {value}')
    except RuntimeError:  # the sink creates its table with its first record
        return []


def orders(first: int, last: int) -> list[dict[str, object]]:
    return [{"order_id": f"o{i:03d}", "amount": i} for i in range(first, last)]


def test_connect_killed_while_a_jdbc_sink_writes(
    stack: Private, postgres, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("STREAMT_LOCAL_CDS", stack.env["STREAMT_LOCAL_CDS"])  # restart in-process
    s = suffix()
    name, topic = f"cn_{s}", f"cn_{s}.orders"
    append, keyed = f"pga_{s}", f"pgk_{s}"
    project = stack.project(tmp_path / "p", name, sink_body(topic, s, postgres))
    secret = {"PG_PASSWORD": postgres.password}
    create_topic(stack.ep.kafka_bootstrap, topic)
    try:
        stack.streamt("apply", "-p", str(project), "--auto-approve", extra=secret)
        batches = [orders(1, 21), orders(21, 221), orders(221, 241)]
        produce_json(stack.ep.kafka_bootstrap, topic, [*batches[0], {"order_id": "x", "amount": 0}])
        assert wait_for(lambda: len(pg_rows(postgres, append)) >= 20, timeout=120)
        produce_json(stack.ep.kafka_bootstrap, topic, batches[1])
        # kill Connect while it writes the second batch (rows in, offsets maybe not committed)
        # (in this process: a CLI call's start-up would leave Connect time to commit offsets)
        assert wait_for(lambda: len(pg_rows(postgres, append)) > 20, timeout=60)
        Stack(load_config(env=stack.env)).restart(("connect",), kill=True)
        produce_json(stack.ep.kafka_bootstrap, topic, batches[2])

        expected = sorted((o["order_id"], str(o["amount"])) for b in batches for o in b)
        wait_for(lambda: len(pg_rows(postgres, keyed, "total")) >= len(expected), timeout=180)
        wait_for(lambda: len(pg_rows(postgres, append)) >= len(expected), timeout=60)
        time.sleep(5)  # Connect writes a batch in one transaction: a late duplicate would show
        got_keyed, got_append = pg_rows(postgres, keyed, "total"), pg_rows(postgres, append)
        print(
            f"\nConnect killed mid-stream: {len(expected)} rows sent; keyed (upsert) table "
            f"{len(got_keyed)} rows; append table {len(got_append)} rows, "
            f"{len(got_append) - len(set(got_append))} written twice"
        )
        assert got_keyed == sorted([*expected, ("x", "0")])  # totals has no filter
        assert got_append == expected  # no row lost, none written twice
        assert "No changes" in stack.streamt("plan", "-p", str(project), extra=secret)
    finally:
        stack.streamt("destroy", "-p", str(project), "--auto-approve", extra=secret, ok=None)
        for table in (append, keyed):
            postgres.execute(f'DROP TABLE IF EXISTS "{table}"')

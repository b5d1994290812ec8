"""Two environments of one project side by side on the local stack (issue #12, point 4).

One project (a name of its own per run) with two environments whose overlays differ (prefix,
partitions, the file-sink's output file) is applied twice on the same Kafka, Flink and Connect:
topics, consumer groups, Flink job names, connector names and ledger entries must not collide.
Rows produced to the shared source come out of both environments' topics and connectors
exactly; destroying one environment leaves the other running, untouched and still processing.
Environment `b` is protected: `--auto-approve` alone is refused (A070), `--confirm-env b`
applies and destroys it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from confluent_kafka.admin import AdminClient

from tests.integration.test_apply_support import read_all, wait_for_slots
from tests.kafka_helpers import create_topic, produce_json
from tests.stack import endpoints, runtime_yaml

pytestmark = pytest.mark.integration

PROJECT = """\
project: {{name: {project}}}
sources:
  - name: orders
    topic: {source}
    columns: [{{name: id, type: STRING}}, {{name: amount, type: INT}}]
models:
  - name: big
    sql: SELECT id, amount FROM {{{{ source("orders") }}}} WHERE amount > 10
  - name: big_file
    from: big
    advanced:
      connector:
        type: file-sink
        config:
          file: /nonexistent/overlaid-per-environment.txt
          key.converter: org.apache.kafka.connect.storage.StringConverter
          value.converter: org.apache.kafka.connect.storage.StringConverter
"""

OVERLAY = """\
environment: {{prefix: "{prefix}", protected: {protected}}}
models:
  - name: big
    advanced: {{topic: {{partitions: {partitions}}}}}
  - name: big_file
    advanced: {{connector: {{config: {{file: "{file}"}}}}}}
"""


def _streamt(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamt", *args, "-p", str(path)],
        capture_output=True,
        text=True,
        timeout=420,
    )


def _file_rows(file: Path, expect: int, timeout: float = 90.0) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    rows: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        lines = file.read_text().splitlines() if file.exists() else []
        rows = [json.loads(line) for line in lines if line.strip()]
        if len(rows) >= expect:
            time.sleep(3)  # anything extra would show now
            return [json.loads(x) for x in file.read_text().splitlines() if x.strip()]
        time.sleep(1)
    return rows


def _running_jobs(rest: str) -> set[str]:
    jobs = httpx.get(f"{rest}/jobs/overview", timeout=10).json()["jobs"]
    return {j["name"] for j in jobs if j["state"] == "RUNNING"}


def _connectors() -> set[str]:
    return set(httpx.get(f"{endpoints().connect_url}/connectors", timeout=10).json())


def test_two_environments_of_one_project_side_by_side(local_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    project, source = f"envs-{tag}", f"envs.src.{tag}"
    prefixes = {"a": f"ea{tag}-", "b": f"eb{tag}-"}
    files = {env: tmp_path / f"{env}.out" for env in prefixes}
    (tmp_path / "stream_project.yml").write_text(
        PROJECT.format(project=project, source=source) + runtime_yaml(local_stack)
    )
    (tmp_path / "environments").mkdir()
    for env, partitions, protected in (("a", 2, "false"), ("b", 1, "true")):
        (tmp_path / "environments" / f"{env}.yml").write_text(
            OVERLAY.format(
                prefix=prefixes[env], protected=protected, partitions=partitions, file=files[env]
            )
        )
    bootstrap = local_stack.kafka_bootstrap
    create_topic(bootstrap, source)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        refused = _streamt(tmp_path, "apply", "--auto-approve")  # no --env: L100, not localhost
        assert refused.returncode == 1 and "L100" in refused.stderr
        wait_for_slots(2)
        applied = _streamt(tmp_path, "apply", "--env", "a", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        refused = _streamt(tmp_path, "apply", "--env", "b", "--auto-approve")
        assert refused.returncode == 1 and "A070" in refused.stderr, refused.stderr
        applied = _streamt(tmp_path, "apply", "--env", "b", "--confirm-env", "b")
        assert applied.returncode == 0, applied.stdout + applied.stderr

        topics = admin.list_topics(timeout=10).topics
        assert len(topics[f"ea{tag}-big"].partitions) == 2  # each environment's overlay
        assert len(topics[f"eb{tag}-big"].partitions) == 1
        jobs = {e: f"streamt.{p}{project}.big" for e, p in prefixes.items()}
        connectors = {e: f"{p}big_file" for e, p in prefixes.items()}
        assert set(jobs.values()) <= _running_jobs(local_stack.flink_rest_url)
        assert set(connectors.values()) <= _connectors()

        rows = [
            {"id": "o1", "amount": 5},
            {"id": "o2", "amount": 20},
            {"id": "o3", "amount": 11},
            {"id": "o4", "amount": 10},
        ]
        produce_json(bootstrap, source, rows)
        expected = [{"id": "o2", "amount": 20}, {"id": "o3", "amount": 11}]
        for env, prefix in prefixes.items():
            got = read_all(bootstrap, f"{prefix}big", expect=2)
            assert sorted((v for _, v in got), key=str) == expected, env
            assert sorted(_file_rows(files[env], 2), key=str) == expected, env

        for env in prefixes:
            status = _streamt(tmp_path, "status", "--env", env, "--format", "json")
            assert status.returncode == 0, status.stdout + status.stderr
            rows_of = {
                (r["kind"], r["name"], r["state"]) for r in json.loads(status.stdout)["resources"]
            }
            # this environment's ledger entries only (a job's entry is keyed by its model; its
            # Flink name is the prefixed one checked above)
            assert rows_of == {
                ("topic", f"{prefixes[env]}big", "OK"),
                ("flink_job", "big", "RUNNING"),
                ("connector", f"{prefixes[env]}big_file", "RUNNING"),
            }, rows_of

        destroyed = _streamt(tmp_path, "destroy", "--env", "b", "--confirm-env", "b")
        assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
        topics = admin.list_topics(timeout=10).topics
        assert f"eb{tag}-big" not in topics and f"ea{tag}-big" in topics
        assert connectors["b"] not in _connectors() and connectors["a"] in _connectors()
        running = _running_jobs(local_stack.flink_rest_url)
        assert jobs["a"] in running and jobs["b"] not in running
        plan_a = _streamt(tmp_path, "plan", "--env", "a")
        assert plan_a.returncode == 0 and "No changes." in plan_a.stdout, plan_a.stdout

        produce_json(bootstrap, source, [{"id": "o5", "amount": 99}])  # `a` still processes
        got = read_all(bootstrap, f"ea{tag}-big", expect=3)
        assert sorted((v for _, v in got), key=str) == [*expected, {"id": "o5", "amount": 99}]
        assert _file_rows(files["a"], 3)[-1] == {"id": "o5", "amount": 99}
    finally:
        _streamt(tmp_path, "destroy", "--env", "a", "--auto-approve")
        _streamt(tmp_path, "destroy", "--env", "b", "--confirm-env", "b")
        admin.delete_topics([source])

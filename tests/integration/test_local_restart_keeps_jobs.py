"""The whole user story on a private stack (own home, ports shifted by 21000): deploy a count
per key, `streamt local down`, `streamt local up`, `streamt apply` — the job comes back from the
savepoint `down` took and keeps counting (not from zero, not from a re-read of the topic)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import http_client
from streamt.local.config import Ports
from tests.stack import private_offset

pytestmark = pytest.mark.integration

OFFSET = private_offset(__name__)
STREAMT = str(Path(sys.executable).parent / "streamt")
PORTS = Ports().shifted(OFFSET)

PROJECT = f"""
project: {{name: restart}}
runtime:
  kafka: {{bootstrap_servers: "localhost:{PORTS.kafka}"}}
  flink:
    default: local
    clusters:
      local:
        rest_url: http://localhost:{PORTS.flink_rest}
        sql_gateway_url: http://localhost:{PORTS.sql_gateway}
sources:
  - name: events
    topic: restart.events
    columns:
      - {{name: k, type: STRING}}
models:
  - name: counts
    key: [k]
    sql: SELECT k, COUNT(*) AS c FROM {{{{ source("events") }}}} GROUP BY k
"""


def _streamt(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(
        [STREAMT, *args], env=env, input=stdin, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"streamt {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def _produce(env: dict[str, str], keys: list[str]) -> None:
    lines = "".join(json.dumps({"k": k}) + "\n" for k in keys)
    _streamt(env, "local", "produce", "restart.events", "--key", "k", stdin=lines)


def _counts(env: dict[str, str], expected: dict[str, int], timeout: float = 90) -> dict[str, int]:
    deadline, latest = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        out = _streamt(env, "local", "consume", "counts", "-n", "1000", "--timeout", "5")
        for line in out.splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                latest[row["k"]] = row["c"]
        if latest == expected:
            break
    return latest


def test_a_job_survives_local_down_and_up_with_its_state(tmp_path: Path) -> None:
    home = tmp_path / "restart-stack"
    env = {**os.environ, "STREAMT_LOCAL_HOME": str(home), "STREAMT_LOCAL_PORT_OFFSET": str(OFFSET)}
    project = tmp_path / "project"
    project.mkdir()
    (project / "stream_project.yml").write_text(PROJECT)
    try:
        _streamt(env, "local", "up", "--wait")
        _streamt(env, "local", "produce", "restart.events", stdin="")  # the source topic
        _streamt(env, "apply", "-p", str(project), "--auto-approve")
        _produce(env, ["a", "a", "b"])
        assert _counts(env, {"a": 2, "b": 1}) == {"a": 2, "b": 1}

        down = _streamt(env, "local", "down")
        assert "suspended restart/" in down and "1 job(s) kept as savepoints" in down
        _streamt(env, "local", "up", "--wait")
        _produce(env, ["a", "b", "b"])  # nothing runs yet: these wait in Kafka

        plan = _streamt(env, "plan", "-p", str(project))
        assert "local down" in plan, plan
        _streamt(env, "apply", "-p", str(project), "--auto-approve")
        assert _counts(env, {"a": 3, "b": 3}) == {"a": 3, "b": 3}

        flink = FlinkClient(
            http_client(f"http://localhost:{PORTS.flink_rest}"),
            http_client(f"http://localhost:{PORTS.sql_gateway}"),
        )
        (job,) = [j for j in flink.list_jobs() if j.state == "RUNNING"]
        restored = flink.checkpoint_stats(job.job_id).restored_path
        assert restored and "savepoint" in restored
        assert "No changes" in _streamt(env, "plan", "-p", str(project))
    finally:
        _streamt(env, "local", "down", "--purge")

"""`advanced.flink.config` reaches the real job: options set there are in the job's script and
Flink runs the job with them (here: its parallelism and its max parallelism)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.stack import runtime_yaml

from .test_apply_support import destroy, ensure_source_topics, systems, unique, wait_for_slots

pytestmark = pytest.mark.integration


def test_flink_config_options_are_applied_to_the_running_job(local_stack, tmp_path: Path):  # type: ignore[no-untyped-def]
    name = unique("it-flinkcfg")
    (tmp_path / "stream_project.yml").write_text(
        f"""
project: {{name: {name}}}
sources:
  - name: events
    topic: {name}.events
    columns: [{{name: id, type: STRING}}]
models:
  - name: passthrough
    advanced:
      topic: {{name: {name}.out}}
      flink:
        config:
          parallelism.default: 2
          pipeline.max-parallelism: 64
    sql: SELECT id FROM {{{{ source("events") }}}}
"""
        + runtime_yaml(local_stack)
    )
    ensure_source_topics(tmp_path, local_stack.kafka_bootstrap)
    wait_for_slots(2)
    try:
        applied = subprocess.run(
            [sys.executable, "-m", "streamt", "apply", "-p", str(tmp_path), "--auto-approve"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert applied.returncode == 0, applied.stdout + applied.stderr
        flink = systems().flink
        assert flink is not None
        (job,) = [
            j
            for j in flink.list_jobs()
            if j.name == f"streamt.{name}.passthrough" and j.state == "RUNNING"
        ]
        assert flink.job_parallelism(job.job_id) == 2
        detail = httpx.get(f"{local_stack.flink_rest_url}/jobs/{job.job_id}", timeout=10).json()
        assert {v["maxParallelism"] for v in detail["vertices"]} == {64}
    finally:
        destroy(name, "default")

"""A user-defined function end to end: a small Java UDF compiled by the test (javac against the
local stack's Flink table API jar), declared in `functions:`, called by a model; apply registers
it in the job's session (CREATE TEMPORARY FUNCTION ... USING JAR: the SQL Gateway ships the jar
with the job), records are produced and the output rows read back exactly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from streamt.local.versions import Versions
from tests.kafka_helpers import consume_json, produce_json

from .test_apply_support import destroy, ensure_source_topics, wait_for_slots

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

UDF_SOURCE = """\
package dev.streamt.it;

import org.apache.flink.table.functions.ScalarFunction;

public class Shout extends ScalarFunction {
    public String eval(String s, Integer times) {
        return s == null ? null : s.toUpperCase() + "!".repeat(times == null ? 1 : times);
    }
}
"""
PROJECT = """\
project: {{name: {project}}}
sources:
  - name: people
    topic: {topic}
    columns: [{{name: id, type: BIGINT}}, {{name: name, type: STRING}}, {{name: n, type: INT}}]
functions:
  - name: shout
    class: dev.streamt.it.Shout
    jar: lib/shout.jar
    returns: STRING
models:
  - name: {model}
    sql: |
      SELECT id, shout(name, n) AS loud
      FROM {{{{ source("people") }}}}
      WHERE shout(name, 1) <> 'BOB!'
"""


def _table_api_jar() -> Path:
    home = Path.home() / ".cache" / "streamt" / "local" / f"flink-{Versions().flink}"
    found = sorted(home.rglob("flink-table-api-java-uber-*.jar"))
    assert found, f"no flink-table-api-java-uber jar under {home}"
    return found[0]


def _build_jar(workdir: Path) -> Path:
    src = workdir / "src" / "dev" / "streamt" / "it" / "Shout.java"
    src.parent.mkdir(parents=True)
    src.write_text(UDF_SOURCE)
    classes = workdir / "classes"
    javac = shutil.which("javac")
    assert javac, "javac is needed to build the test UDF"
    cp = str(_table_api_jar())
    subprocess.run([javac, "--release", "17", "-cp", cp, "-d", str(classes), str(src)], check=True)
    jar = workdir / "lib" / "shout.jar"
    jar.parent.mkdir()
    subprocess.run(["jar", "cf", str(jar), "-C", str(classes), "."], check=True)
    return jar


def test_a_model_calling_a_declared_udf_runs_with_exact_rows(local_stack, tmp_path):  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"udf-{tag}", f"udf_people_{tag}", f"loud_{tag}"
    _build_jar(tmp_path)
    (tmp_path / "stream_project.yml").write_text(
        PROJECT.format(project=project, topic=topic, model=model)
    )
    ensure_source_topics(tmp_path, local_stack.kafka_bootstrap)
    wait_for_slots(1)
    try:
        applied = subprocess.run(
            [sys.executable, "-m", "streamt", "apply", "-p", str(tmp_path), "--auto-approve"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
        assert applied.returncode == 0, applied.stdout + applied.stderr
        rows = [
            {"id": 1, "name": "ada", "n": 3},
            {"id": 2, "name": "bob", "n": 2},
            {"id": 3, "name": "cy", "n": None},
        ]
        produce_json(local_stack.kafka_bootstrap, topic, rows)
        out = consume_json(local_stack.kafka_bootstrap, model, 2, timeout=90)
        assert out == [{"id": 1, "loud": "ADA!!!"}, {"id": 3, "loud": "CY!"}]
    finally:
        destroy(project, "default")

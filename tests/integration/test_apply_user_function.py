"""User-defined functions end to end: a Java scalar UDF and a Java aggregate UDF compiled by the
test (javac against the local stack's Flink table API jar), declared in `functions:`, called by
two models; apply registers them in each job's session (CREATE TEMPORARY FUNCTION ... USING JAR:
the SQL Gateway ships the jar with the job), records are produced and the output rows read back
exactly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from streamt.local.versions import Versions
from tests.kafka_helpers import consume_json, produce_json
from tests.stack import runtime_yaml

from .test_apply_support import destroy, ensure_source_topics, wait_for_slots

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

UDF_SOURCES = {
    "Shout": """\
package dev.streamt.it;

import org.apache.flink.table.functions.ScalarFunction;

public class Shout extends ScalarFunction {
    public String eval(String s, Integer times) {
        return s == null ? null : s.toUpperCase() + "!".repeat(times == null ? 1 : times);
    }
}
""",
    "Longest": """\
package dev.streamt.it;

import org.apache.flink.table.functions.AggregateFunction;

public class Longest extends AggregateFunction<String, Longest.Acc> {
    public static class Acc {
        public String value;
    }

    @Override
    public Acc createAccumulator() {
        return new Acc();
    }

    @Override
    public String getValue(Acc acc) {
        return acc.value;
    }

    public void accumulate(Acc acc, String s) {
        if (s != null && (acc.value == null || s.length() > acc.value.length())) {
            acc.value = s;
        }
    }
}
""",
}
PROJECT = """\
project: {{name: {project}}}
sources:
  - name: people
    topic: {topic}
    columns:
      - {{name: id, type: BIGINT}}
      - {{name: name, type: STRING}}
      - {{name: n, type: INT}}
      - {{name: team, type: STRING}}
functions:
  - name: shout
    class: dev.streamt.it.Shout
    jar: lib/udfs.jar
    returns: STRING
  - name: longest
    class: dev.streamt.it.Longest
    jar: lib/udfs.jar
    returns: STRING
    kind: aggregate
models:
  - name: {model}
    sql: |
      SELECT id, shout(name, n) AS loud
      FROM {{{{ source("people") }}}}
      WHERE shout(name, 1) <> 'BOB!'
  - name: {model}_longest
    sql: |
      SELECT team, longest(name) AS longest_name
      FROM {{{{ source("people") }}}}
      GROUP BY team
"""


def _flink_classpath() -> str:
    """The local stack's Flink lib dir (table API + flink-dist): what a UDF compiles against."""
    home = Path.home() / ".cache" / "streamt" / "local" / f"flink-{Versions().flink}"
    found = sorted(home.rglob("flink-table-api-java-uber-*.jar"))
    assert found, f"no flink-table-api-java-uber jar under {home}"
    return str(found[0].parent / "*")


def _build_jar(workdir: Path) -> Path:
    package = workdir / "src" / "dev" / "streamt" / "it"
    package.mkdir(parents=True)
    sources = []
    for name, text in UDF_SOURCES.items():
        sources.append(package / f"{name}.java")
        sources[-1].write_text(text)
    classes = workdir / "classes"
    javac = shutil.which("javac")
    assert javac, "javac is needed to build the test UDFs"
    command = [javac, "--release", "17", "-cp", _flink_classpath(), "-d", str(classes)]
    subprocess.run([*command, *map(str, sources)], check=True)
    jar = workdir / "lib" / "udfs.jar"
    jar.parent.mkdir()
    subprocess.run(["jar", "cf", str(jar), "-C", str(classes), "."], check=True)
    return jar


def test_models_calling_declared_udfs_run_with_exact_rows(local_stack, tmp_path):  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"udf-{tag}", f"udf_people_{tag}", f"loud_{tag}"
    _build_jar(tmp_path)
    (tmp_path / "stream_project.yml").write_text(
        PROJECT.format(project=project, topic=topic, model=model) + runtime_yaml(local_stack)
    )
    ensure_source_topics(tmp_path, local_stack.kafka_bootstrap)
    wait_for_slots(2)
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
            {"id": 1, "name": "ada", "n": 3, "team": "red"},
            {"id": 2, "name": "bob", "n": 2, "team": "blue"},
            {"id": 3, "name": "cy", "n": None, "team": "red"},
            {"id": 4, "name": "bobby", "n": 1, "team": "blue"},
        ]
        produce_json(local_stack.kafka_bootstrap, topic, rows)
        out = consume_json(local_stack.kafka_bootstrap, model, 3, timeout=90)
        assert out == [
            {"id": 1, "loud": "ADA!!!"},
            {"id": 3, "loud": "CY!"},
            {"id": 4, "loud": "BOBBY!"},
        ]
        # the aggregate UDF: one upsert per change of a team's longest name, keyed by team
        changes = consume_json(
            local_stack.kafka_bootstrap, f"{model}_longest", 3, timeout=90, with_keys=True
        )
        by_team: dict[str, list[str]] = {}
        for key, value in changes:
            assert key == {"team": value["team"]}
            by_team.setdefault(value["team"], []).append(value["longest_name"])
        assert by_team == {"red": ["ada"], "blue": ["bob", "bobby"]}
    finally:
        destroy(project, "default")

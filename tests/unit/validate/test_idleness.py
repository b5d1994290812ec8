"""Idleness (issue 9, point 5): no job-wide idle timeout; per-input `idle_timeout_ms` (and a
project default) become the Kafka table's `scan.watermark.idle-timeout`; V100 warns where a
window or time-based join waits for an input that may have a quiet partition."""

from pathlib import Path

from streamt.diagnostics import Diagnostic, Severity
from streamt.graph import build_graph
from streamt.validate import validate_project
from tests.unit.compile.helpers import compile_yaml

HEAD = """\
project: {name: idle}
"""
SOURCES = """\
sources:
  - name: clicks
    topic: clicks
    columns: [{name: user_id, type: STRING}, {name: ts, type: TIMESTAMP(3)}]
    event_time: {column: ts%s}
  - name: views
    topic: views
    columns: [{name: user_id, type: STRING}, {name: ts, type: TIMESTAMP(3)}]
    event_time: {column: ts}
"""
MODELS = """\
models:
  - name: per_minute
    sql: |
      SELECT window_start, window_end, COUNT(*) AS n
      FROM TABLE(TUMBLE(TABLE {{ source("clicks") }}, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end
  - name: plain
    sql: SELECT user_id, ts FROM {{ source("views") }}
"""


def _project(idle: str = "", defaults: str = "") -> str:
    return HEAD + defaults + SOURCES % idle + MODELS


def _options(tmp_path: Path, text: str) -> dict[str, str]:
    jobs = {j.name: j for j in compile_yaml(tmp_path, text).desired.jobs}
    return {j: "\n".join(spec.statements) for j, spec in jobs.items()}


def test_no_job_sets_an_idle_timeout_by_default(tmp_path: Path) -> None:
    result = compile_yaml(tmp_path, _project())
    for job in result.desired.jobs:
        assert "table.exec.source.idle-timeout" not in job.config
        assert "idle-timeout" not in job.script


def test_a_source_idle_timeout_is_its_table_option_only(tmp_path: Path) -> None:
    scripts = _options(tmp_path, _project(idle=", watermark: {idle_timeout_ms: 30000}"))
    assert "'scan.watermark.idle-timeout'='30000 ms'" in scripts["per_minute"]
    assert "idle-timeout" not in scripts["plain"]  # views has none


def test_the_project_default_applies_to_inputs_without_their_own(tmp_path: Path) -> None:
    defaults = "defaults: {event_time: {watermark: {idle_timeout_ms: 15000}}}\n"
    scripts = _options(tmp_path, _project(defaults=defaults))
    assert "'scan.watermark.idle-timeout'='15000 ms'" in scripts["per_minute"]
    assert "'scan.watermark.idle-timeout'='15000 ms'" in scripts["plain"]
    own = _options(tmp_path, _project(idle=", watermark: {idle_timeout_ms: 0}", defaults=defaults))
    assert "idle-timeout" not in own["per_minute"]  # 0 on the source: never idle
    assert "'scan.watermark.idle-timeout'='15000 ms'" in own["plain"]


def test_a_model_topic_read_with_a_watermark_takes_the_model_idle_timeout(
    tmp_path: Path,
) -> None:
    text = (
        HEAD
        + SOURCES % ""
        + """\
models:
  - name: clean
    sql: SELECT user_id, ts FROM {{ source("clicks") }}
    event_time: {column: ts, watermark: {idle_timeout_ms: 2000}}
  - name: per_minute
    sql: |
      SELECT window_start, window_end, COUNT(*) AS n
      FROM TABLE(TUMBLE(TABLE {{ ref("clean") }}, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end
"""
    )
    scripts = _options(tmp_path, text)
    assert "'scan.watermark.idle-timeout'='2000 ms'" in scripts["per_minute"]
    assert "idle-timeout" not in scripts["clean"]


def _v100(tmp_path: Path, text: str) -> list[Diagnostic]:
    result = compile_yaml(tmp_path, text)
    from streamt.load import load_project

    project = load_project(tmp_path).project
    assert project is not None
    graph, _ = build_graph(project)
    diags = validate_project(project, graph, result.desired, result.nodes)
    return [d for d in diags if d.code == "V100"]


def test_v100_warns_for_a_window_over_a_source_without_idle_timeout(tmp_path: Path) -> None:
    (diag,) = _v100(tmp_path, _project())
    assert diag.severity is Severity.WARNING
    assert diag.node == "model.idle.per_minute"
    assert diag.location.line == 13  # the model's `sql:`
    assert "source 'clicks'" in diag.message
    assert "idle_timeout_ms" in diag.hint
    # a stateless model reading a watermarked source is not warned about
    assert all("plain" not in d.message for d in _v100(tmp_path, _project()))


def test_v100_is_silenced_by_a_choice_on_the_input_or_the_project(tmp_path: Path) -> None:
    assert _v100(tmp_path, _project(idle=", watermark: {idle_timeout_ms: 0}")) == []
    assert _v100(tmp_path, _project(idle=", watermark: {idle_timeout_ms: 30000}")) == []
    defaults = "defaults: {event_time: {watermark: {idle_timeout_ms: 0}}}\n"
    assert _v100(tmp_path, _project(defaults=defaults)) == []


def test_v100_for_a_join_and_for_model_topics_with_several_partitions(tmp_path: Path) -> None:
    text = (
        HEAD
        + SOURCES % ", watermark: {idle_timeout_ms: 0}"
        + """\
models:
  - name: wide
    sql: SELECT user_id, ts FROM {{ source("clicks") }}
    advanced: {topic: {partitions: 4}}
  - name: narrow
    sql: SELECT user_id, ts FROM {{ source("clicks") }}
  - name: joined
    sql: |
      SELECT c.user_id, c.ts FROM {{ ref("wide") }} c JOIN {{ source("views") }} v
      ON c.user_id = v.user_id AND c.ts BETWEEN v.ts - INTERVAL '1' MINUTE AND v.ts
  - name: narrow_window
    sql: |
      SELECT window_start, window_end, COUNT(*) AS n
      FROM TABLE(TUMBLE(TABLE {{ ref("narrow") }}, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end
"""
    )
    (diag,) = _v100(tmp_path, text)  # narrow: one partition, no warning
    assert diag.node == "model.idle.joined"
    assert "model 'wide' (topic with 4 partitions)" in diag.message
    assert "source 'views'" in diag.message


def test_a_job_wider_than_a_watermarked_model_topic_reads_it_one_subtask_per_partition(
    tmp_path: Path,
) -> None:
    text = (
        HEAD
        + SOURCES % ", watermark: {idle_timeout_ms: 0}"
        + """\
models:
  - name: clean
    sql: SELECT user_id, ts FROM {{ source("clicks") }}
    advanced: {topic: {partitions: 2}}
  - name: wide
    advanced: {flink: {parallelism: 4}}
    sql: |
      SELECT window_start, window_end, COUNT(*) AS n
      FROM TABLE(TUMBLE(TABLE {{ ref("clean") }}, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end
  - name: configured
    advanced: {flink: {parallelism: 1, config: {parallelism.default: 3}}}
    sql: SELECT user_id, ts FROM {{ ref("clean") }}
  - name: narrow
    advanced: {flink: {parallelism: 2}}
    sql: SELECT user_id, ts FROM {{ ref("clean") }}
"""
    )
    scripts = _options(tmp_path, text)
    # a subtask without a partition would hold the watermark at its minimum for ever
    assert "'scan.parallelism'='2'" in scripts["wide"]
    assert "'scan.parallelism'='2'" in scripts["configured"]  # config: wins over the typed key
    assert "scan.parallelism" not in scripts["narrow"]

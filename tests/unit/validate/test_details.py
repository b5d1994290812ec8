"""Validation details each stated on a small project: pattern errors, column identifier hints,
planner rejections (V092), model-level classifications (V172), quiet model inputs (V100)."""

from pathlib import Path

from streamt.diagnostics import Location
from streamt.validate.flink import explain_jobs
from streamt.validate.patterns import compile_pattern
from tests.unit.compile.helpers import compile_yaml
from tests.unit.load.helpers import load
from tests.unit.validate.helpers import check_compiled, one
from tests.unit.validate.test_idleness import HEAD, SOURCES, _v100


def test_an_unusable_pattern_gives_re2s_reason_as_text() -> None:
    assert compile_pattern("(?=x)") == "invalid perl operator: (?="
    assert compile_pattern("a{2,1}") == "invalid repetition size: {2,1}"


def test_a_planner_rejection_is_v092_at_the_model_sql(tmp_path: Path) -> None:
    text = (
        "project: {name: p}\nsources:\n  - {name: s, topic: t, columns: [{name: a, type: INT}]}\n"
        'models:\n  - name: m\n    sql: SELECT a FROM {{ source("s") }}\n'
    )
    result = compile_yaml(tmp_path, text)
    loaded = load(tmp_path, text)
    assert loaded.project is not None
    asked: list[tuple[str, ...]] = []

    def explain(statements: tuple[str, ...]) -> list[str]:
        asked.append(tuple(statements))
        return ["\n  SQL validation failed.\nColumn 'b' not found\n\nat line 1\nmore\n"]

    (diag,) = explain_jobs(loaded.project, result.desired, explain)
    assert asked == [tuple(result.desired.jobs[0].statements)]
    assert (diag.code, diag.node, diag.location) == (
        "V092",
        "model.p.m",
        Location("stream_project.yml", 6, 5),
    )
    assert diag.message == (
        "Flink rejects the job of 'm': SQL validation failed. Column 'b' not found at line 1"
    )
    assert explain_jobs(loaded.project, result.desired, lambda _: []) == []


def test_a_column_a_model_classifies_as_sensitive_taints_what_reads_it(tmp_path: Path) -> None:
    text = """
project: {name: p}
rules: {security: {sensitive_columns_require_masking: true}}
sources:
  - {name: users, topic: users, columns: [{name: id, type: STRING}, {name: ssn, type: STRING}]}
models:
  - name: people
    security: {classification: {ssn: sensitive}}
    sql: SELECT id, ssn FROM {{ source("users") }}
  - name: shout
    sql: SELECT UPPER(ssn) AS loud FROM {{ ref("people") }}
"""
    found = check_compiled(tmp_path, text, ("V172",))
    assert [(d.node, d.message) for d in found] == [
        (
            "model.p.shout",
            "column 'loud' of model 'shout' is derived from sensitive column 'ssn' of 'people'"
            " and is not masked",
        )
    ]


def test_a_model_topic_with_its_own_idle_timeout_holds_no_watermark_back(tmp_path: Path) -> None:
    models = """\
models:
  - name: wide
    sql: SELECT user_id, ts FROM {{ source("clicks") }}
    advanced: {topic: {partitions: 4}}
    event_time: {column: ts, watermark: {idle_timeout_ms: %s}}
  - name: joined
    sql: |
      SELECT w.user_id, w.ts FROM {{ ref("wide") }} w JOIN {{ source("views") }} v
      ON w.user_id = v.user_id AND w.ts BETWEEN v.ts - INTERVAL '1' MINUTE AND v.ts
"""
    sources = SOURCES.replace("event_time: {column: ts}", "event_time: {column: ts%s}") % (
        ", watermark: {idle_timeout_ms: 0}",
        ", watermark: {idle_timeout_ms: 0}",
    )
    assert _v100(tmp_path, HEAD + sources + models % "5000") == []
    (diag,) = _v100(
        tmp_path,
        HEAD
        + sources
        + models.replace("    event_time: {column: ts, watermark: {idle_timeout_ms: %s}}\n", ""),
    )
    assert "model 'wide' (topic with 4 partitions)" in diag.message


def test_replication_factor_bounds_name_their_rule(tmp_path: Path) -> None:
    from tests.unit.validate.test_governance import rules

    low = one(tmp_path, rules("topics: {min_replication_factor: 2}"), "V032")
    assert low.message == (
        "topic 'relies_on_defaults' has replication_factor 1, "
        "rule topics.min_replication_factor requires >= 2"
    )
    high = one(tmp_path, rules("topics: {max_replication_factor: 2}"), "V033")
    assert high.message == (
        "topic 'analytics.explicit.v1' has replication_factor 3, "
        "rule topics.max_replication_factor requires <= 2"
    )


def test_only_tests_that_run_flink_jobs_need_a_flink_cluster(tmp_path: Path) -> None:
    from tests.unit.validate.helpers import check

    found = check(
        tmp_path,
        """
        project: {name: p}
        runtime: {kafka: {bootstrap_servers: k:9092}}
        models: [{name: m, sql: SELECT 1}]
        tests:
          - {name: t, model: m, type: schema}
        """,
    )
    assert [d for d in found if d.code == "V016"] == []


def test_a_placeholder_in_sql_text_is_placed_at_its_string(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """\
project: {name: p}
models:
  - name: m
    sql: |
      SELECT 1 AS a,
        'pw=${DB_PASSWORD}' AS b
""",
        "V130",
    )
    assert diag.message == (
        "the SQL of 'm' has the literal '${DB_PASSWORD}': `${...}` is never resolved inside "
        "SQL, Flink gets this text as written"
    )
    # line 6 of the file, the opening quote in column 9 (counted by hand)
    assert diag.location == Location("stream_project.yml", 6, 9)


def test_source_rule_findings_name_the_source(tmp_path: Path) -> None:
    text = (
        "project: {name: p}\nrules: {sources: {require_description: true}}\n"
        "sources:\n  - {name: s, topic: t}\n"
    )
    assert one(tmp_path, text, "V052").node == "source.p.s"

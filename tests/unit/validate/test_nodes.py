from pathlib import Path

from streamt.diagnostics import Location, Severity
from tests.unit.validate.helpers import check, one


def test_sink_without_connector(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        models:
          - {name: clean, sql: SELECT 1}
          - name: to_snowflake
            from: clean
        """,
        "V010",
    )
    assert diag.message == "sink model 'to_snowflake' has no connector configuration"
    assert diag.location == Location("stream_project.yml", 5, 5)
    assert diag.hint == "add advanced.connector: {type: jdbc-sink, config: {...}}"


def test_from_entry_not_used_by_sql_warns(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        sources: [{name: a, topic: a}, {name: b, topic: b}]
        models:
          - name: m
            from: [{source: a}, {source: b}]
            sql: 'SELECT * FROM {{ source("a") }}'
        """,
        "V013",
    )
    assert diag.severity is Severity.WARNING
    assert diag.location == Location("stream_project.yml", 5, 25)
    assert diag.message == "'b' is declared in from: but not used by the SQL of 'm'"
    assert diag.node == "model.p.m"


def test_state_ttl_must_be_positive_and_sane(tmp_path: Path) -> None:
    text = """
        project: {name: p}
        models:
          - name: m
            sql: SELECT 1
            advanced: {flink: {state_ttl_ms: TTL}}
        """
    diag = one(tmp_path, text.replace("TTL", "0"), "V014")
    assert diag.severity is Severity.ERROR
    assert diag.location == Location("stream_project.yml", 5, 24)
    assert diag.message == "state_ttl_ms must be positive, got 0"
    assert diag.hint == "omit it to keep state forever, or give milliseconds > 0"
    warn = one(tmp_path, text.replace("TTL", "500"), "V014")
    assert warn.severity is Severity.WARNING
    assert warn.hint == "state TTL is in milliseconds; did you mean seconds?"


def test_continuous_test_needs_flink(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        runtime: {kafka: {bootstrap_servers: k:9092}}
        models: [{name: m, sql: SELECT 1}]
        tests:
          - {name: t, model: m, type: continuous}
        """,
        "V016",
    )
    assert diag.message == "continuous test 't' needs a Flink cluster"
    assert diag.location == Location("stream_project.yml", 5, 25)


def test_private_model_used_outside_its_group(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        models:
          - {name: core, sql: SELECT 1, access: private, group: finance}
          - {name: ok, sql: 'SELECT * FROM {{ ref("core") }}', group: finance}
          - {name: leak, sql: 'SELECT * FROM {{ ref("core") }}', group: marketing}
        """,
        "V017",
    )
    assert diag.message == "model 'leak' uses private model 'core' of group 'finance'"
    assert diag.location == Location("stream_project.yml", 5, 5)
    assert diag.node == "model.p.leak"  # the reader is at fault, not the private model


def test_sla_is_reported_as_not_enforced(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        models: [{name: m, sql: SELECT 1}]
        exposures:
          - name: app
            type: application
            consumes: [{ref: m}]
            sla: {availability: 99.9}
        """,
        "V019",
    )
    assert diag.severity is Severity.INFO
    assert diag.location == Location("stream_project.yml", 7, 5)


def test_flink_options_streamt_manages_are_refused(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        models:
          - name: m
            sql: SELECT 1
            advanced:
              flink:
                config:
                  table.exec.source.idle-timeout: 30 s
                  pipeline.name: mine
        """,
        "V018",
    )
    assert diag.severity is Severity.ERROR
    assert (
        diag.message == "advanced.flink.config of 'm' sets 'pipeline.name', which streamt manages"
    )
    assert diag.location == Location("stream_project.yml", 9, 11)  # the key
    assert diag.hint == (
        "pipeline.name identifies the job across deployments and apply sets the restore path; "
        "remove the key"
    )


def test_bare_from_names_used_through_ref_or_source_do_not_warn(tmp_path: Path) -> None:
    found = check(
        tmp_path,
        """
        project: {name: p}
        sources: [{name: a, topic: a}]
        models:
          - {name: up, sql: 'SELECT * FROM {{ source("a") }}'}
          - name: m
            from: [up, a]
            sql: 'SELECT * FROM {{ ref("up") }} JOIN {{ source("a") }} ON TRUE'
        """,
    )
    assert [d for d in found if d.code == "V013"] == []

from pathlib import Path

from streamt.config.runtime import LOCAL_FLINK_REST_URL, LOCAL_KAFKA_BOOTSTRAP
from streamt.diagnostics import Location
from streamt.load import load_project
from streamt.load.model import Materialized
from tests.unit.load.helpers import codes, load, write

SEED_QUICKSTART = """
project:
  name: my-pipeline
  version: "1.0.0"

runtime:
  kafka:
    bootstrap_servers: localhost:9092
  flink:
    default: local
    clusters:
      local:
        rest_url: http://localhost:8082
        sql_gateway_url: http://localhost:8084

sources:
  - name: events
    topic: events.raw.v1

models:
  - name: events_clean
    sql: |
      SELECT event_id, user_id, event_type
      FROM {{ source("events") }}
      WHERE event_id IS NOT NULL

    # Optional: only if you need custom settings
    advanced:
      topic:
        partitions: 6
"""


def test_seed_quickstart_loads_every_key(tmp_path: Path) -> None:
    result = load(tmp_path, SEED_QUICKSTART)
    assert result.diagnostics == []
    project = result.project
    assert project is not None and project.name == "my-pipeline" and project.version == "1.0.0"
    assert project.runtime.flink is not None
    cluster = project.runtime.flink.cluster()
    assert cluster is not None and cluster.sql_gateway_url == "http://localhost:8084"
    model = project.models[0]
    assert model.advanced.topic.partitions == 6
    assert model.topic_name == "events_clean"
    assert model.location == Location("stream_project.yml", 20, 5)
    # the SQL starts on the line after `sql: |`, indented 6
    assert model.sql_location == Location("stream_project.yml", 22, 7)
    assert model.sql_position(2, 6) == Location("stream_project.yml", 23, 12)


def test_runtime_omitted_defaults_to_local_stack(tmp_path: Path) -> None:
    result = load(tmp_path, "project: {name: p}\n")
    assert result.ok
    project = result.project
    assert project is not None and not project.runtime_declared
    assert project.runtime.kafka is not None
    assert project.runtime.kafka.bootstrap_servers == LOCAL_KAFKA_BOOTSTRAP
    flink = project.runtime.flink.cluster() if project.runtime.flink else None
    assert flink is not None and flink.rest_url == LOCAL_FLINK_REST_URL
    assert project.runtime.connect is not None and project.runtime.schema_registry is not None


def test_nested_folders_and_sql_files_beside_yaml(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        "project: {name: p}\n",
        {
            "sources/raw/deep/orders.yml": "sources:\n  - {name: orders, topic: orders.v1}\n",
            "models/staging/eu/props.yml": "models:\n  - name: clean\n    description: cleaned\n",
            "models/staging/eu/clean.sql": "SELECT *\nFROM {{ source('orders') }}\n",
            "models/marts/solo.sql": "SELECT * FROM {{ ref('clean') }}",
        },
    )
    assert result.ok, result.diagnostics
    project = result.project
    assert project is not None
    models = {m.name: m for m in project.models}
    assert set(models) == {"clean", "solo"}
    assert models["clean"].description == "cleaned"
    assert models["clean"].sql == "SELECT *\nFROM {{ source('orders') }}\n"
    assert models["clean"].sql_location == Location("models/staging/eu/clean.sql", 1, 1)
    assert models["clean"].sql_position(2, 3) == Location("models/staging/eu/clean.sql", 2, 3)
    assert models["solo"].location == Location("models/marts/solo.sql", 1, 1)
    assert project.sources[0].location == Location("sources/raw/deep/orders.yml", 2, 5)


def test_sql_in_yaml_and_in_a_file_is_an_error(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        "project: {name: p}\nmodels:\n  - name: a\n    sql: SELECT 1\n",
        {"models/a.sql": "SELECT 2"},
    )
    (diag,) = result.diagnostics
    assert diag.code == "L009"
    assert diag.location == Location("stream_project.yml", 4, 5)
    assert "remove 'sql:' or the .sql file" in diag.hint


def test_misspelled_key_is_an_error_with_did_you_mean(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        """
        project: {name: p}
        models:
          - name: a
            sql: SELECT 1
            advanced:
              topic:
                partitons: 3
        """,
    )
    (diag,) = result.diagnostics
    assert diag.code == "L005"
    assert diag.message == "unknown key 'advanced.topic.partitons' in model 'a'"
    assert diag.location == Location("stream_project.yml", 7, 9)
    assert diag.hint == "did you mean 'partitions'?"
    assert result.project is not None and result.project.models == ()
    assert not result.ok


def test_unknown_top_level_section(tmp_path: Path) -> None:
    result = load(tmp_path, "project: {name: p}\nmodel:\n  - name: a\n")
    (diag,) = result.diagnostics
    assert (diag.code, diag.location, diag.hint) == (
        "L005",
        Location("stream_project.yml", 2, 1),
        "did you mean 'models'?",
    )


def test_missing_required_key_and_section(tmp_path: Path) -> None:
    result = load(tmp_path, "sources:\n  - name: s\n")
    assert codes(result) == ["L007", "L007"]
    by_msg = {d.message: d for d in result.diagnostics}
    topic = by_msg["missing required key 'topic' in source 's'"]
    assert topic.location == Location("stream_project.yml", 2, 5)
    assert topic.hint == "add 'topic:'"
    assert "missing required section 'project'" in by_msg
    assert result.project is None


def test_wrong_enum_value_suggests_the_closest(tmp_path: Path) -> None:
    result = load(tmp_path, "project: {name: p}\nmodels:\n  - name: a\n    materialized: flnk\n")
    (diag,) = result.diagnostics
    assert diag.code == "L006"
    assert diag.location == Location("stream_project.yml", 4, 5)
    assert diag.hint == "did you mean 'flink'?"


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    result = load(tmp_path, "project:\n  name: p\nmodels: [\n")
    (diag,) = result.diagnostics
    assert diag.code == "L002"
    assert diag.location.file == "stream_project.yml" and diag.location.line == 4
    assert result.project is None


def test_non_utf8_file_is_a_diagnostic(tmp_path: Path) -> None:
    write(tmp_path, {"stream_project.yml": b"project:\n  name: caf\xe9\n"})
    result = load_project(tmp_path)
    (diag,) = result.diagnostics
    assert (diag.code, diag.location) == ("L003", Location("stream_project.yml", 2, 12))
    assert diag.hint == "save the file as UTF-8"


def test_billion_laughs_ends_in_a_diagnostic(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    result = load(tmp_path, "project: {name: p}\n" + "\n".join(lines) + "\n")
    (diag,) = result.diagnostics
    assert diag.code == "L004"
    assert "alias bomb" in diag.message


def test_recursive_alias_is_a_diagnostic(tmp_path: Path) -> None:
    result = load(tmp_path, "project: {name: p}\nsources: &s [*s]\n")
    assert codes(result) == ["L004"]


def test_duplicate_key_in_a_mapping(tmp_path: Path) -> None:
    result = load(
        tmp_path, "project: {name: p}\nsources:\n  - name: s\n    topic: a\n    topic: b\n"
    )
    (diag,) = result.diagnostics
    assert (diag.code, diag.location) == ("L013", Location("stream_project.yml", 5, 5))


def test_missing_project_file(tmp_path: Path) -> None:
    result = load_project(tmp_path)
    (diag,) = result.diagnostics
    assert diag.code == "L001" and result.project is None


def test_placeholders_are_kept_verbatim(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        """
        project: {name: p}
        runtime:
          kafka:
            bootstrap_servers: ${BROKERS}
            sasl_password: ${KAFKA_PASSWORD}
        models:
          - name: out
            from: clean
            advanced:
              connector:
                type: jdbc-sink
                config: {connection.password: "${PG_PASSWORD}", tasks.max: 2}
        """,
    )
    assert result.ok, result.diagnostics
    project = result.project
    assert project is not None and project.runtime.kafka is not None
    assert project.runtime.kafka.sasl_password == "${KAFKA_PASSWORD}"
    connector = project.models[0].sink_connector
    assert connector is not None
    assert dict(connector.config) == {"connection.password": "${PG_PASSWORD}", "tasks.max": "2"}


def test_upstream_shapes_are_normalised(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        """
        project: {name: p}
        models:
          - name: a
            from: [x, {source: y}, {ref: z}]
            sink: {connector: jdbc-sink, config: {a: 1}}
          - name: b
            sql: SELECT 1
            ml_outputs:
              FraudModel: {fraud_score: DOUBLE, confidence: DOUBLE}
              Other: {columns: [{name: s, type: INT}]}
            advanced:
              flink: {parallelism: 4, checkpoint_interval: 60000}
          - name: c
            from: clean
            materialized: sink
            connector: {type: s3-sink}
        """,
    )
    assert result.ok, result.diagnostics
    assert result.project is not None
    a, b, c = result.project.models
    assert [(f.kind, f.name) for f in a.from_] == [("auto", "x"), ("source", "y"), ("ref", "z")]
    assert a.sink_connector is not None and a.sink_connector.type == "jdbc-sink"
    assert [(col.name, col.type) for col in b.ml_outputs["FraudModel"].columns] == [
        ("fraud_score", "DOUBLE"),
        ("confidence", "DOUBLE"),
    ]
    assert b.ml_outputs["Other"].columns[0].type == "INT"
    assert b.advanced.flink.checkpoint_interval_ms == 60000
    assert c.materialized is Materialized.SINK
    assert c.sink_connector is not None and c.sink_connector.type == "s3-sink"


def test_bad_from_entry_names_the_accepted_forms(tmp_path: Path) -> None:
    result = load(tmp_path, "project: {name: p}\nmodels:\n  - name: a\n    from: [{reff: x}]\n")
    (diag,) = result.diagnostics
    assert diag.code == "L006"
    assert "expected {source: NAME} or {ref: NAME}, got key 'reff'" in diag.message
    assert diag.location == Location("stream_project.yml", 4, 5)


def test_node_files_may_not_hold_project_sections(tmp_path: Path) -> None:
    result = load(tmp_path, "project: {name: p}\n", {"models/x.yml": "version: 2\nruntime: {}\n"})
    (diag,) = result.diagnostics
    assert (diag.code, diag.location) == ("L005", Location("models/x.yml", 2, 1))
    assert diag.hint == "'runtime' belongs in stream_project.yml"


def test_environment_overlay_replaces_runtime(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "stream_project.yml": "project: {name: p}\n",
            "environments/prod.yml": """
            environment: {description: Production, protected: true}
            runtime:
              kafka: {bootstrap_servers: [b1:9092, b2:9092]}
            """,
        },
    )
    result = load_project(tmp_path, env="prod")
    assert result.ok, result.diagnostics
    project = result.project
    assert project is not None and project.environment == "prod"
    assert project.runtime.kafka is not None
    assert project.runtime.kafka.bootstrap_servers == "b1:9092,b2:9092"
    assert project.runtime.flink is None
    assert project.environment_config is not None
    assert project.environment_config.environment.protected is True


def test_unknown_environment_lists_the_known_ones(tmp_path: Path) -> None:
    write(tmp_path, {"stream_project.yml": "project: {name: p}\n", "environments/dev.yml": ""})
    result = load_project(tmp_path, env="prd")
    (diag,) = result.diagnostics
    assert (diag.code, diag.hint) == ("L012", "available: dev")
    bad = load_project(tmp_path, env="../etc")
    assert [d.code for d in bad.diagnostics] == ["L012"]


def test_misspelled_keys_in_header_sections(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        "project: {name: p, versoin: 1}\nruntime:\n  kafka: {bootstrap_server: x}\n"
        "rules:\n  topics:\n    min_partitons: 3\n",
    )
    assert [
        (d.code, d.message, d.location.line, d.location.column, d.hint) for d in result.diagnostics
    ] == [
        ("L005", "unknown key 'versoin' in project", 1, 20, "did you mean 'version'?"),
        (
            "L005",
            "unknown key 'kafka.bootstrap_server' in runtime",
            3,
            11,
            "did you mean 'bootstrap_servers'?",
        ),
        (
            "L005",
            "unknown key 'topics.min_partitons' in rules",
            6,
            5,
            "did you mean 'min_partitions'?",
        ),
    ]
    assert result.project is None


def test_sections_of_the_wrong_shape(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        "project: {name: p}\nsources: {name: s}\nmodels:\n  - just a string\n",
        {"tests/t.yml": "- a list at the top\n"},
    )
    assert [(d.code, d.location, d.message) for d in result.diagnostics] == [
        ("L008", Location("stream_project.yml", 2, 10), "'sources' must be a list"),
        ("L008", Location("stream_project.yml", 4, 5), "each entry of 'models' must be a mapping"),
        ("L008", Location("tests/t.yml", 1, 1), "the file must be a mapping of sections"),
    ]


def test_two_sql_files_for_one_model(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        "project: {name: p}\n",
        {"models/a/x.sql": "SELECT 1", "models/b/x.sql": "SELECT 2"},
    )
    (diag,) = result.diagnostics
    assert (diag.code, diag.location) == ("L009", Location("models/b/x.sql", 1, 1))
    assert diag.hint == "the other one is models/a/x.sql; model names are unique"

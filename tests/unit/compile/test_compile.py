"""compile_project: materialization, changelog/keys, diagnostics placed in files, options."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from streamt.compile import compile_project, parse_lock
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.graph import build_graph
from streamt.load import load_project
from tests.unit.compile.helpers import compile_dir, compile_yaml

HEAD = """\
project:
  name: shop
sources:
  - name: orders
    topic: orders.v1
    columns:
      - {name: order_id, type: STRING}
      - {name: customer_id, type: STRING}
      - {name: amount, type: DOUBLE}
      - {name: ts, type: TIMESTAMP(3)}
    event_time:
      column: ts
      watermark: {max_out_of_orderness_ms: 1500}
"""


def project(models: str, head: str = HEAD) -> str:
    return head + "models:\n" + textwrap.indent(textwrap.dedent(models), "  ")


def codes(result: object) -> list[str]:
    return [d.code for d in result.diagnostics]  # type: ignore[attr-defined]


def test_stateless_without_gateway_is_a_flink_job_with_info(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: big
          sql: SELECT order_id, amount, ts FROM {{ source("orders") }} WHERE amount > 100
        """),
    )
    node = result.nodes["model.shop.big"]
    assert node.materialization is Materialization.FLINK and codes(result) == ["C012"]
    (job,) = result.desired.jobs
    assert job.pipeline_name == "streamt.shop.big"
    assert job.statements[0] == "SET 'pipeline.name' = 'streamt.shop.big'"
    assert all("CREATE TEMPORARY TABLE" in s for s in job.statements if s.startswith("CREATE"))
    assert "WATERMARK FOR `ts` AS `ts` - INTERVAL '1.500' SECOND" in job.script
    assert job.config["pipeline.name"] == "streamt.shop.big"


def test_event_time_survives_ref(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: big
          sql: SELECT order_id, amount, ts FROM {{ source("orders") }} WHERE amount > 100
        - name: per_minute
          sql: |
            SELECT window_start, window_end, COUNT(*) AS n
            FROM TABLE(TUMBLE(TABLE {{ ref("big") }}, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
            GROUP BY window_start, window_end
        """),
    )
    job = next(j for j in result.desired.jobs if j.name == "per_minute")
    big_table = next(s for s in job.statements if s.startswith("CREATE TEMPORARY TABLE `big`"))
    assert "WATERMARK FOR `ts` AS `ts` - INTERVAL '1.500' SECOND" in big_table
    assert "'topic'='big'" in big_table
    assert not any(d.is_error for d in result.diagnostics)


def test_updating_aggregate_goes_to_upsert_kafka_with_group_key(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: per_customer
          sql: SELECT customer_id, SUM(amount) AS total FROM {{ source("orders") }} GROUP BY customer_id
        """),
    )
    (job,) = result.desired.jobs
    assert job.changelog is ChangelogMode.UPSERT
    assert "'connector'='upsert-kafka'" in job.script
    assert "PRIMARY KEY (`customer_id`) NOT ENFORCED" in job.script
    assert result.nodes["model.shop.per_customer"].primary_key == ("customer_id",)


def test_updating_result_without_key_is_an_error(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: total
          sql: SELECT SUM(amount) AS total FROM {{ source("orders") }}
        """),
    )
    (diag,) = [d for d in result.diagnostics if d.is_error]
    assert diag.code == "C002" and "key:" in diag.hint
    assert diag.location.file == "stream_project.yml" and diag.location.line == 16
    assert not result.desired.jobs


def test_explicit_key_must_be_an_output_column(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: keyed
          key: nope
          sql: SELECT order_id, amount FROM {{ source("orders") }}
        """),
    )
    assert "C003" in codes(result)


def test_explicit_key_on_append_model_sets_the_message_key(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: keyed
          key: order_id
          sql: SELECT order_id, amount FROM {{ source("orders") }}
        """),
    )
    (job,) = result.desired.jobs
    assert "'key.fields'='order_id'" in job.script and "'connector'='kafka'" in job.script


def test_contradictory_virtual_topic_is_an_error(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: agg
          materialized: virtual_topic
          sql: SELECT customer_id, COUNT(*) AS n FROM {{ source("orders") }} GROUP BY customer_id
        """),
    )
    errors = {d.code: d for d in result.diagnostics if d.is_error}
    assert set(errors) == {"C010", "C013"}
    assert errors["C010"].location.line == 16


GATEWAY = HEAD.replace(
    "sources:",
    "runtime:\n  conduktor:\n    gateway:\n      admin_url: http://localhost:8888\nsources:",
)


def test_stateless_with_gateway_is_a_virtual_topic_rule(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project(
            """\
        - name: eu_orders
          sql: SELECT order_id, amount FROM {{ source("orders") }} WHERE customer_id <> 'x'
        """,
            GATEWAY,
        ),
    )
    (rule,) = result.desired.gateway_rules
    assert rule.physical_topic == "orders.v1" and rule.columns == ('"order_id"', '"amount"')
    assert rule.where == "\"customer_id\" <> 'x'"  # the Gateway's SQL, not Flink's backticks
    assert rule.statement == (
        'SELECT "order_id", "amount" FROM "orders.v1" WHERE "customer_id" <> \'x\''
    )
    assert not result.desired.jobs and not result.desired.topics


def test_downstream_of_a_virtual_topic_reads_it_as_a_view(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project(
            """\
        - name: eu_orders
          sql: SELECT order_id, amount, ts FROM {{ source("orders") }} WHERE amount > 1
        - name: eu_counts
          sql: SELECT order_id, COUNT(*) AS n FROM {{ ref("eu_orders") }} GROUP BY order_id
        """,
            GATEWAY,
        ),
    )
    (job,) = result.desired.jobs
    assert "CREATE TEMPORARY VIEW `eu_orders`" in job.script
    assert "'topic'='orders.v1'" in job.script


def test_sink_from_only_is_a_connector_with_placeholders(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: big
          sql: SELECT order_id, amount FROM {{ source("orders") }}
        - name: to_pg
          from: big
          advanced:
            connector:
              type: jdbc-sink
              config: {connection.password: "${PG_PASSWORD}"}
        """),
    )
    (conn,) = result.desired.connectors
    assert conn.config["connector.class"] == "io.debezium.connector.jdbc.JdbcSinkConnector"
    assert conn.config["topics"] == "to_pg.connect"  # the Connect-JSON envelope of `big`
    assert conn.config["connection.password"] == "${PG_PASSWORD}"
    assert result.nodes["model.shop.to_pg"].materialization is Materialization.SINK


def test_no_sql_no_from_is_a_plain_topic_with_defaults(tmp_path: Path) -> None:
    head = HEAD.replace(
        "sources:",
        "defaults:\n  topic: {partitions: 2, replication_factor: 3, config: {retention.ms: 1000}}\n"
        "  models:\n    topic: {partitions: 4}\nsources:",
    )
    result = compile_yaml(
        tmp_path,
        project(
            """\
        - name: dlq
          advanced: {topic: {name: dlq.orders, config: {cleanup.policy: delete}}}
        """,
            head,
        ),
    )
    (topic,) = result.desired.topics
    assert (topic.name, topic.partitions, topic.replication_factor) == ("dlq.orders", 4, 3)
    assert topic.config == {"cleanup.policy": "delete", "retention.ms": "1000"}
    assert not result.desired.jobs


def test_materialized_flink_without_sql_is_an_error(tmp_path: Path) -> None:
    result = compile_yaml(tmp_path, project("- name: t\n  materialized: flink\n"))
    assert "C011" in codes(result)


def test_sql_errors_are_placed_in_the_yaml_file(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: typo
          sql: |
            SELECT order_id,
                   ammount
            FROM {{ source("orders") }}
        """),
    )
    (diag,) = [d for d in result.diagnostics if d.is_error]
    assert diag.code == "S003" and "did you mean 'amount'" in diag.hint
    assert (diag.location.file, diag.location.line, diag.location.column) == (
        "stream_project.yml",
        18,
        14,
    )


def test_syntax_error_is_placed(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: broken
          sql: |
            SELECT order_id
            FROM {{ source("orders") }}
            WHERE (amount >
        """),
    )
    (diag,) = [d for d in result.diagnostics if d.is_error]
    assert diag.code == "S001" and diag.location.line >= 17


def test_window_without_event_time_is_an_error(tmp_path: Path) -> None:
    head = HEAD.replace(
        "    event_time:\n      column: ts\n      watermark: {max_out_of_orderness_ms: 1500}\n", ""
    )
    result = compile_yaml(
        tmp_path,
        project(
            """\
        - name: w
          sql: |
            SELECT TUMBLE_START(ts, INTERVAL '1' HOUR) AS h, COUNT(*) AS n
            FROM {{ source("orders") }} GROUP BY TUMBLE(ts, INTERVAL '1' HOUR)
        """,
            head,
        ),
    )
    assert [d.code for d in result.diagnostics if d.is_error] == ["S005"]


def test_ml_predict_on_the_local_stack_is_an_error_naming_the_fix(tmp_path: Path) -> None:
    # the issue: an info only, although open-source Flink cannot run ML_PREDICT (now C060)
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: scored
          sql: SELECT order_id, ML_PREDICT('Fraud', amount) AS score FROM {{ source("orders") }}
          ml_outputs:
            Fraud: {score: DOUBLE}
        """),
    )
    (ml,) = [d for d in result.diagnostics if d.code == "C060"]
    assert ml.severity.value == "error" and "type: confluent" in ml.hint
    cols = {c.name: c.type.sql() for c in result.nodes["model.shop.scored"].columns}
    assert cols["score"] == "DOUBLE"
    assert result.nodes["model.shop.scored"].materialization is Materialization.FLINK


def test_sasl_settings_keep_placeholders(tmp_path: Path) -> None:
    head = HEAD.replace(
        "sources:",
        "runtime:\n  kafka:\n    bootstrap_servers: ${BOOTSTRAP}\n    security_protocol: SASL_SSL\n"
        "    sasl_mechanism: PLAIN\n    sasl_username: ${KAFKA_USER}\n    sasl_password: ${KAFKA_PASSWORD}\n"
        "sources:",
    )
    result = compile_yaml(
        tmp_path, project("- name: m\n  sql: SELECT order_id FROM {{ source('orders') }}\n", head)
    )
    script = result.desired.jobs[0].script
    assert "'properties.bootstrap.servers'='${BOOTSTRAP}'" in script
    assert "'properties.security.protocol'='SASL_SSL'" in script
    assert 'username="${KAFKA_USER}" password="${KAFKA_PASSWORD}";' in script


def test_source_without_columns_uses_the_lock(tmp_path: Path) -> None:
    text = (
        "project: {name: shop}\nsources:\n  - {name: events, topic: events.v1}\nmodels:\n"
        "  - name: clean\n    sql: SELECT id FROM {{ source('events') }}\n"
    )
    (tmp_path / "stream_project.yml").write_text(text)
    loaded = load_project(tmp_path)
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    lock = parse_lock(
        '{"version": 1, "sources": {"events": {"columns": [{"name": "id", "type": "BIGINT"},'
        ' {"name": "extra", "type": "STRING"}]}}}'
    )
    result = compile_project(loaded.project, graph, lock=lock)
    assert "C020" not in codes(result)
    cols = [(c.name, c.type.sql()) for c in result.nodes["source.shop.events"].columns]
    assert cols == [("id", "BIGINT"), ("extra", "STRING")]


def test_source_without_columns_is_inferred_with_a_warning(tmp_path: Path) -> None:
    text = (
        "project: {name: shop}\nsources:\n  - {name: events, topic: events.v1}\nmodels:\n"
        "  - name: clean\n    sql: SELECT id, score FROM {{ source('events') }} WHERE score > 1.5\n"
    )
    result = compile_yaml(tmp_path, text)
    (warn,) = [d for d in result.diagnostics if d.code == "C020"]
    assert "id STRING" in warn.message and "score DOUBLE" in warn.message
    assert "`score` DOUBLE" in result.desired.jobs[0].script


def test_avro_schema_gives_columns_and_a_subject(tmp_path: Path) -> None:
    text = """\
project: {name: shop}
sources:
  - name: raw
    topic: raw.v1
    schema:
      format: avro
      definition: '{"type": "record", "name": "R", "fields": [{"name": "id", "type": "long"},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "note", "type": ["null", "string"]}]}'
models:
  - name: m
    sql: SELECT id, at, note FROM {{ source("raw") }}
"""
    result = compile_yaml(tmp_path, text)
    cols = [(c.name, c.type.sql()) for c in result.nodes["source.shop.raw"].columns]
    assert cols == [("id", "BIGINT"), ("at", "TIMESTAMP(3)"), ("note", "STRING")]
    (subject,) = result.desired.subjects
    assert subject.subject == "raw.v1-value" and subject.schema_type == "AVRO"
    assert "'format'='avro-confluent'" in result.desired.jobs[0].script
    assert "'avro-confluent.url'='http://localhost:8081'" in result.desired.jobs[0].script


def test_cdc_source_makes_downstream_upsert(tmp_path: Path) -> None:
    text = """\
project: {name: shop}
sources:
  - name: customers
    topic: pg.customers
    format: debezium-json
    key: id
    columns:
      - {name: id, type: BIGINT}
      - {name: name, type: STRING}
models:
  - name: names
    sql: SELECT id, UPPER(name) AS name FROM {{ source("customers") }}
"""
    result = compile_yaml(tmp_path, text)
    job = result.desired.jobs[0]
    assert job.changelog is ChangelogMode.UPSERT and "PRIMARY KEY (`id`)" in job.script
    assert "'format'='debezium-json'" in job.script


def test_fingerprints_split_data_from_metadata(tmp_path: Path) -> None:
    base = project(
        "- name: m\n  description: one\n  sql: SELECT order_id FROM {{ source('orders') }}\n"
    )
    first = compile_yaml(tmp_path, base).desired.jobs[0]
    second = compile_yaml(tmp_path, base.replace("one", "two")).desired.jobs[0]
    third = compile_yaml(tmp_path, base.replace("SELECT order_id", "SELECT amount")).desired.jobs[0]
    assert first.data_fingerprint == second.data_fingerprint
    assert first.metadata_fingerprint != second.metadata_fingerprint
    assert first.data_fingerprint != third.data_fingerprint


def test_hostile_column_names_are_quoted(tmp_path: Path) -> None:
    text = """\
project: {name: shop}
sources:
  - name: raw
    topic: raw.v1
    columns:
      - {name: "we`ird", type: STRING}
      - {name: "select", type: STRING}
models:
  - name: m
    sql: SELECT `we``ird`, `select` FROM {{ source("raw") }}
"""
    (tmp_path / "stream_project.yml").write_text(text)
    loaded = load_project(tmp_path)
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    result = compile_project(loaded.project, graph)
    script = result.desired.jobs[0].script
    assert "`we``ird` STRING" in script and "`select` STRING" in script


def test_select_keeps_only_chosen_specs(tmp_path: Path) -> None:
    text = project("""\
    - name: a
      sql: SELECT order_id FROM {{ source("orders") }}
    - name: b
      sql: SELECT order_id FROM {{ ref("a") }}
    """)
    (tmp_path / "stream_project.yml").write_text(text)
    loaded = load_project(tmp_path)
    assert loaded.project is not None
    graph, _ = build_graph(loaded.project)
    result = compile_project(loaded.project, graph, select={"model.shop.b"})
    assert [j.name for j in result.desired.jobs] == ["b"]
    assert [t.name for t in result.desired.topics] == ["b"]


def test_model_event_time_makes_a_plain_timestamp_a_rowtime_downstream(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: hourly
          event_time: {column: hour, watermark: {max_out_of_orderness_ms: 0}}
          sql: |
            SELECT TUMBLE_START(ts, INTERVAL '1' HOUR) AS hour, SUM(amount) AS revenue
            FROM {{ source("orders") }} GROUP BY TUMBLE(ts, INTERVAL '1' HOUR)
        - name: daily
          sql: |
            SELECT window_start, SUM(revenue) AS revenue
            FROM TABLE(TUMBLE(TABLE {{ ref("hourly") }}, DESCRIPTOR(hour), INTERVAL '1' DAY))
            GROUP BY window_start, window_end
        """),
    )
    assert not [d for d in result.diagnostics if d.is_error]
    assert result.nodes["model.shop.hourly"].rowtime == "hour"
    job = next(j for j in result.desired.jobs if j.name == "daily")
    assert "WATERMARK FOR `hour` AS `hour` - INTERVAL '0' SECOND" in job.script


def test_virtual_topic_read_by_a_connector_is_an_error(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project(
            """\
        - name: eu
          materialized: virtual_topic
          sql: SELECT order_id, amount FROM {{ source("orders") }} WHERE amount > 1
        - name: eu_pg
          from: eu
          advanced: {connector: {type: jdbc-sink, config: {}}}
        """,
            GATEWAY,
        ),
    )
    assert "C014" in codes(result)


def test_positions_after_a_ref_map_back_to_the_template(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: typo
          sql: SELECT order_id FROM {{ source("orders") }} WHERE ammount > 1
        """),
    )
    (diag,) = [d for d in result.diagnostics if d.is_error]
    line_text = (tmp_path / "stream_project.yml").read_text().splitlines()[diag.location.line - 1]
    assert line_text[diag.location.column - 1 :].startswith("ammount")


def test_mask_policies_rewrite_the_output(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: masked
          sql: SELECT order_id, customer_id, amount, ts FROM {{ source("orders") }}
          security:
            policies:
              - mask: {column: customer_id, method: hash}
              - mask: {column: order_id, method: partial, for_roles: [support]}
              - mask: {column: amount, method: "null"}
        """),
    )
    assert "C031" in codes(result) and not [d for d in result.diagnostics if d.is_error]
    insert = result.desired.jobs[0].statements[-1]
    assert "SHA256(CAST(`customer_id` AS STRING)) AS `customer_id`" in insert
    assert "REGEXP_REPLACE(CAST(`order_id` AS STRING), '.(?=.{4})', '*') AS `order_id`" in insert
    assert "CAST(NULL AS DOUBLE) AS `amount`" in insert
    cols = {c.name: c.type.sql() for c in result.nodes["model.shop.masked"].columns}
    assert cols == {
        "order_id": "STRING",
        "customer_id": "STRING",
        "amount": "DOUBLE",
        "ts": "TIMESTAMP(3)",
    }


def test_masking_an_unknown_column_is_an_error(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: masked
          sql: SELECT order_id FROM {{ source("orders") }}
          security:
            policies:
              - mask: {column: nope, method: redact}
        """),
    )
    assert [d.code for d in result.diagnostics if d.is_error] == ["C005"]
    assert not result.desired.jobs


def test_mask_policies_on_a_sink_use_the_maskfield_transform(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: big
          sql: SELECT order_id, customer_id FROM {{ source("orders") }}
        - name: to_pg
          from: big
          security: {policies: [{mask: {column: customer_id}}]}
          advanced:
            connector: {type: jdbc-sink, config: {transforms: route, transforms.route.type: X}}
        """),
    )
    config = result.desired.connectors[0].config
    assert config["transforms"] == "route,streamt_mask"
    assert config["transforms.streamt_mask.type"].endswith("MaskField$Value")
    assert config["transforms.streamt_mask.fields"] == "customer_id"


def test_errors_in_a_sql_file_model_point_into_that_file(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.sql").write_text(
        '-- a model in its own file\nSELECT order_id,\n       nope\nFROM {{ source("orders") }}\n'
    )
    result = compile_yaml(tmp_path, HEAD)
    (diag,) = [d for d in result.diagnostics if d.is_error]
    assert diag.code == "S003"
    assert (diag.location.file, diag.location.line, diag.location.column) == ("models/m.sql", 3, 8)


def test_reading_a_sink_model_is_an_error(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: big
          sql: SELECT order_id FROM {{ source("orders") }}
        - name: to_pg
          from: big
          advanced: {connector: {type: jdbc-sink}}
        - name: wrong
          sql: SELECT order_id FROM {{ ref("to_pg") }}
        """),
    )
    assert [d.code for d in result.diagnostics if d.is_error] == ["C006"]


def test_raw_format_needs_one_column(tmp_path: Path) -> None:
    text = (
        "project: {name: shop}\nsources:\n  - name: lines\n    topic: l.v1\n    format: raw\n"
        "    columns: [{name: a, type: STRING}, {name: b, type: STRING}]\n"
    )
    result = compile_yaml(tmp_path, text)
    (diag,) = [d for d in result.diagnostics if d.is_error]
    assert diag.code == "C042" and diag.location.line == 5


def test_flink_config_options_are_set_for_that_job_only_after_the_typed_ones(
    tmp_path: Path,
) -> None:
    text = """\
project: {name: shop}
sources:
  - {name: orders, topic: orders, columns: [{name: id, type: STRING}]}
models:
  - name: a
    sql: SELECT id FROM {{ source("orders") }}
    advanced:
      flink:
        parallelism: 2
        config:
          table.exec.source.idle-timeout: 30 s
          parallelism.default: 3
          table.exec.mini-batch.enabled: true
  - name: b
    sql: SELECT id FROM {{ source("orders") }}
"""
    jobs = {j.name: j for j in compile_yaml(tmp_path, text).desired.jobs}
    a, b = jobs["a"], jobs["b"]
    assert a.config["table.exec.source.idle-timeout"] == "30 s"
    assert a.config["parallelism.default"] == "3"  # config: is applied last
    assert a.config["table.exec.mini-batch.enabled"] == "true"
    assert "SET 'table.exec.mini-batch.enabled' = 'true'" in a.script
    assert "table.exec.source.idle-timeout" not in b.config  # no job-wide default (issue 9)
    assert "table.exec.mini-batch.enabled" not in b.config
    assert (
        a.data_fingerprint
        != compile_yaml(tmp_path, text.replace("30 s", "31 s")).desired.jobs[0].data_fingerprint
    )


@pytest.mark.parametrize(
    ("sql", "line", "at"),
    [
        # a comment tag and an expression tag before the error on the same line
        (
            '{# cols #}SELECT o.order_id, {{ "o" }}.amout\nFROM {{ source("orders") }} AS o',
            1,
            "amout",
        ),
        # a block tag spanning a line of rendered SQL above the error
        (
            'SELECT a.order_id\nFROM {{ source("orders") }} AS a\n{% if true %}JOIN '
            '{{ source("orders") }} AS b ON a.order_id = b.order_id{% endif %}\nWHERE b.nope > 1',
            4,
            "nope",
        ),
        # the error inside text a tag produced: the start of that tag
        ('SELECT order_id FROM {{ source("orders") }} WHERE {{ "amout" }} > 1', 1, '{{ "amout" }}'),
        # the last piece of the template
        (
            'SELECT order_id FROM {{ source("orders") }}\n  WHERE amount > 1 AND nope_at_end',
            2,
            "nope_at_end",
        ),
    ],
)
def test_errors_map_back_through_jinja_tags_to_what_the_user_wrote(
    tmp_path: Path, sql: str, line: int, at: str
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.sql").write_text(sql)
    result = compile_yaml(tmp_path, HEAD)
    (diag,) = [d for d in result.diagnostics if d.is_error]
    assert (diag.code, diag.location.file, diag.location.line) == ("S003", "models/m.sql", line)
    assert sql.splitlines()[line - 1][diag.location.column - 1 :].startswith(at)


def test_inputs_named_like_the_model_or_each_other_get_distinct_table_names(
    tmp_path: Path,
) -> None:
    """Inside one job a model's own table, its model inputs and its sources share one
    namespace: a source named like the model (or like an input) is suffixed until unique."""
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: orders_source
          sql: SELECT order_id FROM {{ source("orders") }}
        - name: orders
          sql: >-
            SELECT a.order_id FROM {{ ref("orders_source") }} AS a
            JOIN {{ source("orders") }} AS b ON a.order_id = b.order_id
        - name: both
          sql: >-
            SELECT a.order_id FROM {{ ref("orders") }} AS a
            JOIN {{ source("orders") }} AS b ON a.order_id = b.order_id
        """),
    )
    jobs = {j.name: j for j in result.desired.jobs}

    def tables(job: str) -> list[str]:
        return [
            s.split("`")[1] for s in jobs[job].statements if s.startswith("CREATE TEMPORARY TABLE")
        ]

    assert tables("orders") == ["orders_source_", "orders_source", "orders"]
    assert (
        jobs["orders"]
        .statements[-1]
        .endswith(
            "FROM `orders_source` AS `a`\nJOIN `orders_source_` AS `b`\n  ON `a`.`order_id` = `b`.`order_id`"
        )
    )
    assert tables("both") == ["orders_source", "orders", "both"]
    assert "FROM `orders` AS `a`\nJOIN `orders_source` AS `b`" in jobs["both"].statements[-1]
    assert tables("orders_source") == ["orders", "orders_source"]


def test_a_reader_wider_than_a_watermarked_topic_reads_it_one_subtask_per_partition(
    tmp_path: Path,
) -> None:
    """Subtasks without a partition would hold the watermark back for ever (no window fires)."""
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: up
          sql: SELECT order_id, amount, ts FROM {{ source("orders") }} WHERE amount > 0
          advanced: {topic: {partitions: 2}}
        - name: wide
          sql: SELECT order_id, ts FROM {{ ref("up") }}
          advanced: {flink: {parallelism: 4}}
        - name: wide_cfg
          sql: SELECT order_id, ts FROM {{ ref("up") }}
          advanced: {flink: {config: {parallelism.default: 3}}}
        - name: narrow
          sql: SELECT order_id, ts FROM {{ ref("up") }}
          advanced: {flink: {parallelism: 2}}
        """),
    )

    def scan(job: str) -> list[str]:
        statements = next(j for j in result.desired.jobs if j.name == job).statements
        table = next(s for s in statements if s.startswith("CREATE TEMPORARY TABLE `up`"))
        return [line.strip() for line in table.splitlines() if "scan.parallelism" in line]

    assert scan("wide") == ["'scan.parallelism'='2'"]
    assert scan("wide_cfg") == ["'scan.parallelism'='2'"]  # parallelism.default in config:
    assert scan("narrow") == []


def test_an_upsert_key_on_the_optional_side_of_an_outer_join_is_s049(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: counts
          sql: SELECT customer_id, COUNT(*) AS n FROM {{ source("orders") }} GROUP BY customer_id
        - name: j
          sql: >-
            SELECT c.customer_id, o.order_id, c.n FROM {{ source("orders") }} AS o
            LEFT JOIN {{ ref("counts") }} AS c ON o.customer_id = c.customer_id
          key: [customer_id, order_id]
        """),
    )
    (diag,) = [d for d in result.diagnostics if d.code == "S049"]
    assert (diag.is_error, diag.location.line, diag.node) == (
        True,
        21,
        "model.shop.j",
    )  # the key: line
    assert diag.message == (
        "model 'j': key column 'customer_id' is NULL in some rows (the optional side of an "
        "outer join, or a column GROUPING SETS / ROLLUP / CUBE rolls up); an upsert-kafka key "
        "cannot be NULL, so the job would fail at the first such row"
    )
    assert diag.hint == (
        "key on COALESCE(customer_id, <marker>) AS customer_id, or on columns of the preserved side"
    )


def test_redact_keeps_nulls_null_and_makes_the_column_a_string(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project("""\
        - name: masked
          sql: SELECT order_id, amount FROM {{ source("orders") }}
          security:
            policies:
              - mask: {column: amount, method: redact}
        """),
    )
    insert = result.desired.jobs[0].statements[-1]
    assert (
        "CASE WHEN `amount` IS NULL THEN CAST(NULL AS STRING) ELSE '****' END AS `amount`" in insert
    )
    cols = {c.name: c.type.sql() for c in result.nodes["model.shop.masked"].columns}
    assert cols == {"order_id": "STRING", "amount": "STRING"}


def test_a_plain_topics_declared_columns_are_typed_for_its_readers(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(
        project("""\
        - name: declared
          columns: [{name: a, type: BIGINT}, {name: b}, {name: c, type: NOPE}]
        - name: reader
          sql: SELECT a, b FROM {{ ref("declared") }}
        """)
    )
    result, _ = compile_dir(tmp_path)
    declared = {c.name: c.type.sql() for c in result.nodes["model.shop.declared"].columns}
    assert declared == {"a": "BIGINT", "b": "STRING", "c": "STRING"}
    reader = {c.name: c.type.sql() for c in result.nodes["model.shop.reader"].columns}
    assert reader == {"a": "BIGINT", "b": "STRING"}
    # an unknown type is an error at its place, not silently a STRING
    (diag,) = [d for d in result.diagnostics if d.is_error]
    assert (diag.code, diag.location.line, diag.node) == ("C041", 16, "model.shop.declared")
    assert diag.message == "model 'declared' column 'c': unknown type 'NOPE' in 'NOPE'"
    assert diag.hint == "use a Flink SQL type such as STRING, BIGINT, DOUBLE, TIMESTAMP(3)"

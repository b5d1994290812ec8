"""JDBC sinks read Connect-JSON envelopes: compile adds `<sink>__envelope` (job + topic, owned by
the sink node) and points the connector at it with JsonConverter defaults the user may override."""

from __future__ import annotations

import textwrap
from pathlib import Path

from streamt.compile.specs import ChangelogMode

from .helpers import compile_yaml
from .test_compile import project

SINK = """\
- name: to_pg
  from: {upstream}
  advanced:
    connector:
      type: jdbc-sink
      config: {{connection.url: "${{PG_JDBC_URL}}"{extra}}}
"""


def sink(upstream: str, extra: str = "") -> str:
    return SINK.format(upstream=upstream, extra=extra)


def with_sink(models: str, upstream: str, extra: str = "") -> str:
    return project(textwrap.dedent(models) + sink(upstream, extra))


def test_append_upstream_gets_an_insert_mode_envelope(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        with_sink(
            """\
            - name: big
              sql: SELECT order_id, CAST(amount AS DECIMAL(10, 2)) AS amount, ts FROM {{ source("orders") }}
            """,
            "big",
        ),
    )
    jobs = {j.name: j for j in result.desired.jobs}
    env = jobs["to_pg__envelope"]
    assert env.node == "model.shop.to_pg"
    assert env.pipeline_name == "streamt.shop.to_pg__envelope"
    assert env.changelog is ChangelogMode.APPEND
    assert env.source_topics == ("big",) and env.sink_topic == "to_pg.connect"
    # DECIMAL travels as DOUBLE
    assert "ROW('amount', 'double', TRUE, CAST(NULL AS STRING))" in env.script
    assert "CAST(`amount` AS DOUBLE)" in env.script
    # a timestamp as an ISO-8601 UTC string Debezium's sink writes into timestamptz
    assert "ROW('ts', 'string', TRUE, 'io.debezium.time.ZonedTimestamp')" in env.script
    assert "DATE_FORMAT(`ts`, 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''')" in env.script
    assert env.config["table.local-time-zone"] == "UTC"
    assert "'connector'='kafka'" in env.script and "upsert-kafka" not in env.script
    topics = {t.name: t for t in result.desired.topics}
    assert topics["to_pg.connect"].node == "model.shop.to_pg"
    (conn,) = result.desired.connectors
    assert conn.topics == ("to_pg.connect",)
    # keyed on the Kafka coordinates: rows Connect redelivers after a crash are not doubled
    assert conn.config["insert.mode"] == "upsert"
    assert conn.config["primary.key.mode"] == "kafka"
    assert conn.config["value.converter"] == "org.apache.kafka.connect.json.JsonConverter"
    assert conn.config["value.converter.schemas.enable"] == "true"
    assert "primary.key.fields" not in conn.config


def test_updating_upstream_is_upserted_by_its_key(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        with_sink(
            """\
            - name: counts
              sql: SELECT customer_id, COUNT(*) AS n FROM {{ source("orders") }} GROUP BY customer_id
            """,
            "counts",
            ", table.name.format: totals",
        ),
    )
    env = next(j for j in result.desired.jobs if j.name == "to_pg__envelope")
    assert env.changelog is ChangelogMode.UPSERT
    assert env.script.count("'connector'='upsert-kafka'") == 2
    assert "'value.fields-include'='EXCEPT_KEY'" in env.script
    fields = "ROW('customer_id', 'string', FALSE, CAST(NULL AS STRING)), "
    fields += "ROW('n', 'int64', FALSE, CAST(NULL AS STRING))"
    assert fields in env.script
    (conn,) = result.desired.connectors
    assert conn.config["insert.mode"] == "upsert"
    assert conn.config["primary.key.mode"] == "record_value"
    assert conn.config["primary.key.fields"] == "customer_id"
    assert conn.config["table.name.format"] == "totals"  # the user's setting wins


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


CONFLUENT = ", connector.class: io.confluent.connect.jdbc.JdbcSinkConnector"
DEBEZIUM_ONLY = {"primary.key.mode", "primary.key.fields", "schema.evolution"}


def test_confluents_jdbc_sink_gets_the_settings_under_its_own_names(tmp_path: Path) -> None:
    """Confluent's JdbcSinkConnector reads pk.mode / pk.fields / auto.create / auto.evolve
    (its documented names); Debezium's names would be ignored there, leaving an upsert
    without a key."""
    keyed = compile_yaml(
        _folder(tmp_path / "keyed"),
        with_sink(
            """\
            - name: counts
              sql: SELECT customer_id, COUNT(*) AS n FROM {{ source("orders") }} GROUP BY customer_id
            """,
            "counts",
            CONFLUENT,
        ),
    )
    (conn,) = keyed.desired.connectors
    assert conn.config["insert.mode"] == "upsert"
    assert conn.config["pk.mode"] == "record_value" and conn.config["pk.fields"] == "customer_id"
    assert conn.config["auto.create"] == conn.config["auto.evolve"] == "true"
    assert not DEBEZIUM_ONLY & set(conn.config)
    append = compile_yaml(
        _folder(tmp_path / "append"),
        with_sink(
            """\
            - name: big
              sql: SELECT order_id, amount FROM {{ source("orders") }}
            """,
            "big",
            CONFLUENT,
        ),
    )
    (conn,) = append.desired.connectors
    # keyed on the Kafka coordinates, as Debezium's: a redelivered row overwrites itself
    assert conn.config["insert.mode"] == "upsert" and conn.config["pk.mode"] == "kafka"
    assert "pk.fields" not in conn.config and not DEBEZIUM_ONLY & set(conn.config)


def test_a_user_value_converter_reads_the_topic_as_it_is(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        with_sink(
            """\
            - name: big
              sql: SELECT order_id, amount FROM {{ source("orders") }}
            """,
            "big",
            ", value.converter: io.confluent.connect.avro.AvroConverter",
        ),
    )
    assert [j.name for j in result.desired.jobs] == ["big"]
    (conn,) = result.desired.connectors
    assert conn.topics == ("big",) and "insert.mode" not in conn.config


def test_non_jdbc_sinks_get_no_envelope(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        project(
            """\
            - name: big
              sql: SELECT order_id, amount FROM {{ source("orders") }}
            - name: to_file
              from: big
              advanced:
                connector: {type: file-sink, config: {file: /tmp/x}}
            """
        ),
    )
    assert [j.name for j in result.desired.jobs] == ["big"]
    assert "to_file.connect" not in {t.name for t in result.desired.topics}


def test_an_upstream_without_columns_is_reported(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        with_sink(
            """\
            - name: raw_copy
            """,
            "raw_copy",
        ),
    )
    (diag,) = [d for d in result.diagnostics if d.code == "C015"]
    assert (diag.is_error, diag.node, diag.location.line) == (True, "model.shop.to_pg", 17)
    assert diag.message == (
        "sink 'to_pg' needs schema'd records (its connector reads Connect JSON), so it must copy "
        "exactly one source or model with known columns"
    )
    assert diag.hint == (
        "declare the upstream's columns, or set value.converter in advanced.connector.config to "
        "read the topic as it is"
    )
    assert not [j for j in result.desired.jobs if j.name == "to_pg__envelope"]


def test_other_jdbc_sinks_get_timestamps_as_text(tmp_path: Path) -> None:
    result = compile_yaml(
        tmp_path,
        with_sink(
            """\
            - name: big
              sql: SELECT order_id, ts FROM {{ source("orders") }}
            """,
            "big",
            ", connector.class: io.confluent.connect.jdbc.JdbcSinkConnector",
        ),
    )
    env = {j.name: j for j in result.desired.jobs}["to_pg__envelope"]
    assert "ROW('ts', 'string', TRUE, CAST(NULL AS STRING))" in env.script
    assert "CAST(`ts` AS STRING)" in env.script


def test_the_envelope_topic_has_the_upstreams_partitions_and_not_null_fields_are_required(
    tmp_path: Path,
) -> None:
    result = compile_yaml(
        tmp_path,
        with_sink(
            """\
            - name: big
              sql: SELECT order_id, 1 AS one FROM {{ source("orders") }}
              advanced: {topic: {partitions: 6}}
            """,
            "big",
        ),
    )
    topics = {t.name: t for t in result.desired.topics}
    assert (topics["to_pg.connect"].partitions, topics["big"].partitions) == (6, 6)
    env = next(j for j in result.desired.jobs if j.name == "to_pg__envelope")
    assert (
        "ARRAY[ROW('order_id', 'string', TRUE, CAST(NULL AS STRING)), "
        "ROW('one', 'int32', FALSE, CAST(NULL AS STRING))]"
    ) in env.script
    assert "ROW(\n    'struct',\n    'to_pg',\n    FALSE," in env.script  # the record's name
    assert "`payload` ROW<`order_id` STRING, `one` INT>" in env.script
    assert env.statements[-1].endswith("FROM `big`")


def test_a_sink_copying_a_source_reads_the_sources_topic_in_its_format(tmp_path: Path) -> None:
    result = compile_yaml(tmp_path, project("") + textwrap.indent(sink("orders"), "  "))
    env = next(j for j in result.desired.jobs if j.name == "to_pg__envelope")
    assert env.source_topics == ("orders.v1",) and env.sink_topic == "to_pg.connect"
    source_table = next(
        s for s in env.statements if s.startswith("CREATE TEMPORARY TABLE `orders`")
    )
    assert "'topic'='orders.v1'" in source_table and "'format'='json'" in source_table
    assert "'properties.group.id'='streamt.shop.to_pg__envelope'" in source_table
    topics = {t.name: t for t in result.desired.topics}
    assert topics["to_pg.connect"].partitions == 1  # a source's topic is not ours: one partition
    assert env.statements[-1].endswith("FROM `orders`")

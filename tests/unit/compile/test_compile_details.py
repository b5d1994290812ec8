"""Compile details stated by hand: the versioned side of a temporal join reads with the job's
consumer group, a virtual topic over two topics is refused where `materialized:` is written,
Avro schema errors name what was read, the memo key of the settings sees declared functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.compile.facts import _stable
from streamt.compile.functions import DeclaredFunctions
from streamt.compile.schemas import SchemaProblem, avro_columns
from streamt.diagnostics import Location
from streamt.sql import parse_type
from tests.unit.compile.helpers import compile_dir
from tests.unit.compile.test_flink_docs_corpus import CORPUS
from tests.unit.compile.test_gateway import HEAD, SOURCE, model


def test_the_versioned_side_of_a_temporal_join_reads_with_the_jobs_consumer_group() -> None:
    result, _ = compile_dir(CORPUS)
    job = next(j for j in result.desired.jobs if j.name == "join_temporal")
    groups = {
        table: [line.strip() for line in s.splitlines() if "'properties.group.id'" in line]
        for s in job.statements
        if s.startswith("CREATE TEMPORARY TABLE")
        for table in [s.split("`")[1]]
    }
    expected = ["'properties.group.id'='streamt.flink_docs.join_temporal',"]
    assert groups["currency_rates"] == expected  # the versioned (upsert-kafka) side
    assert groups["rate_orders"] == expected


def test_a_virtual_topic_over_two_topics_is_refused_at_materialized(tmp_path: Path) -> None:
    head = HEAD.replace(
        "models:\n",
        "  - {name: returns, topic: returns.v1, columns: [{name: order_id, type: STRING}]}\n"
        "models:\n",
    )
    sql = (
        f'SELECT order_id FROM {SOURCE} UNION ALL SELECT order_id FROM {{{{ source("returns") }}}}'
    )
    (tmp_path / "stream_project.yml").write_text(model(sql, "materialized: virtual_topic\n", head))
    result, _ = compile_dir(tmp_path)
    (diag,) = result.diagnostics
    assert (diag.code, diag.node, diag.location) == (
        "C010",
        "model.shop.m",
        Location("stream_project.yml", 21, 5),  # the `materialized:` line, counted by hand
    )
    assert diag.message == (
        "model 'm' is materialized: virtual_topic but a Gateway rule can only filter and select "
        "columns of one topic"
    )
    assert not result.desired.gateway_rules and not result.desired.jobs


def test_an_avro_schema_that_is_not_json_says_so() -> None:
    with pytest.raises(SchemaProblem) as err:
        avro_columns('{"type": "record",')
    assert str(err.value).startswith("Avro schema is not valid JSON: ")


def test_the_settings_memo_key_sees_each_declared_function_type() -> None:
    def declared(returns: str) -> DeclaredFunctions:
        return DeclaredFunctions({"SCORE": parse_type(returns)}, {}, {})

    assert repr(_stable(declared("INT"))) == repr(_stable(declared("INT")))
    assert repr(_stable(declared("INT"))) != repr(_stable(declared("DOUBLE")))


def test_kafka_security_settings_become_the_tables_client_properties() -> None:
    from streamt.compile.tables import security
    from streamt.config.runtime import KafkaConfig, RuntimeConfig

    kafka = KafkaConfig(
        bootstrap_servers="b:9093",
        security_protocol="SASL_SSL",
        sasl_mechanism="PLAIN",
        sasl_username="${KAFKA_USER}",
        sasl_password="${KAFKA_PASSWORD}",
        ssl_ca_location="/etc/kafka/ca.pem",
    )
    assert security(RuntimeConfig(kafka=kafka)) == (
        ("properties.security.protocol", "SASL_SSL"),
        ("properties.sasl.mechanism", "PLAIN"),
        (
            "properties.sasl.jaas.config",
            "org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule"
            ' required username="${KAFKA_USER}" password="${KAFKA_PASSWORD}";',
        ),
        ("properties.ssl.truststore.location", "/etc/kafka/ca.pem"),
        ("properties.ssl.truststore.type", "PEM"),
    )
    assert security(RuntimeConfig(kafka=KafkaConfig(bootstrap_servers="b:9092"))) == ()


def test_a_single_key_column_missing_from_the_output_is_placed_at_key(tmp_path: Path) -> None:
    text = (
        "project: {name: p}\n"
        "sources:\n  - {name: s, topic: t, columns: [{name: a, type: INT}]}\n"
        "models:\n"
        "  - name: m\n"
        '    sql: SELECT a FROM {{ source("s") }}\n'
        "    key: [nope]\n"
    )
    (tmp_path / "stream_project.yml").write_text(text)
    result, _ = compile_dir(tmp_path)
    (diag,) = [d for d in result.diagnostics if d.code == "C003"]
    assert diag.message == "model 'm': key column 'nope' is not an output column"
    assert diag.location == Location("stream_project.yml", 7, 5)  # the `key:` line


def test_the_java_truststore_type_follows_the_ca_file() -> None:
    from streamt.compile.tables import truststore_type

    # librdkafka's ssl.ca.location is a PEM file; the Java client needs to be told so
    assert [
        truststore_type(p) for p in ("/ca.pem", "/ca.crt", "/ts.JKS", "/ts.p12", "/ts.pfx")
    ] == [
        "PEM",
        "PEM",
        "JKS",
        "PKCS12",
        "PKCS12",
    ]

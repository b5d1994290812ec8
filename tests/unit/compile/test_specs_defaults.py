"""Desired-state details users rely on, through `compile_project`: topic settings layered
(advanced.topic, then defaults.models.topic, then defaults.topic, then 1 / 1), sink connector
classes and defaults, and which stateless queries a Gateway rule can express."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.compile.specs import Materialization
from tests.unit.compile.helpers import compile_yaml
from tests.unit.compile.test_compile import GATEWAY, HEAD, project

PLAIN = "- name: t\n"


def test_a_topic_without_any_setting_has_one_partition_and_one_replica(tmp_path: Path) -> None:
    result = compile_yaml(tmp_path, project(PLAIN))
    node = result.nodes["model.shop.t"]
    assert (node.id, node.kind, node.name, node.topic) == ("model.shop.t", "model", "t", "t")
    (topic,) = result.desired.topics
    assert (topic.name, topic.partitions, topic.replication_factor, topic.config) == (
        "t",
        1,
        1,
        {},
    )
    assert topic.node == "model.shop.t"


def test_each_topic_setting_falls_back_through_the_layers_on_its_own(tmp_path: Path) -> None:
    head = HEAD.replace(
        "sources:",
        "defaults:\n"
        "  topic: {partitions: 2, replication_factor: 3, config: {retention.ms: 1, a: x}}\n"
        "  models:\n    topic: {replication_factor: 2, config: {a: y, b: y}}\n"
        "sources:",
    )
    models = "- name: t\n  advanced: {topic: {config: {b: z}}}\n- name: u\n"
    topics = {t.name: t for t in compile_yaml(tmp_path, project(models, head)).desired.topics}
    # partitions only in defaults.topic, replication in defaults.models.topic
    assert (topics["t"].partitions, topics["t"].replication_factor) == (2, 2)
    assert topics["t"].config == {"a": "y", "b": "z", "retention.ms": "1"}
    assert topics["u"].config == {"a": "y", "b": "y", "retention.ms": "1"}


CONNECTOR = """\
- name: big
  sql: SELECT order_id, amount FROM {{{{ source("orders") }}}}
- name: out
  from: big
  advanced:
    connector: {{type: {kind}, config: {{{config}}}}}
"""


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("s3-sink", "io.confluent.connect.s3.S3SinkConnector"),
        ("elasticsearch-sink", "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"),
        ("file-sink", "org.apache.kafka.connect.file.FileStreamSinkConnector"),
        ("com.acme.MySink", "com.acme.MySink"),  # not a known type: the class itself
    ],
)
def test_a_sink_connector_class_follows_its_type(tmp_path: Path, kind: str, cls: str) -> None:
    result = compile_yaml(tmp_path, project(CONNECTOR.format(kind=kind, config="")))
    (conn,) = result.desired.connectors
    assert conn.config == {"connector.class": cls, "tasks.max": "1", "topics": "big"}
    assert (conn.name, conn.topics, conn.node) == ("out", ("big",), "model.shop.out")


def test_the_users_connector_settings_win_and_masks_join_their_transforms(
    tmp_path: Path,
) -> None:
    model = CONNECTOR.format(
        kind="file-sink",
        config="tasks.max: 4, connector.class: com.acme.Other, transforms: route, "
        "transforms.route.type: org.apache.kafka.connect.transforms.RegexRouter",
    )
    model += "  security:\n    policies:\n      - mask: {column: amount, method: hash}\n"
    (conn,) = compile_yaml(tmp_path, project(model)).desired.connectors
    assert conn.config["tasks.max"] == "4"
    assert conn.config["connector.class"] == "com.acme.Other"
    assert conn.config["transforms"] == "route,streamt_mask"
    assert conn.config["transforms.streamt_mask.type"] == (
        "org.apache.kafka.connect.transforms.MaskField$Value"
    )
    assert conn.config["transforms.streamt_mask.fields"] == "amount"


@pytest.mark.parametrize(
    ("sql", "columns", "where"),
    [
        ('SELECT * FROM {{ source("orders") }}', (), ""),
        (  # where and columns are the statement's parts, in the Gateway's SQL
            'SELECT order_id, amount FROM {{ source("orders") }} WHERE amount > 1 AND amount < 9',
            ('"order_id"', '"amount"'),
            '"amount" > 1 AND "amount" < 9',
        ),
        (  # a rename is in the Gateway's documented subset (`price as amount`)
            'SELECT order_id AS id FROM {{ source("orders") }}',
            ('"order_id" AS "id"',),
            "",
        ),
    ],
)
def test_a_filter_or_projection_of_one_topic_is_a_gateway_rule(
    tmp_path: Path, sql: str, columns: tuple[str, ...], where: str
) -> None:
    result = compile_yaml(tmp_path, project(f"- name: v\n  sql: '{sql}'\n", GATEWAY))
    (rule,) = result.desired.gateway_rules
    assert (rule.name, rule.physical_topic, rule.columns, rule.where) == (
        "v",
        "orders.v1",
        columns,
        where,
    )
    assert rule.node == "model.shop.v"


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT order_id FROM {{ source("orders") }} ORDER BY ts',
        # IS NOT NULL is not among the Gateway's documented predicates
        'SELECT order_id FROM {{ source("orders") }} WHERE amount > 1 AND ts IS NOT NULL',
        'SELECT order_id FROM {{ source("orders") }} LIMIT 10',
        'WITH o AS (SELECT order_id FROM {{ source("orders") }}) SELECT order_id FROM o',
    ],
)
def test_what_a_gateway_rule_cannot_express_runs_on_flink(tmp_path: Path, sql: str) -> None:
    result = compile_yaml(tmp_path, project(f"- name: v\n  sql: '{sql}'\n", GATEWAY))
    assert result.desired.gateway_rules == ()
    assert result.nodes["model.shop.v"].materialization is Materialization.FLINK

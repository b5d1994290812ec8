"""Sink connectors (Kafka Connect). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from streamt.load.model import Model
from streamt.resources import ConnectorSpec

CONNECTOR_CLASSES = {
    "jdbc-sink": "io.debezium.connector.jdbc.JdbcSinkConnector",
    "debezium-jdbc-sink": "io.debezium.connector.jdbc.JdbcSinkConnector",
    "confluent-jdbc-sink": "io.confluent.connect.jdbc.JdbcSinkConnector",
    "snowflake-sink": "com.snowflake.kafka.connector.SnowflakeSinkConnector",
    "s3-sink": "io.confluent.connect.s3.S3SinkConnector",
    "gcs-sink": "io.confluent.connect.gcs.GcsSinkConnector",
    "elasticsearch-sink": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
    "bigquery-sink": "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector",
    "http-sink": "io.confluent.connect.http.HttpSinkConnector",
    "file-sink": "org.apache.kafka.connect.file.FileStreamSinkConnector",
}


def connector_class(kind: str) -> str:
    return CONNECTOR_CLASSES.get(kind, kind)


def connector_spec(
    model: Model,
    node: str,
    topics: Sequence[str],
    defaults: Mapping[str, str] | None = None,
    prefix: str = "",
) -> ConnectorSpec | None:
    """The connector of a sink model, named `<name prefix><model>` (connector names are global
    on a Connect cluster, like topics): the user's `config:` over `defaults`."""
    conn = model.sink_connector
    if conn is None:
        return None
    config = dict(defaults or {})
    config.update({str(k): str(v) for k, v in conn.config.items()})
    config.setdefault("connector.class", connector_class(conn.type))
    config.setdefault("tasks.max", "1")
    config["topics"] = ",".join(topics)
    config.update(_mask_transforms(model, config))
    return ConnectorSpec(
        name=prefix + model.name,
        config=dict(sorted(config.items())),
        topics=tuple(topics),
        node=node,
    )


def _mask_transforms(model: Model, config: dict[str, str]) -> dict[str, str]:
    """Mask policies on a sink: Kafka Connect's MaskField SMT blanks those fields."""
    fields = [p.mask.column for p in model.security.policies if p.mask is not None]
    if not fields:
        return {}
    name = "streamt_mask"
    existing = [t for t in config.get("transforms", "").split(",") if t.strip()]
    return {
        "transforms": ",".join([*existing, name]),
        f"transforms.{name}.type": "org.apache.kafka.connect.transforms.MaskField$Value",
        f"transforms.{name}.fields": ",".join(fields),
    }

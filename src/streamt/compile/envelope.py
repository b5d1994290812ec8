"""Connect-JSON envelopes for sink connectors that need schema'd values (the JDBC sinks).

streamt's topics hold plain JSON; Debezium's and Confluent's JDBC sinks need records with a
Connect schema. For such a sink (unless the user chose their own `value.converter`) compile adds
one Flink job `<sink>__envelope` (owned by the sink node) that reads the upstream's topic with
its compiled schema and changelog and writes `<sink>.connect` with values
`{"schema": {"type": "struct", "fields": [...]}, "payload": {...}}`; the connector reads that
topic with `JsonConverter` and `schemas.enable=true`.

Timestamps: for Debezium's JDBC sink a TIMESTAMP / TIMESTAMP_LTZ column travels as an ISO-8601
string in UTC with the `io.debezium.time.ZonedTimestamp` schema name, so PostgreSQL gets a
`timestamptz` column (a TIMESTAMP without zone is taken as UTC; the job runs with
`table.local-time-zone` UTC so TIMESTAMP_LTZ values print in UTC too). Other sinks, DATE and TIME
get the value's text.

Updating upstream: the job reads `upsert-kafka` and writes `upsert-kafka` keyed by the primary
key (the value holds only schema + payload); the connector upserts on `primary.key.fields` taken
from the record value. An upsert-kafka sink writes a tombstone only for a DELETE row; the JDBC
sink skips tombstones while `delete.enabled` is false (its default), so deletes are not
propagated (a GROUP BY over an append-only input never deletes). Append upstream: `kafka` in and
out; Debezium's sink upserts on the records' Kafka coordinates (`primary.key.mode=kafka`), so
rows Connect redelivers after a crash are not written twice; Confluent's JDBC sink the same
under its own names (`pk.mode=kafka`).
Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from streamt.compile.connectors import connector_class
from streamt.compile.jobs import InputTable, build_job
from streamt.compile.specs import ChangelogMode
from streamt.compile.tables import topic_options
from streamt.compile.topics import keyless_topic_spec
from streamt.load.model import Model, Project
from streamt.resources import JobSpec, TopicSpec
from streamt.sql import Column, TableSchema, quote_identifier, quote_string
from streamt.sql.types import SqlType

SCHEMA_VALUE_CONNECTORS = frozenset(
    {
        "io.debezium.connector.jdbc.JdbcSinkConnector",
        "io.confluent.connect.jdbc.JdbcSinkConnector",
    }
)  # the JDBC sinks: JDBC_NAMES below spells their settings
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter"
SCHEMA_COLUMN, PAYLOAD_COLUMN = "schema", "payload"
_STRING, _BOOLEAN = SqlType("STRING"), SqlType("BOOLEAN")
_FIELD = SqlType(
    "ROW",
    children=(_STRING, _STRING, _BOOLEAN, _STRING),
    fields=("field", "type", "optional", "name"),  # name: a logical type, or null
)
DEBEZIUM_JDBC = "io.debezium.connector.jdbc.JdbcSinkConnector"
CONFLUENT_JDBC = "io.confluent.connect.jdbc.JdbcSinkConnector"
ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp"
_TIMESTAMPS = frozenset({"TIMESTAMP", "TIMESTAMP_LTZ"})
_ISO_UTC = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"  # Flink DATE_FORMAT pattern
UTC_CONFIG = {"table.local-time-zone": "UTC"}
SCHEMA_TYPE = SqlType(
    "ROW",
    children=(_STRING, _STRING, _BOOLEAN, SqlType("ARRAY", children=(_FIELD,))),
    fields=("type", "name", "optional", "fields"),
)
# Flink type -> Connect schema type as JsonConverter spells it (FLOAT32 "float", FLOAT64
# "double"), for values Flink JSON writes as Connect expects them.
_CONNECT_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "int8",
    "SMALLINT": "int16",
    "INT": "int32",
    "BIGINT": "int64",
    "FLOAT": "float",
    "DOUBLE": "double",
    "STRING": "string",
    "CHAR": "string",
    "VARCHAR": "string",
    "BYTES": "bytes",  # Flink JSON writes base64, JsonConverter decodes base64
    "BINARY": "bytes",
    "VARBINARY": "bytes",
}


def needs_envelope(model: Model) -> bool:
    conn = model.sink_connector
    if conn is None or "value.converter" in conn.config:
        return False
    return sink_class(model) in SCHEMA_VALUE_CONNECTORS


def sink_class(model: Model) -> str:
    conn = model.sink_connector
    if conn is None:
        return ""
    return str(conn.config.get("connector.class") or connector_class(conn.type))


def envelope_topic(sink: str, prefix: str = "") -> str:
    return f"{prefix}{sink}.connect"


def envelope_name(sink: str) -> str:
    return f"{sink}__envelope"


@dataclass(frozen=True)
class Upstream:
    """What the envelope job reads: the upstream's table (name, columns, options, key)."""

    table: InputTable
    updating: bool


@dataclass(frozen=True)
class ConnectField:
    """How one column travels: Connect type, logical name, and the payload expression."""

    type: str
    name: str | None  # Connect/Debezium logical type name
    flink_type: SqlType  # of the payload expression

    def payload(self, col: Column) -> str:
        ref = quote_identifier(col.name)
        if self.name == ZONED_TIMESTAMP:
            return f"DATE_FORMAT({ref}, {quote_string(_ISO_UTC)})"
        if self.flink_type.name != col.type.name:
            return f"CAST({ref} AS {self.flink_type.sql()})"
        return ref


def connect_field(col: Column, sink: str = "") -> ConnectField:
    """How column `col` travels to a sink of connector class `sink`.

    DECIMAL is cast to DOUBLE (Connect FLOAT64, spelled "double" in JsonConverter's schema):
    Connect's Decimal logical type needs bytes with a scale, which Flink JSON does not write.
    Timestamps go to Debezium's JDBC sink as ZonedTimestamp strings (see the module docstring).
    Other times and nested types travel as strings (their Flink CAST text), which the JDBC sink
    writes into text columns."""
    name = col.type.name
    if name == "DECIMAL":
        return ConnectField("double", None, SqlType("DOUBLE"))
    if name in _CONNECT_TYPES:
        return ConnectField(_CONNECT_TYPES[name], None, col.type.with_nullable(True))
    if name in _TIMESTAMPS and sink == DEBEZIUM_JDBC:
        return ConnectField("string", ZONED_TIMESTAMP, _STRING)
    return ConnectField("string", None, _STRING)


def envelope_query(sink: str, upstream: Upstream, key: Sequence[str], connector: str = "") -> str:
    """SELECT [key columns,] ROW(<schema literal>), ROW(<payload>) FROM upstream."""
    fields, payload = [], []
    for col in upstream.table.columns:
        field = connect_field(col, connector)
        optional = "FALSE" if col.name in key or not col.type.nullable else "TRUE"
        name = quote_string(field.name) if field.name else "CAST(NULL AS STRING)"
        fields.append(
            f"ROW({quote_string(col.name)}, {quote_string(field.type)}, {optional}, {name})"
        )
        payload.append(field.payload(col))
    schema = (
        f"ROW('struct', {quote_string(sink)}, FALSE, ARRAY[{', '.join(fields)}]) "
        f"AS {quote_identifier(SCHEMA_COLUMN)}"
    )
    body = f"ROW({', '.join(payload)}) AS {quote_identifier(PAYLOAD_COLUMN)}"
    keys = [quote_identifier(k) for k in key]
    items = ", ".join([*keys, schema, body])
    return f"SELECT {items} FROM {quote_identifier(upstream.table.name)}"


def payload_type(columns: Sequence[Column], connector: str = "") -> SqlType:
    children, names = [], []
    for col in columns:
        children.append(connect_field(col, connector).flink_type.with_nullable(True))
        names.append(col.name)
    return SqlType("ROW", children=tuple(children), fields=tuple(names))


def envelope_job(
    project: Project, sink: Model, node: str, upstream: Upstream, key: Sequence[str]
) -> JobSpec:
    name = envelope_name(sink.name)
    connector = sink_class(sink)
    columns = upstream.table.columns
    key_columns = tuple(c for k in key for c in columns if c.name == k)
    output = TableSchema(
        name,
        (
            *key_columns,
            Column(SCHEMA_COLUMN, SCHEMA_TYPE),
            Column(PAYLOAD_COLUMN, payload_type(columns, connector)),
        ),
        primary_key=tuple(key),
    )
    options = topic_options(
        envelope_topic(sink.name, project.name_prefix),
        project.runtime,
        upsert=bool(key),
        key=(),
        group_id=None,
    )
    if key:
        options += (("value.fields-include", "EXCEPT_KEY"),)
    return build_job(
        node=node,
        model=sink.model_copy(update={"name": name}),
        project=project.job_scope,
        inputs=[upstream.table],
        output=output,
        output_options=options,
        query=envelope_query(sink.name, upstream, key, connector),
        tree=None,
        sink_topic=envelope_topic(sink.name, project.name_prefix),
        changelog=ChangelogMode.UPSERT if key else ChangelogMode.APPEND,
        extra_config=UTC_CONFIG,
    )


def sink_table(sink: Model, prefix: str) -> str:
    """The table a JDBC sink writes unless `table.name.format` is set: the model's name after
    the name prefix, whose `.` and `-` (not valid in an unquoted SQL name) become `_`, so two
    environments' sinks on one database write their own tables."""
    return prefix.replace(".", "_").replace("-", "_") + sink.name


@dataclass(frozen=True)
class JdbcNames:
    """One JDBC sink's spelling of the settings streamt gives it."""

    pk_mode: str
    pk_fields: str
    evolution: Mapping[str, str]  # create the table and add columns as the records need


JDBC_NAMES = {
    DEBEZIUM_JDBC: JdbcNames(
        "primary.key.mode", "primary.key.fields", {"schema.evolution": "basic"}
    ),
    CONFLUENT_JDBC: JdbcNames(
        "pk.mode", "pk.fields", {"auto.create": "true", "auto.evolve": "true"}
    ),
}


def connector_defaults(sink: Model, key: Sequence[str], prefix: str) -> Mapping[str, str]:
    """Settings the connector gets unless the user set them in `config:`, each under the name
    its connector class reads (Debezium's `primary.key.mode`, Confluent's `pk.mode`)."""
    names = JDBC_NAMES[sink_class(sink)]
    out = {
        "key.converter": STRING_CONVERTER,
        "value.converter": JSON_CONVERTER,
        "value.converter.schemas.enable": "true",
        **names.evolution,
        "table.name.format": sink_table(sink, prefix),
        "insert.mode": "upsert",
    }
    if key:
        out[names.pk_mode] = "record_value"
        out[names.pk_fields] = ",".join(key)
    else:
        # Connect redelivers what it wrote after its last offset commit when it crashes: keyed
        # on the record's Kafka coordinates (`__connect_topic`, `__connect_partition`,
        # `__connect_offset` columns), a redelivered row overwrites itself instead of doubling
        out[names.pk_mode] = "kafka"
    return out


def envelope_topic_spec(project: Project, sink: Model, node: str, partitions: int) -> TopicSpec:
    """The envelope job's topic: `defaults.topic` as every topic streamt creates for no model
    (an append model's envelope records have no key: no `cleanup.policy` from the defaults)."""
    return keyless_topic_spec(
        project, envelope_topic(sink.name, project.name_prefix), node, partitions
    )

"""Kafka table options (the WITH clause) for sources, model topics read downstream, and sinks.

`${VAR}` placeholders in runtime settings are kept verbatim (bound into the option values only
at apply time, `streamt.apply.secrets`); credentials are written only as the placeholders the
user wrote, and the JAAS config is built with its values escaped (`streamt.config.jaas`). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from streamt.config import jaas
from streamt.config.runtime import LOCAL_KAFKA_BOOTSTRAP, LOCAL_SCHEMA_REGISTRY_URL, RuntimeConfig
from streamt.load.model import Source
from streamt.sql import Column

Options = tuple[tuple[str, str], ...]

CHANGELOG_FORMATS = frozenset(
    {"debezium-json", "debezium-avro-confluent", "canal-json", "maxwell-json", "ogg-json"}
)
# Flink's Kafka SQL connector jar (flink-sql-connector-kafka) relocates the Kafka client under
# this package: a JAAS config naming the client's own login module class fails in a job with
# "No LoginModule found" (Flink's Kafka connector docs, "Security").
FLINK_KAFKA_SHADED = "org.apache.flink.kafka.shaded."
_JAAS = {
    "PLAIN": FLINK_KAFKA_SHADED + "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": FLINK_KAFKA_SHADED + "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": FLINK_KAFKA_SHADED + "org.apache.kafka.common.security.scram.ScramLoginModule",
}


def bootstrap(runtime: RuntimeConfig) -> str:
    kafka = runtime.kafka
    if kafka is None:
        return LOCAL_KAFKA_BOOTSTRAP
    return kafka.bootstrap_servers_internal or kafka.bootstrap_servers


def security(runtime: RuntimeConfig) -> Options:
    kafka = runtime.kafka
    if kafka is None or kafka.security_protocol is None:
        return ()
    out: list[tuple[str, str]] = [("properties.security.protocol", kafka.security_protocol)]
    if kafka.sasl_mechanism:
        out.append(("properties.sasl.mechanism", kafka.sasl_mechanism))
        module = _JAAS.get(kafka.sasl_mechanism.upper())
        if module and kafka.sasl_username is not None:
            credentials = {"username": kafka.sasl_username, "password": kafka.sasl_password or ""}
            out.append(("properties.sasl.jaas.config", jaas.login(module, credentials)))
    if kafka.ssl_ca_location:
        out.append(("properties.ssl.truststore.location", kafka.ssl_ca_location))
        out.append(("properties.ssl.truststore.type", truststore_type(kafka.ssl_ca_location)))
    return tuple(out)


def truststore_type(path: str) -> str:
    """The Java client's `ssl.truststore.type` for the CA file librdkafka reads as
    `ssl.ca.location`: a PEM file unless its name says a Java keystore. Without it the Java
    client reads a PEM file as JKS and fails the TLS handshake ("Invalid keystore format")."""
    lower = path.lower()
    if lower.endswith(".jks"):
        return "JKS"
    if lower.endswith((".p12", ".pfx")):
        return "PKCS12"
    return "PEM"


def source_format(source: Source) -> str:
    if source.format:
        return "avro-confluent" if source.format == "avro" and source.schema_ else source.format
    if source.schema_ is not None and source.schema_.format.value == "avro":
        return "avro-confluent"
    return "json"


def is_changelog(source: Source) -> bool:
    return source_format(source) in CHANGELOG_FORMATS


def format_options(fmt: str, runtime: RuntimeConfig, prefix: str = "") -> Options:
    key = f"{prefix}format"
    out: list[tuple[str, str]] = [(key, fmt)]
    if fmt in ("avro-confluent", "debezium-avro-confluent"):
        registry = runtime.schema_registry
        url = registry.url if registry else LOCAL_SCHEMA_REGISTRY_URL
        out.append((f"{prefix}{fmt}.url", url))
        if registry and registry.username is not None:
            out.append((f"{prefix}{fmt}.basic-auth.credentials-source", "USER_INFO"))
            out.append(
                (
                    f"{prefix}{fmt}.basic-auth.user-info",
                    f"{registry.username}:{registry.password or ''}",
                )
            )
        if registry and registry.ssl_ca_location:  # the registry client's own TLS settings
            ca = registry.ssl_ca_location
            out.append((f"{prefix}{fmt}.ssl.truststore.location", ca))
            store_type = f"{prefix}{fmt}.properties.schema.registry.ssl.truststore.type"
            out.append((store_type, truststore_type(ca)))
    return tuple(out)


def source_format_options(source: Source, runtime: RuntimeConfig, prefix: str = "") -> Options:
    """A source's value format; JSON records of a JSON Schema or `.proto` subject carry their
    instants as RFC 3339 text ("2024-05-01T10:00:00Z": JSON Schema's `date-time`, Protobuf's
    JSON mapping of a Timestamp), read as TIMESTAMP_LTZ with Flink's ISO-8601 standard."""
    out = format_options(source_format(source), runtime, prefix)
    if reads_iso_instants(source):
        out += ((f"{prefix}json.timestamp-format.standard", "ISO-8601"),)
    return out


def reads_iso_instants(source: Source) -> bool:
    """JSON records of a JSON Schema or `.proto` subject (see `source_format_options`)."""
    schema = source.schema_
    json_text = source_format(source) == "json"
    return json_text and schema is not None and schema.format.value in ("json", "protobuf")


def source_options(
    source: Source, runtime: RuntimeConfig, group_id: str, key_columns: Sequence[Column]
) -> Options:
    out: list[tuple[str, str]] = [
        ("connector", "kafka"),
        ("topic", source.topic),
        ("properties.bootstrap.servers", bootstrap(runtime)),
        ("properties.group.id", group_id),
        ("scan.startup.mode", source.startup_mode or "earliest-offset"),
    ]
    if source.startup_mode == "group-offsets":  # first run: no committed offsets yet
        out.append(("properties.auto.offset.reset", "earliest"))
    if source.startup_mode == "timestamp" and source.startup_timestamp_ms is not None:
        out.append(("scan.startup.timestamp-millis", str(source.startup_timestamp_ms)))
    if key_columns:
        raw = len(key_columns) == 1 and key_columns[0].type.is_string
        out.append(("key.format", "raw" if raw else "json"))
        out.append(("key.fields", ";".join(c.name for c in key_columns)))
        out.extend(source_format_options(source, runtime, prefix="value."))
        out.append(("value.fields-include", "ALL"))
    else:
        out.extend(source_format_options(source, runtime))
    out.extend(security(runtime))
    return tuple(out)


def versioned_source_options(
    source: Source, runtime: RuntimeConfig, group_id: str, key_columns: Sequence[Column]
) -> Options:
    """A source read as a versioned table: upsert-kafka keyed by its message key (the same key
    format as `source_options` reads), values in the source's format."""
    raw = len(key_columns) == 1 and key_columns[0].type.is_string
    out: list[tuple[str, str]] = [
        ("connector", "upsert-kafka"),
        ("topic", source.topic),
        ("properties.bootstrap.servers", bootstrap(runtime)),
        ("properties.group.id", group_id),
        ("key.format", "raw" if raw else "json"),
    ]
    out.extend(source_format_options(source, runtime, prefix="value."))
    out.append(("value.fields-include", "ALL"))
    out.extend(security(runtime))
    return tuple(out)


def topic_options(
    topic: str,
    runtime: RuntimeConfig,
    *,
    upsert: bool,
    key: Sequence[str],
    group_id: str | None,
) -> Options:
    """A model's output topic, written by its job or read by a downstream job (JSON)."""
    out: list[tuple[str, str]] = [
        ("connector", "upsert-kafka" if upsert else "kafka"),
        ("topic", topic),
        ("properties.bootstrap.servers", bootstrap(runtime)),
    ]
    if group_id is not None:
        out.append(("properties.group.id", group_id))
        if not upsert:
            out.append(("scan.startup.mode", "earliest-offset"))
    if upsert:
        out += [("key.format", "json"), ("value.format", "json")]
    elif key:
        out += [
            ("key.format", "json"),
            ("key.fields", ";".join(key)),
            ("value.format", "json"),
            ("value.fields-include", "ALL"),
        ]
    else:
        out.append(("format", "json"))
    out.extend(security(runtime))
    return tuple(out)

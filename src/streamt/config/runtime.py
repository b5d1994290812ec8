"""Runtime settings: where Kafka, Schema Registry, Flink, Connect and Conduktor Gateway live.

Pure values, no I/O. String values may hold `${VAR}` placeholders; they are kept verbatim here
and resolved only by commands that need the value (see `streamt.config.env.resolve`).
When a project omits `runtime:` entirely, `local_runtime()` gives the embedded local stack's
endpoints (kept in sync with `streamt.local.endpoints`, which this pure room must not import).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

LOCAL_KAFKA_BOOTSTRAP = "localhost:9092"
LOCAL_SCHEMA_REGISTRY_URL = "http://localhost:8081"
LOCAL_FLINK_REST_URL = "http://localhost:8082"
LOCAL_CONNECT_URL = "http://localhost:8083"
LOCAL_SQL_GATEWAY_URL = "http://localhost:8084"
LOCAL_CLUSTER = "local"


def _scalar_to_str(value: object) -> object:
    """YAML scalars (ints, floats, bools) become strings where a string is expected."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _servers(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return value


Str = Annotated[
    str, BeforeValidator(_scalar_to_str, json_schema_input_type=str | int | float | bool)
]
"""A string that also accepts a YAML number or bool (e.g. `version: 1.0`, `tasks.max: 2`)."""

StrMap = Mapping[str, Str]


class Declared(BaseModel):
    """Base of everything a project declares (its `runtime:`, environments and, in
    `streamt.load.model`, every node): frozen and strict about unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class KafkaConfig(Declared):
    bootstrap_servers: Annotated[
        str, BeforeValidator(_servers, json_schema_input_type=str | list[str])
    ] = LOCAL_KAFKA_BOOTSTRAP
    bootstrap_servers_internal: str | None = None  # address Flink/Connect use, if different
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] | None = None
    sasl_mechanism: str | None = None  # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | OAUTHBEARER
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_ca_location: str | None = None
    ssl_certificate_location: str | None = None
    ssl_key_location: str | None = None
    ssl_key_password: str | None = None
    properties: StrMap = Field(default_factory=dict)  # extra client properties, passed through


class SchemaRegistryConfig(Declared):
    url: str = LOCAL_SCHEMA_REGISTRY_URL
    username: str | None = None
    password: str | None = None
    ssl_ca_location: str | None = None


class FlinkClusterConfig(Declared):
    type: Literal["rest", "docker", "kubernetes", "confluent"] = "rest"
    rest_url: str | None = None
    sql_gateway_url: str | None = None
    version: Str | None = None
    # Confluent Cloud Flink
    environment: str | None = None
    compute_pool_id: str | None = None
    region: str | None = None
    api_key: str | None = None
    api_secret: str | None = None


class FlinkConfig(Declared):
    default: str | None = None
    clusters: Mapping[str, FlinkClusterConfig] = Field(default_factory=dict)

    def cluster(self, name: str | None = None) -> FlinkClusterConfig | None:
        key = name or self.default or next(iter(self.clusters), None)
        return self.clusters.get(key) if key else None


class ConnectClusterConfig(Declared):
    rest_url: str = LOCAL_CONNECT_URL
    username: str | None = None
    password: str | None = None


class ConnectConfig(Declared):
    default: str | None = None
    clusters: Mapping[str, ConnectClusterConfig] = Field(default_factory=dict)

    def cluster(self, name: str | None = None) -> ConnectClusterConfig | None:
        key = name or self.default or next(iter(self.clusters), None)
        return self.clusters.get(key) if key else None


class GatewayConfig(Declared):
    admin_url: str
    proxy_bootstrap: str | None = None
    username: str | None = None
    password: str | None = None
    virtual_cluster: str | None = None


class ConsoleConfig(Declared):
    url: str
    api_key: str | None = None


class ConduktorConfig(Declared):
    gateway: GatewayConfig | None = None
    console: ConsoleConfig | None = None


class RuntimeConfig(Declared):
    """`runtime:` as declared. A section the user leaves out is None (not silently local)."""

    kafka: KafkaConfig | None = None
    schema_registry: SchemaRegistryConfig | None = None
    flink: FlinkConfig | None = None
    connect: ConnectConfig | None = None
    conduktor: ConduktorConfig | None = None

    @property
    def gateway(self) -> GatewayConfig | None:
        return self.conduktor.gateway if self.conduktor else None


def local_runtime() -> RuntimeConfig:
    """The runtime used when a project has no `runtime:` section: the local stack."""
    return RuntimeConfig(
        kafka=KafkaConfig(bootstrap_servers=LOCAL_KAFKA_BOOTSTRAP),
        schema_registry=SchemaRegistryConfig(url=LOCAL_SCHEMA_REGISTRY_URL),
        flink=FlinkConfig(
            default=LOCAL_CLUSTER,
            clusters={
                LOCAL_CLUSTER: FlinkClusterConfig(
                    rest_url=LOCAL_FLINK_REST_URL, sql_gateway_url=LOCAL_SQL_GATEWAY_URL
                )
            },
        ),
        connect=ConnectConfig(
            default=LOCAL_CLUSTER,
            clusters={LOCAL_CLUSTER: ConnectClusterConfig(rest_url=LOCAL_CONNECT_URL)},
        ),
    )

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
    ] = Field(
        default=LOCAL_KAFKA_BOOTSTRAP,
        description="the brokers, host:port[,host:port]",
        examples=["kafka-1:9092,kafka-2:9092"],
    )
    bootstrap_servers_internal: str | None = Field(
        default=None,
        description="the brokers as Flink and Connect reach them, if different",
        examples=["kafka:29092"],
    )  # address Flink/Connect use, if different
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] | None = Field(
        default=None, description="the Kafka security protocol", examples=["SASL_SSL"]
    )
    sasl_mechanism: str | None = Field(
        default=None, description="the SASL mechanism", examples=["PLAIN"]
    )  # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | OAUTHBEARER
    sasl_username: str | None = Field(
        default=None, description="the SASL user", examples=["${KAFKA_USER}"]
    )
    sasl_password: str | None = Field(
        default=None, description="the SASL password (write ${VAR})", examples=["${KAFKA_PASSWORD}"]
    )
    ssl_ca_location: str | None = Field(
        default=None, description="the CA certificate file", examples=["/etc/kafka/ca.pem"]
    )
    ssl_certificate_location: str | None = Field(
        default=None, description="the client certificate file", examples=["/etc/kafka/client.pem"]
    )
    ssl_key_location: str | None = Field(
        default=None, description="the client key file", examples=["/etc/kafka/client.key"]
    )
    ssl_key_password: str | None = Field(
        default=None,
        description="the client key's password (write ${VAR})",
        examples=["${KAFKA_KEY_PASSWORD}"],
    )
    properties: StrMap = Field(
        default_factory=dict,
        description="other client properties, passed through",
        examples=[{"client.id": "streamt"}],
    )  # extra client properties, passed through


class SchemaRegistryConfig(Declared):
    url: str = Field(
        default=LOCAL_SCHEMA_REGISTRY_URL,
        description="the Schema Registry URL",
        examples=["http://registry:8081"],
    )
    username: str | None = Field(
        default=None, description="basic-auth user", examples=["${SR_USER}"]
    )
    password: str | None = Field(
        default=None, description="basic-auth password (write ${VAR})", examples=["${SR_PASSWORD}"]
    )
    ssl_ca_location: str | None = Field(
        default=None, description="the CA certificate file", examples=["/etc/registry/ca.pem"]
    )


class FlinkClusterConfig(Declared):
    type: Literal["rest", "docker", "kubernetes", "confluent"] = Field(
        default="rest",
        description="the kind of cluster: rest (a Flink REST + SQL Gateway) or confluent (Confluent Cloud)",
        examples=["rest"],
    )
    rest_url: str | None = Field(
        default=None, description="the Flink REST API", examples=["http://flink:8081"]
    )
    sql_gateway_url: str | None = Field(
        default=None, description="the Flink SQL Gateway", examples=["http://flink:8083"]
    )
    version: Str | None = Field(default=None, description="the Flink version", examples=["2.2"])
    # Confluent Cloud Flink (`type: confluent`): the statements API of
    # `https://flink.<region>.<cloud>.confluent.cloud` (or `rest_url`), a Flink API key
    organization_id: str | None = Field(
        default=None,
        description="Confluent Cloud organization id (a UUID)",
        examples=["7c60d51f-b44e-4682-87d6-449835ea4de6"],
    )
    environment: str | None = Field(
        default=None, description="Confluent Cloud environment id", examples=["env-a1b2c3"]
    )
    compute_pool_id: str | None = Field(
        default=None, description="Confluent Cloud compute pool", examples=["lfcp-123abc"]
    )
    catalog: str | None = Field(
        default=None,
        description="sql.current-catalog of the statements: the environment's name "
        "(default: its id)",
        examples=["payments"],
    )
    database: str | None = Field(
        default=None,
        description="sql.current-database of the statements: the Kafka cluster (id or name)",
        examples=["lkc-q1w2e3"],
    )
    principal: str | None = Field(
        default=None,
        description="the service account Confluent Cloud statements run as",
        examples=["sa-123456"],
    )
    cloud: str | None = Field(
        default=None, description="Confluent Cloud provider: aws, azure or gcp", examples=["aws"]
    )
    region: str | None = Field(
        default=None, description="Confluent Cloud region", examples=["eu-west-1"]
    )
    api_key: str | None = Field(
        default=None,
        description="Confluent Cloud API key (write ${VAR})",
        examples=["${CONFLUENT_FLINK_KEY}"],
    )
    api_secret: str | None = Field(
        default=None,
        description="Confluent Cloud API secret (write ${VAR})",
        examples=["${CONFLUENT_FLINK_SECRET}"],
    )


class FlinkConfig(Declared):
    default: str | None = Field(
        default=None, description="the cluster models use unless they name one", examples=["main"]
    )
    clusters: Mapping[str, FlinkClusterConfig] = Field(
        default_factory=dict,
        description="the Flink clusters by name",
        examples=[
            {"main": {"rest_url": "http://flink:8081", "sql_gateway_url": "http://flink:8083"}}
        ],
    )

    def cluster(self, name: str | None = None) -> FlinkClusterConfig | None:
        key = name or self.default or next(iter(self.clusters), None)
        return self.clusters.get(key) if key else None


class ConnectClusterConfig(Declared):
    rest_url: str = Field(
        default=LOCAL_CONNECT_URL,
        description="the Kafka Connect REST API",
        examples=["http://connect:8083"],
    )
    username: str | None = Field(
        default=None, description="basic-auth user", examples=["${CONNECT_USER}"]
    )
    password: str | None = Field(
        default=None,
        description="basic-auth password (write ${VAR})",
        examples=["${CONNECT_PASSWORD}"],
    )


class ConnectConfig(Declared):
    default: str | None = Field(
        default=None, description="the cluster sinks use unless they name one", examples=["main"]
    )
    clusters: Mapping[str, ConnectClusterConfig] = Field(
        default_factory=dict,
        description="the Connect clusters by name",
        examples=[{"main": {"rest_url": "http://connect:8083"}}],
    )

    def cluster(self, name: str | None = None) -> ConnectClusterConfig | None:
        key = name or self.default or next(iter(self.clusters), None)
        return self.clusters.get(key) if key else None


class GatewayConfig(Declared):
    admin_url: str = Field(description="the Gateway's admin API", examples=["http://gateway:8888"])
    proxy_bootstrap: str | None = Field(
        default=None,
        description="the Gateway's Kafka address clients use",
        examples=["gateway:6969"],
    )
    username: str | None = Field(
        default=None, description="admin user", examples=["${GATEWAY_USER}"]
    )
    password: str | None = Field(
        default=None, description="admin password (write ${VAR})", examples=["${GATEWAY_PASSWORD}"]
    )
    virtual_cluster: str | None = Field(
        default=None, description="the virtual cluster", examples=["passthrough"]
    )


class ConsoleConfig(Declared):
    url: str = Field(description="the Conduktor Console URL", examples=["http://console:8080"])
    api_key: str | None = Field(
        default=None,
        description="the Console API key (write ${VAR})",
        examples=["${CONSOLE_API_KEY}"],
    )


class ConduktorConfig(Declared):
    gateway: GatewayConfig | None = Field(
        default=None,
        description="Conduktor Gateway (virtual topics, masking)",
        examples=[{"admin_url": "http://gateway:8888"}],
    )
    console: ConsoleConfig | None = Field(
        default=None, description="Conduktor Console", examples=[{"url": "http://console:8080"}]
    )


class RuntimeConfig(Declared):
    """`runtime:` as declared. A section the user leaves out is None (not silently local)."""

    kafka: KafkaConfig | None = Field(
        default=None,
        description="the Kafka cluster",
        examples=[{"bootstrap_servers": "kafka:9092"}],
    )
    schema_registry: SchemaRegistryConfig | None = Field(
        default=None, description="the Schema Registry", examples=[{"url": "http://registry:8081"}]
    )
    flink: FlinkConfig | None = Field(
        default=None,
        description="the Flink clusters",
        examples=[{"default": "main", "clusters": {"main": {"rest_url": "http://flink:8081"}}}],
    )
    connect: ConnectConfig | None = Field(
        default=None,
        description="the Kafka Connect clusters",
        examples=[{"clusters": {"main": {"rest_url": "http://connect:8083"}}}],
    )
    conduktor: ConduktorConfig | None = Field(
        default=None,
        description="Conduktor Gateway and Console",
        examples=[{"gateway": {"admin_url": "http://gateway:8888"}}],
    )

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

"""The adapters of one environment, built from `runtime:` with `${VAR}` resolved in memory.

A system the project does not configure is None; commands only fail for it when a plan needs
it. Resolved credentials live only in the client objects, never in a value streamt writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from streamt.adapters import (
    ConduktorGatewayClient,
    ConnectClient,
    FlinkClient,
    KafkaAdminClient,
    SchemaRegistryClient,
    http_client,
)
from streamt.adapters.confluent_flink import ConfluentFlinkClient, endpoint
from streamt.adapters.protocols import (
    ConduktorGateway,
    FlinkCluster,
    KafkaAdmin,
    KafkaConnect,
    SchemaRegistry,
)
from streamt.config.env import missing_variable_diagnostics, resolve
from streamt.config.runtime import FlinkClusterConfig, KafkaConfig, RuntimeConfig
from streamt.diagnostics import StreamtError
from streamt.load.model import Project
from streamt.state.ledger_store import DEFAULT_TOPIC, KafkaLedgerStore, LedgerStore


@dataclass
class Systems:
    kafka: KafkaAdmin | None = None
    registry: SchemaRegistry | None = None
    flink: FlinkCluster | None = None
    connect: KafkaConnect | None = None
    ledger: LedgerStore | None = None
    gateway: ConduktorGateway | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def calls(self) -> dict[str, int]:
        pairs: dict[str, object | None] = {
            "kafka": self.kafka,
            "schema_registry": self.registry,
            "flink": self.flink,
            "connect": self.connect,
            "ledger": self.ledger,
            "gateway": self.gateway,
        }
        return {name: int(getattr(s, "calls", 0)) for name, s in pairs.items() if s is not None}


def kafka_properties(cfg: KafkaConfig, environ: Mapping[str, str]) -> dict[str, str]:
    def r(value: str | None) -> str | None:
        return resolve(value, environ) if value is not None else None

    props = {k: resolve(v, environ) for k, v in cfg.properties.items()}
    pairs = {
        "security.protocol": cfg.security_protocol,
        "sasl.mechanism": r(cfg.sasl_mechanism),
        "sasl.username": r(cfg.sasl_username),
        "sasl.password": r(cfg.sasl_password),
        "ssl.ca.location": r(cfg.ssl_ca_location),
        "ssl.certificate.location": r(cfg.ssl_certificate_location),
        "ssl.key.location": r(cfg.ssl_key_location),
        "ssl.key.password": r(cfg.ssl_key_password),
    }
    props.update({k: v for k, v in pairs.items() if v is not None})
    return props


def systems_for(project: Project, environ: Mapping[str, str]) -> Systems:
    """`systems_from_runtime` for a loaded project, after `check_runtime_variables`."""
    check_runtime_variables(project, environ)
    return systems_from_runtime(project.runtime, environ)


def check_runtime_variables(project: Project, environ: Mapping[str, str]) -> None:
    """Every `${VAR}` in the project's runtime is set, else one L030 per unset variable at the
    key that uses it (a StreamtError)."""
    values = [
        (text, project.where(f"runtime.{path}"))
        for path, text in _strings(project.runtime.model_dump(exclude_none=True), "")
    ]
    problems = missing_variable_diagnostics(values, environ)
    if problems:
        raise StreamtError(problems)


def _strings(value: object, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, Mapping):
        return [s for k, v in value.items() for s in _strings(v, f"{path}.{k}".strip("."))]
    if isinstance(value, (list, tuple)):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{path}.{i}")]
    return []


def systems_from_runtime(
    runtime: RuntimeConfig, environ: Mapping[str, str], *, ledger_topic: str = DEFAULT_TOPIC
) -> Systems:
    systems = Systems()
    if runtime.kafka is not None:
        bootstrap = resolve(runtime.kafka.bootstrap_servers, environ)
        props = kafka_properties(runtime.kafka, environ)
        systems.kafka = KafkaAdminClient(bootstrap, props)
        systems.ledger = KafkaLedgerStore(bootstrap, props, topic=ledger_topic)
    if runtime.schema_registry is not None:
        sr = runtime.schema_registry
        systems.registry = SchemaRegistryClient(
            http_client(
                resolve(sr.url, environ),
                username=_opt(sr.username, environ),
                password=_opt(sr.password, environ),
                ca_location=_opt(sr.ssl_ca_location, environ),
            )
        )
    cluster = runtime.flink.cluster() if runtime.flink else None
    if cluster is not None and cluster.type == "confluent":
        systems.flink = confluent_flink(cluster, environ)
    elif cluster is not None and cluster.rest_url and cluster.sql_gateway_url:
        systems.flink = FlinkClient(
            http_client(resolve(cluster.rest_url, environ)),
            http_client(resolve(cluster.sql_gateway_url, environ)),
        )
    connect = runtime.connect.cluster() if runtime.connect else None
    if connect is not None:
        systems.connect = ConnectClient(
            http_client(
                resolve(connect.rest_url, environ),
                username=_opt(connect.username, environ),
                password=_opt(connect.password, environ),
            )
        )
    gateway = runtime.gateway
    if gateway is not None:
        systems.gateway = ConduktorGatewayClient(
            http_client(
                resolve(gateway.admin_url, environ),
                username=_opt(gateway.username, environ),
                password=_opt(gateway.password, environ),
            ),
            vcluster=_opt(gateway.virtual_cluster, environ),
        )
    return systems


def confluent_flink(
    cluster: FlinkClusterConfig, environ: Mapping[str, str]
) -> ConfluentFlinkClient:
    """The statements API client of a `type: confluent` cluster (validate's V180 checked that
    every id is there); the API key and secret are bound into the client's basic auth only."""
    root = cluster.rest_url or endpoint(cluster.cloud or "", cluster.region or "")
    return ConfluentFlinkClient(
        http_client(
            resolve(root, environ),
            username=_opt(cluster.api_key, environ),
            password=_opt(cluster.api_secret, environ),
        ),
        organization_id=resolve(cluster.organization_id or "", environ),
        environment_id=resolve(cluster.environment or "", environ),
        compute_pool_id=resolve(cluster.compute_pool_id or "", environ),
        database=resolve(cluster.database or "", environ),
        catalog=_opt(cluster.catalog, environ),
        principal=_opt(cluster.principal, environ),
    )


def _opt(value: str | None, environ: Mapping[str, str]) -> str | None:
    return resolve(value, environ) if value is not None else None

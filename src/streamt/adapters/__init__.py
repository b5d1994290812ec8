"""streamt.adapters room: one client per external system behind a Protocol (see protocols.py).

The only room that talks to networks. Clients take injected transports (`httpx.Client`, an
AdminClient factory), count their calls, retry transient failures with bounded backoff and raise
`AdapterError` (system, URL, status, body excerpt; never a credential).
"""

from typing import TYPE_CHECKING

from streamt.adapters.connect import ConnectClient
from streamt.adapters.flink import FlinkClient
from streamt.adapters.gateway import ConduktorGatewayClient
from streamt.adapters.http import HttpApi, RetryPolicy, http_client
from streamt.adapters.kafka import KafkaAdminClient
from streamt.adapters.protocols import (
    AdapterError,
    AliasTopicState,
    CheckpointState,
    ConduktorGateway,
    FlinkCluster,
    GroupLag,
    KafkaAdmin,
    KafkaConnect,
    SchemaRegistry,
)
from streamt.adapters.schema_registry import SchemaRegistryClient
from streamt.resources import ConnectorState, InterceptorState, JobState, SubjectState, TopicState

if TYPE_CHECKING:  # static proof that each client implements its Protocol (checked by mypy)

    def _conforms(
        k: KafkaAdminClient,
        s: SchemaRegistryClient,
        f: FlinkClient,
        c: ConnectClient,
        g: ConduktorGatewayClient,
    ) -> tuple[KafkaAdmin, SchemaRegistry, FlinkCluster, KafkaConnect, ConduktorGateway]:
        return (k, s, f, c, g)


__all__ = [
    "AdapterError",
    "AliasTopicState",
    "CheckpointState",
    "ConduktorGateway",
    "ConduktorGatewayClient",
    "ConnectClient",
    "ConnectorState",
    "FlinkClient",
    "FlinkCluster",
    "GroupLag",
    "HttpApi",
    "InterceptorState",
    "JobState",
    "KafkaAdmin",
    "KafkaAdminClient",
    "KafkaConnect",
    "RetryPolicy",
    "SchemaRegistry",
    "SchemaRegistryClient",
    "SubjectState",
    "TopicState",
    "http_client",
]

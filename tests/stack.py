"""The stack of this test run, the one source of every endpoint an integration test uses.

`streamt.local.config.load_config()` reads `STREAMT_LOCAL_HOME` and `STREAMT_LOCAL_PORT_OFFSET`
(and `STREAMT_LOCAL_PORT_<NAME>`), as `streamt local --home DIR --port-offset N up` does, so
the suite runs as well on a private stack with shifted ports as on the default one. Tests take
the endpoints from the `local_stack` fixture (an `Endpoints`) or, in helpers called without
it, from `endpoints()`; a project a test writes gets the run's endpoints as its `runtime:`
(`runtime_yaml`), never the defaults a project without `runtime:` falls back to.
`tests/unit/test_integration_endpoints.py` fails on a default port written into a test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streamt.config.runtime import (
    ConnectClusterConfig,
    ConnectConfig,
    FlinkClusterConfig,
    FlinkConfig,
    KafkaConfig,
    RuntimeConfig,
    SchemaRegistryConfig,
)
from streamt.local.config import MAX_BROKERS, Ports, load_config
from streamt.local.endpoints import Endpoints


def endpoints() -> Endpoints:
    """Where this run's stack listens."""
    return load_config().endpoints


def runtime_config(stack: Endpoints | None = None) -> RuntimeConfig:
    """What a project without `runtime:` gets on the default stack, on this run's stack."""
    ep = stack or endpoints()
    return RuntimeConfig(
        kafka=KafkaConfig(bootstrap_servers=ep.kafka_bootstrap),
        schema_registry=SchemaRegistryConfig(url=ep.schema_registry_url),
        flink=FlinkConfig(
            default="local",
            clusters={
                "local": FlinkClusterConfig(
                    rest_url=ep.flink_rest_url, sql_gateway_url=ep.sql_gateway_url
                )
            },
        ),
        connect=ConnectConfig(
            default="local", clusters={"local": ConnectClusterConfig(rest_url=ep.connect_url)}
        ),
    )


def runtime_yaml(stack: Endpoints | None = None) -> str:
    """`runtime_config(stack)` as the `runtime:` section of a stream_project.yml."""
    ep = stack or endpoints()
    return f"""\
runtime:
  kafka: {{bootstrap_servers: "{ep.kafka_bootstrap}"}}
  schema_registry: {{url: "{ep.schema_registry_url}"}}
  flink:
    default: local
    clusters:
      local: {{rest_url: "{ep.flink_rest_url}", sql_gateway_url: "{ep.sql_gateway_url}"}}
  connect:
    default: local
    clusters:
      local: {{rest_url: "{ep.connect_url}"}}
"""


def runtime_overlay(declared: Mapping[str, Any] | None, add: Iterable[str] = ()) -> dict[str, Any]:
    """A `runtime:` to merge over a project's `declared` one (its YAML mapping, None when it
    has none) that points every endpoint it declares, and the sections in `add`, at this run's
    stack; a project without `runtime:` gets them all. Its other settings stay."""
    ep = endpoints()
    if declared is None:
        declared, add = {}, SECTIONS
    flink = {"rest_url": ep.flink_rest_url, "sql_gateway_url": ep.sql_gateway_url}
    urls: dict[str, Any] = {
        "kafka": {"bootstrap_servers": ep.kafka_bootstrap},
        "schema_registry": {"url": ep.schema_registry_url},
        "flink": flink,
        "connect": {"rest_url": ep.connect_url},
    }
    out: dict[str, Any] = {}
    for section in SECTIONS:
        if section not in declared and section not in add:
            continue
        if section in ("flink", "connect"):
            names = list((declared.get(section) or {}).get("clusters") or {}) or ["local"]
            out[section] = {"clusters": {name: urls[section] for name in names}}
            if section not in declared:
                out[section]["default"] = names[0]
        else:
            out[section] = urls[section]
    return out


SECTIONS = ("kafka", "schema_registry", "flink", "connect")


# The stacks one run may hold at once, and so their ports: under pytest-xdist worker N uses the
# run's offset + N * WORKER_PORT_STRIDE (tests/conftest.py), and a test module that starts a
# stack of its own uses the offset named here. `tests/unit/test_stack_ports.py` checks that no
# two of them share a port (offsets a thousand apart do: Kafka's port of one is the registry
# management port of the other) and that the private ones stay below Linux's ephemeral range.
WORKER_PORT_STRIDE = 100
PRIVATE_STACK_OFFSETS = {
    "test_local_lifecycle": 20000,
    "test_local_restart_keeps_jobs": 18000,
    "test_multinode_faults": 23000,
    "test_secure_profile": 16000,
    "test_faults_restart": 12000,
}


def private_offset(module: str) -> int:
    """The port offset of the stack test module `module` (its `__name__`) starts."""
    return PRIVATE_STACK_OFFSETS[module.rsplit(".", 1)[-1]]


def stack_ports(offset: int) -> set[int]:
    """Every port a local stack with `offset` listens on."""
    ports = Ports().shifted(offset)
    extra_brokers = range(ports.kafka_extra, ports.kafka_extra + 2 * (MAX_BROKERS - 1))
    return {getattr(ports, name) for name in ports.__dataclass_fields__} | set(extra_brokers)

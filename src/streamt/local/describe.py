"""What each process of a stack is, without touching disk: name, component, version, port,
bind ports, health probe and log file. `status` uses it as is; the component modules add
the command line."""

from __future__ import annotations

from streamt.local.config import StackConfig
from streamt.local.spec import Component, Health, HealthKind, ProcessLaunch

CCOMPAT_PREFIX = "/apis/ccompat/v7"


def describe(cfg: StackConfig) -> list[ProcessLaunch]:
    p, v, logs = cfg.ports, cfg.versions, cfg.log_dir
    rest = f"http://127.0.0.1:{p.flink_rest}"
    secured = cfg.home if cfg.secure else None  # Kafka and the registry's front door
    registry = (
        f"https://localhost:{p.schema_registry}"
        if secured
        else f"http://127.0.0.1:{p.schema_registry}"
    )

    def spec(name: str, comp: Component, version: str, port: int, binds: tuple[int, ...],
             health: Health, log: str) -> ProcessLaunch:  # fmt: skip
        return ProcessLaunch(name, comp, version, (), port, binds, health, logs / log)

    return [
        spec("kafka", Component.KAFKA, v.kafka, p.kafka, (p.kafka, p.kafka_controller),
             Health(HealthKind.KAFKA, f"localhost:{p.kafka}", secured), "kafka.log"),
        spec("registry", Component.SCHEMA_REGISTRY, v.apicurio, p.registry_backend,
             (p.registry_backend, p.registry_management),
             Health(HealthKind.HTTP, f"http://127.0.0.1:{p.registry_backend}{CCOMPAT_PREFIX}/subjects"),
             "registry.log"),
        spec("registry-proxy", Component.SCHEMA_REGISTRY, v.apicurio, p.schema_registry,
             (p.schema_registry,),
             Health(HealthKind.HTTP, f"{registry}/subjects", secured),
             "registry-proxy.log"),
        spec("jobmanager", Component.FLINK, v.flink, p.flink_rest, (p.flink_rest, p.flink_rpc),
             Health(HealthKind.HTTP, f"{rest}/overview"), "jobmanager.log"),
        spec("taskmanager", Component.FLINK, v.flink, 0, (),
             Health(HealthKind.FLINK_TASKMANAGER, f"{rest}/overview"), "taskmanager.log"),
        spec("sql-gateway", Component.SQL_GATEWAY, v.flink, p.sql_gateway, (p.sql_gateway,),
             Health(HealthKind.HTTP, f"http://127.0.0.1:{p.sql_gateway}/v1/info"), "sql-gateway.log"),
        spec("connect", Component.CONNECT, v.kafka, p.connect, (p.connect,),
             Health(HealthKind.HTTP, f"http://127.0.0.1:{p.connect}/health"), "connect.log"),
    ]  # fmt: skip


def described(cfg: StackConfig, name: str) -> ProcessLaunch:
    return next(s for s in describe(cfg) if s.name == name)

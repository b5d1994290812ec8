"""What each process of a stack is, without touching disk: name, component, version, port,
bind ports, health probe and log file. `status` uses it as is; the component modules add
the command line."""

from __future__ import annotations

from streamt.local.config import StackConfig, broker_name, taskmanager_name
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

    def broker(n: int) -> ProcessLaunch:
        port, controller = cfg.broker_ports(n)
        return spec(
            broker_name(n),
            Component.KAFKA,
            v.kafka,
            port,
            (port, controller),
            Health(HealthKind.KAFKA, f"localhost:{port}", secure_home=secured),
            f"{broker_name(n)}.log",
        )

    def taskmanager(n: int) -> ProcessLaunch:
        # several TaskManagers: each found by its resource id (its process name)
        name = taskmanager_name(n)
        named = name if cfg.topology.taskmanagers > 1 else ""
        return spec(
            name,
            Component.FLINK,
            v.flink,
            0,
            (),
            Health(HealthKind.FLINK_TASKMANAGER, f"{rest}/overview", resource_id=named),
            f"{name}.log",
        )

    tms = range(1, cfg.topology.taskmanagers + 1)
    return [
        *(broker(n) for n in cfg.brokers),
        spec("registry", Component.SCHEMA_REGISTRY, v.apicurio, p.registry_backend,
             (p.registry_backend, p.registry_management),
             Health(HealthKind.HTTP, f"http://127.0.0.1:{p.registry_backend}{CCOMPAT_PREFIX}/subjects"),
             "registry.log"),
        spec("registry-proxy", Component.SCHEMA_REGISTRY, v.apicurio, p.schema_registry,
             (p.schema_registry,),
             Health(HealthKind.HTTP, f"{registry}/subjects", secure_home=secured),
             "registry-proxy.log"),
        spec("jobmanager", Component.FLINK, v.flink, p.flink_rest, (p.flink_rest, p.flink_rpc),
             Health(HealthKind.HTTP, f"{rest}/overview"), "jobmanager.log"),
        *(taskmanager(n) for n in tms),
        spec("sql-gateway", Component.SQL_GATEWAY, v.flink, p.sql_gateway, (p.sql_gateway,),
             Health(HealthKind.HTTP, f"http://127.0.0.1:{p.sql_gateway}/v1/info"), "sql-gateway.log"),
        spec("connect", Component.CONNECT, v.kafka, p.connect, (p.connect,),
             Health(HealthKind.HTTP, f"http://127.0.0.1:{p.connect}/health"), "connect.log"),
    ]  # fmt: skip


def process_order(cfg: StackConfig) -> tuple[str, ...]:
    """The processes' start order; `down` goes in reverse."""
    return tuple(s.name for s in describe(cfg))


def described(cfg: StackConfig, name: str) -> ProcessLaunch:
    return next(s for s in describe(cfg) if s.name == name)

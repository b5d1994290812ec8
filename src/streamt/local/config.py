"""Configuration of one local stack: where it lives, which ports and heaps it uses.

Everything has a default sized for a 2-core / 24 GB machine and can be overridden by
environment variables (`STREAMT_LOCAL_HOME`, `STREAMT_CACHE_DIR`, `STREAMT_LOCAL_PORT_OFFSET`,
`STREAMT_LOCAL_PORT_<NAME>`, `STREAMT_LOCAL_HEAP_<NAME>`, `STREAMT_LOCAL_VERSION_<NAME>`,
`STREAMT_MAVEN_REPOSITORY`, `STREAMT_LOCAL_JARS_LOCK`, `STREAMT_LOCAL_BROKERS`,
`STREAMT_LOCAL_TASKMANAGERS`, `JAVA_HOME`) or CLI options. The value is frozen; components only
read it.

The topology (how many Kafka brokers and Flink TaskManagers) is a profile of the stack's data:
`up --brokers 3 --taskmanagers 2` records it in `<home>/data/profile.json`, and every later
command on that home (`status`, `down`, `logs`, `up` without options) reads it from there.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from streamt.local.endpoints import Endpoints
from streamt.local.lock import LOCK_FILE, MAVEN_CENTRAL, REPOSITORY_ENV, lock_path
from streamt.local.secure import is_secure_home
from streamt.local.versions import Versions, versions_from_env


@dataclass(frozen=True)
class Ports:
    kafka: int = 9092
    kafka_controller: int = 9093
    schema_registry: int = 8081  # the Confluent API at the root (streamt's proxy)
    registry_backend: int = 8091  # Apicurio itself
    registry_management: int = 8092  # Apicurio health/metrics
    flink_rest: int = 8082
    flink_rpc: int = 6123
    connect: int = 8083
    sql_gateway: int = 8084
    # brokers 2.. of a multi-broker profile: broker n listens on kafka_extra + 2 (n - 2), its
    # controller on the next port (9097/9098, 9099/9100, ...: clear of the ports above and of
    # another stack shifted by a multiple of 100)
    kafka_extra: int = 9097

    def shifted(self, offset: int) -> Ports:
        return Ports(**{f.name: getattr(self, f.name) + offset for f in fields(self)})


MAX_BROKERS = 5
MAX_TASKMANAGERS = 4


@dataclass(frozen=True)
class Topology:
    """How many Kafka brokers (each a KRaft broker + controller) and Flink TaskManagers."""

    brokers: int = 1
    taskmanagers: int = 1

    @property
    def replication_factor(self) -> int:
        """Topics' default replication factor: 3 once there are 3 brokers."""
        return min(self.brokers, 3)

    @property
    def min_insync_replicas(self) -> int:
        """One replica may be down while acks=all writes still succeed (1 on one broker)."""
        return max(1, self.replication_factor - 1)

    def to_json(self) -> str:
        return json.dumps({"brokers": self.brokers, "taskmanagers": self.taskmanagers})


def broker_name(n: int) -> str:
    """Process name of broker n (1-based): `kafka`, `kafka-2`, ..."""
    return "kafka" if n == 1 else f"kafka-{n}"


def taskmanager_name(n: int) -> str:
    """Process name of TaskManager n (1-based): `taskmanager`, `taskmanager-2`, ..."""
    return "taskmanager" if n == 1 else f"taskmanager-{n}"


@dataclass(frozen=True)
class Heaps:
    """-Xmx of each JVM; Flink JM/TM are sized by total process memory instead."""

    kafka: str = "768m"
    connect: str = "768m"
    sql_gateway: str = "640m"
    registry: str = "384m"
    jobmanager_process: str = "1024m"
    taskmanager_process: str = "2048m"


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "streamt" / "local"


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "streamt"


@dataclass(frozen=True)
class StackConfig:
    home: Path = field(default_factory=default_home)
    cache: Path = field(default_factory=default_cache)
    ports: Ports = field(default_factory=Ports)
    heaps: Heaps = field(default_factory=Heaps)
    versions: Versions = field(default_factory=Versions)
    java: str = "java"
    taskmanager_slots: int = 8
    maven_repository: str = MAVEN_CENTRAL  # base URL the locked jars are fetched from
    jars_lock: Path = LOCK_FILE
    topology: Topology = field(default_factory=Topology)
    secure: bool = False  # the secure profile (`streamt.local.secure`): SASL_SSL, HTTPS

    def broker_ports(self, n: int) -> tuple[int, int]:
        """(listener, controller) ports of broker n (1-based)."""
        p = self.ports
        if n == 1:
            return p.kafka, p.kafka_controller
        listener = p.kafka_extra + 2 * (n - 2)
        return listener, listener + 1

    @property
    def brokers(self) -> range:
        return range(1, self.topology.brokers + 1)

    @property
    def endpoints(self) -> Endpoints:
        p = self.ports
        scheme = "https" if self.secure else "http"
        return Endpoints(
            kafka_bootstrap=",".join(f"localhost:{self.broker_ports(n)[0]}" for n in self.brokers),
            schema_registry_url=f"{scheme}://localhost:{p.schema_registry}",
            flink_rest_url=f"http://localhost:{p.flink_rest}",
            connect_url=f"http://localhost:{p.connect}",
            sql_gateway_url=f"http://localhost:{p.sql_gateway}",
        )

    # directories inside the home
    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def tmp_dir(self) -> Path:
        return self.home / "tmp"

    @property
    def profile_file(self) -> Path:
        return self.data_dir / "profile.json"


def _java_from_env(env: dict[str, str]) -> str:
    java_home = env.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return "java"


def _ports_from_env(env: dict[str, str], offset: int) -> Ports:
    ports = Ports().shifted(offset)
    overrides = {
        f.name: int(env[f"STREAMT_LOCAL_PORT_{f.name.upper()}"])
        for f in fields(Ports)
        if f"STREAMT_LOCAL_PORT_{f.name.upper()}" in env
    }
    return replace(ports, **overrides)


def _heaps_from_env(env: dict[str, str]) -> Heaps:
    overrides = {
        f.name: env[f"STREAMT_LOCAL_HEAP_{f.name.upper()}"]
        for f in fields(Heaps)
        if f"STREAMT_LOCAL_HEAP_{f.name.upper()}" in env
    }
    return replace(Heaps(), **overrides)


def recorded_topology(home: Path) -> Topology | None:
    """The topology `up` recorded for the stack in `home`, if any."""
    try:
        data = json.loads((home / "data" / "profile.json").read_text())
        return Topology(int(data["brokers"]), int(data["taskmanagers"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _topology(
    home: Path, source: dict[str, str], brokers: int | None, taskmanagers: int | None
) -> Topology:
    recorded = recorded_topology(home) or Topology()
    return Topology(
        brokers=brokers or int(source.get("STREAMT_LOCAL_BROKERS") or recorded.brokers),
        taskmanagers=taskmanagers
        or int(source.get("STREAMT_LOCAL_TASKMANAGERS") or recorded.taskmanagers),
    )


def load_config(
    home: Path | None = None,
    port_offset: int | None = None,
    env: dict[str, str] | None = None,
    *,
    brokers: int | None = None,
    taskmanagers: int | None = None,
) -> StackConfig:
    """The stack configuration from explicit options, then the environment, then what the
    stack's data records (its topology), then defaults. A home made secure (`streamt local up
    --secure`) stays secure."""
    source = dict(os.environ if env is None else env)
    home_dir = home or Path(source.get("STREAMT_LOCAL_HOME") or default_home())
    cache_dir = Path(source.get("STREAMT_CACHE_DIR") or default_cache())
    offset = (
        port_offset
        if port_offset is not None
        else int(source.get("STREAMT_LOCAL_PORT_OFFSET", "0"))
    )
    versions: Versions = versions_from_env(source)
    home_dir = home_dir.expanduser().absolute()
    return StackConfig(
        home=home_dir,
        cache=cache_dir.expanduser().absolute(),
        ports=_ports_from_env(source, offset),
        heaps=_heaps_from_env(source),
        versions=versions,
        java=_java_from_env(source),
        taskmanager_slots=int(source.get("STREAMT_LOCAL_TASKMANAGER_SLOTS", "8")),
        maven_repository=source.get(REPOSITORY_ENV) or MAVEN_CENTRAL,
        jars_lock=lock_path(source),
        topology=_topology(home_dir, source, brokers, taskmanagers),
        secure=is_secure_home(home_dir.expanduser().absolute()),
    )

"""The shape of one process of the stack, as built by the component modules."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from pathlib import Path


class Component(str, enum.Enum):
    """What a user can name in `--only` / `logs`; each maps to one or more processes."""

    KAFKA = "kafka"
    CONNECT = "connect"
    FLINK = "flink"
    SQL_GATEWAY = "sql-gateway"
    SCHEMA_REGISTRY = "schema-registry"


class HealthKind(str, enum.Enum):
    HTTP = "http"  # GET url answers 200 (and the JSON predicate holds)
    KAFKA = "kafka"  # a Kafka client gets cluster metadata
    FLINK_TASKMANAGER = "flink-taskmanager"  # the JM's /overview counts >= 1 TaskManager


@dataclass(frozen=True)
class Health:
    kind: HealthKind
    target: str  # url or bootstrap servers
    # a TaskManager of several: its resource id, which the JM's /taskmanagers must list
    resource_id: str = ""
    secure_home: Path | None = None  # probe with the credentials and CA of this secure home


@dataclass(frozen=True)
class ProcessLaunch:
    name: str
    component: Component
    version: str
    argv: tuple[str, ...]
    port: int  # the port users talk to (0: none of its own)
    bind_ports: tuple[int, ...]  # must be free before start
    health: Health
    log_file: Path
    env: tuple[tuple[str, str], ...] = ()
    after: tuple[str, ...] = ()  # processes that must be healthy before this one starts
    stop_timeout: float = 15.0
    config_files: tuple[Path, ...] = field(default=())  # read at start; part of the fingerprint

    def fingerprint(self) -> str:
        """Changes when the command line, environment or a config file changes."""
        digest = hashlib.sha256("\0".join([*self.argv, *map("=".join, self.env)]).encode())
        for path in self.config_files:
            digest.update(path.read_bytes() if path.exists() else b"<missing>")
        return digest.hexdigest()[:16]

"""What the systems report about the resources streamt manages (besides topics, in
`topic.py`): frozen values the adapters return and the planner reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SubjectState:
    subject: str
    version: int
    schema_id: int
    schema_type: str  # AVRO | JSON | PROTOBUF
    schema: str


@dataclass(frozen=True)
class JobState:
    job_id: str
    name: str  # pipeline.name
    state: str  # RUNNING, FAILED, CANCELED, FINISHED, ...
    start_time_ms: int = 0
    end_time_ms: int = -1  # -1 while running
    duration_ms: int = 0


@dataclass(frozen=True)
class ConnectorState:
    name: str
    config: Mapping[str, str]
    state: str  # RUNNING, PAUSED, FAILED, UNASSIGNED, STOPPED
    tasks: tuple[str, ...] = ()  # task states, by task id
    type: str = ""  # sink | source
    errors: tuple[str, ...] = ()  # first line of each failed task's / connector's trace


@dataclass(frozen=True)
class InterceptorState:
    name: str
    plugin_class: str
    priority: int
    config_json: str  # canonical JSON (sorted keys) of the interceptor's config
    vcluster: str | None = None

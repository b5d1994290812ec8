"""Adapter protocols: the only seam between streamt and the network.

Every adapter takes an injected client (httpx.Client / confluent_kafka AdminClient) so unit
tests use fakes (httpx.MockTransport) and integration tests use the real local stack.
Observed state types (`*State`) are frozen values; errors raise `AdapterError` naming the
system, URL, status and a body excerpt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class AdapterError(Exception):
    def __init__(
        self,
        system: str,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        body: str = "",
        transient: bool = False,
    ) -> None:
        self.system, self.url, self.status, self.body, self.transient = (
            system,
            url,
            status,
            body,
            transient,
        )
        where = f" {url}" if url else ""
        code = f" -> HTTP {status}" if status is not None else ""
        excerpt = f": {body[:300]}" if body else ""
        super().__init__(f"{system}{where}{code}: {message}{excerpt}")


@dataclass(frozen=True)
class TopicState:
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)  # non-default (dynamic) configs


@dataclass(frozen=True)
class SubjectState:
    subject: str
    version: int
    schema_id: int
    schema_type: str
    schema: str


@dataclass(frozen=True)
class JobState:
    job_id: str
    name: str  # pipeline.name
    state: str  # RUNNING, FAILED, CANCELED, FINISHED, ...
    start_time_ms: int = 0


@dataclass(frozen=True)
class ConnectorState:
    name: str
    config: Mapping[str, str]
    state: str  # RUNNING, PAUSED, FAILED, UNASSIGNED
    tasks: tuple[str, ...] = ()  # task states


class KafkaAdmin(Protocol):
    def list_topics(self) -> Sequence[TopicState]: ...
    def create_topics(self, topics: Sequence[tuple[str, int, int, Mapping[str, str]]]) -> None: ...
    def alter_topic_config(self, name: str, config: Mapping[str, str]) -> None: ...
    def add_partitions(self, name: str, total: int) -> None: ...
    def delete_topics(self, names: Sequence[str]) -> None: ...


class SchemaRegistry(Protocol):
    def list_subjects(self) -> Sequence[SubjectState]: ...  # latest version of each subject
    def check_compatibility(
        self, subject: str, schema_type: str, schema: str
    ) -> tuple[bool, list[str]]: ...
    def register(self, subject: str, schema_type: str, schema: str) -> int: ...
    def delete_subject(self, subject: str) -> None: ...


class FlinkCluster(Protocol):
    """Flink REST (jobs) + SQL Gateway (statements)."""

    def list_jobs(self) -> Sequence[JobState]: ...
    def submit(self, statements: Sequence[str], config: Mapping[str, str]) -> str: ...  # -> job id
    def explain(self, statements: Sequence[str]) -> list[str]: ...  # -> errors, [] when valid
    def stop_with_savepoint(self, job_id: str, directory: str | None = None) -> str: ...  # -> path
    def cancel(self, job_id: str) -> None: ...


class KafkaConnect(Protocol):
    def list_connectors(
        self,
    ) -> Sequence[ConnectorState]: ...  # one call: ?expand=status&expand=info
    def put_connector(self, name: str, config: Mapping[str, str]) -> None: ...
    def delete_connector(self, name: str) -> None: ...

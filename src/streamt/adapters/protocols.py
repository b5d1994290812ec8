"""Adapter protocols: the only seam between streamt and the network.

Every adapter takes an injected client (httpx.Client / a confluent_kafka AdminClient factory) so
unit tests use fakes (httpx.MockTransport) and integration tests use the real local stack.
Observed state types (`*State`) are frozen values; errors raise `AdapterError` naming the
system, URL, status and a body excerpt (never a credential).

Every adapter counts the network calls it makes in its `calls` attribute (one per HTTP request
attempt / Kafka admin request), so callers can report "calls per system".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from streamt.redact import redact, redact_url
from streamt.resources import (
    ConnectorState,
    GatewayRuleSpec,
    InterceptorState,
    JobState,
    SubjectState,
    TopicSpec,
    TopicState,
)

if TYPE_CHECKING:
    from streamt.adapters.waiting import Waits


class AdapterError(Exception):
    """A failed call to an external system: system, URL, HTTP status and a body excerpt."""

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
        self.system, self.message, self.status, self.body, self.transient = (
            system,
            message,
            status,
            body,
            transient,
        )
        self.url = redact_url(url)
        where = f" {self.url}" if self.url else ""
        code = f" -> HTTP {status}" if status is not None else ""
        excerpt = f": {body[:300]}" if body else ""
        super().__init__(redact(f"{system}{where}{code}: {message}{excerpt}"))

    @property
    def unreachable(self) -> bool:
        """The system could not be reached (no connection, timed out, a gateway or unavailable
        reply), as opposed to a reply refusing the request: `streamt` exits 5, never 4."""
        return (self.status is None and self.transient) or self.status in (502, 503, 504)


# ---------------------------------------------------------------- observed states


@dataclass(frozen=True)
class GroupLag:
    """Consumer-group lag: latest offset minus committed offset, summed per topic."""

    group: str
    lag: int  # total over all partitions with a committed offset
    topics: Mapping[str, int] = field(default_factory=dict)  # topic -> lag
    has_offsets: bool = True  # False: the group has committed nothing (lag unknown, 0 here)


@dataclass(frozen=True)
class CheckpointState:
    completed: int  # number of completed checkpoints
    failed: int
    last_completed_ms: int = 0  # latest_ack_timestamp of the last completed checkpoint, 0 if none
    last_path: str = ""  # external path of the last completed checkpoint
    restored_path: str = ""  # savepoint/checkpoint the job was restored from, "" if none


@dataclass(frozen=True)
class AliasTopicState:
    name: str
    physical_name: str
    vcluster: str | None = None


# ---------------------------------------------------------------- protocols


class KafkaAdmin(Protocol):
    @property
    def calls(self) -> int: ...  # network calls made so far

    def list_topics(self) -> Sequence[TopicState]: ...  # internal (`__*`) topics excluded
    def create_topics(self, topics: Sequence[TopicSpec]) -> None: ...  # one batched request
    def alter_topic_config(self, name: str, config: Mapping[str, str | None]) -> None: ...
    def alter_topic_configs(self, changes: Mapping[str, Mapping[str, str | None]]) -> None: ...
    def add_partitions(self, name: str, total: int) -> None: ...
    def delete_topics(self, names: Sequence[str]) -> None: ...
    def message_counts(self, topics: Sequence[str]) -> Mapping[str, int]: ...  # sum(high - low)
    def consumer_lag(self, groups: Sequence[str]) -> Mapping[str, GroupLag]: ...
    def delete_consumer_groups(self, groups: Sequence[str]) -> None: ...  # absent ones: no-op


class SchemaRegistry(Protocol):
    @property
    def calls(self) -> int: ...  # network calls made so far

    def list_subjects(self) -> Sequence[SubjectState]: ...  # latest version of each subject
    def check_compatibility(
        self, subject: str, schema_type: str, schema: str
    ) -> tuple[bool, list[str]]: ...  # (True, []) when the subject does not exist yet
    def register(self, subject: str, schema_type: str, schema: str) -> int: ...  # -> schema id
    def delete_subject(self, subject: str, *, permanent: bool = False) -> None: ...
    def get_compatibility(self, subject: str) -> str | None: ...  # None: subject has no override
    def set_compatibility(self, subject: str, level: str) -> None: ...


class FlinkCluster(Protocol):
    """Flink REST (jobs) + SQL Gateway (statements)."""

    @property
    def calls(self) -> int: ...  # network calls made so far

    def list_jobs(self) -> Sequence[JobState]: ...  # one call: GET /jobs/overview
    # `waits`: the caller's stop event (Ctrl-C ends a wait with `Interrupted`) and heartbeat
    def submit(
        self, statements: Sequence[str], config: Mapping[str, str], waits: Waits | None = None
    ) -> str: ...  # -> job id
    def explain(self, statements: Sequence[str]) -> list[str]: ...  # -> errors, [] when valid
    def stop_with_savepoint(
        self, job_id: str, directory: str | None = None, waits: Waits | None = None
    ) -> str: ...  # -> path
    def cancel(self, job_id: str) -> None: ...
    def checkpoint_stats(self, job_id: str) -> CheckpointState: ...


class KafkaConnect(Protocol):
    @property
    def calls(self) -> int: ...  # network calls made so far

    def list_connectors(self) -> Sequence[ConnectorState]: ...  # one call: ?expand=status&info
    def put_connector(self, name: str, config: Mapping[str, str]) -> None: ...  # idempotent
    def delete_connector(self, name: str) -> None: ...
    def pause_connector(self, name: str) -> None: ...
    def resume_connector(self, name: str) -> None: ...
    def restart_connector(self, name: str, *, only_failed: bool = False) -> None: ...
    def validate_connector(
        self, name: str, config: Mapping[str, str]
    ) -> list[str]: ...  # [] when valid


class ConduktorGateway(Protocol):
    """Conduktor Gateway admin API v2 (virtual SQL topics and their data masking as
    interceptors, alias topics)."""

    @property
    def calls(self) -> int: ...  # network calls made so far

    def list_interceptors(self) -> Sequence[InterceptorState]: ...
    def put_rule(self, rule: GatewayRuleSpec) -> None: ...  # SQL topic or data masking
    def delete_interceptor(self, name: str) -> None: ...
    def list_alias_topics(self) -> Sequence[AliasTopicState]: ...
    def put_alias_topic(self, name: str, physical_name: str) -> None: ...
    def delete_alias_topic(self, name: str) -> None: ...

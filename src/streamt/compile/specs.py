"""Desired state: the values `compile` returns and `plan` diffs against live state.

Contract between rooms (do not add I/O here). Every spec is frozen and hashable-friendly;
`fingerprint` splits data (changes that need the resource rebuilt/upgraded) from metadata
(descriptions, tags, owners: never restart anything).
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field


class Materialization(str, enum.Enum):
    TOPIC = "topic"  # a plain topic (no SQL, no from)
    FLINK = "flink"  # a Flink SQL job writing an output topic
    VIRTUAL_TOPIC = "virtual_topic"  # a Conduktor Gateway rule over an existing topic
    SINK = "sink"  # a Kafka Connect sink connector


class ChangelogMode(str, enum.Enum):
    APPEND = "append"  # insert-only: `kafka` connector
    UPSERT = "upsert"  # updates by key: `upsert-kafka` with PRIMARY KEY


def digest(payload: object) -> str:
    """Stable sha256 of a JSON-serialisable value (sorted keys)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Fingerprint:
    data: str  # hash of what changes behaviour (canonical SQL, configs, partitions, schema)
    metadata: str  # hash of description/owner/tags only


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)  # only keys the user set
    node: str = ""  # owning node id, e.g. "model.shop.orders_clean"


@dataclass(frozen=True)
class SubjectSpec:
    subject: str  # e.g. "orders.raw.v1-value"
    schema_type: str  # AVRO | JSON | PROTOBUF
    schema: str  # canonical schema text
    compatibility: str | None = None  # BACKWARD | FORWARD | FULL | NONE ...
    node: str = ""


@dataclass(frozen=True)
class FlinkJobSpec:
    node: str  # model node id
    name: str  # model name
    pipeline_name: str  # stable id derived from project + model, used to find the running job
    statements: tuple[
        str, ...
    ]  # the job script in order: SET ..., CREATE TABLE ..., INSERT INTO ...
    query: str  # the canonical query (after regeneration), used for the data fingerprint
    config: Mapping[str, str] = field(default_factory=dict)  # job-scoped SET options
    source_topics: tuple[str, ...] = ()
    sink_topic: str = ""
    changelog: ChangelogMode = ChangelogMode.APPEND
    fingerprint: Fingerprint = Fingerprint("", "")

    @property
    def script(self) -> str:
        return "\n\n".join(s.rstrip().rstrip(";") + ";" for s in self.statements) + "\n"


@dataclass(frozen=True)
class ConnectorSpec:
    name: str
    config: Mapping[str, str]  # may contain ${VAR} placeholders; resolved only in memory at apply
    topics: tuple[str, ...] = ()
    node: str = ""


@dataclass(frozen=True)
class GatewayRuleSpec:
    name: str  # virtual topic name
    physical_topic: str
    where: str = ""  # the statement's filter (Gateway SQL; plans show it), empty = passthrough
    columns: tuple[str, ...] = ()  # the statement's fields (Gateway SQL), empty = all
    node: str = ""
    statement: str = ""  # what the Gateway runs, built by compile/gateway.py from the tree


@dataclass(frozen=True)
class DesiredState:
    """Everything one compile wants to exist, sorted by name inside each kind."""

    project: str
    topics: tuple[TopicSpec, ...] = ()
    subjects: tuple[SubjectSpec, ...] = ()
    jobs: tuple[FlinkJobSpec, ...] = ()
    connectors: tuple[ConnectorSpec, ...] = ()
    gateway_rules: tuple[GatewayRuleSpec, ...] = ()

"""Desired state: the values `compile` returns and `plan` diffs against live state.

Topics, subjects, connectors and gateway rules are `streamt.resources` values; the Flink job
(`FlinkJobSpec`) is still compile's own, planned and recorded as a `JobPayload`. Every spec
is frozen; a job's `fingerprint` splits data (changes that need the resource
rebuilt/upgraded) from metadata (descriptions, tags, owners: never restart anything).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from streamt.resources import ConnectorSpec, Fingerprint, GatewayRuleSpec, SubjectSpec, TopicSpec


class Materialization(str, enum.Enum):
    TOPIC = "topic"  # a plain topic (no SQL, no from)
    FLINK = "flink"  # a Flink SQL job writing an output topic
    VIRTUAL_TOPIC = "virtual_topic"  # a Conduktor Gateway rule over an existing topic
    SINK = "sink"  # a Kafka Connect sink connector


class ChangelogMode(str, enum.Enum):
    APPEND = "append"  # insert-only: `kafka` connector
    UPSERT = "upsert"  # updates by key: `upsert-kafka` with PRIMARY KEY


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
    fingerprint: Fingerprint = field(default_factory=lambda: Fingerprint("", ""))

    @property
    def script(self) -> str:
        return "\n\n".join(s.rstrip().rstrip(";") + ";" for s in self.statements) + "\n"


@dataclass(frozen=True)
class DesiredState:
    """Everything one compile wants to exist, sorted by name inside each kind."""

    project: str
    topics: tuple[TopicSpec, ...] = ()
    subjects: tuple[SubjectSpec, ...] = ()
    jobs: tuple[FlinkJobSpec, ...] = ()
    connectors: tuple[ConnectorSpec, ...] = ()
    gateway_rules: tuple[GatewayRuleSpec, ...] = ()

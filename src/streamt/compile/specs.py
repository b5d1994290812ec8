"""Desired state: the `streamt.resources` values one compile wants to exist, which `plan`
diffs against live state, and the materialization a model compiles to."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from streamt.resources import (
    ChangelogMode,
    ConnectorSpec,
    GatewayRuleSpec,
    JobSpec,
    SubjectSpec,
    TopicSpec,
)


class Materialization(str, enum.Enum):
    TOPIC = "topic"  # a plain topic (no SQL, no from)
    FLINK = "flink"  # a Flink SQL job writing an output topic
    VIRTUAL_TOPIC = "virtual_topic"  # a Conduktor Gateway rule over an existing topic
    SINK = "sink"  # a Kafka Connect sink connector


@dataclass(frozen=True)
class DesiredState:
    """Everything one compile wants to exist, sorted by name inside each kind."""

    project: str
    topics: tuple[TopicSpec, ...] = ()
    subjects: tuple[SubjectSpec, ...] = ()
    jobs: tuple[JobSpec, ...] = ()
    connectors: tuple[ConnectorSpec, ...] = ()
    gateway_rules: tuple[GatewayRuleSpec, ...] = ()
    # continuous tests' jobs, planned once deployed (`streamt test --deploy`); their violations
    # and DLQ topics are among `topics`, named after the test node
    test_jobs: tuple[JobSpec, ...] = ()


__all__ = ["ChangelogMode", "DesiredState", "Materialization"]

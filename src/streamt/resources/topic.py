"""A Kafka topic: the one value compile emits, `plan.json` and the ledger serialise, plan
diffs and the Kafka adapter creates (`TopicSpec`); and what the broker reports (`TopicState`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from streamt.resources.value import NodeField, ResourceValue, sorted_config


@dataclass(frozen=True)
class TopicSpec(ResourceValue):
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)  # only keys the user set, sorted
    node: NodeField = ""
    type: Literal["topic"] = "topic"

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", sorted_config(self.config))


@dataclass(frozen=True)
class TopicState:
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)  # non-default (dynamic) configs only

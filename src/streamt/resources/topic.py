"""A Kafka topic: the one value compile emits, `plan.json` and the ledger serialise, plan
diffs and the Kafka adapter creates (`TopicSpec`); and what the broker reports (`TopicState`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass as value

from streamt.resources.value import ResourceValue, sorted_config


@value(frozen=True, config=ConfigDict(extra="forbid"))
class TopicSpec(ResourceValue):
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = Field(default_factory=dict)  # only keys the user set, sorted
    node: str = Field(default="", exclude=True)  # owning node id, e.g. "model.shop.orders_clean"
    type: Literal["topic"] = "topic"

    @field_validator("config", mode="before")
    @classmethod
    def _sorted(cls, config: Mapping[str, object]) -> dict[str, str]:
        return sorted_config(config)


@dataclass(frozen=True)
class TopicState:
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)  # non-default (dynamic) configs only

"""A Kafka topic: the one value compile emits, `plan.json` and the ledger serialise, plan
diffs and the Kafka adapter creates (`TopicSpec`); and what the broker reports (`TopicState`).

`node` (the owning node id) travels with the value but is not part of its serialised form:
the change or ledger entry holding a topic names its node itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass as value

from streamt.resources.fingerprint import digest


@value(frozen=True, config=ConfigDict(extra="forbid"))
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = Field(default_factory=dict)  # only keys the user set, sorted
    node: str = Field(default="", exclude=True)  # owning node id, e.g. "model.shop.orders_clean"
    type: Literal["topic"] = "topic"

    @field_validator("config")
    @classmethod
    def _sorted(cls, config: Mapping[str, str]) -> dict[str, str]:
        return {str(k): str(v) for k, v in sorted(config.items())}

    def as_json(self) -> dict[str, object]:
        """The serialised form (as in `plan.json` and the ledger)."""
        return {
            "type": self.type,
            "name": self.name,
            "partitions": self.partitions,
            "replication_factor": self.replication_factor,
            "config": dict(self.config),
        }

    @cached_property
    def data_fingerprint(self) -> str:
        return digest(self.as_json())


@dataclass(frozen=True)
class TopicState:
    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)  # non-default (dynamic) configs only

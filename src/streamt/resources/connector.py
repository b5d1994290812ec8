"""A Kafka Connect connector as compiled, planned, applied and recorded. Its config keeps
`${VAR}` placeholders: they are resolved only in memory at apply time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from streamt.resources.value import NodeField, ResourceValue, sorted_config


@dataclass(frozen=True)
class ConnectorSpec(ResourceValue):
    name: str
    config: Mapping[str, str]  # sorted; may contain ${VAR} placeholders
    topics: tuple[str, ...] = ()
    node: NodeField = ""
    type: Literal["connector"] = "connector"

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", sorted_config(self.config))

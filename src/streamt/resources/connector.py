"""A Kafka Connect connector as compiled, planned, applied and recorded. Its config keeps
`${VAR}` placeholders: they are resolved only in memory at apply time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass as value

from streamt.resources.value import ResourceValue, sorted_config


@value(frozen=True, config=ConfigDict(extra="forbid"))
class ConnectorSpec(ResourceValue):
    name: str
    config: Mapping[str, str]  # sorted; may contain ${VAR} placeholders
    topics: tuple[str, ...] = ()
    node: str = Field(default="", exclude=True)
    type: Literal["connector"] = "connector"

    @field_validator("config", mode="before")
    @classmethod
    def _sorted(cls, config: Mapping[str, object]) -> dict[str, str]:
        return sorted_config(config)

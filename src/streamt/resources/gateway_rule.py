"""A Conduktor Gateway virtual topic (a stateless filter / projection over a physical topic)
as compiled, planned, applied and recorded."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as value

from streamt.resources.value import ResourceValue


@value(frozen=True, config=ConfigDict(extra="forbid"))
class GatewayRuleSpec(ResourceValue):
    name: str  # virtual topic name
    physical_topic: str
    where: str = ""  # a SQL predicate (stateless filter), empty = passthrough
    columns: tuple[str, ...] = ()  # projection, empty = all
    node: str = Field(default="", exclude=True)
    type: Literal["gateway_rule"] = "gateway_rule"

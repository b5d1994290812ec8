"""A Conduktor Gateway virtual topic (a stateless filter / projection over a physical topic),
or the data masking of one, as compiled, planned, applied and recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from streamt.resources.value import NodeField, ResourceValue


@dataclass(frozen=True)
class GatewayRuleSpec(ResourceValue):
    name: str  # virtual topic name
    physical_topic: str
    where: str = ""  # a SQL predicate (stateless filter), empty = passthrough
    columns: tuple[str, ...] = ()  # projection, empty = all
    statement: str = ""  # what the Gateway runs, built by compile/gateway.py from the tree
    # a masking rule instead (`FieldLevelDataMaskingPlugin`, MASK_ALL): these fields of the
    # virtual topic named by `physical_topic`; no statement
    masked_fields: tuple[str, ...] = ()
    node: NodeField = ""
    type: Literal["gateway_rule"] = "gateway_rule"

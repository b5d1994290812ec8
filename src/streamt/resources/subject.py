"""A Schema Registry subject (its schema, type and compatibility level) as compiled, planned,
applied and recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from streamt.resources.value import NodeField, ResourceValue


@dataclass(frozen=True)
class SubjectSpec(ResourceValue):
    subject: str  # e.g. "orders.raw.v1-value"
    schema_type: str  # AVRO | JSON | PROTOBUF
    schema_text: str  # the schema as compiled (JSON-based ones canonical)
    compatibility: str | None = None  # BACKWARD | FORWARD | FULL | NONE ...
    node: NodeField = ""
    type: Literal["subject"] = "subject"

    def __post_init__(self) -> None:
        object.__setattr__(self, "schema_type", self.schema_type.upper())

    @property
    def name(self) -> str:
        return self.subject

"""A Schema Registry subject (its schema, type and compatibility level) as compiled, planned,
applied and recorded."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass as value

from streamt.resources.value import ResourceValue


@value(frozen=True, config=ConfigDict(extra="forbid"))
class SubjectSpec(ResourceValue):
    subject: str  # e.g. "orders.raw.v1-value"
    schema_type: str  # AVRO | JSON | PROTOBUF
    schema_text: str  # the schema as compiled (JSON-based ones canonical)
    compatibility: str | None = None  # BACKWARD | FORWARD | FULL | NONE ...
    node: str = Field(default="", exclude=True)
    type: Literal["subject"] = "subject"

    @field_validator("schema_type", mode="before")
    @classmethod
    def _upper(cls, schema_type: str) -> str:
        return schema_type.upper()

    @property
    def name(self) -> str:
        return self.subject

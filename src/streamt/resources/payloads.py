"""The serialised desired values of the resource kinds not yet compiled into one value."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JobPayload(_Frozen):
    type: Literal["flink_job"] = "flink_job"
    pipeline_name: str
    statements: tuple[str, ...]
    config: dict[str, str] = Field(default_factory=dict)
    query: str = ""
    sink_topic: str = ""
    source_topics: tuple[str, ...] = ()
    data_fingerprint: str = ""
    metadata_fingerprint: str = ""

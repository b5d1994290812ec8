"""Desired specs as plan payloads, and the data fingerprint of each payload.

Jobs carry the compiler's fingerprint (data = canonical SQL + job config; metadata =
description/tags). Topics, subjects and connectors have no metadata that matters at runtime,
so their data fingerprint is the digest of the payload itself.
"""

from __future__ import annotations

import json

from streamt.artifacts.plan_file import (
    ConnectorPayload,
    GatewayRulePayload,
    JobPayload,
    Payload,
    SubjectPayload,
    TopicPayload,
)
from streamt.compile.specs import (
    ConnectorSpec,
    FlinkJobSpec,
    GatewayRuleSpec,
    SubjectSpec,
    TopicSpec,
    digest,
)


def topic_payload(spec: TopicSpec) -> TopicPayload:
    return TopicPayload(
        name=spec.name,
        partitions=spec.partitions,
        replication_factor=spec.replication_factor,
        config={k: str(v) for k, v in sorted(spec.config.items())},
    )


def subject_payload(spec: SubjectSpec) -> SubjectPayload:
    return SubjectPayload(
        subject=spec.subject,
        schema_type=spec.schema_type.upper(),
        schema_text=spec.schema,
        compatibility=spec.compatibility,
    )


def job_payload(spec: FlinkJobSpec) -> JobPayload:
    data_fp = spec.fingerprint.data or digest([list(spec.statements), dict(spec.config)])
    return JobPayload(
        pipeline_name=spec.pipeline_name,
        statements=tuple(spec.statements),
        config={k: str(v) for k, v in sorted(spec.config.items())},
        query=spec.query,
        sink_topic=spec.sink_topic,
        source_topics=tuple(spec.source_topics),
        data_fingerprint=data_fp,
        metadata_fingerprint=spec.fingerprint.metadata,
    )


def connector_payload(spec: ConnectorSpec) -> ConnectorPayload:
    return ConnectorPayload(
        name=spec.name,
        config={k: str(v) for k, v in sorted(spec.config.items())},
        topics=tuple(spec.topics),
    )


def gateway_payload(spec: GatewayRuleSpec) -> GatewayRulePayload:
    return GatewayRulePayload(
        name=spec.name,
        physical_topic=spec.physical_topic,
        where=spec.where,
        columns=spec.columns,
        statement=spec.statement,
    )


def data_fingerprint(payload: Payload) -> str:
    if isinstance(payload, JobPayload):
        return payload.data_fingerprint
    return digest(payload.model_dump(mode="json"))


def canonical_schema(schema_type: str, text: str) -> str:
    """Schemas compare by meaning: JSON-based ones with sorted keys and no whitespace."""
    if schema_type.upper() in {"AVRO", "JSON"}:
        try:
            return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
        except (ValueError, RecursionError):
            return text.strip()
    return text.strip()

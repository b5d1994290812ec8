"""Desired specs (of the kinds not yet one value in `streamt.resources`) as plan payloads, and the data fingerprint of each payload.

Jobs carry the compiler's fingerprint (data = canonical SQL + job config; metadata =
description/tags). Topics, subjects and connectors have no metadata that matters at runtime,
so their data fingerprint is the digest of the payload itself.
"""

from __future__ import annotations

import json

from streamt.compile.specs import FlinkJobSpec
from streamt.resources import (
    JobPayload,
    Payload,
    digest,
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


def data_fingerprint(payload: Payload) -> str:
    return payload.data_fingerprint


def canonical_schema(schema_type: str, text: str) -> str:
    """Schemas compare by meaning: JSON-based ones with sorted keys and no whitespace."""
    if schema_type.upper() in {"AVRO", "JSON"}:
        try:
            return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
        except (ValueError, RecursionError):
            return text.strip()
    return text.strip()

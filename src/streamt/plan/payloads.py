"""The data fingerprint of each planned value, and schemas compared by meaning.

Jobs carry the compiler's fingerprint (data = canonical SQL + job config + jars; metadata =
description/tags). Topics, subjects and connectors have no metadata that matters at runtime,
so their data fingerprint is the digest of the value itself.
"""

from __future__ import annotations

import json

from streamt.resources import Payload


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

"""Digests of values: the one way streamt fingerprints anything it compares later."""

from __future__ import annotations

import hashlib
import json


def digest(payload: object) -> str:
    """Stable sha256 of a JSON-serialisable value (sorted keys)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]

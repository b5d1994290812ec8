"""`state:modified`: which nodes differ from a previous compile (its `manifest.json`).

Pure: takes the two manifests as parsed JSON. A node is modified when it is new, or when its
own entry or any artifact it owns (topic, subject, Flink job, connector, gateway rule — matched
by their `node` field) differs. Volatile manifest fields (`metadata`) are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

ARTIFACT_KINDS = ("topics", "subjects", "flink_jobs", "connectors", "gateway_rules")


def _signatures(manifest: Mapping[str, Any]) -> dict[str, str]:
    parts: dict[str, list[Any]] = {}
    for node in manifest.get("nodes") or []:
        if isinstance(node, Mapping) and isinstance(node.get("id"), str):
            parts.setdefault(node["id"], []).append(("node", node))
    for kind in ARTIFACT_KINDS:
        for item in manifest.get(kind) or []:
            if isinstance(item, Mapping) and isinstance(item.get("node"), str):
                parts.setdefault(item["node"], []).append((kind, item))
    return {
        nid: json.dumps(
            sorted(items, key=lambda p: json.dumps(p, sort_keys=True)), sort_keys=True, default=str
        )
        for nid, items in parts.items()
    }


def modified_nodes(previous: Mapping[str, Any], current: Mapping[str, Any]) -> frozenset[str]:
    """Node ids whose compiled form differs between `previous` and `current` (or is new)."""
    before = _signatures(previous)
    return frozenset(nid for nid, sig in _signatures(current).items() if before.get(nid) != sig)

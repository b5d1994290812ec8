"""Environment overlays: `environments/<env>.yml` merged over the project, positions kept.

A mapping merges key by key (recursively); any other value (a scalar, a list) replaces the
project's. Every key the overlay sets keeps the overlay file's location in the spans, so a
diagnostic about an overlaid value points at the overlay's line, and every key it leaves keeps
the project file's. Node sections (`models:`, `sources:`, ...) in an overlay are lists of
patches matched by `name`; a patch never changes a node's name or SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from streamt.diagnostics import Diagnostic, Location

# a patch may not change what a node *is*: its identity and its query
FIXED_NODE_KEYS = frozenset({"name", "sql"})


@dataclass
class Patch:
    """One overlay entry for a node: its values, their spans (relative to the entry)."""

    data: dict[str, Any]
    spans: dict[str, Location]
    where: Location
    used: bool = False


@dataclass
class Overlay:
    """What an environment file changes: header sections and per-node patches."""

    headers: dict[str, tuple[Any, dict[str, Location], Any]] = field(default_factory=dict)  # + doc
    patches: dict[tuple[str, str], Patch] = field(default_factory=dict)  # (section, name)

    def patch_node(
        self, section: str, data: dict[str, Any], spans: dict[str, Location]
    ) -> tuple[dict[str, Any], dict[str, Location]]:
        """The entry's data and spans with this overlay's patch for it merged in."""
        name = data.get("name")
        patch = self.patches.get((section, name)) if isinstance(name, str) else None
        if patch is None:
            return data, spans
        patch.used = True
        merged_spans = dict(spans)
        return merge(data, patch.data, "", merged_spans, patch.spans), merged_spans

    def unused(self) -> list[Diagnostic]:
        """L101 for every patch that names no node of the project."""
        return [
            Diagnostic(
                "L101",
                f"environment overlay patches {section[:-1]} '{name}', which the project "
                "does not declare",
                location=patch.where,
                hint=f"overlay entries change existing {section}; check the name",
            )
            for (section, name), patch in self.patches.items()
            if not patch.used
        ]


def merge(
    base: Any, over: Any, path: str, spans: dict[str, Location], over_spans: Mapping[str, Location]
) -> Any:
    """`over` merged onto `base` at `path`; `spans` (the base's) updated in place."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            sub = f"{path}.{key}" if path else key
            if key in base:
                out[key] = merge(base[key], value, sub, spans, over_spans)
            else:
                out[key] = _replace(value, sub, spans, over_spans)
        return out
    return _replace(over, path, spans, over_spans)


def _replace(
    value: Any, path: str, spans: dict[str, Location], over_spans: Mapping[str, Location]
) -> Any:
    def under(p: str) -> bool:
        return p == path or p.startswith(path + ".")

    for stale in [p for p in spans if under(p)]:
        del spans[stale]
    spans.update({p: loc for p, loc in over_spans.items() if under(p)})
    return value

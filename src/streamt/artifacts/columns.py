"""Column paths for `streamt lineage --column`: what a column is made from and what is made
from it, over the project's column lineage (`streamt.compile.column_lineage`), rendered as
ascii, json or mermaid. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from streamt.compile.column_lineage import (
    ColumnDerivation,
    ColumnSource,
    project_column_lineage,
)
from streamt.sql.column_lineage import Derivation


@dataclass(frozen=True)
class ColumnEdge:
    source: ColumnSource  # the input column
    target: ColumnSource  # the column made from it
    derivation: Derivation


@dataclass(frozen=True)
class ColumnPath:
    start: ColumnSource
    upstream: tuple[ColumnEdge, ...]  # what `start` is made of, transitively
    downstream: tuple[ColumnEdge, ...]  # what is made from it, transitively


def column_path(
    lineage: Mapping[str, Mapping[str, ColumnDerivation]], start: ColumnSource
) -> ColumnPath:
    """Every edge upstream and downstream of `start`, each once, nearest first. Walked with a
    stack, not recursion."""
    readers: dict[ColumnSource, list[ColumnEdge]] = {}
    for nid, columns in lineage.items():
        for name, origin in columns.items():
            for src in origin.sources:
                edge = ColumnEdge(src, ColumnSource(nid, name), origin.derivation)
                readers.setdefault(src, []).append(edge)

    def made_of(c: ColumnSource) -> list[ColumnEdge]:
        origin = lineage.get(c.node, {}).get(c.column)
        return [ColumnEdge(s, c, origin.derivation) for s in origin.sources] if origin else []

    return ColumnPath(
        start,
        _walk(start, made_of, lambda e: e.source),
        _walk(start, lambda c: readers.get(c, []), lambda e: e.target),
    )


def _walk(
    start: ColumnSource,
    step: Callable[[ColumnSource], list[ColumnEdge]],
    far: Callable[[ColumnEdge], ColumnSource],
) -> tuple[ColumnEdge, ...]:
    out: list[ColumnEdge] = []
    seen: set[ColumnEdge] = set()
    queue = [start]
    while queue:
        for edge in step(queue.pop(0)):
            if edge not in seen:
                seen.add(edge)
                out.append(edge)
                queue.append(far(edge))
    return tuple(out)


def _label(c: ColumnSource) -> str:
    """`name.column [kind]` from the id `kind.project.name`."""
    kind, _, rest = c.node.partition(".")
    return f"{rest.partition('.')[2] or c.node}.{c.column} [{kind}]"


def render_column_path(path: ColumnPath, fmt: str) -> str:
    """`streamt lineage --column`: ascii, json or mermaid."""
    if fmt == "json":
        return json.dumps(_path_doc(path), indent=2) + "\n"
    if fmt == "mermaid":
        return _mermaid(path)
    lines = [_label(path.start)]
    for title, edges in (("made from", path.upstream), ("used by", path.downstream)):
        lines.append(f"  {title}:" if edges else f"  {title}: nothing")
        lines += [
            f"    {_label(e.source)} -> {_label(e.target)} ({e.derivation.value})" for e in edges
        ]
    return "\n".join(lines) + "\n"


def _ref(c: ColumnSource) -> dict[str, str]:
    return {"node": c.node, "column": c.column}


def _path_doc(path: ColumnPath) -> dict[str, object]:
    def edges(items: tuple[ColumnEdge, ...]) -> list[dict[str, object]]:
        return [
            {"from": _ref(e.source), "to": _ref(e.target), "derivation": e.derivation.value}
            for e in items
        ]

    return {
        "column": _ref(path.start),
        "upstream": edges(path.upstream),
        "downstream": edges(path.downstream),
    }


def _mermaid(path: ColumnPath) -> str:
    ids: dict[ColumnSource, str] = {path.start: "c0"}
    every = (*path.upstream, *path.downstream)
    for e in every:
        for c in (e.source, e.target):
            ids.setdefault(c, f"c{len(ids)}")
    lines = ["flowchart LR"]
    for c, short in ids.items():
        label = _label(c).replace('"', "'")
        lines.append(f'  {short}["{label}"]')
    lines += [f"  {ids[e.source]} -->|{e.derivation.value}| {ids[e.target]}" for e in every]
    lines.append(f"  style {ids[path.start]} stroke-width:3px")
    return "\n".join(lines) + "\n"


__all__ = [
    "ColumnDerivation",
    "ColumnEdge",
    "ColumnPath",
    "ColumnSource",
    "column_path",
    "project_column_lineage",
    "render_column_path",
]

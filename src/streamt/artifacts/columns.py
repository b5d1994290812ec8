"""Project column lineage: each model column's input columns, as node ids and column names.

One call per compile (`project_column_lineage`, from `build_manifest`): every model's compiled
query is walked by `streamt.sql.column_lineage` with its inputs' compiled columns, and the table
names it reads are mapped back to the input node ids. The manifest carries the result; the docs
site and `streamt lineage --column` read it from there. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from streamt.compile.project import _table_names  # the names compile gave the job's tables
from streamt.compile.result import CompiledNode
from streamt.sql.column_lineage import Derivation, LineageMemo


@dataclass(frozen=True)
class ColumnSource:
    node: str  # kind.project.name
    column: str


@dataclass(frozen=True)
class ColumnDerivation:
    sources: tuple[ColumnSource, ...]
    derivation: Derivation


def project_column_lineage(
    nodes: Mapping[str, CompiledNode],
) -> dict[str, dict[str, ColumnDerivation]]:
    """node id -> output column -> where it comes from (models with a query only)."""
    out: dict[str, dict[str, ColumnDerivation]] = {}
    memo = LineageMemo()
    for nid, node in nodes.items():
        if node.kind != "model":
            continue
        if not node.query:  # a sink (or topic) fed by `from:` one node: its columns, as they are
            out[nid] = _passed_through(node, nodes)
            continue
        by_table = _tables(node, nodes)
        inputs = {name: [c.name for c in nodes[i].columns] for name, i in by_table.items()}
        out[nid] = {
            origin.column: ColumnDerivation(
                tuple(
                    ColumnSource(by_table[table], column)
                    for table, column in origin.sources
                    if table in by_table
                ),
                origin.derivation,
            )
            for origin in memo.lineage(node.query, inputs)
        }
    return out


def _tables(node: CompiledNode, nodes: Mapping[str, CompiledNode]) -> dict[str, str]:
    """Table name in the model's compiled query -> input node id: the input's name, suffixed
    by compile where it would collide (a source named like the model or like a ref)."""
    inputs = [nodes[i] for i in node.inputs if i in nodes]
    names = _table_names(
        node.name,
        [n.name for n in inputs if n.kind == "source"],
        [n.name for n in inputs if n.kind == "model"],
    )
    kinds = {"source": "source", "model": "ref"}
    return {names[(kinds[n.kind], n.name)]: n.id for n in inputs}


def _passed_through(
    node: CompiledNode, nodes: Mapping[str, CompiledNode]
) -> dict[str, ColumnDerivation]:
    if len(node.inputs) != 1 or node.inputs[0] not in nodes:
        return {}
    (src,) = node.inputs
    names = {c.name for c in nodes[src].columns}
    return {
        c.name: ColumnDerivation((ColumnSource(src, c.name),), Derivation.COPY)
        for c in node.columns or nodes[src].columns  # a sink: the columns it exports
        if c.name in names
    }


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

"""Lineage renderings of a `Graph` (or a focused part of it): ascii, json, mermaid. Pure text."""

from __future__ import annotations

import json

from streamt.graph.dag import Graph
from streamt.load.ids import NodeKind

FORMATS = ("ascii", "json", "mermaid")
MAX_ASCII_INDENT = 64


def focus(graph: Graph, node: str | None, upstream: bool, downstream: bool) -> set[str]:
    """The node ids shown: all (minus tests), or one node with its up- and/or downstream."""
    if node is None:
        return {n for n, v in graph.nodes.items() if v.kind is not NodeKind.TEST}
    both = not upstream and not downstream
    keep = {node}
    if upstream or both:
        keep |= graph.upstream(node)
    if downstream or both:
        keep |= graph.downstream(node)
    return {n for n in keep if graph.nodes[n].kind is not NodeKind.TEST}


def to_json(graph: Graph, keep: set[str]) -> str:
    nodes = [
        {
            "id": n,
            "kind": graph.nodes[n].kind.value,
            "name": graph.nodes[n].name,
            "file": graph.nodes[n].location.file,
            "tags": list(graph.nodes[n].tags),
        }
        for n in graph.order
        if n in keep
    ]
    edges = [
        {"from": p, "to": c, "kind": "depends_on"}
        for c in graph.order
        if c in keep
        for p in graph.parents[c]
        if p in keep
    ] + [
        {"from": e, "to": s, "kind": "produces"}
        for s, producers in sorted(graph.produced_by.items())
        if s in keep
        for e in producers
        if e in keep
    ]
    return json.dumps({"project": graph.project, "nodes": nodes, "edges": edges}, indent=2)


def to_mermaid(graph: Graph, keep: set[str]) -> str:
    ids = {n: f"n{i}" for i, n in enumerate(x for x in graph.order if x in keep)}
    shapes = {
        NodeKind.SOURCE: ("[(", ")]"),
        NodeKind.MODEL: ("[", "]"),
        NodeKind.EXPOSURE: ("{{", "}}"),
        NodeKind.TEST: ("([", "])"),
    }
    lines = ["flowchart LR"]
    for nid, short in ids.items():
        node = graph.nodes[nid]
        left, right = shapes[node.kind]
        label = f"{node.kind.value}: {node.name}".replace('"', "'")
        lines.append(f'  {short}{left}"{label}"{right}')
    for child, short in ids.items():
        for parent in graph.parents[child]:
            if parent in ids:
                lines.append(f"  {ids[parent]} --> {short}")
    for source, producers in sorted(graph.produced_by.items()):
        for producer in producers:
            if source in ids and producer in ids:
                lines.append(f"  {ids[producer]} -.-> {ids[source]}")
    return "\n".join(lines) + "\n"


def to_ascii(graph: Graph, keep: set[str]) -> str:
    """Each root with its descendants as an indented tree; shared nodes repeat, marked (*).
    Walked with an explicit stack (a chain of thousands of models is no deeper for Python);
    indentation stops growing after `MAX_ASCII_INDENT` levels so lines stay short."""
    roots = [n for n in graph.order if n in keep and not any(p in keep for p in graph.parents[n])]
    lines: list[str] = []
    printed: set[str] = set()
    stack = [(root, "", True, 0) for root in reversed(roots)]
    while stack:
        nid, prefix, last, depth = stack.pop()
        node = graph.nodes[nid]
        branch = "" if depth == 0 else ("└── " if last else "├── ")
        again = " (*)" if nid in printed and graph.children[nid] else ""
        lines.append(f"{prefix}{branch}{node.name} [{node.kind.value}]{again}")
        if again:
            continue
        printed.add(nid)
        kids = [c for c in graph.children[nid] if c in keep]
        ext = "" if depth == 0 or depth >= MAX_ASCII_INDENT else ("    " if last else "│   ")
        for i in reversed(range(len(kids))):
            stack.append((kids[i], prefix + ext, i == len(kids) - 1, depth + 1))
    return "\n".join(lines) + "\n"


def render(graph: Graph, keep: set[str], fmt: str) -> str:
    if fmt == "json":
        return to_json(graph, keep)
    if fmt == "mermaid":
        return to_mermaid(graph, keep)
    return to_ascii(graph, keep)

"""Graph layout computed at generate time (the browser only draws): layered, left to right.

A node's layer is its longest path from a root; within a layer nodes are ordered by the mean
position of their parents (one barycenter sweep, left to right), so edges mostly run straight. Linear in nodes
and edges: a 1,000-model project lays out in milliseconds. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

COLUMN_WIDTH = 260
ROW_HEIGHT = 44


@dataclass(frozen=True)
class Point:
    x: int
    y: int


def layered(order: Sequence[str], parents: Mapping[str, Sequence[str]]) -> dict[str, Point]:
    """Positions for `order` (topological: parents first); edges to nodes outside are ignored."""
    inside = set(order)
    layer: dict[str, int] = {}
    for nid in order:
        ups = [layer[p] for p in parents.get(nid, ()) if p in inside and p in layer]
        layer[nid] = max(ups) + 1 if ups else 0
    columns: dict[int, list[str]] = {}
    for nid in order:
        columns.setdefault(layer[nid], []).append(nid)
    rank = {nid: float(i) for col in columns.values() for i, nid in enumerate(col)}
    for depth in sorted(columns)[1:]:
        col = columns[depth]
        for nid in col:
            seen = [rank[p] for p in parents.get(nid, ()) if p in rank]
            rank[nid] = sum(seen) / len(seen) if seen else rank[nid]
        col.sort(key=lambda n: (rank[n], n))
        for i, nid in enumerate(col):
            rank[nid] = float(i)
    return {
        nid: Point(depth * COLUMN_WIDTH, i * ROW_HEIGHT)
        for depth, col in columns.items()
        for i, nid in enumerate(col)
    }


def neighbourhood(
    center: str,
    parents: Mapping[str, Sequence[str]],
    children: Mapping[str, Sequence[str]],
    depth: int = 3,
    width: int = 25,
) -> dict[str, Point]:
    """A node's up- and downstream up to `depth` hops, at most `width` nodes per hop: the
    center in column 0, ancestors to the left, descendants to the right."""
    out = {center: (0.0, 0.0)}
    for edges, sign in ((parents, -1), (children, 1)):
        ring = [center]
        for hop in range(1, depth + 1):
            found = {n for nid in ring for n in edges.get(nid, ()) if n not in out}
            nxt = sorted(found)[:width]
            for i, nid in enumerate(nxt):
                out[nid] = (sign * hop * COLUMN_WIDTH, (i - (len(nxt) - 1) / 2) * ROW_HEIGHT)
            ring = nxt
    return {n: Point(int(x), int(y)) for n, (x, y) in out.items()}

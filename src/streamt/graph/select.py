"""Node selection: `name`, `+name`, `name+`, `+name+`, `tag:x`, `path:models/x`,
`source:x` / `model:x` / `test:x` / `exposure:x`, `kind:source`, `state:modified` (needs the
modified node ids, see `streamt.graph.state`); space-separated selectors are a union,
comma-joined ones (`tag:a,+b`) an intersection.

`select(graph, expr)` returns node ids and diagnostics (`G010` for a selector matching nothing,
with a did-you-mean). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from streamt.diagnostics import Diagnostic, Severity, did_you_mean
from streamt.graph.dag import Graph
from streamt.load.ids import NodeKind

_KINDS = {k.value: k for k in NodeKind}


def select(
    graph: Graph, expr: str | Iterable[str], modified: frozenset[str] | None = None
) -> tuple[frozenset[str], list[Diagnostic]]:
    """Node ids matched by the union of the selectors in `expr`. `modified` feeds
    `state:modified` (see `streamt.graph.state`); without it that selector is an error."""
    words = expr.split() if isinstance(expr, str) else [w for e in expr for w in e.split()]
    chosen: set[str] = set()
    diags: list[Diagnostic] = []
    for word in words:
        parts = [p for p in word.split(",") if p]
        matched: set[str] | None = None
        for part in parts:
            if part.strip("+") == "state:modified" and modified is None:
                diags.append(
                    Diagnostic(
                        "G012",
                        "state:modified needs the previous compile to compare with",
                        hint="pass --state DIR (the target directory of an earlier streamt compile)",
                    )
                )
                continue
            hits = _one(graph, part, modified or frozenset())
            if not hits and part.strip("+") != "state:modified":
                diags.append(_nothing(graph, part))
            matched = hits if matched is None else matched & hits
        chosen |= matched or set()
    return frozenset(chosen), diags


def _one(graph: Graph, selector: str, modified: frozenset[str]) -> set[str]:
    up = selector.startswith("+")
    down = selector.endswith("+")
    core = selector.strip("+")
    base = (
        {n for n in modified if n in graph.nodes}
        if core == "state:modified"
        else _base(graph, core)
    )
    result = set(base)
    for nid in base:
        if up:
            result |= graph.upstream(nid)
        if down:
            result |= graph.downstream(nid)
    return result


def _base(graph: Graph, core: str) -> set[str]:
    method, _, value = core.partition(":")
    if not value:
        return {nid for nid, n in graph.nodes.items() if n.name == core}
    if method == "tag":
        return {nid for nid, n in graph.nodes.items() if value in n.tags}
    if method == "path":
        prefix = value.rstrip("/")
        return {
            nid
            for nid, n in graph.nodes.items()
            if n.location.file == prefix or n.location.file.startswith(prefix + "/")
        }
    if method == "kind" and value in _KINDS:
        return {nid for nid, n in graph.nodes.items() if n.kind is _KINDS[value]}
    if method in _KINDS:
        nid = graph.id_of(_KINDS[method], value)
        return {nid} if nid in graph.nodes else set()
    return set()


def _nothing(graph: Graph, selector: str) -> Diagnostic:
    core = selector.strip("+")
    name = core.partition(":")[2] or core
    names = sorted({n.name for n in graph.nodes.values()})
    hint = did_you_mean(name, names) or (
        "selectors: name, +name, name+, tag:x, path:models/x, model:x, source:x"
    )
    return Diagnostic(
        "G010", f"selector '{selector}' matches no node", severity=Severity.ERROR, hint=hint
    )

"""The project DAG: typed node ids `kind.project.name`, edges from SQL and declarations.

`build_graph(project)` resolves every `source()` / `ref()` (captured by rendering the SQL, see
`streamt.load.jinja`), `from:` entries, test targets and exposure references, and returns the
`Graph` plus `G` diagnostics: unknown references with a did-you-mean, cycles with their path,
duplicate names. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from streamt.diagnostics import Diagnostic, Location, did_you_mean
from streamt.load.ids import NodeKind, node_id
from streamt.load.jinja import Refs, Variables, capture_refs
from streamt.load.model import DataTest, Exposure, Located, Model, Project


@dataclass(frozen=True)
class GraphNode:
    id: str
    kind: NodeKind
    name: str
    location: Location
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Graph:
    project: str
    nodes: Mapping[str, GraphNode]
    parents: Mapping[str, tuple[str, ...]]  # node id -> upstream node ids (sorted)
    children: Mapping[str, tuple[str, ...]]
    refs: Mapping[str, Refs] = field(default_factory=dict)  # model id -> captured refs
    order: tuple[str, ...] = ()  # topological (parents first), ties by id
    # source id -> exposures that write into it (`produces:`); kept apart from `parents` so an
    # application that both produces a source and consumes models built from it is no cycle
    produced_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def id_of(self, kind: NodeKind, name: str) -> str:
        return node_id(kind, self.project, name)

    def get(self, kind: NodeKind, name: str) -> GraphNode | None:
        return self.nodes.get(self.id_of(kind, name))

    def upstream(self, start: str) -> set[str]:
        return _walk(start, self.parents)

    def downstream(self, start: str) -> set[str]:
        return _walk(start, self.children)


def _walk(start: str, edges: Mapping[str, tuple[str, ...]]) -> set[str]:
    seen: set[str] = set()
    stack = list(edges.get(start, ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(edges.get(current, ()))
    return seen


@dataclass
class _Builder:
    project: Project
    broken: frozenset[str] = frozenset()
    variables: Variables | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    nodes: dict[str, GraphNode] = field(default_factory=dict)
    edges: dict[str, set[str]] = field(default_factory=dict)  # child -> parents
    refs: dict[str, Refs] = field(default_factory=dict)
    names: dict[NodeKind, list[str]] = field(default_factory=dict)
    produced_by: dict[str, list[str]] = field(default_factory=dict)
    captured: dict[str, Refs] = field(default_factory=dict)  # SQL text -> what it captured

    def id(self, kind: NodeKind, name: str) -> str:
        return node_id(kind, self.project.name, name)

    def add_nodes(self, kind: NodeKind, items: Iterable[Located]) -> None:
        seen: dict[str, Location] = {}
        for item in items:
            name = str(getattr(item, "name", ""))
            if name in seen:
                self._duplicate(kind, name, item.location, seen[name])
                continue
            seen[name] = item.location
            nid = self.id(kind, name)
            tags = tuple(getattr(item, "tags", ()))
            self.nodes[nid] = GraphNode(nid, kind, name, item.location, tags)
            self.edges[nid] = set()
        self.names[kind] = list(seen)

    def _duplicate(self, kind: NodeKind, name: str, where: Location, first: Location) -> None:
        self.diagnostics.append(
            Diagnostic(
                "G004",
                f"duplicate {kind.value} name '{name}'",
                location=where,
                hint=f"first defined at {first}; {kind.value} names must be unique",
                node=self.id(kind, name),
            )
        )

    def link(self, child: str, kind: NodeKind, name: str, where: Location, via: str) -> None:
        parent = self.id(kind, name)
        if parent in self.nodes:
            self.edges[child].add(parent)
            return
        if f"{kind.value}:{name}" in self.broken:
            return  # already reported where it is declared
        code = "G002" if kind is NodeKind.SOURCE else "G001"
        label = "source" if kind is NodeKind.SOURCE else "model"
        pool = self.names.get(kind, []) or self.names.get(NodeKind.SOURCE, [])
        other = NodeKind.MODEL if kind is NodeKind.SOURCE else NodeKind.SOURCE
        if self.id(other, name) in self.nodes:
            fallback = f"'{name}' is a {other.value}: use {_call(other, name)}"
        else:
            fallback = f"declare a {label} named '{name}'"
        hint = did_you_mean(name, pool) or fallback
        self.diagnostics.append(
            Diagnostic(
                code,
                f"{via} refers to unknown {label} '{name}'",
                location=where,
                hint=hint,
                node=child,
            )
        )

    def resolve_auto(self, name: str) -> NodeKind:
        """A bare name: the model if there is one, else the source, else (unknown) a model."""
        if (
            self.id(NodeKind.SOURCE, name) in self.nodes
            and self.id(NodeKind.MODEL, name) not in self.nodes
        ):
            return NodeKind.SOURCE
        return NodeKind.MODEL


def _call(kind: NodeKind, name: str) -> str:
    return f'{{{{ {"source" if kind is NodeKind.SOURCE else "ref"}("{name}") }}}}'


def build_graph(
    project: Project,
    broken: frozenset[str] = frozenset(),
    variables: Variables | None = None,
    refs: dict[str, Refs] | None = None,
) -> tuple[Graph, list[Diagnostic]]:
    """The DAG and its diagnostics. `broken` ("model:x", "source:y") names entries that exist
    but failed to load: references to them are not reported again as unknown. `variables`:
    what var() / env_var() read (`--vars`, the environment); each model's reads are in its
    `Refs.reads`, which compile renders it with. `refs`: what each SQL text captured, kept by
    a resident process between builds with the same `variables` (filled here)."""
    b = _Builder(project, broken=broken, variables=variables or Variables())
    if refs is not None:
        b.captured = refs
    b.add_nodes(NodeKind.SOURCE, project.sources)
    b.add_nodes(NodeKind.MODEL, project.models)
    b.add_nodes(NodeKind.TEST, project.tests)
    b.add_nodes(NodeKind.EXPOSURE, project.exposures)
    for model in _unique(project.models):
        _link_model(b, model)
    for test in _unique(project.tests):
        _link_test(b, test)
    for exposure in _unique(project.exposures):
        _link_exposure(b, exposure)
    parents = {k: tuple(sorted(v)) for k, v in b.edges.items()}
    children: dict[str, list[str]] = {k: [] for k in parents}
    for child, ups in parents.items():
        for parent in ups:
            children[parent].append(child)
    order, cycle = _toposort(parents)
    if cycle:
        b.diagnostics.append(_cycle_diagnostic(b, cycle))
    graph = Graph(
        project.name,
        b.nodes,
        parents,
        {k: tuple(sorted(v)) for k, v in children.items()},
        b.refs,
        order,
        {k: tuple(sorted(v)) for k, v in b.produced_by.items()},
    )
    return graph, b.diagnostics


def _unique(items: Iterable[Located]) -> list[Located]:
    seen: set[str] = set()
    out = []
    for item in items:
        name = str(getattr(item, "name", ""))
        if name not in seen:
            seen.add(name)
            out.append(item)
    return out


def _link_model(b: _Builder, model: Located) -> None:
    assert isinstance(model, Model)
    nid = b.id(NodeKind.MODEL, model.name)
    if model.sql is not None:
        refs = b.captured.get(model.sql)
        if refs is None:
            refs = b.captured[model.sql] = capture_refs(model.sql, b.variables)
        b.refs[nid] = refs
        for problem in refs.problems:
            b.diagnostics.append(
                Diagnostic(
                    problem.code,
                    problem.message,
                    location=model.sql_position(problem.line, problem.column),
                    hint=problem.hint
                    or 'model SQL may use {{ source("name") }} and {{ ref("name") }}',
                    node=nid,
                )
            )
        where = model.where("sql")
        for name in refs.sources:
            b.link(nid, NodeKind.SOURCE, name, where, f'source("{name}")')
        for name in refs.refs:
            b.link(nid, NodeKind.MODEL, name, where, f'ref("{name}")')
        return
    for i, item in enumerate(model.from_):
        kind = {"source": NodeKind.SOURCE, "ref": NodeKind.MODEL}.get(item.kind) or b.resolve_auto(
            item.name
        )
        b.link(nid, kind, item.name, model.where(f"from.{i}"), f"from '{item.name}'")


def _link_test(b: _Builder, test: Located) -> None:
    assert isinstance(test, DataTest)
    nid = b.id(NodeKind.TEST, test.name)
    kind = b.resolve_auto(test.model)
    b.link(nid, kind, test.model, test.where("model"), f"test '{test.name}'")


def _link_exposure(b: _Builder, exposure: Located) -> None:
    assert isinstance(exposure, Exposure)
    nid = b.id(NodeKind.EXPOSURE, exposure.name)
    for key, items in (("consumes", exposure.consumes), ("depends_on", exposure.depends_on)):
        for i, item in enumerate(items):
            kind = {"source": NodeKind.SOURCE, "ref": NodeKind.MODEL}.get(
                item.kind
            ) or b.resolve_auto(item.name)
            b.link(nid, kind, item.name, exposure.where(f"{key}.{i}"), f"exposure {key}")
    for i, item in enumerate(exposure.produces):
        kind = NodeKind.SOURCE if item.kind != "ref" else NodeKind.MODEL
        target = b.id(kind, item.name)
        if target in b.nodes:
            b.produced_by.setdefault(target, []).append(nid)
        else:
            b.link(nid, kind, item.name, exposure.where(f"produces.{i}"), "exposure produces")


def _toposort(parents: Mapping[str, tuple[str, ...]]) -> tuple[tuple[str, ...], list[str]]:
    """Kahn's algorithm; on a cycle returns the order found so far and one cycle path."""
    import heapq

    pending = {k: len(v) for k, v in parents.items()}
    children: dict[str, list[str]] = {k: [] for k in parents}
    for child, ups in parents.items():
        for up in ups:
            children[up].append(child)
    ready = [k for k, n in pending.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        current = heapq.heappop(ready)
        order.append(current)
        for child in children[current]:
            pending[child] -= 1
            if pending[child] == 0:
                heapq.heappush(ready, child)
    if len(order) == len(parents):
        return tuple(order), []
    stuck = sorted(k for k, n in pending.items() if n > 0)
    return tuple(order) + tuple(stuck), _find_cycle(stuck, parents)


def _find_cycle(stuck: list[str], parents: Mapping[str, tuple[str, ...]]) -> list[str]:
    remaining = set(stuck)
    start = stuck[0]
    path = [start]
    index = {start: 0}
    current = start
    while True:
        nxt = next((p for p in parents[current] if p in remaining), None)
        if nxt is None:  # cannot happen for a stuck node; be safe
            return path
        if nxt in index:
            cycle = [*path[index[nxt] :], nxt]
            return list(reversed(cycle))  # upstream -> downstream
        index[nxt] = len(path)
        path.append(nxt)
        current = nxt


def _cycle_diagnostic(b: _Builder, cycle: list[str]) -> Diagnostic:
    names = [b.nodes[n].name for n in cycle]
    first = b.nodes[cycle[0]]
    return Diagnostic(
        "G003",
        f"dependency cycle: {' -> '.join(names)}",
        location=first.location,
        hint="a model cannot depend on itself, directly or through other models",
        node=first.id,
    )

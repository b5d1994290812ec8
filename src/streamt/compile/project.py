"""`compile_project(project, graph)`: the desired state of a loaded project, in graph order.

Sources become table schemas (declared / inline schema / lock / inferred from usage); then the
models are folded in graph order: each compiles by a pure function of the model, its inputs'
compiled facts and the project settings (`compile_model` in `streamt.compile.model`, through the
per-model memo when there is one), and its facts become its readers' inputs. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol, TypeVar

from streamt.compile.bad_records import policy, problems
from streamt.compile.demand import (
    InputKey,
    demand_of_tests,
    documented,
    push_back,
    stars_without_columns,
)
from streamt.compile.facts import (
    CompiledModel,
    ModelFacts,
    ModelInputs,
    Settings,
    SourceFacts,
    model_facts,
    settings_of,
)
from streamt.compile.functions import declared_functions
from streamt.compile.memo import ModelMemo
from streamt.compile.model import compile_model
from streamt.compile.result import CompiledNode, CompileResult
from streamt.compile.schemas import SchemaLock
from streamt.compile.sources import (
    close_inferred,
    inferred_warning,
    instants_unguarded,
    merge_inferred,
    source_schema,
    subject_spec,
    with_locked_format,
)
from streamt.compile.specs import ChangelogMode, DesiredState
from streamt.diagnostics import Diagnostic
from streamt.graph.dag import Graph
from streamt.load.ids import NodeKind
from streamt.load.model import Model, Project, Source
from streamt.sql import Column, TableSchema


def compile_project(
    project: Project,
    graph: Graph,
    *,
    select: Iterable[str] | None = None,
    lock: SchemaLock | None = None,
    jobs: bool = True,
    memo: ModelMemo | None = None,
    tests: Callable[[], Mapping[str, Sequence[str]]] | None = None,
    bounded: bool = False,
) -> CompileResult:
    """Compile every node (upstream schemas are needed); keep specs of `select`ed nodes only.

    `jobs=False` skips rendering Flink job scripts (`desired.jobs` is then empty; everything
    else, diagnostics included, is the same). `memo` reuses unchanged models' results.
    `tests()` maps a model or source name to the columns its data tests read (column demand
    on sources whose columns are inferred; called only when there are such sources).
    `bounded=True` (unit tests) compiles every job to read its Kafka inputs from the earliest to
    the latest offset with per-event watermarks, at parallelism 1: a job that finishes.
    """
    diags: list[Diagnostic] = []
    if lock is not None and lock.schema_types:
        locked = tuple(with_locked_format(s, lock) for s in project.sources)
        project = project.model_copy(update={"sources": locked})
    functions = declared_functions(project, diags)
    shapes = functions.shape_memo()  # one analysis per query shape, shared by every round
    sid = _ids(graph, NodeKind.SOURCE)
    by_name = {s.name: s for s in project.sources}
    schemas = {s.name: source_schema(s, lock, diags, sid(s.name)) for s in project.sources}
    open_sources = [name for name, schema in schemas.items() if schema.open]
    if open_sources:
        wanted = demand_of_tests(project, tests() if tests is not None else {})
        inferring = settings_of(project, functions, with_jobs=False, infer_only=True, shapes=shapes)
        rounds = memo if memo is not None and memo.rounds else None
        inferred, star_from = _infer(
            project, graph, schemas, inferring, open_sources, wanted, rounds
        )
        for name in open_sources:
            closed = close_inferred(by_name[name], schemas[name], inferred.get(name, ()))
            diags.append(inferred_warning(by_name[name], closed.columns, sid(name)))
            schemas[name] = closed
        diags += stars_without_columns(project, star_from, schemas, _ids(graph, NodeKind.MODEL))
    for source in project.sources:
        columns = schemas[source.name].columns
        guard = policy(source, project)
        found = problems(source, columns, guard, sid(source.name))
        diags.extend(found or instants_unguarded(source, columns, guard, sid(source.name)))
    settings = settings_of(project, functions, with_jobs=jobs, bounded=bounded, shapes=shapes)
    compiled = _fold(project, graph, schemas, settings, memo)
    chosen = frozenset(select) if select is not None else None
    nodes = {c.node.id: c.node for c in compiled if c.node is not None}
    return CompileResult(
        desired=_desired(project.name, compiled, chosen),
        nodes=dict(sorted(nodes.items())),
        diagnostics=sorted(
            [*diags, *(d for c in compiled for d in c.diags)], key=Diagnostic.sort_key
        ),
        project_version=project.version,
    )


def _ids(graph: Graph, kind: NodeKind) -> Callable[[str], str]:
    return lambda name: graph.id_of(kind, name)


def _infer(
    project: Project,
    graph: Graph,
    schemas: Mapping[str, TableSchema],
    settings: Settings,
    open_sources: list[str],
    tests: dict[InputKey, list[Column]],
    memo: ModelMemo | None = None,
) -> tuple[dict[str, tuple[Column, ...]], dict[str, InputKey]]:
    """The columns of each open source: what its readers touch, directly or through `*`
    (demand passed back by `streamt.compile.demand`), compiled again until none is new."""
    by_name = {s.name: s for s in project.sources}
    known: dict[str, tuple[Column, ...]] = {}
    models = [
        graph.nodes[n].name
        for n in graph.order
        if n in graph.nodes and graph.nodes[n].kind is NodeKind.MODEL
    ]
    # demand crosses every `*` chain within one round; the next round, seeded with it, usually
    # finds nothing new. The bound only guards against a bug looping for ever.
    star_from: dict[str, InputKey] = {}
    for _ in range(len(models) + 2):
        sources = dict(schemas)
        for name in open_sources:  # seeded with what earlier rounds found; still open
            seeded = close_inferred(by_name[name], schemas[name], known.get(name, ()))
            sources[name] = replace(seeded, open=True)
        folded = _fold(project, graph, sources, settings, memo)
        compiled = [c for c in folded if c.node is not None]
        demand = {k: list(v) for k, v in tests.items()}
        inferred: dict[str, list[Column]] = {}
        star_from = {}
        for c in compiled:
            for name, cols in c.inferred:
                inferred.setdefault(name, []).extend(cols)
            for name, cols in c.demand:
                demand.setdefault(("ref", name), []).extend(cols)
            if c.star_from is not None and c.node is not None:
                star_from[c.node.name] = c.star_from
        outputs = {
            c.node.name: [col.name for col in c.node.columns]
            for c in compiled
            if c.node is not None and c.node.kind == "model"
        }
        pushed = push_back(models, demand, star_from, outputs)
        found = {
            name: [
                *known.get(name, ()),
                *inferred.get(name, ()),
                *pushed.get(name, ()),
                *documented(by_name[name]),
            ]
            for name in open_sources
        }
        merged = merge_inferred(found)
        if not star_from or all(
            _names(merged.get(n, ())) == _names(known.get(n, ())) for n in open_sources
        ):  # without a `*` passing columns through, seeding changes nothing: done
            return merged, star_from
        known = merged
    return known, star_from


def _names(columns: Iterable[Column]) -> set[str]:
    return {c.name for c in columns}


class _Spec(Protocol):
    @property
    def node(self) -> str: ...


_S = TypeVar("_S", bound=_Spec)


def _desired(
    project: str, compiled: Sequence[CompiledModel], chosen: frozenset[str] | None
) -> DesiredState:
    def pick(specs: Iterable[_S], order: Callable[[_S], str]) -> tuple[_S, ...]:
        return tuple(sorted((s for s in specs if chosen is None or s.node in chosen), key=order))

    return DesiredState(
        project=project,
        topics=pick((t for c in compiled for t in c.topics), lambda t: t.name),
        subjects=pick((s for c in compiled for s in c.subjects), lambda s: s.subject),
        jobs=pick((j for c in compiled for j in c.jobs), lambda j: j.name),
        connectors=pick((k for c in compiled for k in c.connectors), lambda k: k.name),
        gateway_rules=pick((g for c in compiled for g in c.rules), lambda g: g.name),
    )


def _fold(
    project: Project,
    graph: Graph,
    schemas: Mapping[str, TableSchema],
    settings: Settings,
    memo: ModelMemo | None = None,
) -> list[CompiledModel]:
    """Every source, then every model in graph order, each compiled from its inputs' facts."""
    sid = _ids(graph, NodeKind.SOURCE)
    compiled = [
        _source(source, schemas[source.name], sid(source.name)) for source in project.sources
    ]
    sources = {sid(s.name): SourceFacts(sid(s.name), s, schemas[s.name]) for s in project.sources}
    facts: dict[str, ModelFacts] = {}
    by_name = {m.name: m for m in project.models}
    feeding = _feeding_connectors(graph, by_name)
    read = {graph.id_of(NodeKind.MODEL, r) for refs in graph.refs.values() for r in refs.refs}
    for nid in graph.order:
        node = graph.nodes.get(nid)
        if node is None or node.kind is not NodeKind.MODEL or node.name not in by_name:
            continue
        model = by_name[node.name]
        inputs = _inputs(
            graph, model, nid, sources, facts, feeds_connector=nid in feeding, read=nid in read
        )
        if memo is not None and (memo.rounds or not settings.infer_only):
            result = memo.compile(model, nid, inputs, settings)
        else:
            result = compile_model(model, nid, inputs, settings)
        compiled.append(result)
        if result.node is not None and not result.query_failed:  # else its readers stay silent
            facts[nid] = (memo.facts if memo is not None else model_facts)(
                settings, model, result.node, result
            )
    return compiled


def _inputs(
    graph: Graph,
    model: Model,
    nid: str,
    sources: Mapping[str, SourceFacts],
    facts: Mapping[str, ModelFacts],
    *,
    feeds_connector: bool,
    read: bool,
) -> ModelInputs:
    """What `model` reads: the nodes its SQL or `from:` names, with the facts of those that
    exist and compiled."""
    if model.sql is None:
        named = tuple(_from_ids(graph, model))
        refs = None
    else:
        refs = graph.refs.get(nid)
        named = (
            ()
            if refs is None
            else (
                *(graph.id_of(NodeKind.SOURCE, s) for s in refs.sources),
                *(graph.id_of(NodeKind.MODEL, r) for r in refs.refs),
            )
        )
    return ModelInputs(
        refs=refs,
        from_ids=named if model.sql is None else (),
        sources=tuple(sources[i] for i in named if i in sources),
        models=tuple(facts[i] for i in named if i in facts),
        feeds_connector=feeds_connector,
        feeds_models=read,
    )


def _source(source: Source, schema: TableSchema, nid: str) -> CompiledModel:
    node = CompiledNode(
        id=nid,
        kind="source",
        name=source.name,
        topic=source.topic,
        columns=schema.columns,
        changelog=ChangelogMode.UPSERT if schema.updating else ChangelogMode.APPEND,
        primary_key=schema.primary_key,
        rowtime=schema.rowtime.name if schema.rowtime else None,
        inferred_columns=schema.open,
        description=source.description,
        owner=source.owner,
        tags=tuple(source.tags),
    )
    subject = subject_spec(source, nid)
    return CompiledModel(node, subjects=(subject,) if subject is not None else ())


def _from_ids(graph: Graph, model: Model) -> list[str]:
    out: list[str] = []
    for item in model.from_:
        model_id = graph.id_of(NodeKind.MODEL, item.name)
        source_id = graph.id_of(NodeKind.SOURCE, item.name)
        if item.kind == "ref" or (item.kind == "auto" and model_id in graph.nodes):
            out.append(model_id)
        elif source_id in graph.nodes:
            out.append(source_id)
    return out


def _feeding_connectors(graph: Graph, models: Mapping[str, Model]) -> frozenset[str]:
    """The nodes a sink connector reads (the parents of the models without SQL that export)."""
    sinks = (
        graph.id_of(NodeKind.MODEL, m.name)
        for m in models.values()
        if m.sql is None and (m.from_ or m.sink_connector)
    )
    return frozenset(
        p for sink in sinks if sink in graph.nodes for p in graph.parents.get(sink, ())
    )


__all__ = ["compile_project"]

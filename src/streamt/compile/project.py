"""`compile_project(project, graph)`: the desired state of a loaded project, in graph order.

Sources become table schemas (declared / inline schema / lock / inferred from usage); each model
is rendered (refs -> quoted table names), analysed by `streamt.sql`, given a materialization,
and turned into specs: topics, subjects, one Flink job per Flink model, connectors, Gateway
rules. Diagnostics from the SQL room are mapped back to the model's file and line. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from streamt.compile.bad_records import policy, problems
from streamt.compile.demand import (
    InputKey,
    demand_of_tests,
    documented,
    push_back,
    stars_without_columns,
)
from streamt.compile.functions import DeclaredFunctions, declared_functions
from streamt.compile.jobs import InputTable
from streamt.compile.plain import from_ids, model_without_sql
from streamt.compile.positions import template_position
from streamt.compile.result import CompiledNode, CompileResult
from streamt.compile.schemas import SchemaLock
from streamt.compile.shapes import ShapeMemo
from streamt.compile.sources import (
    close_inferred,
    inferred_warning,
    merge_inferred,
    source_schema,
    subject_spec,
)
from streamt.compile.specs import (
    ChangelogMode,
    ConnectorSpec,
    DesiredState,
    FlinkJobSpec,
    GatewayRuleSpec,
    Materialization,
    SubjectSpec,
    TopicSpec,
)
from streamt.diagnostics import Diagnostic
from streamt.graph.dag import Graph
from streamt.load.ids import NodeKind
from streamt.load.jinja import render_sql
from streamt.load.model import Model, Project, Source
from streamt.sql import (
    Column,
    QueryAnalysis,
    SqlType,
    TableSchema,
    analyze_query,
    parse_type,
    quote_identifier,
)
from streamt.sql.types import STRING

if TYPE_CHECKING:
    from streamt.compile.memo import ModelMemo


@dataclass
class _Run:
    project: Project
    graph: Graph
    lock: SchemaLock | None
    infer_only: bool = False
    with_jobs: bool = True  # render each Flink job's script (validate does not need them)
    memo: ModelMemo | None = None
    diags: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, TableSchema] = field(default_factory=dict)
    nodes: dict[str, CompiledNode] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)
    inferred: dict[str, list[Column]] = field(default_factory=dict)
    topics: list[TopicSpec] = field(default_factory=list)
    subjects: list[SubjectSpec] = field(default_factory=list)
    jobs: list[FlinkJobSpec] = field(default_factory=list)
    connectors: list[ConnectorSpec] = field(default_factory=list)
    rules: list[GatewayRuleSpec] = field(default_factory=list)
    job_inputs: dict[str, tuple[InputTable, ...]] = field(default_factory=dict)
    model_names: set[str] = field(default_factory=set)
    # inferring (`infer_only`): columns readers name of each input, and the input whose
    # columns each model passes through `*` (see `streamt.compile.demand`)
    demand: dict[InputKey, list[Column]] = field(default_factory=dict)
    star_from: dict[str, InputKey] = field(default_factory=dict)
    shapes: ShapeMemo = field(default_factory=ShapeMemo)  # one analysis per query shape
    functions: DeclaredFunctions = field(default_factory=DeclaredFunctions.none)

    def sid(self, name: str) -> str:
        return self.graph.id_of(NodeKind.SOURCE, name)

    def mid(self, name: str) -> str:
        return self.graph.id_of(NodeKind.MODEL, name)

    def compiled_models(self) -> set[str]:
        return self.model_names


def compile_project(
    project: Project,
    graph: Graph,
    *,
    select: Iterable[str] | None = None,
    lock: SchemaLock | None = None,
    jobs: bool = True,
    memo: ModelMemo | None = None,
    tests: Callable[[], Mapping[str, Sequence[str]]] | None = None,
) -> CompileResult:
    """Compile every node (upstream schemas are needed); keep specs of `select`ed nodes only.

    `jobs=False` skips rendering Flink job scripts (`desired.jobs` is then empty; everything
    else, diagnostics included, is the same). `memo` reuses unchanged models' results.
    `tests()` maps a model or source name to the columns its data tests read (column demand
    on sources whose columns are inferred; called only when there are such sources).
    """
    sources = {s.name: s for s in project.sources}
    run = _Run(project, graph, lock, with_jobs=jobs, memo=memo)
    functions = declared_functions(project, run.diags)
    run.functions, run.shapes = functions, functions.shape_memo()
    for source in project.sources:
        run.sources[source.name] = source_schema(source, lock, run.diags, run.sid(source.name))
    open_sources = [name for name, schema in run.sources.items() if schema.open]
    if open_sources:
        wanted = demand_of_tests(project, tests() if tests is not None else {})
        inferred, star_from = _infer(run, open_sources, wanted)
        for name in open_sources:
            closed = close_inferred(sources[name], run.sources[name], inferred.get(name, ()))
            run.diags.append(inferred_warning(sources[name], closed.columns, run.sid(name)))
            run.sources[name] = closed
        run.diags += stars_without_columns(project, star_from, run.sources, run.mid)
    for source in project.sources:
        columns = run.sources[source.name].columns
        run.diags.extend(problems(source, columns, policy(source, project), run.sid(source.name)))
    _compile(run)
    chosen = frozenset(select) if select is not None else None
    return CompileResult(
        desired=_desired(run, chosen),
        nodes=dict(sorted(run.nodes.items())),
        diagnostics=sorted(run.diags, key=Diagnostic.sort_key),
        project_version=project.version,
    )


def _infer(
    run: _Run, open_sources: list[str], tests: dict[InputKey, list[Column]]
) -> tuple[dict[str, tuple[Column, ...]], dict[str, InputKey]]:
    """The columns of each open source: what its readers touch, directly or through `*`
    (demand passed back by `streamt.compile.demand`), compiled again until none is new."""
    by_name = {s.name: s for s in run.project.sources}
    known: dict[str, tuple[Column, ...]] = {}
    models = [
        run.graph.nodes[n].name
        for n in run.graph.order
        if n in run.graph.nodes and run.graph.nodes[n].kind is NodeKind.MODEL
    ]
    # demand crosses every `*` chain within one round; the next round, seeded with it, usually
    # finds nothing new. The bound only guards against a bug looping for ever.
    for _ in range(len(models) + 2):
        sources = dict(run.sources)
        for name in open_sources:  # seeded with what earlier rounds found; still open
            seeded = close_inferred(by_name[name], run.sources[name], known.get(name, ()))
            sources[name] = replace(seeded, open=True)
        first = _Run(
            run.project,
            run.graph,
            run.lock,
            infer_only=True,
            with_jobs=False,
            sources=sources,
            shapes=run.shapes,  # keyed by the input schemas: safe to share across rounds
            functions=run.functions,
        )
        first.demand = {k: list(v) for k, v in tests.items()}
        _compile(first)
        outputs = {
            name: [c.name for c in first.nodes[first.mid(name)].columns]
            for name in models
            if first.mid(name) in first.nodes
        }
        pushed = push_back(models, first.demand, first.star_from, outputs)
        found = {
            name: [
                *known.get(name, ()),
                *first.inferred.get(name, ()),
                *pushed.get(name, ()),
                *documented(by_name[name]),
            ]
            for name in open_sources
        }
        merged = merge_inferred(found)
        if not first.star_from or all(
            _names(merged.get(n, ())) == _names(known.get(n, ())) for n in open_sources
        ):  # without a `*` passing columns through, seeding changes nothing: done
            return merged, first.star_from
        known = merged
    return known, first.star_from


def _names(columns: Iterable[Column]) -> set[str]:
    return {c.name for c in columns}


def _desired(run: _Run, chosen: frozenset[str] | None) -> DesiredState:
    def keep(node: str) -> bool:
        return chosen is None or node in chosen

    return DesiredState(
        project=run.project.name,
        topics=tuple(sorted((t for t in run.topics if keep(t.node)), key=lambda t: t.name)),
        subjects=tuple(sorted((s for s in run.subjects if keep(s.node)), key=lambda s: s.subject)),
        jobs=tuple(sorted((j for j in run.jobs if keep(j.node)), key=lambda j: j.name)),
        connectors=tuple(sorted((c for c in run.connectors if keep(c.node)), key=lambda c: c.name)),
        gateway_rules=tuple(sorted((g for g in run.rules if keep(g.node)), key=lambda g: g.name)),
    )


def _compile(run: _Run) -> None:
    for source in run.project.sources:
        _source(run, source)
    by_name = {m.name: m for m in run.project.models}
    run.models = by_name
    for nid in run.graph.order:
        node = run.graph.nodes.get(nid)
        if node is not None and node.kind is NodeKind.MODEL and node.name in by_name:
            _model(run, by_name[node.name], nid)


def _source(run: _Run, source: Source) -> None:
    nid = run.sid(source.name)
    schema = run.sources[source.name]
    run.nodes[nid] = CompiledNode(
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
    if subject is not None:
        run.subjects.append(subject)


# ------------------------------------------------------------------------------------ models


def _model(run: _Run, model: Model, nid: str) -> None:
    memo = run.memo if not run.infer_only else None
    if memo is None:
        _model_body(run, model, nid)
    else:
        from streamt.compile.memo import capture, mark, replay

        key = memo.key(run, model, nid, *_input_ids(run, model, nid))
        delta = memo.get(key)
        if delta is not None:
            replay(run, delta, nid)
        else:
            before = mark(run)
            _model_body(run, model, nid)
            memo.put(key, capture(run, before, model, nid))
    if nid in run.nodes:
        run.model_names.add(model.name)


def _input_ids(run: _Run, model: Model, nid: str) -> tuple[str, list[str]]:
    """How the model names its inputs, and the nodes whose compiled facts `_model_body` reads
    (for the memo key)."""
    if model.sql is None:
        ids = from_ids(run, model)
        return repr(ids), ids
    refs = run.graph.refs.get(nid)
    if refs is None:
        return "refs:none", []
    return repr(refs), [run.sid(s) for s in refs.sources] + [run.mid(r) for r in refs.refs]


def _model_body(run: _Run, model: Model, nid: str) -> None:
    if model.sql is None:
        model_without_sql(run, model, nid)
        return
    refs = run.graph.refs.get(nid)
    if refs is None or not refs.ok:
        return  # the graph reports Jinja problems
    if any(s not in run.sources for s in refs.sources) or any(
        r not in run.compiled_models() for r in refs.refs
    ):
        return  # unknown references: reported by the graph
    sinks = [r for r in refs.refs if run.nodes[run.mid(r)].materialization is Materialization.SINK]
    if sinks:
        if not run.infer_only:
            run.diags.append(
                Diagnostic(
                    "C006",
                    f"model '{model.name}' reads '{sinks[0]}', a sink connector with no topic of its own",
                    location=model.where("sql"),
                    hint=f"read the model '{sinks[0]}' exports from instead",
                    node=nid,
                )
            )
        return
    names = _table_names(model.name, refs.sources, refs.refs)
    schemas = {("source", s): run.sources[s] for s in refs.sources}
    schemas |= {("ref", r): _model_schema(run, r) for r in refs.refs}
    ml_outputs = _ml_outputs(model)
    analysis = None if ml_outputs else run.shapes.analyze(model.sql, names, schemas)
    if analysis is None:
        rendered, problems = render_sql(
            model.sql,
            source=lambda n: quote_identifier(names.get(("source", n), n)),
            ref=lambda n: quote_identifier(names.get(("ref", n), n)),
        )
        if problems:
            return
        inputs = {names[k]: _renamed(schema, names[k]) for k, schema in schemas.items()}
        analysis = analyze_query(
            rendered,
            inputs,
            ml_outputs=ml_outputs,
            functions=run.functions.types,
            aggregates=run.functions.aggregates,
        )
        if not run.infer_only:
            run.diags.extend(_placed(d, model, nid, rendered) for d in analysis.diagnostics)
    if run.infer_only:
        _record_demand(run, model, analysis, names, refs.sources, refs.refs)
    from streamt.compile.model_specs import emit_model

    emit_model(run, model, nid, analysis, names, refs.sources, refs.refs)


def _record_demand(
    run: _Run,
    model: Model,
    analysis: QueryAnalysis,
    names: dict[tuple[str, str], str],
    sources: Iterable[str],
    refs: Iterable[str],
) -> None:
    for s in sources:
        run.inferred.setdefault(s, []).extend(analysis.inferred.get(names[("source", s)], ()))
    for r in refs:
        found = analysis.inferred.get(names[("ref", r)], ())
        if found:
            run.demand.setdefault(("ref", r), []).extend(found)
    if analysis.open_star is not None:
        origin = next((k for k, table in names.items() if table == analysis.open_star), None)
        if origin is not None:
            run.star_from[model.name] = origin


def _ml_outputs(model: Model) -> dict[str, dict[str, SqlType]]:
    out: dict[str, dict[str, SqlType]] = {}
    for name, spec in model.ml_outputs.items():
        cols: dict[str, SqlType] = {}
        for col in spec.columns:
            try:
                cols[col.name] = parse_type(col.type or "STRING")
            except ValueError:
                cols[col.name] = STRING
        out[name] = cols
    return out


def _table_names(
    model: str, sources: Iterable[str], refs: Iterable[str]
) -> dict[tuple[str, str], str]:
    """Table names inside one job: the input's name, suffixed when it would collide."""
    sources, refs = list(sources), list(refs)
    taken = {model}
    names: dict[tuple[str, str], str] = {}
    for kind, items, suffix in (("ref", refs, "_model"), ("source", sources, "_source")):
        for name in items:
            table = name if name not in taken else f"{name}{suffix}"
            while table in taken:
                table += "_"
            taken.add(table)
            names[(kind, name)] = table
    return names


def _renamed(schema: TableSchema, name: str) -> TableSchema:
    return replace(schema, name=name)


def _model_schema(run: _Run, name: str) -> TableSchema:
    node = run.nodes[run.mid(name)]
    return TableSchema(
        name,
        node.columns,
        updating=node.changelog is ChangelogMode.UPSERT,
        primary_key=node.primary_key,
        open=(not node.columns and node.materialization is Materialization.TOPIC)
        or (run.infer_only and name in run.star_from),
        retimable=node.materialization is not Materialization.VIRTUAL_TOPIC,
        message_key=node.primary_key,
    )


def _placed(diag: Diagnostic, model: Model, nid: str, rendered: str) -> Diagnostic:
    loc = diag.location
    if loc.line:
        line, column = template_position(model.sql or "", rendered, loc.line, loc.column)
        where = model.sql_position(line, column)
    else:
        where = model.where("sql")
    return Diagnostic(
        diag.code, f"model '{model.name}': {diag.message}", diag.severity, where, diag.hint, nid
    )


__all__ = ["compile_project"]

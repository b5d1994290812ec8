"""What the site shows, gathered once: one `NodeDoc` per source, model, sink, test and exposure.

In: the loaded `Project`, its `Graph`, the `CompileResult` (compiled columns, topics,
connectors; column lineage computed here once, as the manifest does) and the last test outcomes
(if any); read directly, not through the manifest's pydantic entries (thousands per project). Out: frozen
values the templates and the browser data are rendered from. Nothing here is HTML: escaping is
the templates' job (autoescape) and the data file's (`streamt.docs.render`). Pure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from streamt.compile.column_lineage import ColumnDerivation, project_column_lineage
from streamt.compile.jobs import job_config
from streamt.compile.result import CompiledNode, CompileResult
from streamt.graph.dag import Graph
from streamt.load.assertions import AssertionEntry
from streamt.load.files import safe_file_name
from streamt.load.ids import NodeKind
from streamt.load.model import (
    Classification,
    DataTest,
    DeclaredColumn,
    Exposure,
    Model,
    Project,
    Source,
)

CLASSIFICATION_ORDER = tuple(Classification)


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    type: str
    description: str | None
    classification: str | None  # declared
    inherited: str | None  # the highest classification of the columns it derives from
    declared: bool  # declared in YAML (False: inferred by the compiler)
    derived_from: tuple[tuple[str, str], ...]  # (node id, column)
    derivation: str | None
    rowtime: bool = False


@dataclass(frozen=True)
class TestDoc:
    id: str
    name: str
    type: str
    assertions: tuple[str, ...]
    outcome: str | None  # pass / fail / error / skipped from the last `streamt test`
    message: str = ""
    url: str = ""


@dataclass(frozen=True)
class RowsDoc:
    """A unit test's `given` rows of one input, or its `expect` rows, as a table of text."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class NodeDoc:
    id: str
    kind: str  # source | model | sink | test | exposure
    name: str
    url: str  # relative to the site root
    file: str
    description: str | None = None
    owner: str | None = None
    tags: tuple[str, ...] = ()
    columns: tuple[ColumnDoc, ...] = ()
    sql: str | None = None  # as written
    compiled: str | None = None  # the job script, or the canonical query
    materialization: str | None = None
    materialization_why: str | None = None
    changelog: str | None = None
    primary_key: tuple[str, ...] = ()
    event_time: str | None = None
    watermark: str | None = None
    topics: tuple[Mapping[str, Any], ...] = ()
    job: Mapping[str, str] = field(default_factory=dict)
    connectors: tuple[Mapping[str, Any], ...] = ()
    tests: tuple[TestDoc, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()  # other declared keys (exposures, tests)
    rows: tuple[RowsDoc, ...] = ()  # unit tests: given and expected rows
    job_file: str | None = None  # the job script `streamt compile` writes, relative to target/
    upstream: tuple[str, ...] = ()
    downstream: tuple[str, ...] = ()


@dataclass(frozen=True)
class Site:
    project: str
    description: str | None
    version: str
    nodes: Mapping[str, NodeDoc]
    order: tuple[str, ...]  # topological
    edges: tuple[tuple[str, str, str], ...]  # (from, to, depends_on | produces)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for node in self.nodes.values():
            out[node.kind] = out.get(node.kind, 0) + 1
        return dict(sorted(out.items()))

    def by_key(self, key: str) -> dict[str, list[NodeDoc]]:
        """owner -> nodes, or tag -> nodes."""
        out: dict[str, list[NodeDoc]] = {}
        for node in self.nodes.values():
            values = node.tags if key == "tags" else ((node.owner,) if node.owner else ())
            for value in values:
                out.setdefault(value, []).append(node)
        return dict(sorted(out.items()))


def build_site(
    project: Project,
    graph: Graph,
    result: CompileResult,
    outcomes: Mapping[str, Mapping[str, str]] | None = None,
    only: frozenset[str] | None = None,
) -> Site:
    """`outcomes`: test name -> its last result (`status`, `message`); `only`: the node ids
    that get a page (`docs generate --select`; None: all), the others are left out of the
    pages, the lineage graph and the neighbour lists."""
    entries = dict(result.nodes)
    lineage = project_column_lineage(result.nodes)
    for n in result.nodes.values():
        if n.kind == "model" and not n.columns and len(n.inputs) == 1:
            entries[n.id] = _exported(n, result.nodes.get(n.inputs[0]))
    urls = _urls(graph)
    declared = _declared(project, graph)
    masked = {
        (graph.id_of(NodeKind.MODEL, m.name), p.mask.column)
        for m in project.models
        for p in m.security.policies
        if p.mask
    }
    inherited = _propagate(graph.order, lineage, declared, masked)
    tests = _tests(project, graph, outcomes or {}, urls)
    by_node = _by_node(result)
    out: dict[str, NodeDoc] = {}
    for s in project.sources:
        nid = graph.id_of(NodeKind.SOURCE, s.name)
        out[nid] = _source(s, nid, entries.get(nid), lineage, declared, inherited, by_node)
    for m in project.models:
        nid = graph.id_of(NodeKind.MODEL, m.name)
        out[nid] = replace(
            _model(m, nid, entries.get(nid), lineage, declared, inherited, by_node),
            job=_flink_settings(m, project.job_scope) if _is_job(entries.get(nid)) else {},
        )
    for t in project.tests:
        nid = graph.id_of(NodeKind.TEST, t.name)
        out[nid] = _test_node(t, nid, tests.get(nid))
    for e in project.exposures:
        nid = graph.id_of(NodeKind.EXPOSURE, e.name)
        out[nid] = _exposure(e, nid)
    nodes = {
        nid: _with_neighbours(doc, graph, urls[nid], tests)
        for nid, doc in out.items()
        if nid in graph.nodes and (only is None or nid in only)
    }
    edges = tuple(
        [(p, c, "depends_on") for c in graph.order for p in graph.parents[c]]
        + [(e, s, "produces") for s, ps in sorted(graph.produced_by.items()) for e in ps]
    )
    return Site(
        project=project.name,
        description=project.project.description,
        version=project.version,
        nodes=nodes,
        order=tuple(n for n in graph.order if n in nodes),
        edges=tuple(e for e in edges if e[0] in nodes and e[1] in nodes),
    )


def _exported(node: CompiledNode, upstream: CompiledNode | None) -> CompiledNode:
    """A sink fed by one node (`from:`) exports that node's columns as they are (the column
    lineage's pass-through says where each comes from)."""
    return node if upstream is None else replace(node, columns=upstream.columns)


def _urls(graph: Graph) -> dict[str, str]:
    """One page per node; names that sanitise to one file name get a hash suffix."""
    stems = {nid: safe_file_name(nid) for nid in graph.nodes}
    taken: dict[str, int] = {}
    for stem in stems.values():
        taken[stem.casefold()] = taken.get(stem.casefold(), 0) + 1
    out = {}
    for nid, stem in stems.items():
        if taken[stem.casefold()] > 1 or stem != nid:
            stem += "-" + hashlib.sha256(nid.encode("utf-8")).hexdigest()[:8]
        out[nid] = f"nodes/{stem}.html"
    return out


def _declared(project: Project, graph: Graph) -> dict[tuple[str, str], Classification]:
    out: dict[tuple[str, str], Classification] = {}
    for kind, nodes in ((NodeKind.SOURCE, project.sources), (NodeKind.MODEL, project.models)):
        for node in nodes:
            nid = graph.id_of(kind, node.name)
            for col in node.columns:
                if col.classification is not None:
                    out[(nid, col.name)] = col.classification
    for m in project.models:
        for name, cls in m.security.classification.items():
            out[(graph.id_of(NodeKind.MODEL, m.name), name)] = cls
    return out


def _higher(a: Classification | None, b: Classification | None) -> Classification | None:
    if a is None or b is None:
        return a or b
    return max(a, b, key=CLASSIFICATION_ORDER.index)


def _propagate(
    order: Sequence[str],
    lineage: Mapping[str, Mapping[str, ColumnDerivation]],
    declared: Mapping[tuple[str, str], Classification],
    masked: set[tuple[str, str]],
) -> dict[tuple[str, str], Classification]:
    """(node, column) -> the highest classification among the columns it derives from,
    transitively (parents first, so one pass); a masked column passes nothing on (as V172)."""
    out: dict[tuple[str, str], Classification] = {}
    for nid in order:
        for name, origin in lineage.get(nid, {}).items():
            if (nid, name) in masked:
                continue
            level: Classification | None = None
            for ref in origin.sources:
                key = (ref.node, ref.column)
                if key not in masked:
                    level = _higher(level, _higher(declared.get(key), out.get(key)))
            if level is not None:
                out[(nid, name)] = level
    return out


def _columns(
    nid: str,
    entry: CompiledNode | None,
    origins: Mapping[str, ColumnDerivation],
    written: Sequence[DeclaredColumn],
    declared: Mapping[tuple[str, str], Classification],
    inherited: Mapping[tuple[str, str], Classification],
) -> tuple[ColumnDoc, ...]:
    by_name = {c.name: c for c in written}
    compiled = entry.columns if entry else ()
    names = [c.name for c in compiled] or list(by_name)
    types = {c.name: c for c in compiled}
    out = []
    for name in names:
        src, comp, origin = by_name.get(name), types.get(name), origins.get(name)
        cls, up = declared.get((nid, name)), inherited.get((nid, name))
        out.append(
            ColumnDoc(
                name=name,
                type=comp.type.sql() if comp else (src.type or "") if src else "",
                description=src.description if src else None,
                classification=cls.value if cls else None,
                inherited=up.value if up else None,
                declared=src is not None and (src.type is not None or not comp),
                derived_from=tuple((r.node, r.column) for r in origin.sources) if origin else (),
                derivation=origin.derivation.value if origin else None,
                rowtime=comp.rowtime if comp else False,
            )
        )
    return tuple(out)


def _by_node(result: CompileResult) -> dict[str, NodeDoc]:
    """node id -> a blank node carrying its topics and connectors (one pass each)."""
    topics: dict[str, list[Mapping[str, Any]]] = {}
    for t in result.desired.topics:
        topics.setdefault(t.node, []).append(
            {
                "name": t.name,
                "partitions": t.partitions,
                "replication_factor": t.replication_factor,
                "config": dict(sorted(t.config.items())),
            }
        )
    connectors: dict[str, list[Mapping[str, Any]]] = {}
    for c in result.desired.connectors:
        connectors.setdefault(c.node, []).append(
            {"name": c.name, "config": dict(sorted(c.config.items()))}
        )
    return {
        nid: NodeDoc(
            id=nid,
            kind="",
            name="",
            url="",
            file="",
            topics=tuple(topics.get(nid, ())),
            connectors=tuple(connectors.get(nid, ())),
        )
        for nid in {*topics, *connectors}
    }


_BLANK = NodeDoc(id="", kind="", name="", url="", file="")


def _head(nid: str, kind: str, node: Source | Model | DataTest | Exposure) -> NodeDoc:
    """The fields every page has."""
    return NodeDoc(
        id=nid,
        kind=kind,
        name=node.name,
        url="",
        file=str(node.location),
        description=node.description,
        owner=getattr(node, "owner", None),
        tags=tuple(getattr(node, "tags", ())),
    )


def _is_job(entry: CompiledNode | None) -> bool:
    return (
        entry is not None
        and entry.materialization is not None
        and (entry.materialization.value == "flink")
    )


def _flink_settings(m: Model, project: str) -> dict[str, str]:
    """The job's settings as compile writes them: declared (`advanced.flink`) with streamt's
    defaults applied (pipeline name, checkpoint interval)."""
    return dict(sorted(job_config(m, project).items()))


def _event_time(node: Source | Model, entry: CompiledNode | None) -> tuple[str | None, str | None]:
    """(event time column, watermark) as shown."""
    et = node.event_time
    if et is None:
        rowtime = entry.rowtime if entry else None
        return (f"{rowtime} (passed through)" if rowtime else None), None
    wm = et.watermark
    mark = f"{wm.strategy}, max out of orderness {wm.max_out_of_orderness_ms} ms"
    if wm.idle_timeout_ms is not None:
        mark += f", idle after {wm.idle_timeout_ms} ms"
    return et.column, mark


def _source(
    s: Source,
    nid: str,
    entry: CompiledNode | None,
    lineage: Mapping[str, Mapping[str, ColumnDerivation]],
    declared: Mapping[tuple[str, str], Classification],
    inherited: Mapping[tuple[str, str], Classification],
    by_node: Mapping[str, NodeDoc],
) -> NodeDoc:
    event_time, watermark = _event_time(s, entry)
    base = by_node.get(nid) or _BLANK
    facts = [("topic", s.topic)]
    if s.key:
        facts.append(("message key", ", ".join(s.key)))
    if s.format is not None:
        facts.append(("format", str(getattr(s.format, "value", s.format))))
    return replace(
        _head(nid, "source", s),
        columns=_columns(nid, entry, lineage.get(nid, {}), s.columns, declared, inherited),
        changelog=entry.changelog.value if entry else None,
        primary_key=entry.primary_key if entry else (),
        facts=tuple(facts),
        event_time=event_time,
        watermark=watermark,
        topics=base.topics,
        connectors=base.connectors,
    )


def _model(
    m: Model,
    nid: str,
    entry: CompiledNode | None,
    lineage: Mapping[str, Mapping[str, ColumnDerivation]],
    declared: Mapping[tuple[str, str], Classification],
    inherited: Mapping[tuple[str, str], Classification],
    by_node: Mapping[str, NodeDoc],
) -> NodeDoc:
    materialization = entry.materialization.value if entry and entry.materialization else None
    event_time, watermark = _event_time(m, entry)
    base = by_node.get(nid) or _BLANK
    if m.materialized is not None:
        why = "declared (materialized:)"
    elif entry and entry.stateful_reasons:
        why = "inferred: stateful (" + ", ".join(entry.stateful_reasons) + ")"
    else:
        why = "inferred: stateless"
    return replace(
        _head(nid, "sink" if materialization == "sink" else "model", m),
        columns=_columns(nid, entry, lineage.get(nid, {}), m.columns, declared, inherited),
        sql=m.sql,
        compiled=entry.query if entry else None,
        materialization=materialization,
        materialization_why=why,
        job_file=f"flink/{safe_file_name(m.name)}.sql" if materialization == "flink" else None,
        changelog=entry.changelog.value if entry else None,
        primary_key=entry.primary_key if entry else (),
        event_time=event_time,
        watermark=watermark,
        topics=base.topics,
        connectors=base.connectors,
    )


def _test_node(t: DataTest, nid: str, doc: TestDoc | None) -> NodeDoc:
    facts = [("type", t.type.value), ("target", t.model)]
    if doc is not None and doc.outcome:
        facts.append(("last outcome", doc.outcome + (f": {doc.message}" if doc.message else "")))
    facts += [("assertion", a) for a in (doc.assertions if doc else ())]
    tables = [
        _rows(f"given: {g.get('input', '?')}", g.get("rows"))
        for g in t.given
        if isinstance(g, Mapping)
    ]
    if t.expect is not None:
        options = ", ".join(f"{k}: {_cell(v)}" for k, v in t.expect.items() if k != "rows")
        tables.append(_rows("expect" + (f" ({options})" if options else ""), t.expect.get("rows")))
    return replace(
        _head(nid, "test", t),
        facts=tuple(facts),
        rows=tuple(tables),
    )


def _rows(title: str, rows: object) -> RowsDoc:
    """Rows as written (mappings), one column per key in the order first seen."""
    found = [r for r in rows if isinstance(r, Mapping)] if isinstance(rows, (list, tuple)) else []
    columns: dict[str, None] = {}
    for row in found:
        columns.update(dict.fromkeys(str(k) for k in row))
    return RowsDoc(
        title=title,
        columns=tuple(columns),
        rows=tuple(tuple(_cell(row.get(c)) if c in row else "" for c in columns) for row in found),
    )


def _cell(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _exposure(e: Exposure, nid: str) -> NodeDoc:
    keys = ("type", "role", "url", "repo", "language", "tool", "consumer_group", "schedule")
    facts = [(k, str(getattr(e, k))) for k in keys if getattr(e, k) is not None]
    if e.sla is not None:
        sla = e.sla.model_dump(exclude_none=True)
        facts += [(f"sla.{k}", str(v)) for k, v in sla.items()]
    return replace(
        _head(nid, "exposure", e),
        facts=tuple(facts),
    )


def _assertion_text(assertion: AssertionEntry) -> str:
    dumped = assertion.model_dump(mode="json", exclude_none=True)
    return json.dumps(dumped, sort_keys=True, ensure_ascii=False, default=str)


def _tests(
    project: Project,
    graph: Graph,
    outcomes: Mapping[str, Mapping[str, str]],
    urls: Mapping[str, str],
) -> dict[str, TestDoc]:
    out = {}
    for t in project.tests:
        nid = graph.id_of(NodeKind.TEST, t.name)
        last = outcomes.get(t.name, {})
        out[nid] = TestDoc(
            id=nid,
            name=t.name,
            type=t.type.value,
            assertions=tuple(_assertion_text(a) for a in t.assertions),
            outcome=last.get("status"),
            message=last.get("message", ""),
            url=urls.get(nid, ""),
        )
    return out


def _with_neighbours(doc: NodeDoc, graph: Graph, url: str, tests: Mapping[str, TestDoc]) -> NodeDoc:
    kids = graph.children.get(doc.id, ())
    mine = tuple(tests[c] for c in kids if c in tests)
    return replace(
        doc,
        url=url,
        upstream=tuple(graph.parents.get(doc.id, ())),
        downstream=tuple(c for c in kids if c not in tests),
        tests=mine,
    )

"""Specs for one analysed SQL model: node facts, topic, Flink job or Gateway rule. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from streamt.compile.connectors import gateway_rule
from streamt.compile.demand import unknown_columns
from streamt.compile.eventtime import declared_event_time, one_rowtime, rowtime_name
from streamt.compile.inputs import (
    dedupe,
    guard_inputs,
    ref_inputs,
    ref_policies,
    ref_problems,
    side_topics,
    source_input,
    source_policies,
)
from streamt.compile.jobs import InputTable, build_job, pipeline_name
from streamt.compile.masking import masks
from streamt.compile.materialize import decide_with_sql
from streamt.compile.result import CompiledNode
from streamt.compile.specs import ChangelogMode, GatewayRuleSpec, Materialization
from streamt.compile.tables import topic_options
from streamt.compile.topics import topic_spec
from streamt.diagnostics import Diagnostic, Severity
from streamt.load.model import Materialized, Model
from streamt.sql import Column, QueryAnalysis, TableSchema
from streamt.sql.ddl import Rewrite

if TYPE_CHECKING:
    from streamt.compile.project import _Run

Names = dict[tuple[str, str], str]


def emit_model(
    run: _Run,
    model: Model,
    nid: str,
    analysis: QueryAnalysis,
    names: Names,
    sources: Sequence[str],
    refs: Sequence[str],
) -> None:
    input_ids = tuple([run.sid(s) for s in sources] + [run.mid(r) for r in refs])
    if not analysis.ok:
        run.nodes[nid] = _node(
            model,
            nid,
            analysis,
            input_ids,
            Materialization.FLINK,
            topic=run.project.topic_of(model),
        )
        return
    if not run.infer_only:
        empty = _unknown_columns(run, model, nid, analysis, names, sources, refs)
        if empty:
            run.diags.extend(empty)
            topic = run.project.topic_of(model)
            run.nodes[nid] = _node(
                model, nid, analysis, input_ids, Materialization.FLINK, topic=topic
            )
            return
    diags: list[Diagnostic] = []
    key = _key(model, nid, analysis, diags)
    gateway = run.project.runtime.gateway is not None
    wants_rule = gateway or model.materialized is Materialized.VIRTUAL_TOPIC
    rule = _rule(run, analysis, model, nid, sources, refs) if wants_rule else None
    rewrites, columns = masks(model, nid, analysis.columns, diags)
    if rewrites:
        rule = None  # a Gateway rule here only filters and projects
    if rule is not None and _feeds_connector(run, nid):
        rule = None
        if model.materialized is Materialized.VIRTUAL_TOPIC:
            diags.append(
                Diagnostic(
                    "C014",
                    f"model '{model.name}' is a virtual topic read by a sink connector; "
                    "Kafka Connect reads physical topics only",
                    location=model.where("materialized"),
                    hint="remove materialized: virtual_topic (it becomes a Flink job + topic)",
                    node=nid,
                )
            )
    decision = decide_with_sql(
        model, nid, analysis, gateway=gateway, gateway_expressible=rule is not None
    )
    diags.extend(decision.diagnostics)
    if analysis.ml_functions:
        diags.append(
            Diagnostic(
                "C030",
                f"model '{model.name}' uses {', '.join(analysis.ml_functions)}, which needs Confluent Cloud Flink",
                Severity.INFO,
                model.where("sql"),
                hint="it compiles, but open-source Flink (the local stack) cannot run it",
                node=nid,
            )
        )
    mat = decision.materialization
    updating = analysis.updating
    rowtime = analysis.rowtime
    run.nodes[nid] = _node(
        model,
        nid,
        analysis,
        input_ids,
        mat,
        topic=run.project.topic_of(model),
        columns=declared_event_time(model, one_rowtime(columns), nid, diags),
        changelog=ChangelogMode.UPSERT if updating else ChangelogMode.APPEND,
        primary_key=tuple(key) if updating else tuple(model.key),
        rowtime=rowtime_name(model, rowtime),
    )
    if not run.infer_only:
        run.diags.extend(diags)
    if any(d.is_error for d in diags):
        return
    if mat is Materialization.VIRTUAL_TOPIC:
        if rule is not None:
            run.rules.append(rule)
        group = pipeline_name(run.project.job_scope, model.name)
        inputs = [source_input(run, s, names[("source", s)], group, analysis) for s in sources]
        for r in refs:
            inputs.extend(ref_inputs(run, r, names[("ref", r)], group, analysis))
        run.job_inputs[f"__vt__{model.name}"] = tuple(dedupe(inputs))
        return
    _flink(run, model, nid, analysis, names, sources, refs, key, (rewrites, columns))


def _unknown_columns(
    run: _Run,
    model: Model,
    nid: str,
    analysis: QueryAnalysis,
    names: Names,
    sources: Sequence[str],
    refs: Sequence[str],
) -> list[Diagnostic]:
    inputs = {f"source '{s}'": run.sources[s].columns for s in sources}
    for r in refs:
        upstream = run.nodes[run.mid(r)]
        if upstream.materialization is Materialization.TOPIC:  # others report their own
            found = upstream.columns or analysis.inferred.get(names[("ref", r)], ())
            inputs[f"model '{r}'"] = found
    return unknown_columns(model, nid, analysis.columns, inputs)


def _key(
    model: Model, nid: str, analysis: QueryAnalysis, diags: list[Diagnostic]
) -> tuple[str, ...]:
    names = {c.name for c in analysis.columns}
    for i, k in enumerate(model.key):
        if k not in names:
            diags.append(
                Diagnostic(
                    "C003",
                    f"model '{model.name}': key column '{k}' is not an output column",
                    location=model.where(f"key.{i}") if len(model.key) > 1 else model.where("key"),
                    hint=f"output columns: {', '.join(sorted(names))}",
                    node=nid,
                )
            )
    if analysis.updating:
        diags.extend(_null_filled_keys(model, nid, analysis, model.key or analysis.upsert_key))
    if model.key:
        return tuple(model.key)
    if analysis.updating and not analysis.upsert_key:
        why = "; ".join(analysis.changelog_reasons) or "the query emits updates"
        diags.append(
            Diagnostic(
                "C002",
                f"model '{model.name}' produces an updating result ({why}) but no primary key can be derived",
                location=model.where("sql"),
                hint="set key: [<columns>] on the model (the upsert-kafka primary key), "
                "or GROUP BY columns you also select",
                node=nid,
            )
        )
        return ()
    return tuple(analysis.upsert_key or ())


def _null_filled_keys(
    model: Model, nid: str, analysis: QueryAnalysis, key: Sequence[str] | None
) -> list[Diagnostic]:
    """An upsert key column that is NULL by construction in some rows fails the job there
    (upsert-kafka keys are NOT NULL)."""
    filled = {c.name for c in analysis.columns if c.null_filled}
    return [
        Diagnostic(
            "S049",
            f"model '{model.name}': key column '{k}' is NULL in some rows (the optional side of "
            "an outer join, or a column GROUPING SETS / ROLLUP / CUBE rolls up); an "
            "upsert-kafka key cannot be NULL, so the job would fail at the first such row",
            location=model.where("key") if model.key else model.where("sql"),
            hint=f"key on COALESCE({k}, <marker>) AS {k}, or on columns of the preserved side",
            node=nid,
        )
        for k in key or ()
        if k in filled
    ]


def _rule(
    run: _Run,
    analysis: QueryAnalysis,
    model: Model,
    nid: str,
    sources: Sequence[str],
    refs: Sequence[str],
) -> GatewayRuleSpec | None:
    if len(sources) + len(refs) != 1:
        return None
    if sources:
        physical = next(s.topic for s in run.project.sources if s.name == sources[0])
    else:
        upstream = run.nodes[run.mid(refs[0])]
        if upstream.materialization is Materialization.VIRTUAL_TOPIC or upstream.topic is None:
            return None
        physical = upstream.topic
    return gateway_rule(
        analysis.query_tree() or analysis.canonical, run.project.topic_of(model), physical, nid
    )


def _flink(
    run: _Run,
    model: Model,
    nid: str,
    analysis: QueryAnalysis,
    names: Names,
    sources: Sequence[str],
    refs: Sequence[str],
    key: tuple[str, ...],
    masking: tuple[dict[str, Rewrite], tuple[Column, ...]],
) -> None:
    project = run.project
    run.topics.append(topic_spec(project, model, nid))
    if not run.infer_only:
        run.diags.extend(ref_problems(run, model, nid, refs))
    side_topics(run, model, nid, sources, refs)
    if not run.with_jobs:
        return
    rewrites, masked_columns = masking
    group = pipeline_name(project.job_scope, model.name)
    read = [source_input(run, s, names[("source", s)], group, analysis) for s in sources]
    width = _parallelism(model)
    upstream = [
        t for r in refs for t in ref_inputs(run, r, names[("ref", r)], group, analysis, width)
    ]
    guards = guard_inputs(
        run,
        model,
        [*source_policies(run, read), *ref_policies(model, upstream)],
    )
    inputs: list[InputTable] = list(guards.inputs)
    updating = analysis.updating
    output = TableSchema(model.name, masked_columns, primary_key=key if updating else ())
    options = topic_options(
        project.topic_of(model),
        project.runtime,
        upsert=updating,
        key=() if updating else key,
        group_id=None,
    )
    fns = run.functions
    job = build_job(
        node=nid,
        model=model,
        project=project.job_scope,
        inputs=dedupe(inputs),
        output=output,
        output_options=options,
        query=analysis.canonical,
        tree=analysis.query_tree(),
        sink_topic=project.topic_of(model),
        changelog=ChangelogMode.UPSERT if updating else ChangelogMode.APPEND,
        query_columns=analysis.columns,
        rewrites=rewrites,
        side_inserts=guards.side_inserts,
        functions=[(fns.statements[n], fns.jars[n]) for n in fns.used_by(analysis.query_tree())],
    )
    run.jobs.append(job)


def _parallelism(model: Model) -> int | None:
    flink = model.advanced.flink
    configured = str(flink.config.get("parallelism.default", ""))
    if configured.isdigit():  # `config:` is applied after the typed keys
        return int(configured)
    return flink.parallelism


def _node(
    model: Model,
    nid: str,
    analysis: QueryAnalysis,
    inputs: tuple[str, ...],
    materialization: Materialization,
    *,
    columns: tuple[Column, ...] | None = None,
    changelog: ChangelogMode = ChangelogMode.APPEND,
    primary_key: tuple[str, ...] = (),
    rowtime: str | None = None,
    topic: str = "",
) -> CompiledNode:
    return CompiledNode(
        id=nid,
        kind="model",
        name=model.name,
        topic=topic or model.topic_name,
        materialization=materialization,
        columns=analysis.columns if columns is None else columns,
        changelog=changelog,
        primary_key=primary_key,
        rowtime=rowtime,
        stateful_reasons=analysis.stateful_reasons,
        inputs=inputs,
        query=analysis.canonical,
        description=model.description,
        owner=model.owner,
        tags=tuple(model.tags),
    )


def _feeds_connector(run: _Run, nid: str) -> bool:
    for child in run.graph.children.get(nid, ()):
        node = run.graph.nodes.get(child)
        model = (
            run.models.get(node.name) if node is not None and child.startswith("model.") else None
        )
        if model is not None and model.sql is None and (model.from_ or model.sink_connector):
            return True
    return False

"""Specs for one analysed SQL model: node facts, topic, Flink job or Gateway rule. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from streamt.compile.demand import unknown_columns
from streamt.compile.eventtime import declared_event_time, one_rowtime, rowtime_name
from streamt.compile.facts import CompiledModel, ModelFacts, ModelInputs, Settings, SourceFacts
from streamt.compile.gateway import (
    NotOnGateway,
    masking_rule,
    rule_for,
    single_table_select,
    virtual_topic_name,
)
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
from streamt.compile.jobs import (
    BOUNDED_CONFIG,
    InputTable,
    bounded_input,
    build_job,
    exactly_once_sink,
    pipeline_name,
)
from streamt.compile.masking import masks
from streamt.compile.materialize import decide_with_sql, wants_virtual_topic
from streamt.compile.ml import ml_problems
from streamt.compile.result import CompiledNode
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.compile.tables import source_format, topic_options
from streamt.compile.topics import topic_spec
from streamt.diagnostics import Diagnostic
from streamt.load.model import Model
from streamt.resources import GatewayRuleSpec, JobSpec, TopicSpec
from streamt.sql import Column, QueryAnalysis, TableSchema
from streamt.sql.ddl import Rewrite

Names = dict[tuple[str, str], str]


def emit_model(
    settings: Settings,
    inputs: ModelInputs,
    model: Model,
    nid: str,
    analysis: QueryAnalysis,
    names: Names,
) -> CompiledModel:
    project = settings.project
    input_ids = tuple([f.id for f in inputs.sources] + [m.id for m in inputs.models])
    if not analysis.ok:
        node = _node(
            model, nid, analysis, input_ids, Materialization.FLINK, topic=project.topic_of(model)
        )
        return CompiledModel(node)
    if not settings.infer_only:
        empty = _unknown_columns(inputs, model, nid, analysis, names)
        if empty:
            topic = project.topic_of(model)
            node = _node(model, nid, analysis, input_ids, Materialization.FLINK, topic=topic)
            return CompiledModel(node, tuple(empty))
    diags: list[Diagnostic] = []
    key = _key(model, nid, analysis, diags)
    gateway = project.runtime.gateway is not None
    wants_rule = gateway or wants_virtual_topic(model)
    found = _rule(settings, inputs, analysis, model, nid) if wants_rule else None
    rewrites, columns = masks(model, nid, analysis.columns, diags)
    rules = found if isinstance(found, tuple) else ()
    rule = rules[0] if rules else None
    if rule is not None and inputs.feeds_connector:
        rule = None
        if wants_virtual_topic(model):
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
        model,
        nid,
        analysis,
        gateway=gateway,
        gateway_expressible=rule is not None,
        blocker=found.reason if isinstance(found, NotOnGateway) else "",
    )
    diags.extend(decision.diagnostics)
    diags.extend(ml_problems(project, model, nid, analysis))
    mat = decision.materialization
    updating = analysis.updating
    rowtime = analysis.rowtime
    node = _node(
        model,
        nid,
        analysis,
        input_ids,
        mat,
        topic=project.topic_of(model),
        columns=declared_event_time(model, one_rowtime(columns), nid, diags),
        changelog=ChangelogMode.UPSERT if updating else ChangelogMode.APPEND,
        primary_key=tuple(key) if updating else tuple(model.key),
        rowtime=rowtime_name(model, rowtime),
    )
    reported = () if settings.infer_only else tuple(diags)
    if any(d.is_error for d in diags):
        return CompiledModel(node, reported)
    if mat is Materialization.VIRTUAL_TOPIC:
        group = pipeline_name(project.job_scope, model.name)
        tables = [
            source_input(settings, f, names[("source", f.source.name)], group, analysis)
            for f in inputs.sources
        ]
        for m in inputs.models:
            tables.extend(ref_inputs(settings, m, names[("ref", m.name)], group, analysis))
        rules = rules if rule is not None else ()
        return CompiledModel(node, reported, rules=rules, view=tuple(dedupe(tables)))
    flink = _flink(settings, inputs, model, nid, analysis, names, key, (rewrites, columns))
    return CompiledModel(node, reported + flink.diags, topics=flink.topics, jobs=flink.jobs)


def _unknown_columns(
    inputs: ModelInputs, model: Model, nid: str, analysis: QueryAnalysis, names: Names
) -> list[Diagnostic]:
    found = {f"source '{f.source.name}'": f.schema.columns for f in inputs.sources}
    for upstream in inputs.models:
        if upstream.materialization is Materialization.TOPIC:  # others report their own
            columns = upstream.columns or analysis.inferred.get(names[("ref", upstream.name)], ())
            found[f"model '{upstream.name}'"] = columns
    return unknown_columns(model, nid, analysis.columns, found)


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
    settings: Settings, inputs: ModelInputs, analysis: QueryAnalysis, model: Model, nid: str
) -> tuple[GatewayRuleSpec, ...] | NotOnGateway | None:
    """The Gateway rules of a filter/projection over one physical topic (its virtual topic, then
    the masking of its columns if any), the construct that keeps it off the Gateway, or None when
    the query is not a SELECT over one table at all."""
    read: tuple[SourceFacts | ModelFacts, ...] = (*inputs.sources, *inputs.models)
    tree = single_table_select(analysis.query_tree())
    if len(read) != 1 or tree is None:
        return None
    found = read[0]
    if isinstance(found, SourceFacts):
        physical, fmt, key = found.source.topic, source_format(found.source), found.source.key
    elif found.materialization is Materialization.VIRTUAL_TOPIC:
        return NotOnGateway("it reads another virtual topic")
    elif found.topic is None:
        return None
    elif found.changelog is not ChangelogMode.APPEND:
        return NotOnGateway("it reads an updating (upsert) topic")
    else:
        physical, fmt, key = found.topic, "json", found.primary_key
    if model.key and tuple(model.key) != tuple(key):
        return NotOnGateway("its key: differs from its input topic's message key")
    own = model.advanced.topic
    if own.partitions or own.replication_factor or own.config:
        return NotOnGateway("it sets advanced.topic (a virtual topic has no topic of its own)")
    rule = rule_for(tree, virtual_topic_name(settings.project, model), physical, fmt, nid)
    if isinstance(rule, NotOnGateway):
        return rule
    masking = masking_rule(model, rule, analysis.columns, fmt, read_by_models=inputs.feeds_models)
    if isinstance(masking, NotOnGateway):
        return masking
    return (rule,) if masking is None else (rule, masking)


@dataclass(frozen=True)
class _Flink:
    topics: tuple[TopicSpec, ...]
    diags: tuple[Diagnostic, ...]
    jobs: tuple[JobSpec, ...]


def _flink(
    settings: Settings,
    inputs: ModelInputs,
    model: Model,
    nid: str,
    analysis: QueryAnalysis,
    names: Names,
    key: tuple[str, ...],
    masking: tuple[dict[str, Rewrite], tuple[Column, ...]],
) -> _Flink:
    project = settings.project
    upstreams = inputs.models
    topics = (
        topic_spec(project, model, nid),
        *side_topics(settings, model, nid, inputs.sources, upstreams),
    )
    diags = () if settings.infer_only else tuple(ref_problems(model, nid, upstreams))
    if not settings.with_jobs:
        return _Flink(topics, diags, ())
    rewrites, masked_columns = masking
    group = pipeline_name(project.job_scope, model.name)
    read = [
        source_input(settings, f, names[("source", f.source.name)], group, analysis)
        for f in inputs.sources
    ]
    width = _parallelism(model)
    upstream = [
        t
        for m in upstreams
        for t in ref_inputs(settings, m, names[("ref", m.name)], group, analysis, width)
    ]
    if settings.bounded:
        read, upstream = [bounded_input(t) for t in read], [bounded_input(t) for t in upstream]
    guards = guard_inputs(
        settings,
        model,
        [
            *source_policies(settings, inputs.sources, read),
            *ref_policies(model, upstream),
        ],
    )
    tables: list[InputTable] = list(guards.inputs)
    updating = analysis.updating
    output = TableSchema(model.name, masked_columns, primary_key=key if updating else ())
    options = topic_options(
        project.topic_of(model),
        project.runtime,
        upsert=updating,
        key=() if updating else key,
        group_id=None,
    )
    if project.delivery_of(model) == "exactly_once" and not settings.bounded:
        options += exactly_once_sink(group)
    fns = settings.functions
    job = build_job(
        node=nid,
        model=model,
        project=project.job_scope,
        inputs=dedupe(tables),
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
        extra_config=BOUNDED_CONFIG if settings.bounded else None,
    )
    return _Flink(topics, diags, (job,))


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

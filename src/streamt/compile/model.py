"""`compile_model(model, nid, inputs, settings) -> CompiledModel`: one model, compiled from its
inputs' compiled facts and the project settings alone (`streamt.compile.facts`).

A model with SQL is rendered (refs -> quoted table names), analysed by `streamt.sql` (through
the shape memo) and turned into specs (`streamt.compile.model_specs`); one without SQL is a
topic or a sink connector (`streamt.compile.plain`). Diagnostics from the SQL room are mapped
back to the model's file and line. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from streamt.compile.facts import CompiledModel, ModelFacts, ModelInputs, Settings
from streamt.compile.model_specs import Names, emit_model
from streamt.compile.plain import model_without_sql
from streamt.compile.positions import template_position
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.diagnostics import Diagnostic, has_errors
from streamt.load.jinja import Variables, render_sql
from streamt.load.model import Model
from streamt.sql import (
    QueryAnalysis,
    SqlType,
    TableSchema,
    analyze_query,
    parse_type,
    quote_identifier,
)
from streamt.sql.types import STRING

_NOTHING = CompiledModel(None)


def compile_model(model: Model, nid: str, inputs: ModelInputs, settings: Settings) -> CompiledModel:
    if model.sql is None:
        return model_without_sql(settings, inputs, model, nid)
    refs = inputs.refs
    if refs is None or not refs.ok:
        return _NOTHING  # the graph reports Jinja problems
    upstreams = [inputs.model(r) for r in refs.refs]
    if any(inputs.source(s) is None for s in refs.sources) or None in upstreams:
        return _NOTHING  # unknown references: reported by the graph
    sinks = [m.name for m in upstreams if m and m.materialization is Materialization.SINK]
    if sinks:
        if settings.infer_only:
            return _NOTHING
        return CompiledModel(
            None,
            (
                Diagnostic(
                    "C006",
                    f"model '{model.name}' reads '{sinks[0]}', a sink connector with no topic of its own",
                    location=model.where("sql"),
                    hint=f"read the model '{sinks[0]}' exports from instead",
                    node=nid,
                ),
            ),
        )
    names = _table_names(model.name, refs.sources, refs.refs)
    schemas = {("source", f.source.name): f.schema for f in inputs.sources}
    schemas |= {("ref", m.name): _model_schema(m) for m in upstreams if m is not None}
    ml_outputs = _ml_outputs(model)
    variables = Variables.from_reads(refs.reads)  # what the graph's render read, and only that
    analysis = None if ml_outputs else settings.shapes.analyze(model.sql, names, schemas, variables)
    reported: tuple[Diagnostic, ...] = ()
    if analysis is None:
        rendered, problems = render_sql(
            model.sql,
            source=lambda n: quote_identifier(names.get(("source", n), n)),
            ref=lambda n: quote_identifier(names.get(("ref", n), n)),
            variables=variables,
        )
        if problems:
            return _NOTHING
        tables = {names[k]: replace(schema, name=names[k]) for k, schema in schemas.items()}
        analysis = analyze_query(
            rendered,
            tables,
            ml_outputs=ml_outputs,
            functions=settings.functions.types,
            aggregates=settings.functions.aggregates,
        )
        if not settings.infer_only:
            reported = tuple(_placed(d, model, nid, rendered) for d in analysis.diagnostics)
    compiled = emit_model(settings, inputs, model, nid, analysis, names)
    if reported:
        compiled = replace(
            compiled, diags=reported + compiled.diags, query_failed=has_errors(reported)
        )
    if settings.infer_only:
        compiled = _with_demand(compiled, analysis, names, refs.sources, refs.refs)
    return compiled


def _with_demand(
    compiled: CompiledModel,
    analysis: QueryAnalysis,
    names: Names,
    sources: Iterable[str],
    refs: Iterable[str],
) -> CompiledModel:
    """The columns the model reads of each input, and the input its `*` passes through."""
    inferred = tuple((s, analysis.inferred.get(names[("source", s)], ())) for s in sources)
    demand = tuple((r, analysis.inferred.get(names[("ref", r)], ())) for r in refs)
    star_from = None
    if analysis.open_star is not None:
        star_from = next((k for k, table in names.items() if table == analysis.open_star), None)
    return replace(
        compiled,
        inferred=inferred,
        demand=tuple((r, cols) for r, cols in demand if cols),
        star_from=star_from,
    )


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


def _table_names(model: str, sources: Iterable[str], refs: Iterable[str]) -> Names:
    """Table names inside one job: the input's name, suffixed when it would collide."""
    sources, refs = list(sources), list(refs)
    taken = {model}
    names: Names = {}
    for kind, items, suffix in (("ref", refs, "_model"), ("source", sources, "_source")):
        for name in items:
            table = name if name not in taken else f"{name}{suffix}"
            while table in taken:
                table += "_"
            taken.add(table)
            names[(kind, name)] = table
    return names


def _model_schema(upstream: ModelFacts) -> TableSchema:
    return TableSchema(
        upstream.name,
        upstream.columns,
        updating=upstream.changelog is ChangelogMode.UPSERT,
        primary_key=upstream.primary_key,
        open=(not upstream.columns and upstream.materialization is Materialization.TOPIC)
        or upstream.open_star,
        retimable=upstream.materialization is not Materialization.VIRTUAL_TOPIC,
        message_key=upstream.primary_key,
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


__all__ = ["compile_model"]

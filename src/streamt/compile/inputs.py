"""The tables one job reads: sources (Kafka tables with their format options) and upstream
models (their topics, `upsert-kafka` when they emit updates, views for virtual topics). Pure."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from streamt.compile.eventtime import idle_options, idle_timeout_ms
from streamt.compile.jobs import InputTable
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.compile.tables import source_options, topic_options, versioned_source_options
from streamt.compile.topics import topic_spec
from streamt.load.model import Model
from streamt.sql import QueryAnalysis

if TYPE_CHECKING:
    from streamt.compile.project import _Run


def source_input(
    run: _Run, name: str, table: str, group: str, analysis: QueryAnalysis
) -> InputTable:
    source = next(s for s in run.project.sources if s.name == name)
    schema = run.sources[name]
    columns = schema.columns or analysis.inferred.get(table, ())
    keys = [c for k in source.key for c in columns if c.name == k]
    if table in analysis.versioned and not schema.updating:
        # the versioned side of a temporal join: the latest row per key (upsert-kafka)
        options = versioned_source_options(source, run.project.runtime, group, keys)
        return InputTable(table, tuple(columns), options, tuple(source.key), topic=source.topic)
    pk = schema.primary_key if schema.updating else ()
    options = source_options(source, run.project.runtime, group, [] if pk else keys)
    if source.event_time is not None:
        options += idle_options(idle_timeout_ms(run.project, source.event_time))
    return InputTable(table, tuple(columns), options, pk, topic=source.topic)


def ref_inputs(
    run: _Run,
    name: str,
    table: str,
    group: str,
    analysis: QueryAnalysis,
    parallelism: int | None = None,
) -> list[InputTable]:
    """`parallelism`: the reading job's, when it sets one."""
    upstream = run.nodes[run.mid(name)]
    if upstream.materialization is Materialization.VIRTUAL_TOPIC:
        inner = list(run.job_inputs.get(f"__vt__{name}", ()))
        return [*inner, InputTable(table, upstream.columns, view_query=upstream.query)]
    upsert = upstream.changelog is ChangelogMode.UPSERT or table in analysis.versioned
    columns = upstream.columns or analysis.inferred.get(table, ())
    event_time = analysis.event_times.get(table)
    if event_time is not None:  # a cascaded window: this column is the table's event time
        columns = tuple(
            replace(c, rowtime=True, proctime=False, watermark_delay_ms=0)
            if c.name == event_time
            else c.plain()
            for c in columns
        )
    options = topic_options(
        upstream.topic or name,
        run.project.runtime,
        upsert=upsert,
        key=() if upsert else upstream.primary_key,
        group_id=group,
    )
    model = run.models.get(name)
    if upstream.rowtime is not None and model is not None:
        options += idle_options(idle_timeout_ms(run.project, model.event_time))
        options += _source_parallelism(run, model, parallelism)
    return [
        InputTable(
            table,
            tuple(columns),
            options,
            upstream.primary_key if upsert else (),
            topic=upstream.topic,
        )
    ]


def _source_parallelism(
    run: _Run, upstream: Model, parallelism: int | None
) -> tuple[tuple[str, str], ...]:
    """A reader running wider than the watermarked topic it reads would have subtasks without
    a partition, which hold the watermark back for ever (no window fires): read the topic with
    one subtask per partition instead. No idle timeout is needed for that, so nothing is lost."""
    partitions = topic_spec(run.project, upstream, run.mid(upstream.name)).partitions
    if parallelism is None or parallelism <= partitions:
        return ()
    return (("scan.parallelism", str(partitions)),)


def dedupe(tables: list[InputTable]) -> list[InputTable]:
    seen: set[str] = set()
    out = []
    for t in tables:
        if t.name not in seen:
            seen.add(t.name)
            out.append(t)
    return out

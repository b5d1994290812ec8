"""The tables one job reads: sources (Kafka tables with their format options) and upstream
models (their topics, `upsert-kafka` when they emit updates, views for virtual topics). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from streamt.compile.bad_records import (
    SIDE_TOPICS,
    guarded_input,
    policy,
    side_topic,
    side_topic_spec,
)
from streamt.compile.jobs import InputTable
from streamt.compile.specs import ChangelogMode, Materialization
from streamt.compile.tables import source_options, topic_options, versioned_source_options
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
    return InputTable(table, tuple(columns), options, pk, topic=source.topic)


def ref_inputs(
    run: _Run, name: str, table: str, group: str, analysis: QueryAnalysis
) -> list[InputTable]:
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
    return [
        InputTable(
            table,
            tuple(columns),
            options,
            upstream.primary_key if upsert else (),
            topic=upstream.topic,
        )
    ]


def dedupe(tables: list[InputTable]) -> list[InputTable]:
    seen: set[str] = set()
    out = []
    for t in tables:
        if t.name not in seen:
            seen.add(t.name)
            out.append(t)
    return out


@dataclass(frozen=True)
class GuardedInputs:
    inputs: tuple[InputTable, ...]  # what the job declares, side tables included
    side_inserts: tuple[str, ...]  # the INSERTs routing bad records to the side topics


def guard_sources(run: _Run, model: Model, nid: str, tables: Sequence[InputTable]) -> GuardedInputs:
    """Source tables as the job reads them under each source's `on_bad_record` policy; the
    side topics (`<topic>.skipped` / `.dead_letters`) join the model's topics."""
    by_topic = {s.topic: s for s in run.project.sources}
    out: list[InputTable] = []
    sides: dict[str, InputTable] = {}
    inserts: list[str] = []
    for table in tables:
        source = by_topic.get(table.topic or "")
        chosen = policy(source, run.project) if source is not None else "fail"
        if chosen == "fail":
            out.append(table)
            continue
        topic = side_topic(run.project.topic_of(model), chosen)
        name = "streamt" + SIDE_TOPICS[chosen].replace(".", "_")
        options = topic_options(topic, run.project.runtime, upsert=False, key=(), group_id=None)
        guarded = guarded_input(table, chosen, name, options)
        out.extend(guarded.tables)
        inserts.append(guarded.side_insert)
        if name not in sides:
            sides[name] = guarded.side
            run.topics.append(side_topic_spec(run.project, topic, nid))
    return GuardedInputs(tuple(out) + tuple(sides.values()), tuple(inserts))
